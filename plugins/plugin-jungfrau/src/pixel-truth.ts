/**
 * The per-pixel dark truth of a simulated Jungfrau module (offset and noise maps with hot, noisy and
 * dead pixels), drawn in one fixed order from the truth stream. Every simulation kind calls this, so
 * the same seed and module give identical maps in `--kind dark` and `--kind light`.
 */
import { Random } from '@detcal/core';
import { DEFAULT_DEFECT_FRACTIONS, TRUTH_STREAM, applyDefects, drawPixelMaps, pickDefects, streamSeed } from '@detcal/simulator';
import type { InjectedDefects, PixelMaps } from '@detcal/simulator';
import { JUNGFRAU_ADC_MAX_ADU, JUNGFRAU_STAGES } from './dark-model.js';
import { jungfrauGeometry } from './geometry.js';

/** Offset / noise maps [stage][cell][row][col] after defects, and the defect of every pixel. */
export interface JungfrauPixelTruth {
  /** Offset and noise sigma before rounding, ADU. */
  maps: PixelMaps;
  /** Hot, noisy and dead pixels. */
  defects: InjectedDefects;
}

/** Draws the dark truth of one module: pixel maps, then defects, from the truth stream of (seed, module). */
export function drawJungfrauPixelTruth(seed: number, module: number, cells: number): JungfrauPixelTruth {
  const rng = new Random(streamSeed(seed, module, TRUTH_STREAM));
  const maps = drawPixelMaps(rng, jungfrauGeometry, JUNGFRAU_STAGES, cells);
  const defects = pickDefects(rng, jungfrauGeometry.moduleRows * jungfrauGeometry.moduleCols, DEFAULT_DEFECT_FRACTIONS);
  applyDefects(maps, defects, JUNGFRAU_ADC_MAX_ADU);
  return { maps, defects };
}
