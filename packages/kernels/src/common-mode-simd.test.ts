// The WebAssembly SIMD kernels of the row-segment common-mode noise pass against the JS kernel
// (common-mode-noise-fused.ts) they replace on worker contexts. Both promise the same numbers bit for
// bit, so every array of the partial results is compared byte for byte (NaN payloads included), not
// within a tolerance: random u2 frames with masked, frozen, NaN-offset and infinite-offset pixels,
// segments with too few good pixels, ties, cosmic-ray hits, kept medians, odd segment lengths with a
// last shorter segment, and every combination of the optional parts (raw, max, threshold). The median
// kernel is also checked alone against sorted good values (np.median) on segments built to stress it.
import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { CommonModeNoiseContext, createCommonModeNoiseInit, type CommonModeNoiseInitOptions, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import { createCommonModeMedianCache, prepareMedianCache } from './common-mode-median-cache.js';
import { allocateCommonModeSimd, commonModeSimdSupported } from './common-mode-simd.js';
import { MEDIAN_BUFFER_AT } from './common-mode-simd-wat.js';

interface Case {
  rows: number;
  cols: number;
  length: number;
  frames: number;
  seed: number;
  /** Integer offsets and little noise: many equal values in a segment. */
  ties?: boolean;
  /**
   * Offsets below 1 ADU: the offset-subtracted values (~30 ADU) then use all float32 bits, the mean of
   * two middle ones is mostly not a float32, and masked pixels' float32 correction differs from the median.
   */
  small?: boolean;
}

function simulate(c: Case) {
  const rng = new Random(c.seed);
  const P = c.rows * c.cols;
  const offset = Float32Array.from({ length: P }, () => (c.ties ? Math.round(1000 + 3 * rng.normal()) : c.small ? 0.5 + 0.2 * rng.normal() : 1000 + 40 * rng.normal()));
  offset[5] = NaN; // a pixel whose values are all NaN: left out of the medians, NaN sums
  offset[P - 2] = -Infinity; // +Infinity values
  const sigma = c.ties ? 0.3 : 4;
  const data = new Uint16Array(c.frames * P);
  for (let f = 0; f < c.frames; f++) {
    for (let r = 0; r < c.rows; r++) {
      const cms = Array.from({ length: Math.ceil(c.cols / c.length) }, () => 10 * rng.normal());
      for (let k = 0; k < c.cols; k++) {
        const p = r * c.cols + k;
        const o = Number.isFinite(offset[p]) ? offset[p] : 1000;
        data[f * P + p] = Math.max(0, Math.round(o + 20 + cms[Math.floor(k / c.length)] + sigma * rng.normal()));
      }
    }
    for (let h = 0; h < 3; h++) data[f * P + rng.int(P)] += 500; // cosmic-ray hits
  }
  const medianMask = new Uint8Array(P);
  const frozen = new Uint8Array(P);
  for (let p = 0; p < P; p++) {
    if (rng.uniform() < 0.05) medianMask[p] = 1; // bad but responding: float32 correction
    if (rng.uniform() < 0.02) frozen[p] = 1; // never corrected
  }
  // row 1: the first segment has too few good pixels (2, not more than minPixels)
  for (let k = 2; k < Math.min(c.length, c.cols); k++) medianMask[c.cols + k] = 1;
  const noiseAdu = Float32Array.from({ length: P }, () => sigma * (1 + 0.2 * rng.uniform()));
  return { data, offset, medianMask, frozen, noiseAdu };
}

function options(c: Case, s: ReturnType<typeof simulate>, parts: { raw: boolean; max: boolean; threshold: boolean }): CommonModeNoiseInitOptions {
  return {
    offsetAdu: s.offset, medianMask: s.medianMask, frozen: s.frozen, bank: { bankRows: c.rows, bankCols: c.length }, passes: ['row'], minPixels: 2,
    cosmic: parts.threshold ? { sigma: 6, noiseAdu: s.noiseAdu } : undefined, trackMax: parts.max, rawStatistics: parts.raw,
  };
}

/** Runs the frames through one worker-style context, in three calls (two blocks, the second in two frame ranges). */
function run(c: Case, s: ReturnType<typeof simulate>, opts: CommonModeNoiseInitOptions, useSimd: boolean, data: Uint16Array | Float32Array = s.data): { ctx: CommonModeNoiseContext; partial: CommonModeNoisePartial } {
  const P = c.rows * c.cols;
  const init = { ...createCommonModeNoiseInit(c.rows, c.cols, opts), useSimd };
  const ctx = new CommonModeNoiseContext(init, undefined, true);
  const a = Math.floor(c.frames / 3);
  ctx.addBlock(data.subarray(0, a * P), new Uint16Array(a), a);
  const rest = data.subarray(a * P), m = c.frames - a;
  ctx.addBlock(rest, new Uint16Array(m), m, 0, 2, a);
  ctx.addBlock(rest, new Uint16Array(m), m, 2, m, a);
  return { ctx, partial: ctx.partial };
}

const bytes = (a: ArrayBufferView | undefined): Uint8Array | undefined => a && new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Every array byte for byte and every counter. */
function expectSame(a: CommonModeNoisePartial, b: CommonModeNoisePartial): void {
  for (const key of ['corrected', 'raw'] as const) {
    expect(a[key] === undefined).toBe(b[key] === undefined);
    for (const arr of ['count', 'rejected', 'ref', 'sum', 'sumSq'] as const) expect(bytes(a[key]?.[arr]), `${key}.${arr}`).toEqual(bytes(b[key]?.[arr]));
  }
  expect(bytes(a.maxAdu)).toEqual(bytes(b.maxAdu));
  expect(bytes(a.hitPixel)).toEqual(bytes(b.hitPixel));
  expect([a.frames, a.excludedValues, a.framesWithExclusions, a.groupsCorrected, a.groupsTotal])
    .toEqual([b.frames, b.excludedValues, b.framesWithExclusions, b.groupsCorrected, b.groupsTotal]);
}

const ALL = { raw: true, max: true, threshold: true };

describe.skipIf(!commonModeSimdSupported())('common-mode SIMD kernels (bit for bit the JS kernel)', () => {
  it('runs here: Node 20 has WebAssembly SIMD', () => {
    expect(commonModeSimdSupported()).toBe(true);
    expect(allocateCommonModeSimd(100, 10, ALL)).toBeDefined();
  });

  const cases: [string, Case][] = [
    ['segments of 32, every part', { rows: 6, cols: 96, length: 32, frames: 17, seed: 1 }],
    ['odd segment length 37 with a last shorter segment of 26', { rows: 5, cols: 100, length: 37, frames: 13, seed: 2 }],
    ['a segment of 5 values (fewer than one SIMD step twice)', { rows: 4, cols: 13, length: 5, frames: 9, seed: 3 }],
    ['many ties (integer offsets, little noise)', { rows: 4, cols: 256, length: 128, frames: 11, seed: 4, ties: true }],
    ['long segments of 512 (pnCCD-like)', { rows: 2, cols: 1024, length: 512, frames: 7, seed: 5 }],
    ['ASIC rows of 384 (ePix100-like)', { rows: 3, cols: 768, length: 384, frames: 9, seed: 12 }],
    ['many ties in segments of 384', { rows: 3, cols: 768, length: 384, frames: 7, seed: 13, ties: true }],
    ['offsets below 1 ADU (medians that are not float32)', { rows: 6, cols: 96, length: 32, frames: 17, seed: 6, small: true }],
  ];
  for (const [label, c] of cases) {
    it(`gives the JS kernel's partial results byte for byte: ${label}`, () => {
      const s = simulate(c);
      const opts = options(c, s, ALL);
      const js = run(c, s, opts, false), simd = run(c, s, opts, true);
      expect(js.partial.excludedValues).toBeGreaterThan(0); // hits exercised
      expect(js.partial.groupsCorrected).toBeLessThan(js.partial.groupsTotal); // a skipped segment exercised
      expect(Number.isNaN(js.partial.corrected!.sum[5])).toBe(true); // NaN-offset pixel exercised
      expectSame(simd.partial, js.partial);
    });
  }

  it('matches for every combination of the optional parts (raw, max, threshold)', () => {
    const c: Case = { rows: 3, cols: 70, length: 23, frames: 6, seed: 7, small: true };
    const s = simulate(c);
    for (const raw of [false, true]) {
      for (const max of [false, true]) {
        for (const threshold of [false, true]) {
          const opts = options(c, s, { raw, max, threshold });
          expectSame(run(c, s, opts, true).partial, run(c, s, opts, false).partial);
        }
      }
    }
  });

  it('takes kept medians as the JS kernel does (and keeps the same ones)', () => {
    const c: Case = { rows: 4, cols: 64, length: 16, frames: 10, seed: 8 };
    const s = simulate(c);
    const withCache = (useSimd: boolean) => {
      const cache = createCommonModeMedianCache();
      const opts = options(c, s, ALL);
      const first = prepareMedianCache(cache, c.rows, c.cols, c.length, createCommonModeNoiseInit(c.rows, c.cols, opts).mask, s.offset, 2, c.frames)!;
      run(c, s, { ...opts, medianCache: first }, useSimd);
      const mask2 = s.medianMask.slice();
      mask2[2 * c.cols + 20] = 1; // one group selects again
      const opts2 = { ...opts, medianMask: mask2 };
      const second = prepareMedianCache(cache, c.rows, c.cols, c.length, createCommonModeNoiseInit(c.rows, c.cols, opts2).mask, s.offset, 2, c.frames)!;
      expect(second.reuse.filter((x) => x === 1).length).toBe(second.groups - 1);
      return { partial: run(c, s, { ...opts2, medianCache: second }, useSimd).partial, medians: second.medians.slice() };
    };
    const js = withCache(false), simd = withCache(true);
    expect(simd.medians).toEqual(js.medians);
    expectSame(simd.partial, js.partial);
  });

  it('keeps the JS kernel for float blocks on the same WebAssembly arrays', () => {
    const c: Case = { rows: 3, cols: 40, length: 20, frames: 5, seed: 9 };
    const s = simulate(c);
    const opts = options(c, s, ALL);
    const f32 = Float32Array.from(s.data);
    expectSame(run(c, s, opts, true, f32).partial, run(c, s, opts, false, f32).partial);
  });

  it('posts its partial as views of its shared WebAssembly memory: a structured clone reads the same memory', () => {
    const c: Case = { rows: 2, cols: 32, length: 16, frames: 3, seed: 10 };
    const s = simulate(c);
    const { partial } = run(c, s, options(c, s, ALL), true);
    expect(partial.corrected!.sum.buffer).toBeInstanceOf(SharedArrayBuffer);
    const clone = structuredClone(partial);
    expectSame(clone, partial);
    partial.corrected!.sum[0] = 12345; // the clone's view is of the same memory
    expect(clone.corrected!.sum[0]).toBe(12345);
  });

  it('median gives np.median of the good keys: ties, equal values, even and odd counts, few good values, infinities', () => {
    // The median kernel brackets the middle ranks from a sample and counts; a wrong bracket, rank offset,
    // padding or final ranking changes the value for some of these segments. The reference sorts the good
    // values and takes the middle one or the float64 mean of the two middle ones (np.median).
    const simd = allocateCommonModeSimd(1024, 1024, ALL)!.simd;
    const mem = new Float32Array(simd.memory.buffer as ArrayBuffer);
    const keysAt = simd.at.keys / 4, bufferAt = (simd.at.med + MEDIAN_BUFFER_AT) / 4;
    const rng = new Random(14);
    const kinds: [string, () => number][] = [
      ['noise with offsets', () => Math.fround(Math.round(1000 + 8 * rng.normal()) - Math.fround(1000 + 3 * rng.normal()))],
      ['integers (ties)', () => Math.round(2 * rng.normal())],
      ['few distinct values', () => Math.round(0.4 * rng.normal())],
      ['all equal', () => 7.25],
      ['quarter steps', () => Math.round(4 * rng.normal()) / 4],
      ['heavy tails', () => Math.fround(100 * rng.normal() ** 3)],
      ['two modes', () => Math.fround((rng.uniform() < 0.5 ? -50 : 50) + rng.normal())],
      ['some -Infinity (an infinite offset)', () => (rng.uniform() < 0.05 ? -Infinity : Math.fround(5 * rng.normal()))],
    ];
    let checked = 0;
    for (const n of [5, 37, 63, 64, 65, 100, 384, 512]) {
      for (const [kind, draw] of kinds) {
        for (const badFraction of [0, 0.01, 0.3, 0.9, 1]) {
          for (let t = 0; t < 12; t++) {
            const values = Float32Array.from({ length: n }, () => (rng.uniform() < badFraction ? Infinity : draw() + 0)); // + 0: no -0 (u2 data never gives one)
            if (t === 0 && badFraction === 1) values[rng.int(n)] = draw() + 0; // one good value
            const good = values.filter((v) => v < Infinity).sort();
            if (good.length === 0) continue;
            const h = good.length >>> 1;
            const want = good.length & 1 ? good[h] : (good[h - 1] + good[h]) / 2;
            // earlier keys of the same kind stay behind the segment and in the buffer (the kernel pads what it reads)
            for (let i = 0; i < n + 40; i++) mem[keysAt + i] = draw() + 0;
            for (let i = 0; i < n + 40; i++) mem[bufferAt + i] = draw() + 0;
            mem.set(values, keysAt);
            mem.fill(Infinity, keysAt + n, keysAt + ((n + 3) & ~3)); // as gather leaves them
            const got = simd.median(simd.at.keys, n, good.length, simd.at.med);
            expect(Object.is(got, want), `${kind}, ${n} keys, ${good.length} good: ${got} vs ${want}`).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('select gives the k-th smallest value of random keys with ties and infinities', () => {
    const simd = allocateCommonModeSimd(1024, 1024, ALL)!.simd;
    const keys = new Float32Array(simd.memory.buffer as ArrayBuffer, simd.at.keys, 1024);
    const rng = new Random(11);
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.int(600);
      const spread = [0.5, 3, 1000][t % 3];
      const values = Float32Array.from({ length: n }, () => (rng.uniform() < 0.1 ? Infinity : Math.round(spread * rng.normal()) / 4 || 0)); // no -0: u2 data never gives one
      const sorted = values.slice().sort();
      const k = rng.int(n);
      keys.set(values);
      const got = simd.select(simd.at.keys, k, n);
      expect(got).toBe(sorted[k]);
      // the partition invariant that maxBelow relies on: a[0, k) <= a[k]
      if (k > 0) expect(simd.maxBelow(simd.at.keys, k)).toBe(sorted[k - 1]);
    }
  });
});
