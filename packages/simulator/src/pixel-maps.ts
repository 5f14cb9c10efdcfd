/**
 * Per-pixel truth of a dark measurement before any defect: offset with spatial structure (stage level,
 * per-ASIC level, per-pixel spread, per-cell variation) and noise around a per-stage level.
 * Shared helper: identical in the four built-in detector plugins.
 */
import type { DetectorGeometry, Random } from '@detcal/core';

/** Dark signal model of one gain stage (or of one stage's digital gain value), all in ADU. */
export interface StageModel {
  /** Mean offset of the stage over the module. */
  offsetAdu: number;
  /** Sigma of the per-ASIC offset level. */
  asicSpreadAdu: number;
  /** Sigma of the per-pixel offset spread, shared by all memory cells. */
  pixelSpreadAdu: number;
  /** Sigma of the per-(cell, pixel) offset variation (memory cells differ slightly). */
  cellSpreadAdu: number;
  /** Typical noise: sigma of a pixel's values over frames, before rounding. */
  noiseAdu: number;
  /** Relative sigma of the per-pixel noise around noiseAdu. */
  noiseRelativeSpread: number;
}

/** Generating values of a dark, laid out [stage][cell][row][col]: offset and noise sigma before rounding, in ADU. */
export interface PixelMaps {
  /** Number of gain stages (planes of the outer axis). */
  stages: number;
  /** Number of memory cells. */
  cells: number;
  /** Rows of one frame. */
  rows: number;
  /** Columns of one frame. */
  cols: number;
  /** Mean value of each pixel (ADU). */
  offsetAdu: Float32Array;
  /** Sigma of each pixel's values over frames before rounding (ADU); 0 for a dead pixel. */
  sigmaAdu: Float32Array;
}

/** Smallest per-pixel noise, as a fraction of the stage level, so that no normal pixel looks dead. */
const MIN_NOISE_FRACTION = 0.3;

/** Index of the ASIC each pixel belongs to (ASICs numbered row-major). */
export function asicIndexMap(geometry: Pick<DetectorGeometry, 'moduleRows' | 'moduleCols' | 'asics'>): Uint16Array {
  const { moduleRows: rows, moduleCols: cols, asics } = geometry;
  const out = new Uint16Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const asicRow = Math.floor(r / asics.asicRows);
    for (let c = 0; c < cols; c++) out[r * cols + c] = asicRow * asics.cols + Math.floor(c / asics.asicCols);
  }
  return out;
}

/** Draws offset and noise maps for every stage and memory cell, in a fixed order from rng. */
export function drawPixelMaps(
  rng: Random,
  geometry: Pick<DetectorGeometry, 'moduleRows' | 'moduleCols' | 'asics'>,
  stages: readonly StageModel[],
  cells: number,
): PixelMaps {
  const rows = geometry.moduleRows, cols = geometry.moduleCols, pixels = rows * cols;
  const asicOf = asicIndexMap(geometry);
  const nAsics = geometry.asics.rows * geometry.asics.cols;
  const offsetAdu = new Float32Array(stages.length * cells * pixels);
  const sigmaAdu = new Float32Array(stages.length * cells * pixels);
  const pixelLevel = new Float64Array(pixels);
  const pixelNoise = new Float64Array(pixels);
  const asicLevel = new Float64Array(nAsics);
  stages.forEach((s, g) => {
    for (let a = 0; a < nAsics; a++) asicLevel[a] = s.offsetAdu + s.asicSpreadAdu * rng.normal();
    for (let p = 0; p < pixels; p++) pixelLevel[p] = asicLevel[asicOf[p]] + s.pixelSpreadAdu * rng.normal();
    const minNoise = MIN_NOISE_FRACTION * s.noiseAdu;
    for (let p = 0; p < pixels; p++) pixelNoise[p] = Math.max(minNoise, s.noiseAdu * (1 + s.noiseRelativeSpread * rng.normal()));
    for (let c = 0; c < cells; c++) {
      const base = (g * cells + c) * pixels;
      for (let p = 0; p < pixels; p++) {
        offsetAdu[base + p] = pixelLevel[p] + s.cellSpreadAdu * rng.normal();
        sigmaAdu[base + p] = pixelNoise[p];
      }
    }
  });
  return { stages: stages.length, cells, rows, cols, offsetAdu, sigmaAdu };
}
