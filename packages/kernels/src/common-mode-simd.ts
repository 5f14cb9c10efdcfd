/**
 * WebAssembly SIMD path of the one-sweep row-segment common-mode noise pass (common-mode-noise-fused.ts;
 * common-mode-simd-wat.ts describes the kernels). A worker context that runs the pass puts its per-pixel
 * arrays (offset, roles, both accumulators, max, thresholds, hit pixels) in one shared
 * WebAssembly.Memory; per segment and frame the segment's raw u2 values are copied in (blocks live on
 * buffers the module cannot reach), and the kernels gather the median keys, select the median and
 * correct and accumulate the values, with the same numbers as the JS kernel bit for bit. The memory is
 * shared so that a worker posts its results as views the main thread reads in place (a context makes a
 * new memory, so a worker handed on to the next pass never writes into results already posted).
 * Where WebAssembly SIMD is missing (or the arrays would not fit in 4 GiB) the context keeps plain
 * arrays and the JS kernel; blocks of other element types than u2 take the JS kernel on the same arrays.
 */
import type { DarkAccumulator } from './dark-accumulator.js';
import { wasmMemoryOf, wasmSimdSupported, type WasmMemory } from './wasm-simd-support.js';
import { appliedCorrection, type FusedRowSegmentCounts, type FusedRowSegmentState } from './common-mode-noise-fused.js';
import { GROUP_FULL, type CommonModeSkipPlan } from './common-mode-skip-plan.js';
import type { MedianCacheUse } from './common-mode-median-cache.js';
import {
  commonModeCorrectListName, commonModeCorrectName, MEDIAN_BUFFER_AT, MEDIAN_BUFFER_PAD, medianLeftPackTable, type CommonModeSimdParts,
} from './common-mode-simd-wat.js';
import { COMMON_MODE_SIMD_WASM } from './common-mode-simd-wasm.js';

type Gather = (n: number, data: number, off: number, role: number, keys: number) => number;
type Select = (a: number, k: number, n: number) => number;
type MaxBelow = (a: number, k: number) => number;
type Median = (a: number, n: number, good: number, work: number) => number;
type Correct = (
  n: number, data: number, cm: number, off: number, role: number, cnt: number, ref: number, sum: number, sq: number,
  rcnt: number, rref: number, rsum: number, rsq: number, max: number, thr: number, hit: number,
) => number;
type CorrectList = (
  m: number, list: number, data: number, cm: number, off: number, role: number, cnt: number, ref: number, sum: number, sq: number,
  rcnt: number, rref: number, rsum: number, rsq: number, max: number, thr: number, hit: number,
) => number;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The kernels of one context and the byte addresses of its arrays in their memory (0 where a part is absent). */
export interface CommonModeSimdState {
  /** The memory holding every array below. */
  readonly memory: WasmMemory;
  /** Raw u2 values of the row being corrected (cols values and padding). */
  readonly row: Uint16Array;
  readonly gather: Gather;
  readonly select: Select;
  readonly maxBelow: MaxBelow;
  /** np.median of the good values among the keys: what select and maxBelow give, found by counting and compacting. */
  readonly median: Median;
  readonly correct: Correct;
  /** correct for a list of single pixels of a segment (offsets from its first pixel, i32 at `at.list`). */
  readonly correctList: CorrectList;
  readonly at: {
    off: number; role: number; cnt: number; ref: number; sum: number; sq: number; rcnt: number; rref: number; rsum: number; rsq: number;
    max: number; thr: number; hit: number; row: number; keys: number;
    /** A skip plan's candidate pixels as offsets from their segments' first pixels (i32; 0 without a plan). */
    list: number;
    /** The median's work area: left-pack table, sample, bracket buffer. */
    med: number;
  };
}

/** The arrays of a pass, allocated in the kernels' memory (views), and the kernels. */
export interface CommonModeSimdArrays {
  readonly simd: CommonModeSimdState;
  readonly offsetAdu: Float32Array;
  readonly role: Uint8Array;
  readonly corrected: DarkAccumulator;
  readonly raw?: DarkAccumulator;
  readonly maxAdu?: Float32Array;
  readonly thresholdAdu?: Float32Array;
  readonly hitPixel?: Uint8Array;
}

/** Pixels of padding after every array (the kernels read and write back up to 3 past a segment's end). */
const PAD_PIXELS = 8;

const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

/** True when this runtime runs the WebAssembly SIMD kernels (wasmSimdSupported; a module that then fails to compile falls back to JavaScript). */
export function commonModeSimdSupported(): boolean {
  return wasmSimdSupported();
}

/**
 * Allocates the arrays of a pass in a new WebAssembly.Memory with the kernels for its parts, or returns
 * undefined where the kernels cannot run (no WebAssembly SIMD, more than 4 GiB, memory refused).
 * @param nPixels - pixels per frame
 * @param cols - columns of a frame (the row buffer)
 * @param parts - raw statistics, max, threshold
 * @param plan - the pass's skip plan: its candidate pixels are stored as offsets in their segments (rowLength: pixels per segment)
 * @returns zeroed views (offset, threshold to be filled, max to be set to -Infinity by the caller) and the kernels
 */
export function allocateCommonModeSimd(
  nPixels: number, cols: number, parts: CommonModeSimdParts, plan?: { pixels: Int32Array; rowLength: number },
): CommonModeSimdArrays | undefined {
  if (!api || !commonModeSimdSupported()) return undefined;
  const n = Math.ceil(nPixels / 4) * 4 + PAD_PIXELS;
  let bytes = 0;
  const take = (size: number, wanted = true): number => {
    if (!wanted) return 0;
    const at = bytes;
    bytes += Math.ceil(size / 16) * 16;
    return at;
  };
  // address 0 stays unused, so that 0 can mean "no such array"
  take(16);
  const at = {
    sum: take(8 * n), sq: take(8 * n), rsum: take(8 * n, parts.raw), rsq: take(8 * n, parts.raw),
    cnt: take(4 * n), ref: take(4 * n), rcnt: take(4 * n, parts.raw), rref: take(4 * n, parts.raw),
    off: take(4 * n), max: take(4 * n, parts.max), thr: take(4 * n, parts.threshold),
    role: take(n), hit: take(n, parts.threshold), row: take(2 * (cols + PAD_PIXELS)),
    // the median pads the keys and its buffer with +Infinity and moves a bracket back into the keys
    keys: take(4 * (cols + MEDIAN_BUFFER_PAD)), med: take(MEDIAN_BUFFER_AT + 4 * (cols + MEDIAN_BUFFER_PAD)),
    list: take(4 * (plan?.pixels.length ?? 0), plan !== undefined && plan.pixels.length > 0),
  };
  const memory = wasmMemoryOf(bytes, true);
  if (!memory) return undefined; // over 4 GiB or refused: the JS kernel
  try {
    compiled ??= new api.Module(Buffer.from(COMMON_MODE_SIMD_WASM, 'base64'));
  } catch {
    return undefined; // the module does not compile here: the JS kernel
  }
  const { exports } = new api.Instance(compiled, { env: { memory } });
  const buf = memory.buffer as ArrayBuffer;
  new Uint8Array(buf, at.med).set(medianLeftPackTable());
  if (plan && at.list) {
    const list = new Int32Array(buf, at.list, plan.pixels.length);
    for (let c = 0; c < list.length; c++) {
      list[c] = (plan.pixels[c] % cols) % plan.rowLength;
    }
  }
  const acc = (cnt: number, ref: number, sum: number, sq: number): DarkAccumulator => ({
    nCells: 1, nPixels,
    count: new Uint32Array(buf, cnt, nPixels), rejected: new Uint32Array(nPixels), ref: new Float32Array(buf, ref, nPixels),
    sum: new Float64Array(buf, sum, nPixels), sumSq: new Float64Array(buf, sq, nPixels),
  });
  return {
    simd: {
      memory, row: new Uint16Array(buf, at.row, cols + PAD_PIXELS),
      gather: exports.gather as Gather, select: exports.select as Select, maxBelow: exports.maxBelow as MaxBelow,
      median: exports.median as Median, correct: exports[commonModeCorrectName(parts)] as Correct,
      correctList: exports[commonModeCorrectListName(parts)] as CorrectList, at,
    },
    offsetAdu: new Float32Array(buf, at.off, nPixels),
    role: new Uint8Array(buf, at.role, nPixels),
    corrected: acc(at.cnt, at.ref, at.sum, at.sq),
    raw: parts.raw ? acc(at.rcnt, at.rref, at.rsum, at.rsq) : undefined,
    maxAdu: parts.max ? new Float32Array(buf, at.max, nPixels) : undefined,
    thresholdAdu: parts.threshold ? new Float32Array(buf, at.thr, nPixels) : undefined,
    hitPixel: parts.threshold ? new Uint8Array(buf, at.hit, nPixels) : undefined,
  };
}

/**
 * A skipped or sparse group of a skip plan over frames [f0, f1) of a block: counts its kept corrections
 * and corrects and accumulates its candidate pixels (correct_list: each pixel as a segment of its own,
 * the same numbers as in its whole segment). A function of its own so that its first call, in the pass
 * that first has a plan, does not send the caller's optimized code back to the interpreter.
 */
function plannedGroupFramesSimd(
  plan: CommonModeSkipPlan, cache: MedianCacheUse, simd: CommonModeSimdState, data: Uint16Array, nPixels: number, f0: number, f1: number,
  frameBase: number, g: number, r0: number, start: number, hitsPerFrame: Uint32Array, counts: FusedRowSegmentCounts,
): void {
  const { row, at } = simd;
  const groups = cache.groups;
  const c0 = plan.start[g], c1 = plan.start[g + 1];
  const dataAt = at.row + 2 * (start - r0);
  for (let f = f0; f < f1; f++) {
    const cm = appliedCorrection(cache.medians[(frameBase + f) * groups + g], counts);
    if (c1 === c0) continue;
    const o = f * nPixels;
    for (let c = c0; c < c1; c++) row[plan.pixels[c] - r0] = data[o + plan.pixels[c]];
    hitsPerFrame[f - f0] += simd.correctList(
      c1 - c0, at.list + 4 * c0, dataAt, cm, at.off + 4 * start, at.role + start, at.cnt + 4 * start, at.ref + 4 * start, at.sum + 8 * start, at.sq + 8 * start,
      at.rcnt && at.rcnt + 4 * start, at.rref && at.rref + 4 * start, at.rsum && at.rsum + 8 * start, at.rsq && at.rsq + 8 * start,
      at.max && at.max + 4 * start, at.thr && at.thr + 4 * start, at.hit && at.hit + start,
    );
  }
}

/**
 * fusedRowSegmentFrames (common-mode-noise-fused.ts) with the SIMD kernels, for u2 blocks and a state whose
 * arrays are those of `simd`'s memory: same medians (exact selection of the same ranks: the median
 * kernel), same corrections and sums bit for bit. The loop goes segment by segment across the frames
 * (the JS kernel goes row by row): a segment's per-pixel arrays (~60 bytes a pixel with every part: 30 KB
 * for 512 pixels) stay in the L1 cache while every frame's values are added, where a whole row's of
 * pnCCD (60 KB) would not. Each pixel still gets its frames in order, so the sums are the same.
 * @param s - arrays and settings of the pass (in simd's memory)
 * @param simd - the kernels and addresses
 * @param data - raw u2 values, frame-major
 * @param nPixels - values per frame
 * @param f0 - first frame of the block to take
 * @param f1 - end of the frames to take (exclusive)
 * @param frameBase - index of the block's first frame among the run's non-empty frames (kept medians)
 * @param counts - counters, updated
 */
export function fusedRowSegmentFramesSimd(
  s: FusedRowSegmentState, simd: CommonModeSimdState, data: Uint16Array, nPixels: number, f0: number, f1: number, frameBase: number,
  counts: FusedRowSegmentCounts,
): void {
  const { rows, cols, length, minPixels, cache, plan } = s;
  const { row, gather, median, correct, at } = simd;
  const nSeg = Math.ceil(cols / length);
  const groups = cache ? cache.groups : 0;
  const hitsPerFrame = new Uint32Array(f1 - f0);
  for (let r = 0; r < rows; r++) {
    const r0 = r * cols;
    for (let g = r * nSeg, start = r0; start < r0 + cols; g++, start += length) {
      const n = Math.min(length, r0 + cols - start);
      const dataAt = at.row + 2 * (start - r0);
      const rowAt = start - r0;
      if (plan !== undefined && cache !== undefined && plan.mode[g] !== GROUP_FULL) {
        plannedGroupFramesSimd(plan, cache, simd, data, nPixels, f0, f1, frameBase, g, r0, start, hitsPerFrame, counts);
        continue;
      }
      for (let f = f0; f < f1; f++) {
        const o = f * nPixels + start;
        row.set(data.subarray(o, o + n), rowAt);
        let cm: number;
        if (cache !== undefined && cache.reuse[g] === 1) cm = cache.medians[(frameBase + f) * groups + g];
        else {
          const good = gather(n, dataAt, at.off + 4 * start, at.role + start, at.keys);
          cm = good > minPixels ? median(at.keys, n, good, at.med) : NaN;
          if (cache !== undefined) cache.medians[(frameBase + f) * groups + g] = cm;
        }
        hitsPerFrame[f - f0] += correct(
          n, dataAt, appliedCorrection(cm, counts), at.off + 4 * start, at.role + start, at.cnt + 4 * start, at.ref + 4 * start, at.sum + 8 * start, at.sq + 8 * start,
          at.rcnt && at.rcnt + 4 * start, at.rref && at.rref + 4 * start, at.rsum && at.rsum + 8 * start, at.rsq && at.rsq + 8 * start,
          at.max && at.max + 4 * start, at.thr && at.thr + 4 * start, at.hit && at.hit + start,
        );
      }
    }
  }
  counts.groupsTotal += rows * nSeg * (f1 - f0);
  for (const hits of hitsPerFrame) {
    counts.excludedValues += hits;
    if (hits > 0) counts.framesWithExclusions++;
  }
}
