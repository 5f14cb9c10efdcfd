import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import {
  accumulateDarkPairCpu,
  createDarkPairAccumulator,
  finalizeDarkPairCpu,
  finalizeDarkPairRange,
  registerDarkPairFrames,
  type DarkPairAccumulator,
  type DarkPairFinalizeOutput,
} from './dark-pair-accumulator.js';
import { finalizeDarkPairSimd } from './dark-pair-simd.js';

/** Four float32 outputs of `size` values, filled with a sentinel so that values a call must not touch are checked too. */
function outputs(size: number): DarkPairFinalizeOutput {
  const o = () => new Float32Array(size).fill(-12345.5);
  return { meanAdu: o(), stdAdu: o(), digitalMean: o(), digitalStd: o() };
}

/** Index and bits of the first float32 where two outputs differ bit for bit (NaN payloads and -0 included), or undefined. */
function firstDifference(a: DarkPairFinalizeOutput, b: DarkPairFinalizeOutput): string | undefined {
  for (const name of ['meanAdu', 'stdAdu', 'digitalMean', 'digitalStd'] as const) {
    const x = new Uint32Array(a[name].buffer, a[name].byteOffset, a[name].length);
    const y = new Uint32Array(b[name].buffer, b[name].byteOffset, b[name].length);
    if (x.length !== y.length) return `${name}: lengths ${x.length} and ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${name}[${i}]: ${a[name][i]} (0x${x[i].toString(16)}) vs ${b[name][i]} (0x${y[i].toString(16)})`;
  }
  return undefined;
}

/** A JS state (plain buffers) holding the same references, sums and counts as `src`. */
function jsCopy(src: DarkPairAccumulator): DarkPairAccumulator {
  const js = createDarkPairAccumulator(src.nCells, src.nPixels, { wasm: false });
  js.ref.set(src.ref);
  js.sum.set(src.sum);
  js.sumSq.set(src.sumSq);
  js.framesPerCell.set(src.framesPerCell);
  return js;
}

/**
 * A wasm state with hand-made sums that reach the edges of the finalize arithmetic, pixel by pixel
 * (pattern repeats every 16 pixels, cell c has framesPerCell[c] frames):
 * random integer sums of 1..n frames of u16 differences; constant pixels (S = n d, Q = n d^2: variance
 * exactly 0); Q one rounding below or above S^2 (1/n) (variance an ulp of S^2 / n below or above 0);
 * sums near 2^53; S^2 overflowing to Infinity (variance -Infinity); Q = Infinity with S^2 (1/n) = Infinity
 * (NaN variance); means that are float32 ties (round to even) and random doubles; variances whose
 * square root is a float32 subnormal.
 */
function edgeState(nCells: number, nPixels: number, counts: number[], rng: Random): DarkPairAccumulator {
  const st = createDarkPairAccumulator(nCells, nPixels);
  expect(st.wasm).toBeDefined();
  st.framesPerCell.set(counts);
  for (let c = 0; c < nCells; c++) {
    const n = Math.max(1, counts[c]);
    for (let p = 0; p < nPixels; p++) {
      for (let kind = 0; kind < 2; kind++) {
        const j = 2 * (c * nPixels + p) + kind;
        const r = Math.floor(rng.uniform() * 65536);
        let s: number, q: number;
        switch ((p + 3 * kind) % 16) {
          case 0: case 1: case 2: { // n values of x - r, x in u16: exact integer sums
            s = 0; q = 0;
            for (let f = 0; f < n; f++) { const d = Math.floor(rng.uniform() * 65536) - r; s += d; q += d * d; }
            break;
          }
          case 3: case 4: { // constant pixel: variance exactly 0
            const d = Math.floor(rng.uniform() * 65536) - r;
            s = n * d; q = n * d * d;
            break;
          }
          case 5: case 6: // Q a rounding below or above S^2 (1/n): variance a few ulps below 0 (std 0) or above
            s = Math.floor((rng.uniform() - 0.5) * 2 ** 40);
            q = s * s * (1 / n) * (p % 16 === 5 ? 1 - 2 ** -52 : 1 + 2 ** -51);
            break;
          case 7: s = 2 ** 53 - 1 - Math.floor(rng.uniform() * 1000); q = 2 ** 53 + 2 * Math.floor(rng.uniform() * 1e6); break;
          case 8: s = (rng.uniform() < 0.5 ? -1 : 1) * 1e200; q = 1e300; break; // S^2 = Infinity
          case 9: s = 1e200; q = Infinity; break; // Infinity - Infinity: NaN variance
          case 10: s = n * (0.5 + 2 ** -25); q = s * s; break; // mean r + 0.5 + 2^-25 (ties / near-ties in float32 for large r)
          case 11: s = (rng.uniform() - 0.5) * 2 ** 40; q = s * s * (1 + rng.uniform()); break; // random doubles
          case 12: s = 0; q = n * 1e-78 * (1 + rng.uniform()); break; // std ~1e-39: a float32 subnormal
          case 13: s = 0; q = 0; break; // nothing added since the reference
          case 14: s = rng.normal() * 1e6; q = s * s / n + rng.uniform() * 1e3; break;
          default: s = -n * 65535; q = n * 65535 * 65535; break; // the largest u16 difference every frame
        }
        st.ref[j] = r;
        st.sum[j] = s;
        st.sumSq[j] = q;
      }
    }
  }
  return st;
}

describe('dark pair finalize with WebAssembly SIMD', () => {
  it('gives the JS finalizeCell bit for bit on edge-case sums, over odd pixel ranges, cells with 0, 1, 3, 5, 7, 10 and 64 frames', () => {
    const nPixels = 203, counts = [0, 1, 3, 5, 7, 10, 64];
    const nCells = counts.length;
    const simd = edgeState(nCells, nPixels, counts, new Random(3));
    const js = jsCopy(simd);
    // the cases are there: variances just below 0 (std 0), exactly 0, -Infinity (S^2 overflows)
    let negative = 0, zero = 0, overflow = 0;
    for (let c = 1; c < nCells; c++) {
      const inv = 1 / counts[c];
      for (let j = 2 * c * nPixels; j < 2 * (c + 1) * nPixels; j++) {
        const v = (js.sumSq[j] - js.sum[j] * js.sum[j] * inv) * inv;
        if (v < 0 && v > -Infinity) negative++;
        if (v === 0) zero++;
        if (v === -Infinity) overflow++;
      }
    }
    expect(negative).toBeGreaterThan(0);
    expect(zero).toBeGreaterThan(0);
    expect(overflow).toBeGreaterThan(0);
    const size = nCells * nPixels;
    // ranges: whole, odd starts and ends, lengths 1..13 (below, at and off the 4-pixel step), a split of a cell in three
    const ranges = [[0, 203], [1, 202], [3, 4], [5, 7], [17, 20], [33, 46], [101, 151], [0, 97], [97, 150], [150, 203], [61, 69]];
    for (const [p0, p1] of ranges) {
      const a = outputs(size), b = outputs(size);
      finalizeDarkPairRange(simd, a, p0, p1, simd.framesPerCell);
      finalizeDarkPairRange(js, b, p0, p1, js.framesPerCell);
      expect(firstDifference(a, b), `range [${p0}, ${p1})`).toBeUndefined();
    }
    // and the outputs are not trivial
    const a = outputs(size);
    finalizeDarkPairRange(simd, a, 0, nPixels, simd.framesPerCell);
    expect(Number.isNaN(a.meanAdu[5])).toBe(true); // cell 0: no frames
    expect(a.stdAdu[nPixels + 8]).toBe(0); // S^2 = Infinity: 0
    expect(a.meanAdu[nPixels + 8]).toBe(a.meanAdu[nPixels + 8] > 0 ? Infinity : -Infinity);
    expect(a.stdAdu[2 * nPixels + 12]).toBeGreaterThan(0);
    expect(a.stdAdu[2 * nPixels + 12]).toBeLessThan(2 ** -126); // subnormal
  });

  it('runs the kernel (not the JS loop) and writes only the calling thread\'s part of the scratch', () => {
    const nPixels = 203, nCells = 3, counts = [2, 9, 4];
    const simd = edgeState(nCells, nPixels, counts, new Random(5));
    const js = jsCopy(simd);
    const scratch = simd.wasm?.scratch as Uint16Array;
    for (const [p0, p1] of [[0, 100], [100, 203], [7, 8], [41, 160]]) {
      scratch.fill(0xabcd);
      const a = outputs(nCells * nPixels), b = outputs(nCells * nPixels);
      finalizeDarkPairRange(simd, a, p0, p1, simd.framesPerCell);
      finalizeDarkPairRange(js, b, p0, p1, js.framesPerCell);
      expect(firstDifference(a, b)).toBeUndefined();
      let inside = 0;
      for (let i = 0; i < scratch.length; i++) {
        const p = i % nPixels;
        if (scratch[i] === 0xabcd) continue;
        expect(p >= p0 && p < p1, `scratch value ${i} (pixel ${p}) outside [${p0}, ${p1})`).toBe(true);
        inside++;
      }
      // a part of one pixel has no room for a float32 chunk (the JS loop runs), larger parts go through the kernel
      if (p1 - p0 > 16) expect(inside).toBeGreaterThan(0);
      else expect(inside).toBe(0);
    }
    expect(finalizeDarkPairSimd(simd, outputs(nCells * nPixels), 0, nCells, 0, nPixels, 0, simd.framesPerCell, 0, nPixels)).toBe(true);
    // float64 outputs, or a state on plain buffers: the JS loop
    const f64 = { meanAdu: new Float64Array(nCells * nPixels), stdAdu: new Float64Array(nCells * nPixels), digitalMean: new Float64Array(nCells * nPixels), digitalStd: new Float64Array(nCells * nPixels) };
    expect(finalizeDarkPairSimd(simd, f64, 0, nCells, 0, nPixels, 0, simd.framesPerCell, 0, nPixels)).toBe(false);
    expect(finalizeDarkPairSimd(js, outputs(nCells * nPixels), 0, nCells, 0, nPixels, 0, js.framesPerCell, 0, nPixels)).toBe(false);
  });

  it('gives the JS finalize bit for bit on states fed the same blocks, in ranges and in cell groups (finalizeDarkPairCpu)', () => {
    const nPixels = 131, nCells = 5;
    const simd = createDarkPairAccumulator(nCells, nPixels);
    const js = createDarkPairAccumulator(nCells, nPixels, { wasm: false });
    const rng = new Random(17);
    // cell 4 gets no frames, cell 3 one frame, the others 2..12 over three blocks
    for (let b = 0; b < 3; b++) {
      const ids: number[] = [];
      for (let c = 0; c < 3; c++) for (let t = 0; t <= b + c; t++) ids.push(c);
      if (b === 1) ids.push(3);
      const cellIds = Uint16Array.from(ids), nFrames = ids.length;
      const data = new Uint16Array(nFrames * nPixels), gain = new Uint16Array(nFrames * nPixels);
      for (let i = 0; i < data.length; i++) {
        const p = i % nPixels;
        // AGIPD-like values, a constant pixel, a pixel alternating 0 / 65535
        data[i] = p === 10 ? 4321 : p === 11 ? (Math.floor(i / nPixels) % 2 === 0 ? 0 : 65535) : Math.round(5000 + 30 * rng.normal());
        gain[i] = p === 10 ? 4000 : Math.round(4500 + 20 * rng.normal());
      }
      const first = registerDarkPairFrames(simd, cellIds, nFrames);
      registerDarkPairFrames(js, cellIds, nFrames);
      for (const [p0, p1] of [[0, 65], [65, 131]]) {
        accumulateDarkPairCpu(simd, data, gain, cellIds, first, nFrames, p0, p1);
        accumulateDarkPairCpu(js, data, gain, cellIds, first, nFrames, p0, p1);
      }
    }
    expect(Array.from(js.framesPerCell)).toEqual([6, 9, 12, 1, 0]);
    const size = nCells * nPixels;
    for (const [p0, p1] of [[0, 131], [0, 65], [65, 131], [3, 130]]) {
      const a = outputs(size), b = outputs(size);
      finalizeDarkPairRange(simd, a, p0, p1, simd.framesPerCell);
      finalizeDarkPairRange(js, b, p0, p1, js.framesPerCell);
      expect(firstDifference(a, b)).toBeUndefined();
    }
    // all cells, and a group of cells [1, 4) into outputs that start at cell 1 (the unshared memory is this thread's: the kernel)
    for (const [c0, c1, outCell0] of [[0, nCells, 0], [1, 4, 1], [2, 3, 0]]) {
      const a = outputs((c1 - outCell0) * nPixels), b = outputs((c1 - outCell0) * nPixels);
      const scratch = simd.wasm?.scratch as Uint16Array;
      scratch.fill(0xabcd);
      finalizeDarkPairCpu(simd, a, c0, c1, outCell0);
      expect(scratch.some((v) => v !== 0xabcd)).toBe(true);
      finalizeDarkPairCpu(js, b, c0, c1, outCell0);
      expect(firstDifference(a, b), `cells [${c0}, ${c1}) from ${outCell0}`).toBeUndefined();
    }
    const a = outputs(size);
    finalizeDarkPairCpu(simd, a);
    expect(a.stdAdu[10]).toBe(0); // constant pixel
    expect(a.stdAdu[11]).toBeGreaterThan(30000); // 0 / 65535 alternating
    expect(a.meanAdu[3 * nPixels + 20]).toBe(js.ref[2 * (3 * nPixels + 20)]); // one frame: the value itself
  });

  it('leaves finalizing on a shared memory in cell ranges to the JS loop, with the same values', () => {
    const nPixels = 64, nCells = 2;
    const simd = createDarkPairAccumulator(nCells, nPixels, { shared: true });
    const rng = new Random(23);
    simd.framesPerCell.set([3, 8]);
    for (let j = 0; j < simd.sum.length; j++) {
      simd.ref[j] = Math.floor(rng.uniform() * 16384);
      simd.sum[j] = Math.round(rng.normal() * 100);
      simd.sumSq[j] = simd.sum[j] ** 2 + Math.floor(rng.uniform() * 1e5);
    }
    const js = jsCopy(simd);
    const scratch = simd.wasm?.scratch as Uint16Array;
    scratch.fill(0xabcd);
    const a = outputs(nCells * nPixels), b = outputs(nCells * nPixels);
    finalizeDarkPairCpu(simd, a);
    finalizeDarkPairCpu(js, b);
    expect(scratch.every((v) => v === 0xabcd)).toBe(true);
    expect(firstDifference(a, b)).toBeUndefined();
  });
});
