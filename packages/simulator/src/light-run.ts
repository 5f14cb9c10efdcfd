/**
 * A light run of a single-gain detector with a per-row common mode (ePix100, pnCCD): the dark frames
 * of fillRowCommonModeFrame plus isolated photons (photon-splits.ts). A photon's share s in pixel p
 * adds round(E s / (gainKevPerAdu x relativeGain[p])) ADU, so that (raw - offset - common mode) x
 * relativeGain x gainKevPerAdu is the deposited energy in keV; dead pixels do not respond; values
 * clip at the ADC maximum. truthBlocks gives, per frame and pixel, energyKev (deposited, f4) and
 * photonPattern (u1, at each photon's primary pixel: the expectedSplit code, 1 single .. 4 quad,
 * 5 other shape, 6 primary below its threshold; 0 elsewhere).
 * Shared helper of the ePix100 and pnCCD plugins.
 */
import { Random } from '@detcal/core';
import type { FrameBlock, SimulatedRun, TruthBlock } from '@detcal/core';
import { framesPerBlock, simulatedRun, type RunFrames, type RunLabel } from './frame-blocks.js';
import { PHOTON_STREAM, createPhotonFrame, drawPhotonFrame, expectedSplit, type PhotonModel } from './photon-splits.js';
import type { PixelMaps } from './pixel-maps.js';
import { fillRowCommonModeFrame } from './row-common-mode.js';
import { RUN_STREAM, streamSeed } from './stream-seed.js';

/** Everything a light run is made of. */
export interface LightRunSpec {
  /** Run number, label and gain stage. */
  label: RunLabel;
  /** Frames of the run (single gain, one frame per train). */
  frames: RunFrames;
  /** User seed of the simulation. */
  seed: number;
  /** Dark truth: offset and noise sigma of each pixel, ADU. */
  maps: PixelMaps;
  /** Pixels per common-mode group along a row. */
  groupCols: number;
  /** Rms of the per-frame common mode of each group, ADU. */
  commonModeRmsAdu: number;
  /** Largest raw value. */
  adcMaxAdu: number;
  /** Photon energy, keV. */
  photonEnergyKev: number;
  /** Absolute gain, keV/ADU. */
  gainKevPerAdu: number;
  /** Relative gain factor of each pixel (corrected ADU = raw ADU x factor). */
  relativeGain: Float32Array;
  /** Photon cells, occupancy and splits. */
  model: PhotonModel;
  /** Primary threshold of each pixel in corrected ADU, for photonPattern. */
  primaryAdu: Float32Array;
  /** Secondary threshold of each pixel in corrected ADU, for photonPattern. */
  secondaryAdu: Float32Array;
}

/** Draws a relative gain factor per pixel: 1 + spread x normal, kept within [1 - 4 spread, 1 + 4 spread]. */
export function drawRelativeGain(rng: Random, pixels: number, spread: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = 1 + spread * Math.max(-4, Math.min(4, rng.normal()));
  return out;
}

/** The light run: raw blocks and per-frame truth drawn from the same photon stream. */
export function simulatedLightRun(spec: LightRunSpec): SimulatedRun {
  const { frames, maps, model } = spec;
  const { rows, cols } = frames;
  const pixels = rows * cols;
  const photonSeed = streamSeed(spec.seed, frames.module, PHOTON_STREAM);
  const adcPerShare = (p: number, share: number): number => (spec.photonEnergyKev * share) / (spec.gainKevPerAdu * spec.relativeGain[p]);

  const makeFiller = () => {
    const runRng = new Random(streamSeed(spec.seed, frames.module, RUN_STREAM));
    const photonRng = new Random(photonSeed);
    const photons = createPhotonFrame(rows, cols, model);
    return (block: FrameBlock): void => {
      const data = block.data as Uint16Array;
      for (let f = 0; f < block.nFrames; f++) {
        const o = f * pixels;
        fillRowCommonModeFrame(runRng, maps.offsetAdu, maps.sigmaAdu, spec.commonModeRmsAdu, rows, cols, spec.groupCols, data, o);
        drawPhotonFrame(photonRng, rows, cols, model, photons);
        for (let j = 0; j < 4 * photons.count; j++) {
          const p = photons.pixels[j];
          if (p < 0 || maps.sigmaAdu[p] === 0) continue;
          data[o + p] = Math.min(spec.adcMaxAdu, data[o + p] + Math.round(adcPerShare(p, photons.shares[j])));
        }
      }
    };
  };
  const run = simulatedRun(spec.label, frames, makeFiller);

  function* truthBlocks(maxFrames: number): Generator<TruthBlock> {
    const step = framesPerBlock(maxFrames, frames.cellsPerTrain);
    const nFrames = frames.trains * frames.cellsPerTrain;
    const photonRng = new Random(photonSeed);
    const photons = createPhotonFrame(rows, cols, model);
    const corrected = (p: number, share: number): number => (spec.photonEnergyKev * share) / spec.gainKevPerAdu;
    for (let first = 0; first < nFrames; first += step) {
      const n = Math.min(step, nFrames - first);
      const energyKev = new Float32Array(n * pixels), photonPattern = new Uint8Array(n * pixels);
      for (let f = 0; f < n; f++) {
        const o = f * pixels;
        drawPhotonFrame(photonRng, rows, cols, model, photons);
        for (let k = 0; k < photons.count; k++) {
          for (let j = 4 * k; j < 4 * k + 4; j++) if (photons.pixels[j] >= 0) energyKev[o + photons.pixels[j]] += spec.photonEnergyKev * photons.shares[j];
          photonPattern[o + photons.pixels[4 * k]] = expectedSplit(photons, k, corrected, spec.primaryAdu, spec.secondaryAdu);
        }
      }
      yield { firstFrame: first, nFrames: n, arrays: { energyKev, photonPattern } };
    }
  }
  return { ...run, truthBlocks };
}
