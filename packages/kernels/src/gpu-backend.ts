/**
 * The gpu.js compute backend: the dark kernels as gpu.js kernels (GLSL on a GL context, wasm
 * SIMD in 'webasm' mode, plain JS in gpu.js 'cpu' mode).
 *
 * gpu.js computes in float32 only, so naive sum / sum-of-squares of raw ADU would lose ~2 ADU of
 * std at N = 1000. Here every thread sums (x - ref) and (x - ref)^2 where ref is the accumulator's
 * per-(cell, pixel) reference (the first accepted value), so the summed numbers are of the size
 * of the noise and float32 partial sums over one block are accurate to ~N * 2^-24 relative; the
 * host folds each block's partial sums into the float64 accumulator. Frames are grouped by
 * memory cell on the host (counting sort) so one kernel call covers all cells of a block:
 * thread (x = pixel, y = cell group) loops over that cell's frames.
 *
 * gpu.js addresses arrays with float32 indices: in 'webasm' mode (and on GL textures) an array
 * of more than 2^24 elements returns wrong values. Every call is therefore split so that no
 * argument or output exceeds `maxElementsPerCall` (default 2^24) elements; a frame larger than
 * that is refused with a DetcalError.
 */
import { createRequire } from 'node:module';
import type { GPU, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { DetcalError, ensure } from '@detcal/core';
import type {
  BlockData,
  ComputeBackend,
  DarkAccumulateOptions,
  DarkFinalizeOptions,
  DarkFinalizeOutput,
} from './compute-backend.js';
import { checkDarkBlock, type DarkAccumulator } from './dark-accumulator.js';
import { checkFinalizeOutput } from './cpu-dark.js';
import type { GainStageConstants, GainStageOutput } from './correct-gain-stages.js';
import { correctGainStagesGpu } from './gpu-correct-gain-stages.js';
import { rows } from './gpu-output-rows.js';

/** The gpu.js modes this backend accepts ('async' and 'webgpu' need the Promise API and are not offered). */
export type GpuJsMode = 'gpu' | 'cpu' | 'webasm' | 'headlessgl' | 'webgl' | 'webgl2';

/** Largest array gpu.js 'webasm' addresses correctly: float32 indices are exact up to 2^24. */
export const GPUJS_MAX_ELEMENTS = 2 ** 24;

/** gpu.js, loaded on first use: threads that only run the cpu backend skip its ~80 ms load. */
function gpuJs(): typeof import('gpu.js') {
  return createRequire(import.meta.url)('gpu.js') as typeof import('gpu.js');
}

/** gpu.js engines that run on a real GPU context. */
const GL_ENGINES = new Set(['headlessgl', 'webgl', 'webgl2', 'webgpu']);

/** How {@link createGpuBackend} sets up gpu.js. */
export interface GpuBackendOptions {
  /** gpu.js mode to request (default 'gpu': the best GL context, else gpu.js falls back to 'webasm' or 'cpu'). */
  mode?: GpuJsMode;
  /** Most elements of any kernel argument or output per call (default 2^24, the webasm / float32 index limit). */
  maxElementsPerCall?: number;
  /**
   * Largest GL texture side an output may need (default: the context's maxTextureSize on a GL engine,
   * unchecked off GL). Every output's texture is checked against it before the call, so tests in gpu.js
   * 'cpu' mode catch shapes a GPU would refuse.
   */
  maxTextureSize?: number;
}

/** The gpu.js backend, with what it actually runs on. */
export interface GpuBackend extends ComputeBackend {
  /** Always 'gpu'. */
  readonly name: 'gpu';
  /** The gpu.js mode requested. */
  readonly requestedMode: GpuJsMode;
  /** True when the engine is a GL / WebGPU context, false when gpu.js fell back to 'webasm' or 'cpu'. */
  readonly onGpu: boolean;
  /** Element limit per kernel argument / output this backend splits at. */
  readonly maxElementsPerCall: number;
  /** Largest texture side an output may need (Infinity: unchecked). */
  readonly maxTextureSize: number;
}

// Kernel sources as text: gpu.js parses the source, and text is immune to what a transpiler
// (tsc, esbuild in vitest) might add to a function's toString().
// Output rows are (cell group, component): thread.z = group * K + component, so the readback is
// one Float32Array row per component instead of one small array per (group, pixel). Outputs are
// [pixels, 1, rows] (gpu-output-rows.ts: square textures on GL contexts).
// Plain: K = 2 (sum d, sum d^2); the count is the group's frame count, known on the host.
const ACCUMULATE_PLAIN = `function (data, ref, starts, order, nPix, p0, w) {
  const x = this.thread.x;
  const g = Math.floor(this.thread.z / 2);
  const comp = this.thread.z - g * 2;
  const p = x + p0;
  const r = ref[g * w + x];
  let s = 0;
  const i1 = starts[g + 1];
  for (let i = starts[g]; i < i1; i++) {
    const d = data[order[i] * nPix + p] - r;
    if (comp < 1) {
      s += d;
    } else {
      s += d * d;
    }
  }
  return s;
}`;

// Filtered (gain selection and / or mask): K = 4 (count, sum d, sum d^2, rejected).
const ACCUMULATE_FILTERED = `function (data, ref, starts, order, nPix, p0, w, gain, lut, useGain, mask, maskStride, useMask) {
  const x = this.thread.x;
  const g = Math.floor(this.thread.z / 4);
  const comp = this.thread.z - g * 4;
  const p = x + p0;
  const r = ref[g * w + x];
  let s = 0;
  const i1 = starts[g + 1];
  for (let i = starts[g]; i < i1; i++) {
    const f = order[i];
    let ok = 1;
    if (useMask > 0) {
      if (mask[f * maskStride + p] > 0) ok = 0;
    }
    if (ok > 0 && useGain > 0) {
      if (lut[gain[f * nPix + p]] < 1) ok = -1;
    }
    if (comp < 1) {
      if (ok > 0) s += 1;
    } else if (comp < 2) {
      if (ok > 0) s += data[f * nPix + p] - r;
    } else if (comp < 3) {
      if (ok > 0) {
        const d = data[f * nPix + p] - r;
        s += d * d;
      }
    } else {
      if (ok < 0) s += 1;
    }
  }
  return s;
}`;

// Output row 0 = mean, row 1 = std (one Float32Array per row on readback). NaN cases
// (n < minCount, n - ddof <= 0) are set on the host: GLSL has no portable NaN.
const FINALIZE = `function (ref, s, q, cnt, ddof) {
  const k = this.thread.x;
  const n = cnt[k];
  let v = 0;
  if (n > 0) {
    const m = s[k] / n;
    if (this.thread.z < 1) {
      v = ref[k] + m;
    } else if (n - ddof > 0) {
      const w = (q[k] - s[k] * m) / (n - ddof);
      if (w > 0) v = Math.sqrt(w);
    }
  }
  return v;
}`;

/** Maps a gpu.js kernel class to the mode name users know. */
function engineOf(kernelRun: IKernelRunShortcut): string {
  const k = kernelRun.kernel as unknown as { constructor: { name: string; mode?: string } };
  const byName: Record<string, string> = {
    CPUKernel: 'cpu',
    WebAssemblyKernel: 'webasm',
    HeadlessGLKernel: 'headlessgl',
    WebGL2Kernel: 'webgl2',
    WebGLKernel: 'webgl',
    WebGPUKernel: 'webgpu',
  };
  return byName[k.constructor.name] ?? k.constructor.mode ?? k.constructor.name;
}

/** Frames of a chunk grouped by cell: the cells present, CSR starts and frame order. */
interface CellGroups {
  cells: Uint32Array;
  starts: Float32Array;
  order: Float32Array;
}

/** Counting sort of the frames [f0, f1) by cell id; frame numbers in `order` are relative to f0. */
function groupByCell(cellIds: Uint16Array, f0: number, f1: number, nCells: number): CellGroups {
  const hist = new Uint32Array(nCells + 1);
  for (let f = f0; f < f1; f++) hist[cellIds[f] + 1]++;
  let nGroups = 0;
  for (let c = 1; c <= nCells; c++) if (hist[c] > 0) nGroups++;
  const cells = new Uint32Array(nGroups);
  const starts = new Float32Array(nGroups + 1);
  const slot = new Int32Array(nCells).fill(-1);
  let gi = 0;
  for (let c = 0; c < nCells; c++) {
    if (hist[c + 1] === 0) continue;
    cells[gi] = c;
    slot[c] = gi;
    starts[gi + 1] = starts[gi] + hist[c + 1];
    gi++;
  }
  const fill = Float64Array.from(starts.subarray(0, nGroups));
  const order = new Float32Array(f1 - f0);
  for (let f = f0; f < f1; f++) order[fill[slot[cellIds[f]]]++] = f - f0;
  return { cells, starts, order };
}

class GpuJsBackend implements GpuBackend {
  readonly name = 'gpu' as const;
  readonly requestedMode: GpuJsMode;
  readonly maxElementsPerCall: number;
  readonly maxTextureSize: number;
  private gpu: GPU;
  private kernels = new Map<string, IKernelRunShortcut>();
  private engineName: string;

  constructor(opts: GpuBackendOptions) {
    this.requestedMode = opts.mode ?? 'gpu';
    this.maxElementsPerCall = opts.maxElementsPerCall ?? GPUJS_MAX_ELEMENTS;
    ensure(
      Number.isInteger(this.maxElementsPerCall) && this.maxElementsPerCall >= 8 && this.maxElementsPerCall <= GPUJS_MAX_ELEMENTS,
      `gpu backend: maxElementsPerCall must be an integer in [8, 2^24], got ${this.maxElementsPerCall}`,
    );
    try {
      this.gpu = new (gpuJs().GPU)({ mode: this.requestedMode });
      // A probe kernel shows which backend gpu.js really picked (a 'gpu' request without a GL
      // context silently becomes 'webasm' or 'cpu').
      const probe = this.gpu.createKernel('function (a) { return a[this.thread.x] + 1; }').setOutput([4]);
      probe(new Float32Array(4));
      this.engineName = engineOf(probe);
      const features = (probe.kernel.constructor as { features?: { maxTextureSize?: number } }).features;
      this.maxTextureSize = opts.maxTextureSize ?? (GL_ENGINES.has(this.engineName) ? features?.maxTextureSize ?? 4096 : Infinity);
      probe.destroy();
    } catch (cause) {
      throw new DetcalError('INTERNAL', `gpu.js could not start in mode '${this.requestedMode}': ${(cause as Error).message}`, { cause });
    }
  }

  get engine(): string {
    return this.engineName;
  }

  get onGpu(): boolean {
    return GL_ENGINES.has(this.engineName);
  }

  /**
   * Sets a kernel's output after checking the side of the GL texture gpu.js would render it into.
   * @param kernel - the kernel
   * @param dims - output dimensions
   */
  private output(kernel: IKernelRunShortcut, dims: [number, number, number]): void {
    // gpu.js's own texture layout (its typings omit this helper)
    const utils = gpuJs().utils as unknown as { getKernelTextureSize(settings: object, dims: number[]): Int32Array };
    const [w, h] = utils.getKernelTextureSize({ optimizeFloatMemory: false, precision: 'single' }, dims);
    if (Math.max(w, h) > this.maxTextureSize) {
      throw new DetcalError('INTERNAL', `gpu backend (${this.engine}): an output of [${dims.join(', ')}] needs a ${w} x ${h} texture, over the ${this.maxTextureSize} this context takes; use --backend cpu`);
    }
    kernel.setOutput(dims);
  }

  private kernel(key: string, source: string): IKernelRunShortcut {
    let k = this.kernels.get(key);
    if (!k) {
      // returnType and loopMaxIterations are kernel settings gpu.js reads but its typings omit
      const settings: IGPUKernelSettings & { returnType: string; loopMaxIterations: number } = {
        returnType: 'Number',
        dynamicOutput: true,
        dynamicArguments: true,
        loopMaxIterations: this.maxElementsPerCall,
        precision: 'single',
        tactic: 'precision',
      };
      k = this.gpu.createKernel(source, settings);
      this.kernels.set(key, k);
    }
    return k;
  }

  accumulateDark(
    state: DarkAccumulator,
    data: BlockData,
    cellIds: Uint16Array,
    nFrames: number,
    nPixels: number,
    opts: DarkAccumulateOptions = {},
  ): void {
    this.accumulateDarkRange(state, data, cellIds, nFrames, nPixels, 0, nPixels, opts);
  }

  accumulateDarkRange(
    state: DarkAccumulator,
    data: BlockData,
    cellIds: Uint16Array,
    nFrames: number,
    nPixels: number,
    p0: number,
    p1: number,
    opts: DarkAccumulateOptions = {},
  ): void {
    const { lut, maskStride } = checkDarkBlock(state, data, cellIds, nFrames, nPixels, p0, p1, opts);
    if (nFrames === 0 || p1 === p0) return;
    const limit = this.maxElementsPerCall;
    if (nPixels > limit) {
      throw new DetcalError(
        'BAD_INPUT',
        `gpu backend (${this.engine}): one frame of ${nPixels} pixels exceeds the ${limit} elements gpu.js addresses exactly per array (float32 indices); use the cpu backend`,
      );
    }
    const filtered = lut !== null || opts.mask !== undefined;
    const gain = lut !== null ? opts.gain : undefined;
    const key = `acc:${filtered ? 'f' : 'p'}:${data.constructor.name}:${gain ? gain.constructor.name : '-'}:${opts.mask ? 'm' : '-'}`;
    const kernel = this.kernel(key, filtered ? ACCUMULATE_FILTERED : ACCUMULATE_PLAIN);
    const K = filtered ? 4 : 2;
    const lutF = lut ? Float32Array.from(lut) : new Float32Array(1);
    const dummyGain = new Uint8Array(1);
    const dummyMask = new Uint8Array(1);

    // Frames per call such that all cell groups of the chunk fit in one output (ng * K * w <= limit):
    // gpu.js copies every argument per call, so one call per chunk copies the data once.
    const framesPerCall = Math.max(1, Math.floor(limit / (K * nPixels)));
    const tile = Math.min(p1 - p0, Math.floor(limit / K));
    for (let f0 = 0; f0 < nFrames; f0 += framesPerCall) {
      const f1 = Math.min(nFrames, f0 + framesPerCall);
      const chunk = data.subarray(f0 * nPixels, f1 * nPixels);
      const gainChunk = gain ? gain.subarray(f0 * nPixels, f1 * nPixels) : dummyGain;
      const maskChunk = opts.mask ? (maskStride === 0 ? opts.mask : opts.mask.subarray(f0 * nPixels, f1 * nPixels)) : dummyMask;
      const groups = groupByCell(cellIds, f0, f1, state.nCells);
      for (let t0 = p0; t0 < p1; t0 += tile) {
        const w = Math.min(tile, p1 - t0);
        this.initRefs(state, chunk, groups, nPixels, t0, t0 + w, gain ? gainChunk : null, lut, opts.mask ? maskChunk : null, maskStride);
        const groupsPerCall = Math.max(1, Math.floor(limit / (K * w)));
        for (let g0 = 0; g0 < groups.cells.length; g0 += groupsPerCall) {
          const g1 = Math.min(groups.cells.length, g0 + groupsPerCall);
          const ng = g1 - g0;
          const ref = new Float32Array(ng * w);
          for (let g = 0; g < ng; g++) {
            const base = groups.cells[g0 + g] * nPixels;
            ref.set(state.ref.subarray(base + t0, base + t0 + w), g * w);
          }
          // starts of this group slice, rebased so the kernel's y index starts at 0
          const starts = groups.starts.subarray(g0, g1 + 1);
          this.output(kernel, [w, 1, ng * K]);
          const out = rows(filtered
            ? kernel(chunk, ref, starts, groups.order, nPixels, t0, w, gainChunk, lutF, gain ? 1 : 0, maskChunk, maskStride, opts.mask ? 1 : 0)
            : kernel(chunk, ref, starts, groups.order, nPixels, t0, w));
          if (filtered) this.foldFiltered(state, out, groups.cells, g0, ng, nPixels, t0, w);
          else this.foldPlain(state, out, groups, g0, ng, nPixels, t0, w);
        }
      }
    }
  }

  /** Sets ref = first accepted value for (cell, pixel) pairs that have none yet. */
  private initRefs(
    state: DarkAccumulator,
    chunk: BlockData,
    groups: CellGroups,
    nPixels: number,
    t0: number,
    t1: number,
    gain: Uint8Array | Uint16Array | null,
    lut: Uint8Array | null,
    mask: Uint8Array | null,
    maskStride: number,
  ): void {
    const { count, ref } = state;
    const { cells, starts, order } = groups;
    for (let g = 0; g < cells.length; g++) {
      const base = cells[g] * nPixels;
      const i0 = starts[g], i1 = starts[g + 1];
      for (let p = t0; p < t1; p++) {
        if (count[base + p] !== 0) continue;
        for (let i = i0; i < i1; i++) {
          const f = order[i];
          if (mask !== null && mask[f * maskStride + p] !== 0) continue;
          if (gain !== null && lut !== null && lut[gain[f * nPixels + p]] === 0) continue;
          ref[base + p] = chunk[f * nPixels + p];
          break;
        }
      }
    }
  }

  /** Adds the plain kernel's float32 partial sums (rows: sum, sumSq per group) into the float64 accumulator. */
  private foldPlain(state: DarkAccumulator, out: Float32Array[], groups: CellGroups, g0: number, ng: number, nPixels: number, t0: number, w: number): void {
    const { count, sum, sumSq } = state;
    for (let g = 0; g < ng; g++) {
      const s = out[2 * g], q = out[2 * g + 1];
      const n = groups.starts[g0 + g + 1] - groups.starts[g0 + g];
      const base = groups.cells[g0 + g] * nPixels + t0;
      for (let x = 0; x < w; x++) {
        const k = base + x;
        count[k] += n;
        sum[k] += s[x];
        sumSq[k] += q[x];
      }
    }
  }

  /** Adds the filtered kernel's partial sums (rows: count, sum, sumSq, rejected per group) into the accumulator. */
  private foldFiltered(state: DarkAccumulator, out: Float32Array[], cells: Uint32Array, g0: number, ng: number, nPixels: number, t0: number, w: number): void {
    const { count, rejected, sum, sumSq } = state;
    for (let g = 0; g < ng; g++) {
      const n = out[4 * g], s = out[4 * g + 1], q = out[4 * g + 2], rej = out[4 * g + 3];
      const base = cells[g0 + g] * nPixels + t0;
      for (let x = 0; x < w; x++) {
        const k = base + x;
        count[k] += n[x];
        sum[k] += s[x];
        sumSq[k] += q[x];
        rejected[k] += rej[x];
      }
    }
  }

  finalizeDark(state: DarkAccumulator, out: DarkFinalizeOutput, opts: DarkFinalizeOptions = {}): void {
    checkFinalizeOutput(state, out);
    const ddof = opts.ddof ?? 0;
    const minCount = Math.max(1, opts.minCount ?? 1);
    const kernel = this.kernel('finalize', FINALIZE);
    const total = state.count.length;
    const per = Math.floor(this.maxElementsPerCall / 2);
    for (let k0 = 0; k0 < total; k0 += per) {
      const k1 = Math.min(total, k0 + per);
      const n = k1 - k0;
      this.output(kernel, [n, 1, 2]);
      const res = rows(kernel(
        state.ref.subarray(k0, k1),
        Float32Array.from(state.sum.subarray(k0, k1)),
        Float32Array.from(state.sumSq.subarray(k0, k1)),
        Float32Array.from(state.count.subarray(k0, k1)),
        ddof,
      ));
      const mean = out.meanAdu, std = out.stdAdu, count = state.count;
      const rm = res[0], rs = res[1];
      for (let i = 0; i < n; i++) {
        const c = count[k0 + i];
        mean[k0 + i] = c < minCount ? NaN : rm[i];
        std[k0 + i] = c < minCount || c - ddof <= 0 ? NaN : rs[i];
      }
      if (out.count) out.count.set(state.count.subarray(k0, k1), k0);
    }
  }

  correctGainStages(analog: Uint16Array | Float32Array, digital: Uint16Array | Float32Array, cellIds: Uint16Array, nFrames: number, constants: GainStageConstants, out: GainStageOutput): void {
    correctGainStagesGpu((key, source) => this.kernel(key, source), (k, dims) => this.output(k, dims), this.maxElementsPerCall, analog, digital, cellIds, nFrames, constants, out);
  }

  dispose(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
    void this.gpu.destroy();
  }
}

/**
 * Creates the gpu.js backend. Check `engine` / `onGpu`: without a GL context gpu.js runs the
 * kernels in 'webasm' or 'cpu' mode, which on CPU-only machines is slower than the cpu backend.
 * @param opts - gpu.js mode and the per-call element limit
 * @returns the backend; dispose() it when done
 */
export function createGpuBackend(opts: GpuBackendOptions = {}): GpuBackend {
  return new GpuJsBackend(opts);
}
