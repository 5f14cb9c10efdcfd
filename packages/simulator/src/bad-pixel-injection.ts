/**
 * Injected bad pixels: which pixels are hot, noisy or dead, how the defects change the pixel maps,
 * and the EuXFEL BadPixels flags a dark characterization is expected to find.
 * Shared helper: identical in the four built-in detector plugins.
 */
import { BadPixel } from '@detcal/core';
import type { Random } from '@detcal/core';
import type { PixelMaps } from './pixel-maps.js';

/** Kind of defect given to a pixel (the value stored per pixel). */
export const Defect = { NONE: 0, HOT: 1, NOISY: 2, DEAD: 3 } as const;

/** Fractions of the module's pixels that get each defect. */
export interface DefectFractions {
  /** Offset far above the distribution. */
  hot: number;
  /** Noise several times the normal level. */
  noisy: number;
  /** Constant value, zero spread. */
  dead: number;
}

/** 0.25 % of the pixels for each defect, 0.75 % in total. */
export const DEFAULT_DEFECT_FRACTIONS: DefectFractions = { hot: 0.0025, noisy: 0.0025, dead: 0.0025 };

/** How far defects stand out. */
export interface DefectStrength {
  /** Hot pixels: offset shift in units of the std of the plane's offsets. */
  hotSigma: number;
  /** Noisy pixels: factor on the noise sigma. */
  noisyFactor: number;
}

/** Hot: +20 sigma of the offset spread; noisy: noise x 7. */
export const DEFAULT_DEFECT_STRENGTH: DefectStrength = { hotSigma: 20, noisyFactor: 7 };

/** The defect of every pixel of a module and how many of each kind. */
export interface InjectedDefects {
  /** Defect code per pixel (row-major), a Defect value. */
  defect: Uint8Array;
  /** Number of hot pixels. */
  hot: number;
  /** Number of noisy pixels. */
  noisy: number;
  /** Number of dead pixels. */
  dead: number;
}

/** Picks distinct pixels for each defect: exactly round(fraction x pixels) of each kind. */
export function pickDefects(rng: Random, pixels: number, fractions: DefectFractions = DEFAULT_DEFECT_FRACTIONS): InjectedDefects {
  const hot = Math.round(fractions.hot * pixels);
  const noisy = Math.round(fractions.noisy * pixels);
  const dead = Math.round(fractions.dead * pixels);
  const total = hot + noisy + dead;
  const defect = new Uint8Array(pixels);
  // Partial Fisher-Yates shuffle: the first `total` entries become a random sample without repetition.
  const index = new Int32Array(pixels);
  for (let i = 0; i < pixels; i++) index[i] = i;
  for (let i = 0; i < total; i++) {
    const j = i + rng.int(pixels - i);
    const t = index[i];
    index[i] = index[j];
    index[j] = t;
    defect[index[i]] = i < hot ? Defect.HOT : i < hot + noisy ? Defect.NOISY : Defect.DEAD;
  }
  return { defect, hot, noisy, dead };
}

/** Which defects applyDefects changes the maps for (digital gain maps only take dead pixels). */
export interface DefectSelection {
  /** Shift hot pixels' offsets. */
  hot: boolean;
  /** Scale noisy pixels' noise. */
  noisy: boolean;
  /** Freeze dead pixels. */
  dead: boolean;
}

/**
 * Applies defects to every [stage][cell] plane of the maps, in place: hot offsets move up by
 * hotSigma x the plane's offset std (kept below maxAdu - 10 sigma so the ADC does not saturate),
 * noisy sigmas are multiplied by noisyFactor, dead pixels get a rounded constant value and sigma 0.
 */
export function applyDefects(
  maps: PixelMaps,
  defects: InjectedDefects,
  maxAdu: number,
  strength: DefectStrength = DEFAULT_DEFECT_STRENGTH,
  selection: DefectSelection = { hot: true, noisy: true, dead: true },
): void {
  const pixels = maps.rows * maps.cols;
  const d = defects.defect;
  for (let plane = 0; plane < maps.stages * maps.cells; plane++) {
    const off = maps.offsetAdu.subarray(plane * pixels, (plane + 1) * pixels);
    const sig = maps.sigmaAdu.subarray(plane * pixels, (plane + 1) * pixels);
    const shift = strength.hotSigma * planeStd(off);
    for (let p = 0; p < pixels; p++) {
      if (d[p] === Defect.HOT && selection.hot) off[p] = Math.min(off[p] + shift, maxAdu - 10 * sig[p]);
      else if (d[p] === Defect.NOISY && selection.noisy) sig[p] *= strength.noisyFactor;
      else if (d[p] === Defect.DEAD && selection.dead) {
        off[p] = Math.round(off[p]);
        sig[p] = 0;
      }
    }
  }
}

/** EuXFEL BadPixels flags a dark characterization should set for a defect. */
export function defectFlags(code: number): number {
  switch (code) {
    case Defect.HOT: return BadPixel.OFFSET_OUT_OF_THRESHOLD;
    case Defect.NOISY: return BadPixel.NOISE_OUT_OF_THRESHOLD;
    case Defect.DEAD: return (BadPixel.DATA_STD_IS_ZERO | BadPixel.NOISE_OUT_OF_THRESHOLD) >>> 0;
    default: return 0;
  }
}

/** BadPixelsTruth values for `planes` [gain][cell] planes: each pixel's defect flags repeated on every plane. */
export function badPixelsTruth(defects: InjectedDefects, planes: number): Uint32Array {
  const pixels = defects.defect.length;
  const out = new Uint32Array(planes * pixels);
  for (let p = 0; p < pixels; p++) out[p] = defectFlags(defects.defect[p]);
  for (let plane = 1; plane < planes; plane++) out.copyWithin(plane * pixels, 0, pixels);
  return out;
}

function planeStd(values: Float32Array): number {
  let s = 0, s2 = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const mean = s / values.length;
  return Math.sqrt(Math.max(0, s2 / values.length - mean * mean));
}
