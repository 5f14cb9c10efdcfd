/**
 * WebAssembly SIMD path of the n-sigma bad-pixel rule (sigma-rule-simd-wat.ts describes the kernels): one
 * statistics group (a strided region of float32 values) is copied into this thread's memory, its count,
 * sum, extremes, squared deviations and a histogram are taken in two passes, the median is selected
 * exactly through the histogram (the bin holding the middle ranks is gathered and, while it holds many
 * values, binned again), and the flags are OR-ed in one more pass. The statistics, flags and counts are
 * bit for bit those of the JS rule in sigma-rule.ts; the dark rules of a 65536-pixel memory cell take
 * ~2 ns per value here against ~10 in JS (which also has to warm up in every worker thread).
 */
import { MEDIAN_BINS, type StridedRegion } from './binned-median.js';
import { middlePair } from './fast-median.js';
import { medianLeftPackTable } from './common-mode-simd-wat.js';
import { SIGMA_HIST_AT, SIGMA_RESULT_AT, SIGMA_TABLE_AT } from './sigma-rule-simd-wat.js';
import { SIGMA_RULE_SIMD_WASM } from './sigma-rule-simd-wasm.js';
import { alignBytes, instantiateOn, wasmMemoryOf, type WasmModuleCache } from './wasm-simd-support.js';

/** Limits and bits of one group's rule (see SigmaRuleOptions / SigmaRuleBits). */
export interface SigmaGroupRule {
  /** Band half-width in stds. */
  nSigma: number;
  /** Hard lower limit (-Infinity: none). */
  hardLo: number;
  /** Hard upper limit (+Infinity: none). */
  hardHi: number;
  /** Bit for values outside the band. */
  outBit: number;
  /** Bit for values outside the hard limits. */
  hardBit: number;
  /** Bit for non-finite values. */
  nanBit: number;
  /** Bit for values exactly 0. */
  zeroBit: number;
}

/** Indices of a group's results in the `res` array of {@link sigmaGroupSimd}. */
export const SIGMA_RES = { median: 0, std: 1, outOfRange: 2, outOfHard: 3, nonFinite: 4, zero: 5 } as const;

type Stats = (src: number, n4: number) => number;
type StdHist = (src: number, n4: number, mean: number, lo: number, scale: number, bins: number) => number;
type Std = (src: number, n4: number, mean: number) => number;
type Gather = (src: number, n4: number, lo: number, scale: number, bins: number, bin: number, dst: number) => number;
type Edges = (src: number, n4: number, lo: number, scale: number, bins: number, bl: number, bu: number) => void;
type Flag = (src: number, flags: number, n4: number, lo: number, hi: number, hardLo: number, hardHi: number, outBit: number, hardBit: number, nanBit: number, zeroBit: number) => void;

/** This thread's memory and kernels, for groups of up to `capacity` values. */
interface Context {
  capacity: number;
  stats: Stats;
  stdHist: StdHist;
  std: Std;
  gather: Gather;
  edges: Edges;
  flag: Flag;
  f32: Float32Array;
  u32: Uint32Array;
  f64: Float64Array;
  i32: Int32Array;
  /** Histogram counts (MEDIAN_BINS + the spare slot). */
  hist: Uint32Array;
  /** Byte addresses of the values, the flags and the two bin buffers. */
  valuesAt: number;
  flagsAt: number;
  bufAt: [number, number];
}

/** Bins at most this many values are selected in JS instead of binned again. */
const SELECT_IN_JS = 256;
/** Binning levels before the rest is selected in JS (each level narrows the range ~MEDIAN_BINS times). */
const MAX_LEVELS = 8;

const modules: WasmModuleCache = {};
let context: Context | undefined;
let unavailable = false;
let scratch = new Float64Array(SELECT_IN_JS);

const ceil4 = (n: number): number => (n + 3) & ~3;

/** This thread's context for groups of `n` values, or undefined where the SIMD kernels cannot run. */
function contextFor(n: number): Context | undefined {
  if (context && context.capacity >= n) return context;
  if (unavailable) return undefined;
  const capacity = Math.max(ceil4(n), 1024, context ? 2 * context.capacity : 0);
  const valuesAt = alignBytes(SIGMA_HIST_AT + 4 * (MEDIAN_BINS + 1), 64);
  const slab = alignBytes(4 * capacity + 64, 64);
  const bytes = valuesAt + 4 * slab;
  const memory = wasmMemoryOf(bytes, false);
  const e = memory && instantiateOn(memory, modules, { shared: SIGMA_RULE_SIMD_WASM, unshared: SIGMA_RULE_SIMD_WASM });
  if (!memory || !e) {
    unavailable = context === undefined; // no SIMD at all; a larger memory refused keeps the smaller one's groups on SIMD
    return undefined;
  }
  const buf = memory.buffer;
  new Uint8Array(buf, SIGMA_TABLE_AT, 256).set(medianLeftPackTable());
  context = {
    capacity,
    stats: e.stats as Stats,
    stdHist: e.std_hist as StdHist,
    std: e.std as Std,
    gather: e.gather as Gather,
    edges: e.edges as Edges,
    flag: e.flag as Flag,
    f32: new Float32Array(buf),
    u32: new Uint32Array(buf),
    f64: new Float64Array(buf, 0, 8),
    i32: new Int32Array(buf, SIGMA_RESULT_AT, 16),
    hist: new Uint32Array(buf, SIGMA_HIST_AT, MEDIAN_BINS + 1),
    valuesAt,
    flagsAt: valuesAt + slab,
    bufAt: [valuesAt + 2 * slab, valuesAt + 3 * slab],
  };
  return context;
}

/** True when this thread runs the SIMD rule (WebAssembly SIMD available and the module instantiated). */
export function sigmaRuleSimdSupported(): boolean {
  return contextFor(1) !== undefined;
}

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

/** The next float32 above a float32 value (-Infinity: the most negative finite one; 0: the smallest subnormal). */
function nextUp32(f: number): number {
  if (f === 0) return 1.401298464324817e-45;
  f32Bits[0] = f;
  u32Bits[0] += f > 0 ? 1 : -1;
  return f32Bits[0];
}

/** The smallest float32 >= x: for a float32 v, v < x exactly when v < ceil32(x). NaN stays NaN. */
export function ceil32(x: number): number {
  const f = Math.fround(x);
  return f < x ? nextUp32(f) : f;
}

/** The largest float32 <= x: for a float32 v, v > x exactly when v > floor32(x). NaN stays NaN. */
export function floor32(x: number): number {
  const f = Math.fround(x);
  return f > x ? -nextUp32(-f) : f;
}

/**
 * The n-sigma rule on one group with the SIMD kernels: statistics of the finite values, flags OR-ed in.
 * @param values - float32 values; the group is the region g of it (unchanged)
 * @param flags - flags, indexed like values; the group's bits are OR-ed in
 * @param g - the group's region
 * @param rule - limits and bits
 * @param res - results (SIGMA_RES indices): median, std, values flagged out of band / hard range, non-finite, zero
 * @returns false (nothing done) where the SIMD kernels cannot run on this thread
 */
export function sigmaGroupSimd(values: Float32Array, flags: Uint32Array, g: StridedRegion, rule: SigmaGroupRule, res: Float64Array): boolean {
  const len = g.nRows * g.nCols;
  const x = contextFor(len);
  if (!x) return false;
  const { f32, u32, valuesAt, flagsAt } = x;
  const n4 = ceil4(len);
  const v0 = valuesAt >> 2, f0 = flagsAt >> 2;
  for (let r = 0; r < g.nRows; r++) {
    const k = g.start + r * g.stride;
    f32.set(values.subarray(k, k + g.nCols), v0 + r * g.nCols);
    u32.set(flags.subarray(k, k + g.nCols), f0 + r * g.nCols);
  }
  f32.fill(NaN, v0 + len, v0 + n4);
  const n = x.stats(valuesAt, n4);
  let median = NaN, std = NaN;
  if (n > 0) {
    const sum = x.f64[SIGMA_RESULT_AT >> 3];
    const lo = f32[(SIGMA_RESULT_AT + 16) >> 2], hi = f32[(SIGMA_RESULT_AT + 20) >> 2];
    const mean = sum / n;
    const scale = Math.fround(MEDIAN_BINS / (hi - lo));
    const binned = lo !== hi && scale > 0 && scale < Infinity;
    let q: number;
    if (binned) {
      x.hist.fill(0);
      q = x.stdHist(valuesAt, n4, mean, lo, scale, MEDIAN_BINS);
    } else {
      q = x.std(valuesAt, n4, mean);
    }
    std = Math.sqrt(q / n);
    const kh = n >>> 1, kLow = kh - 1 + (n & 1);
    median = lo === hi ? lo : binned ? medianByBins(x, n4, n, lo, hi, kLow, kh) : selectInJs(x, valuesAt, n4, n, kLow, kh, true);
  }
  const bandLo = median - rule.nSigma * std, bandHi = median + rule.nSigma * std;
  x.flag(valuesAt, flagsAt, n4, ceil32(bandLo), floor32(bandHi), ceil32(rule.hardLo), floor32(rule.hardHi), rule.outBit, rule.hardBit, rule.nanBit, rule.zeroBit);
  for (let r = 0; r < g.nRows; r++) {
    const at = f0 + r * g.nCols;
    flags.set(u32.subarray(at, at + g.nCols), g.start + r * g.stride);
  }
  const c = x.i32;
  res[SIGMA_RES.median] = median;
  res[SIGMA_RES.std] = std;
  res[SIGMA_RES.outOfRange] = c[6];
  res[SIGMA_RES.outOfHard] = c[7];
  res[SIGMA_RES.nonFinite] = c[8] - (n4 - len); // the NaN padding
  res[SIGMA_RES.zero] = c[9];
  return true;
}

/**
 * The median (ranks kLow <= kh, equal for an odd count) of the group's finite values, the histogram of
 * the whole group (bins over [lo, hi]) already counted: the bin holding rank kh is gathered and binned
 * again until few values are left; a lower middle rank in an earlier bin is that bin's largest value.
 */
function medianByBins(x: Context, n4: number, n: number, lo: number, hi: number, kLow: number, kh: number): number {
  let src = x.valuesAt, c = n, which = 0;
  for (let level = 0; ; level++) {
    const scale = Math.fround(MEDIAN_BINS / (hi - lo));
    if (level > 0) {
      if (lo === hi) return lo;
      if (c <= SELECT_IN_JS || level >= MAX_LEVELS || !(scale > 0 && scale < Infinity)) return selectInJs(x, src, n4, c, kLow, kh, false);
      x.hist.fill(0);
      x.stdHist(src, n4, 0, lo, scale, MEDIAN_BINS);
    }
    const hist = x.hist;
    let below = 0, bu = 0;
    while (below + hist[bu] <= kh) below += hist[bu++];
    if (kLow < below) {
      // even count, the lower middle value is the largest of the last non-empty bin below bu
      let bl = bu - 1;
      while (hist[bl] === 0) bl--;
      x.edges(src, n4, lo, scale, MEDIAN_BINS, bl, bu);
      return (x.f32[(SIGMA_RESULT_AT + 16) >> 2] + x.f32[(SIGMA_RESULT_AT + 20) >> 2]) / 2;
    }
    const dst = x.bufAt[which];
    which ^= 1;
    c = x.gather(src, n4, lo, scale, MEDIAN_BINS, bu, dst);
    n4 = ceil4(c);
    x.f32.fill(NaN, (dst >> 2) + c, (dst >> 2) + n4);
    x.stats(dst, n4);
    lo = x.f32[(SIGMA_RESULT_AT + 16) >> 2];
    hi = x.f32[(SIGMA_RESULT_AT + 20) >> 2];
    kLow -= below;
    kh -= below;
    src = dst;
  }
}

/** The median (ranks kLow <= kh) of the c finite values at src (among n4 values with non-finite ones when hasNonFinite), selected in JS. */
function selectInJs(x: Context, src: number, n4: number, c: number, kLow: number, kh: number, hasNonFinite: boolean): number {
  if (hasNonFinite) {
    // the finite values alone (scale 0: every finite value is in bin 0)
    const dst = x.bufAt[0];
    x.gather(src, n4, 0, 0, MEDIAN_BINS, 0, dst);
    src = dst;
  }
  if (scratch.length < c) scratch = new Float64Array(c);
  const a = scratch, at = src >> 2, f32 = x.f32;
  for (let i = 0; i < c; i++) a[i] = f32[at + i];
  return middlePair(a, kLow, kh, c);
}
