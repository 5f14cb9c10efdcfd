import { describe, expect, it } from 'vitest';
import type { StridedRegion } from './binned-median.js';
import { sigmaRule, type SigmaRuleBits, type SigmaRuleOptions } from './sigma-rule.js';
import { ceil32, floor32, SIGMA_RES, sigmaGroupSimd, sigmaRuleSimdSupported } from './sigma-rule-simd.js';

/** Deterministic uniform [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

const KINDS = ['gauss', 'ties', 'nonfinite', 'outliers', 'constant', 'allNaN', 'subnormal', 'huge', 'zeros', 'signedZeros', 'twoClusters'] as const;
type Kind = (typeof KINDS)[number];

/** n values of a kind: the distributions that stress the sums, the binning and the selection. */
function valuesOf(kind: Kind, n: number, r: () => number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x = 5000 + 100 * (r() + r() + r() - 1.5);
    if (kind === 'ties') x = Math.round(x / 20);
    if (kind === 'nonfinite' && r() < 0.05) x = [NaN, Infinity, -Infinity][Math.floor(r() * 3)];
    if (kind === 'outliers' && r() < 0.002) x = r() < 0.5 ? 1e30 : -1e6; // the range is stretched: the middle bins are binned again
    if (kind === 'constant') x = 3;
    if (kind === 'allNaN') x = NaN;
    if (kind === 'subnormal') x = (r() - 0.5) * 1e-40;
    if (kind === 'huge') x = (r() - 0.5) * 6e38; // hi - lo overflows float32: no binning
    if (kind === 'zeros' && r() < 0.3) x = 0;
    if (kind === 'signedZeros') x = r() < 0.5 ? -0 : 0;
    if (kind === 'twoClusters') x = r() < 0.5 ? 10 + r() : 1e7 + r(); // an even count's middle ranks in different bins
    v[i] = x;
  }
  return v;
}

/** np.median of the finite values (sort), NaN when there are none. */
function sortedMedian(v: Float32Array, g: StridedRegion): number {
  const xs: number[] = [];
  for (let r = 0; r < g.nRows; r++) for (let k = g.start + r * g.stride; k < g.start + r * g.stride + g.nCols; k++) if (Number.isFinite(v[k])) xs.push(v[k]);
  xs.sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return NaN;
  return n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

const BITS: SigmaRuleBits = { outOfRange: 1, hard: 2, nan: 4, zero: 8 };

describe('sigma-rule-simd', () => {
  it('runs here (Node 20 has WebAssembly SIMD), so the tests below compare the SIMD kernels with JS', () => {
    expect(sigmaRuleSimdSupported()).toBe(true);
  });

  it('gives bit for bit the medians, stds, flags and counts of the JS rule', () => {
    const r = rng(11);
    for (let t = 0; t < 160; t++) {
      const kind = KINDS[t % KINDS.length];
      const nPixels = [1, 2, 3, 4, 5, 17, 100, 1001, 4096, 65536][t % 10];
      const nCells = 1 + (t % 3);
      const values = valuesOf(kind, nPixels * nCells, r);
      const seed = Array.from({ length: values.length }, () => (r() < 0.1 ? 1 << 20 : 0));
      const simdFlags = Uint32Array.from(seed), jsFlags = Uint32Array.from(seed);
      const opts: SigmaRuleOptions = { nSigma: 0.5 + 3 * r(), hard: t % 2 ? [4990.5, 5010.3] : undefined, blockSize: nPixels };
      // float32 values take the SIMD kernels, the same values as float64 the JS loops
      const simd = sigmaRule(values, simdFlags, opts, BITS);
      const js = sigmaRule(Float64Array.from(values), jsFlags, opts, BITS);
      expect([...simd.median], `${kind} ${nPixels}`).toEqual([...js.median]);
      expect([...simd.std], `${kind} ${nPixels}`).toEqual([...js.std]);
      expect([simd.outOfRange, simd.outOfHard, simd.nonFinite, simd.zero], `${kind} ${nPixels}`).toEqual([js.outOfRange, js.outOfHard, js.nonFinite, js.zero]);
      expect(simdFlags, `${kind} ${nPixels}`).toEqual(jsFlags);
    }
  });

  it('takes strided ASIC tiles as the JS rule does', () => {
    const r = rng(5);
    const values = valuesOf('nonfinite', 2 * 24 * 40, r);
    const simdFlags = new Uint32Array(values.length), jsFlags = new Uint32Array(values.length);
    const opts: SigmaRuleOptions = { nSigma: 1, blockSize: 24 * 40, tiles: { rows: 24, cols: 40, tileRows: 12, tileCols: 10 } };
    const simd = sigmaRule(values, simdFlags, opts, BITS);
    const js = sigmaRule(Float64Array.from(values), jsFlags, opts, BITS);
    expect(simd.median).toHaveLength(16);
    expect([...simd.median]).toEqual([...js.median]);
    expect([...simd.std]).toEqual([...js.std]);
    expect(simdFlags).toEqual(jsFlags);
    expect(simd.outOfRange).toBeGreaterThan(0);
  });

  it('selects the exact median through the bins: ties, outliers, split middle ranks, few values', () => {
    const r = rng(3);
    const res = new Float64Array(6);
    const rule = { nSigma: 3, hardLo: -Infinity, hardHi: Infinity, outBit: 1, hardBit: 1, nanBit: 4, zeroBit: 0 };
    for (const kind of KINDS) {
      for (const n of [1, 2, 7, 64, 257, 10000, 65536, 65537]) {
        const values = valuesOf(kind, n + 3, r);
        const g: StridedRegion = { start: 3, nRows: 1, nCols: n, stride: n };
        expect(sigmaGroupSimd(values, new Uint32Array(values.length), g, rule, res)).toBe(true);
        const want = sortedMedian(values, g);
        if (Number.isNaN(want)) expect(res[SIGMA_RES.median]).toBeNaN();
        else expect(res[SIGMA_RES.median] + 0, `${kind} ${n}`).toBe(want + 0); // either zero of a zero median
      }
    }
  });

  it('touches only the group: values and flags outside it are left alone', () => {
    const values = valuesOf('gauss', 300, rng(9));
    const flags = new Uint32Array(300).fill(64);
    const g: StridedRegion = { start: 5, nRows: 3, nCols: 7, stride: 50 };
    const before = values.slice();
    sigmaGroupSimd(values, flags, g, { nSigma: 0, hardLo: -Infinity, hardHi: Infinity, outBit: 1, hardBit: 1, nanBit: 4, zeroBit: 0 }, new Float64Array(6));
    expect(values).toEqual(before);
    for (let k = 0; k < 300; k++) {
      const inside = k >= 5 && (k - 5) % 50 < 7 && k < 5 + 3 * 50;
      if (!inside) expect(flags[k], `${k}`).toBe(64);
    }
    // nSigma 0: all but the values equal to the median are outside the band
    let flagged = 0;
    for (let k = 0; k < 300; k++) flagged += flags[k] & 1;
    expect(flagged).toBeGreaterThanOrEqual(20);
  });

  it('rounds limits to float32 so that comparisons of float32 values do not change', () => {
    const r = rng(1);
    const specials = [0, -0, 1e-46, -1e-46, 1.401298464324817e-45, 3.4028234663852886e38, 3.5e38, -3.5e38, Infinity, -Infinity, 1 / 3, -1 / 3, 5000.000001];
    const xs = [...specials, ...Array.from({ length: 2000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 80 - 40))];
    const vs = [...specials, ...xs.map((x) => Math.fround(x)), ...xs.map((x) => Math.fround(x * (1 + 1e-7)))].map((x) => Math.fround(x));
    for (const x of xs) {
      const c = ceil32(x), f = floor32(x);
      expect(Math.fround(c)).toBe(c);
      expect(Math.fround(f)).toBe(f);
      for (const v of vs) {
        if (v < x !== v < c || v > x !== v > f) throw new Error(`v = ${v}, x = ${x}: ceil32 ${c}, floor32 ${f}`);
      }
    }
    expect(ceil32(NaN)).toBeNaN();
    expect(floor32(NaN)).toBeNaN();
  });
});
