/**
 * The truth ConstantSet of a simulation: arrays in detcal's constant order [gain][cell][row][col]
 * (singleton axes kept), fixed metadata so that the same seed gives the same files.
 * Shared helper: identical in the four built-in detector plugins.
 */
import { DETCAL_VERSION, makeConstant } from '@detcal/core';
import type { Conditions, ConstantArray, ConstantMetadata, NumericArray, SimulateOptions, SimulatedRun } from '@detcal/core';

/** Axis labels of every truth array. */
export const TRUTH_DIMS: readonly string[] = ['gain', 'cell', 'row', 'col'];

/** createdAt of every simulated truth: fixed, so the same seed gives byte-identical files. */
export const SIMULATION_CREATED_AT = '2025-01-01T00:00:00.000Z';

/** Variance added by rounding a continuous value to whole ADU (1/12 ADU^2). */
export const ROUNDING_VARIANCE_ADU2 = 1 / 12;

/** What Noise truth means, written into the truth parameters. */
export const NOISE_DEFINITION = 'std of the raw integer values over frames: sqrt(sigma^2 + 1/12) ADU (generating sigma plus rounding), 0 for dead pixels';

/** Shape of the truth arrays: gain stages, memory cells, rows, columns. */
export interface TruthShape {
  /** Gain stages (1 for single-gain detectors). */
  gains: number;
  /** Memory cells (1 where the detector has none). */
  cells: number;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
}

/** A truth array with dims ['gain', 'cell', 'row', 'col']. */
export function truthArray(name: string, data: NumericArray, shape: TruthShape, unit: string): ConstantArray {
  return makeConstant(name, data, [shape.gains, shape.cells, shape.rows, shape.cols], [...TRUTH_DIMS], unit);
}

/** Std of each pixel's raw integer values: sqrt(sigma^2 + 1/12 + extraVarianceAdu2), 0 where sigma is 0 (dead). */
export function rawNoiseAdu(sigmaAdu: Float32Array, extraVarianceAdu2 = 0): Float32Array {
  const out = new Float32Array(sigmaAdu.length);
  const extra = ROUNDING_VARIANCE_ADU2 + extraVarianceAdu2;
  for (let i = 0; i < out.length; i++) out[i] = sigmaAdu[i] > 0 ? Math.sqrt(sigmaAdu[i] * sigmaAdu[i] + extra) : 0;
  return out;
}

/** Metadata of a simulation's truth: detector, module, runs, conditions and everything injected. */
export function truthMetadata(
  detectorType: string,
  detectorId: string,
  options: SimulateOptions,
  runs: readonly SimulatedRun[],
  conditions: Conditions,
  parameters: Record<string, unknown>,
): ConstantMetadata {
  return {
    detectorType,
    detectorId,
    module: options.module,
    conditions,
    sourceRuns: runs.map((r) => String(r.run)),
    createdAt: SIMULATION_CREATED_AT,
    toolVersion: DETCAL_VERSION,
    parameters: {
      kind: options.kind,
      seed: options.seed,
      trains: options.trains,
      cells: options.cells,
      module: options.module,
      firstRun: options.firstRun,
      runs: runs.map((r) => ({ run: r.run, label: r.label, gainStage: r.gainStage, nFrames: r.nFrames })),
      noiseDefinition: NOISE_DEFINITION,
      ...parameters,
    },
  };
}
