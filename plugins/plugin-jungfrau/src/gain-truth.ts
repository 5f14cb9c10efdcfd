/**
 * The per-pixel gain truth of a simulated Jungfrau module: gain of every stage and memory cell in
 * signed ADU/keV and the two switch points in keV. Drawn from its own stream, after and apart from
 * the dark truth, so the dark maps of a seed do not change when light is simulated.
 */
import { Random } from '@detcal/core';
import { streamSeed } from '@detcal/simulator';
import { GAIN_CELL_SPREAD, GAIN_PIXEL_SPREAD, JUNGFRAU_GAIN_ADU_PER_KEV, JUNGFRAU_SWITCH_KEV, SWITCH_PIXEL_SPREAD } from './light-model.js';

/** Stream number of the gain truth (the dark truth is stream 1, events 100+, runs 200+). */
export const GAIN_TRUTH_STREAM = 2;

/** Gains and switch points of one module. */
export interface JungfrauGainTruth {
  /** Gain per [stage][cell][pixel], signed ADU/keV (raw = offset + gain x E). */
  gainAduPerKev: Float32Array;
  /** Switch points per [transition][pixel], keV: 0 = G0 -> G1, 1 = G1 -> G2. */
  switchKev: Float32Array;
}

/** Draws the gains (per stage: pixel factors, then cell factors) and then the switch points of (seed, module). */
export function drawJungfrauGainTruth(seed: number, module: number, cells: number, pixels: number): JungfrauGainTruth {
  const rng = new Random(streamSeed(seed, module, GAIN_TRUTH_STREAM));
  const gainAduPerKev = new Float32Array(3 * cells * pixels);
  const pixelGain = new Float64Array(pixels);
  for (let g = 0; g < 3; g++) {
    for (let p = 0; p < pixels; p++) pixelGain[p] = JUNGFRAU_GAIN_ADU_PER_KEV[g] * (1 + GAIN_PIXEL_SPREAD * rng.normal());
    for (let c = 0; c < cells; c++) {
      const base = (g * cells + c) * pixels;
      for (let p = 0; p < pixels; p++) gainAduPerKev[base + p] = pixelGain[p] * (1 + GAIN_CELL_SPREAD * rng.normal());
    }
  }
  const switchKev = new Float32Array(2 * pixels);
  for (let t = 0; t < 2; t++) {
    for (let p = 0; p < pixels; p++) switchKev[t * pixels + p] = JUNGFRAU_SWITCH_KEV[t] * (1 + SWITCH_PIXEL_SPREAD * rng.normal());
  }
  return { gainAduPerKev, switchKev };
}
