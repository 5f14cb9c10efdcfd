/**
 * Frames of the simulated Jungfrau light run, one at a time from one random stream: a common mode
 * per bank, Poisson photons (diffuse background plus Gaussian spots), the gain stage each pixel's
 * charge switches it to (per-pixel switch points with frame-to-frame jitter), the adc value of that
 * stage and its gain bits (0, 1, 3), and a few invalid gain bits (2). Writes the raw values and the
 * per-pixel truth of the frame.
 */
import type { Random } from '@detcal/core';
import { JUNGFRAU_BANKS } from '@detcal/kernels';
import type { PixelMaps } from '@detcal/simulator';
import { JUNGFRAU_ADC_MAX_ADU } from './dark-model.js';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import type { JungfrauGainTruth } from './gain-truth.js';
import { INVALID_GAIN_BITS, JUNGFRAU_LIGHT, SWITCH_JITTER_KEV } from './light-model.js';

/** Per-pixel truth of frames, frame-major; a frame's values start at the offset given to fillFrame. */
export interface LightFrameTruth {
  /** Energy deposited in the pixel, keV (photons x photon energy). */
  energyKev: Float32Array;
  /** Gain stage the charge switched the pixel to (0, 1, 2), whatever gain bits were written. */
  gainStage: Uint8Array;
  /** 1 where the gain bits were written as the invalid value 2. */
  wrongGain: Uint8Array;
  /** Common mode added to the pixel's adc value, ADU (the bank's value on G0 pixels, 0 on G1 / G2). */
  commonModeAdu: Float32Array;
}

/** Allocates truth arrays for n frames of `pixels` pixels. */
export function allocateLightTruth(n: number, pixels: number): LightFrameTruth {
  return { energyKev: new Float32Array(n * pixels), gainStage: new Uint8Array(n * pixels), wrongGain: new Uint8Array(n * pixels), commonModeAdu: new Float32Array(n * pixels) };
}

/** Draws light frames in order; one instance per pass over the run, so every pass gives the same frames. */
export class JungfrauLightFrames {
  private readonly pixels: number;
  private readonly photons: Int32Array;
  private readonly cm: Float64Array;
  private readonly banksPerRow: number;

  /**
   * @param rng - the run's random stream, consumed frame by frame
   * @param maps - offset and noise truth [stage][cell][pixel], ADU
   * @param gains - gain truth (ADU/keV) and switch points (keV)
   * @param photonEnergyKev - energy of every photon, keV
   */
  constructor(
    private readonly rng: Random,
    private readonly maps: PixelMaps,
    private readonly gains: JungfrauGainTruth,
    private readonly photonEnergyKev: number,
  ) {
    this.pixels = maps.rows * maps.cols;
    this.photons = new Int32Array(this.pixels);
    this.banksPerRow = maps.cols / JUNGFRAU_BANKS.bankCols;
    this.cm = new Float64Array((maps.rows / JUNGFRAU_BANKS.bankRows) * this.banksPerRow);
  }

  /** Writes one frame of memory cell `cell`: adc values and gain bits at data[o..], its truth at truth.*[t..]. */
  fillFrame(cell: number, data: Uint16Array, gain: Uint8Array, o: number, truth: LightFrameTruth, t: number): void {
    const rng = this.rng, P = this.pixels, cells = this.maps.cells;
    for (let b = 0; b < this.cm.length; b++) this.cm[b] = JUNGFRAU_LIGHT.commonModeRmsAdu * rng.normal();
    this.drawPhotons();
    const photons = this.photons, cm = this.cm, eph = this.photonEnergyKev;
    const off = this.maps.offsetAdu, sig = this.maps.sigmaAdu, g = this.gains.gainAduPerKev;
    const sw0 = this.gains.switchKev.subarray(0, P), sw1 = this.gains.switchKev.subarray(P, 2 * P);
    const j0 = SWITCH_JITTER_KEV[0], j1 = SWITCH_JITTER_KEV[1];
    const { energyKev, gainStage, wrongGain, commonModeAdu } = truth;
    const cols = this.maps.cols, bankRowShift = JUNGFRAU_BANKS.bankRows, bankCols = JUNGFRAU_BANKS.bankCols;
    for (let r = 0; r < this.maps.rows; r++) {
      const bankRow = Math.floor(r / bankRowShift) * this.banksPerRow;
      for (let c = 0, p = r * cols; c < cols; c++, p++) {
        const n = photons[p];
        const e = n * eph;
        let stage = 0;
        if (n > 0 && e + j0 * rng.normal() > sw0[p]) {
          stage = 1;
          if (e + j1 * rng.normal() > sw1[p]) stage = 2;
        }
        const k = (stage * cells + cell) * P + p;
        const s = sig[k];
        const cmv = stage === 0 ? cm[bankRow + Math.floor(c / bankCols)] : 0;
        // Dead pixels (sigma 0) keep their constant value; +0.5 then truncation on store rounds half up.
        const v = s > 0 ? off[k] + cmv + g[k] * e + s * rng.normal() + 0.5 : off[k] + 0.5;
        data[o + p] = v < 0 ? 0 : v > JUNGFRAU_ADC_MAX_ADU ? JUNGFRAU_ADC_MAX_ADU : v;
        gain[o + p] = JUNGFRAU_GAIN_BITS[stage];
        energyKev[t + p] = e;
        gainStage[t + p] = stage;
        wrongGain[t + p] = 0;
        commonModeAdu[t + p] = s > 0 ? cmv : 0;
      }
    }
    const nWrong = rng.poisson(JUNGFRAU_LIGHT.wrongGainFraction * P);
    for (let i = 0; i < nWrong; i++) {
      const p = rng.int(P);
      gain[o + p] = INVALID_GAIN_BITS;
      wrongGain[t + p] = 1;
    }
  }

  /** Photon counts of one frame: uniform Poisson background, then spots with a Gaussian profile. */
  private drawPhotons(): void {
    const rng = this.rng, P = this.pixels, photons = this.photons;
    const rows = this.maps.rows, cols = this.maps.cols;
    photons.fill(0);
    const nBg = rng.poisson(JUNGFRAU_LIGHT.backgroundPhotonsPerPixel * P);
    for (let i = 0; i < nBg; i++) photons[rng.int(P)]++;
    const [eLo, eHi] = JUNGFRAU_LIGHT.spotEnergyKev, [sLo, sHi] = JUNGFRAU_LIGHT.spotSigmaPx;
    for (let s = 0; s < JUNGFRAU_LIGHT.spotsPerFrame; s++) {
      const r0 = rng.uniform() * rows, c0 = rng.uniform() * cols;
      const sigma = sLo + (sHi - sLo) * rng.uniform();
      const meanPhotons = (eLo * Math.exp(Math.log(eHi / eLo) * rng.uniform())) / this.photonEnergyKev;
      const R = Math.ceil(4 * sigma), inv2s2 = 1 / (2 * sigma * sigma);
      const rc = Math.floor(r0), cc = Math.floor(c0);
      let sum = 0;
      for (let r = rc - R; r <= rc + R; r++) {
        for (let c = cc - R; c <= cc + R; c++) sum += Math.exp(-((r + 0.5 - r0) ** 2 + (c + 0.5 - c0) ** 2) * inv2s2);
      }
      // Photons of the window's part outside the module are lost, as at a module edge.
      for (let r = Math.max(0, rc - R); r <= Math.min(rows - 1, rc + R); r++) {
        for (let c = Math.max(0, cc - R); c <= Math.min(cols - 1, cc + R); c++) {
          const w = Math.exp(-((r + 0.5 - r0) ** 2 + (c + 0.5 - c0) ** 2) * inv2s2) / sum;
          photons[r * cols + c] += rng.poisson(meanPhotons * w);
        }
      }
    }
  }
}
