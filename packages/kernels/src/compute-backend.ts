/**
 * The compute-backend contract: the dark-accumulation kernels every backend (typed-array CPU,
 * gpu.js) implements with identical signatures. Kernels work on one block of frames and
 * accumulate into an explicit {@link DarkAccumulator}, so a run streams block by block.
 * One member, one line of documentation.
 */
import type { DarkAccumulator } from './dark-accumulator.js';
import type { GainStageConstants, GainStageOutput } from './correct-gain-stages.js';

/** A float output buffer: Float32Array for constants, Float64Array where full precision is wanted. */
export type FloatArray = Float32Array | Float64Array;

/** Pixel values of one block, frame-major (nFrames * nPixels): raw ADU (u2), gain values (u1/u2) or f4. */
export type BlockData = Uint16Array | Uint8Array | Float32Array;

/** Per-value gain indicator of one block (AGIPD digital value, Jungfrau gain bits), same layout as the data. */
export type GainData = Uint8Array | Uint16Array;

/** Which values of a block the dark kernels accumulate. */
export interface DarkAccumulateOptions {
  /** Gain indicator per value (same length as the data); used only together with acceptGain. */
  gain?: GainData;
  /** Gain value(s) to accept: a value whose gain differs is not accumulated and counts in `rejected`. */
  acceptGain?: number | readonly number[];
  /** 1 = exclude: per pixel (length nPixels) or per value (length nFrames * nPixels); excluded values are not counted anywhere. */
  mask?: Uint8Array;
}

/** Where {@link ComputeBackend.finalizeDark} writes, each of length nCells * nPixels, cell-major. */
export interface DarkFinalizeOutput {
  /** Mean per (cell, pixel), ADU; NaN where fewer than minCount values were accepted. */
  meanAdu: FloatArray;
  /** Standard deviation per (cell, pixel), ADU (ddof 0 = numpy np.std); NaN where undefined. */
  stdAdu: FloatArray;
  /** Accepted values per (cell, pixel), if wanted. */
  count?: Uint32Array | FloatArray;
}

/** How {@link ComputeBackend.finalizeDark} turns sums into statistics. */
export interface DarkFinalizeOptions {
  /** Delta degrees of freedom of the std: 0 (numpy default, EuXFEL, LCLS) or 1 (sample std). */
  ddof?: 0 | 1;
  /** Fewest accepted values for a defined mean; below it mean and std are NaN (default 1). */
  minCount?: number;
}

/** A set of kernels behind one interface; pick one with selectBackend(). */
export interface ComputeBackend {
  /** Backend family: 'cpu' (plain typed-array loops) or 'gpu' (gpu.js kernels). */
  readonly name: 'cpu' | 'gpu';
  /** The engine that actually runs: 'js' for cpu; the gpu.js backend ('headlessgl', 'webgl2', 'webasm', 'cpu', ...) for gpu. */
  readonly engine: string;
  /** Adds one block of frames (all pixels) to the per-(cell, pixel) sums of `state`; parameters as accumulateDarkCpu. */
  accumulateDark(
    state: DarkAccumulator,
    data: BlockData,
    cellIds: Uint16Array,
    nFrames: number,
    nPixels: number,
    opts?: DarkAccumulateOptions,
  ): void;
  /** accumulateDark for pixels [p0, p1) only, so workers can split frames by pixel ranges; parameters as accumulateDarkRangeCpu. */
  accumulateDarkRange(
    state: DarkAccumulator,
    data: BlockData,
    cellIds: Uint16Array,
    nFrames: number,
    nPixels: number,
    p0: number,
    p1: number,
    opts?: DarkAccumulateOptions,
  ): void;
  /** Turns the accumulated sums into mean and std per (cell, pixel); parameters as finalizeDarkCpu. */
  finalizeDark(state: DarkAccumulator, out: DarkFinalizeOutput, opts?: DarkFinalizeOptions): void;
  /** Gain stage, offset and bad-pixel flags of one block of an adaptive-gain detector (AGIPD); parameters as correctGainStagesCpu. */
  correctGainStages(
    analog: Uint16Array | Float32Array,
    digital: Uint16Array | Float32Array,
    cellIds: Uint16Array,
    nFrames: number,
    constants: GainStageConstants,
    out: GainStageOutput,
  ): void;
  /** Releases kernels and contexts; the backend is unusable afterwards. */
  dispose(): void;
}
