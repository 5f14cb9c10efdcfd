/**
 * Throughput of accumulateDark per backend on a synthetic raw block (u2, offset ~5000 ADU,
 * noise ~5 ADU, frames cycling over the memory cells), for `detcal bench` and selectBackend().
 */
import { Random } from '@detcal/core';
import type { ComputeBackend } from './compute-backend.js';
import { createCpuBackend } from './cpu-backend.js';
import { createDarkAccumulator } from './dark-accumulator.js';
import { createGpuBackend, type GpuJsMode } from './gpu-backend.js';

/** A synthetic block to time the kernels on. */
export interface BenchBlockSpec {
  /** Frames per block. */
  frames: number;
  /** Pixels per frame (AGIPD module: 65536). */
  pixels: number;
  /** Memory cells the frames cycle over (default 1). */
  cells?: number;
}

/** Throughput of one backend. */
export interface BackendThroughput {
  /** Backend family. */
  backend: 'cpu' | 'gpu';
  /** Engine that ran ('js', or the gpu.js mode actually used). */
  engine: string;
  /** Raw u2 input consumed, megabytes (1e6 bytes) per second. */
  mbPerS: number;
  /** Frames per second. */
  framesPerS: number;
  /** Nanoseconds per pixel-frame (one input value). */
  nsPerPixelFrame: number;
  /** Timed accumulate calls (after one untimed warm-up call). */
  calls: number;
}

/** Options of {@link benchKernels}. */
export interface BenchOptions extends BenchBlockSpec {
  /** gpu.js modes to time besides the cpu backend (default ['gpu']; [] for cpu only). */
  gpuModes?: GpuJsMode[];
  /** Minimum timed duration per backend, milliseconds (default 300). */
  minTimeMs?: number;
  /** Seed of the synthetic data (default 1). */
  seed?: number;
}

/** Result of {@link benchKernels}. */
export interface BenchResult {
  /** The block that was timed. */
  block: Required<BenchBlockSpec>;
  /** Bytes of raw u2 input per block. */
  blockBytes: number;
  /** One entry per backend, cpu first. */
  results: BackendThroughput[];
}

/**
 * Builds a reproducible raw block: u2 values 5000 + 5 * N(0, 1) plus a per-pixel offset in [0, 200) ADU.
 * @param spec - frames, pixels, cells
 * @param seed - pseudo-random seed
 * @returns data (frame-major) and the cell id of each frame (frame % cells)
 */
export function syntheticDarkBlock(spec: BenchBlockSpec, seed = 1): { data: Uint16Array; cellIds: Uint16Array } {
  const rng = new Random(seed);
  const cells = spec.cells ?? 1;
  const offset = new Float64Array(spec.pixels);
  for (let p = 0; p < spec.pixels; p++) offset[p] = 5000 + Math.floor(rng.uniform() * 200);
  const data = new Uint16Array(spec.frames * spec.pixels);
  for (let f = 0, i = 0; f < spec.frames; f++) {
    for (let p = 0; p < spec.pixels; p++, i++) data[i] = Math.round(offset[p] + 5 * rng.normal());
  }
  const cellIds = new Uint16Array(spec.frames);
  for (let f = 0; f < spec.frames; f++) cellIds[f] = f % cells;
  return { data, cellIds };
}

/**
 * Times backend.accumulateDark on a block: one warm-up call (kernel compilation), then calls
 * until minTimeMs has passed (at least two).
 * @param backend - the backend to time
 * @param block - data and cell ids from syntheticDarkBlock
 * @param spec - the block's shape
 * @param minTimeMs - minimum timed duration, milliseconds
 * @returns throughput of this backend
 */
export function timeAccumulate(
  backend: ComputeBackend,
  block: { data: Uint16Array; cellIds: Uint16Array },
  spec: BenchBlockSpec,
  minTimeMs: number,
): BackendThroughput {
  const cells = spec.cells ?? 1;
  // the cpu backend's accumulators live in WebAssembly memory in a dark pass (its SIMD kernel): time that
  const state = createDarkAccumulator(cells, spec.pixels, { wasm: backend.name === 'cpu' });
  backend.accumulateDark(state, block.data, block.cellIds, spec.frames, spec.pixels);
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (calls < 2 || elapsed < minTimeMs) {
    backend.accumulateDark(state, block.data, block.cellIds, spec.frames, spec.pixels);
    calls++;
    elapsed = performance.now() - t0;
  }
  const seconds = elapsed / 1e3;
  const values = spec.frames * spec.pixels * calls;
  return {
    backend: backend.name,
    engine: backend.engine,
    mbPerS: (values * 2) / seconds / 1e6,
    framesPerS: (spec.frames * calls) / seconds,
    nsPerPixelFrame: (seconds * 1e9) / values,
    calls,
  };
}

/**
 * Measures accumulateDark throughput of the cpu backend and of gpu.js in the given modes.
 * @param opts - block shape (frames, pixels, cells), gpu.js modes, minimum time per backend
 * @returns MB/s of u2 input, frames/s and ns per pixel-frame per backend
 */
export function benchKernels(opts: BenchOptions): BenchResult {
  const block: Required<BenchBlockSpec> = { frames: opts.frames, pixels: opts.pixels, cells: opts.cells ?? 1 };
  const data = syntheticDarkBlock(block, opts.seed ?? 1);
  const minTimeMs = opts.minTimeMs ?? 300;
  const results: BackendThroughput[] = [timeAccumulate(createCpuBackend(), data, block, minTimeMs)];
  for (const mode of opts.gpuModes ?? ['gpu']) {
    const gpu = createGpuBackend({ mode });
    try {
      results.push(timeAccumulate(gpu, data, block, minTimeMs));
    } finally {
      gpu.dispose();
    }
  }
  return { block, blockBytes: data.data.byteLength, results };
}
