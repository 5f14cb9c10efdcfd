import { describe, expect, it } from 'vitest';
import { DetcalError, Random } from '@detcal/core';
import { accumulateDarkCpu, accumulateDarkRangeCpu, finalizeDarkCpu } from './cpu-dark.js';
import { createDarkAccumulator, mergeDarkAccumulator, resetDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

/** Simulated dark: per-(cell, pixel) mean mu and noise sigma, frames cycling over cells. */
function simulate(nCells: number, nPixels: number, nFrames: number, seed: number, round: boolean) {
  const rng = new Random(seed);
  const mu = new Float64Array(nCells * nPixels);
  const sigma = new Float64Array(nCells * nPixels);
  for (let k = 0; k < mu.length; k++) {
    mu[k] = 5000 + 200 * rng.uniform();
    sigma[k] = 3 + 5 * rng.uniform();
  }
  const cellIds = new Uint16Array(nFrames);
  const data = round ? new Uint16Array(nFrames * nPixels) : new Float32Array(nFrames * nPixels);
  for (let f = 0; f < nFrames; f++) {
    const c = f % nCells;
    cellIds[f] = c;
    for (let p = 0; p < nPixels; p++) {
      const v = mu[c * nPixels + p] + sigma[c * nPixels + p] * rng.normal();
      data[f * nPixels + p] = round ? Math.round(v) : v;
    }
  }
  return { mu, sigma, cellIds, data };
}

/** Float64 two-pass mean / std (ddof) per (cell, pixel) over the accepted values. */
function twoPass(
  data: ArrayLike<number>, cellIds: Uint16Array, nFrames: number, nCells: number, nPixels: number,
  accept: (f: number, p: number) => boolean = () => true, ddof = 0,
) {
  const n = new Float64Array(nCells * nPixels);
  const s = new Float64Array(nCells * nPixels);
  for (let f = 0; f < nFrames; f++) {
    for (let p = 0; p < nPixels; p++) {
      if (!accept(f, p)) continue;
      const k = cellIds[f] * nPixels + p;
      n[k]++;
      s[k] += data[f * nPixels + p];
    }
  }
  const mean = new Float64Array(n.length).map((_, k) => (n[k] > 0 ? s[k] / n[k] : NaN));
  const q = new Float64Array(n.length);
  for (let f = 0; f < nFrames; f++) {
    for (let p = 0; p < nPixels; p++) {
      if (!accept(f, p)) continue;
      const k = cellIds[f] * nPixels + p;
      q[k] += (data[f * nPixels + p] - mean[k]) ** 2;
    }
  }
  const std = new Float64Array(n.length).map((_, k) => (n[k] - ddof > 0 ? Math.sqrt(q[k] / (n[k] - ddof)) : NaN));
  return { n, mean, std };
}

function finalize64(state: DarkAccumulator, ddof: 0 | 1 = 0) {
  const len = state.nCells * state.nPixels;
  const out = { meanAdu: new Float64Array(len), stdAdu: new Float64Array(len), count: new Uint32Array(len) };
  finalizeDarkCpu(state, out, { ddof });
  return out;
}

function expectWithin(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number | ((i: number, e: number) => number), label: string) {
  const report = checkTolerance(actual, expected, tol);
  expect(report.ok, formatToleranceReport(report, label)).toBe(true);
}

/** Relative 1e-9 (with an absolute floor of 1e-9 ADU for values near 0). */
const rel9 = (_i: number, e: number) => 1e-9 * Math.max(Math.abs(e), 1);

describe('accumulateDarkCpu / finalizeDarkCpu', () => {
  it('recovers the known mean and std of simulated Gaussian frames', () => {
    const nCells = 3, nPixels = 500, perCell = 400;
    const sim = simulate(nCells, nPixels, nCells * perCell, 11, false);
    const state = createDarkAccumulator(nCells, nPixels);
    accumulateDarkCpu(state, sim.data, sim.cellIds, nCells * perCell, nPixels);
    const out = finalize64(state);
    // 5 sigma per value: the 1500 (cell, pixel) estimates together exceed it with p < 1e-3 for any seed.
    // std of the mean estimate = sigma / sqrt(n); of the std estimate ~ sigma / sqrt(2n).
    expectWithin(out.meanAdu, sim.mu, (k) => (5 * sim.sigma[k]) / Math.sqrt(perCell), 'meanAdu vs truth');
    expectWithin(out.stdAdu, sim.sigma, (k) => (5 * sim.sigma[k]) / Math.sqrt(2 * perCell), 'stdAdu vs truth');
    expect(Array.from(out.count).every((c) => c === perCell)).toBe(true);
  });

  it('agrees with a float64 two-pass reference to 1e-9 relative, streamed in uneven blocks', () => {
    const nCells = 4, nPixels = 300, nFrames = 1000;
    const sim = simulate(nCells, nPixels, nFrames, 12, true);
    const state = createDarkAccumulator(nCells, nPixels);
    const cuts = [0, 1, 64, 65, 400, 777, nFrames];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [f0, f1] = [cuts[i], cuts[i + 1]];
      const block = (sim.data as Uint16Array).subarray(f0 * nPixels, f1 * nPixels);
      accumulateDarkCpu(state, block, sim.cellIds.subarray(f0, f1), f1 - f0, nPixels);
    }
    for (const ddof of [0, 1] as const) {
      const ref = twoPass(sim.data, sim.cellIds, nFrames, nCells, nPixels, undefined, ddof);
      const out = finalize64(state, ddof);
      expectWithin(out.meanAdu, ref.mean, rel9, `meanAdu ddof=${ddof}`);
      expectWithin(out.stdAdu, ref.std, rel9, `stdAdu ddof=${ddof}`);
      expectWithin(out.count, ref.n, 0, 'count');
    }
  });

  it('accepts Float32Array data and matches the two-pass reference', () => {
    const sim = simulate(2, 128, 300, 13, false);
    const state = createDarkAccumulator(2, 128);
    accumulateDarkCpu(state, sim.data, sim.cellIds, 300, 128);
    const ref = twoPass(sim.data, sim.cellIds, 300, 2, 128);
    const out = finalize64(state);
    expectWithin(out.meanAdu, ref.mean, rel9, 'meanAdu f4');
    expectWithin(out.stdAdu, ref.std, rel9, 'stdAdu f4');
  });

  it('pixel ranges [p0, p1) together equal one full accumulate', () => {
    const sim = simulate(2, 500, 120, 14, true);
    const full = createDarkAccumulator(2, 500);
    const split = createDarkAccumulator(2, 500);
    accumulateDarkCpu(full, sim.data, sim.cellIds, 120, 500);
    accumulateDarkRangeCpu(split, sim.data, sim.cellIds, 120, 500, 0, 137);
    accumulateDarkRangeCpu(split, sim.data, sim.cellIds, 120, 500, 137, 137);
    accumulateDarkRangeCpu(split, sim.data, sim.cellIds, 120, 500, 137, 500);
    for (const key of ['count', 'ref', 'sum', 'sumSq'] as const) expectWithin(split[key], full[key], 0, key);
  });

  it('accumulates only accepted gain values and counts the others as rejected', () => {
    const nCells = 2, nPixels = 200, nFrames = 400;
    const sim = simulate(nCells, nPixels, nFrames, 15, true);
    const rng = new Random(16);
    const gain = new Uint8Array(nFrames * nPixels);
    const data = sim.data as Uint16Array;
    for (let i = 0; i < gain.length; i++) {
      // 20 % of the values switched to a medium gain stage, 3000 ADU away, including the very first frames
      if (rng.uniform() < 0.2 || i < nPixels / 2) {
        gain[i] = 1;
        data[i] += 3000;
      }
    }
    const state = createDarkAccumulator(nCells, nPixels);
    accumulateDarkCpu(state, data, sim.cellIds, nFrames, nPixels, { gain, acceptGain: 0 });
    const ref = twoPass(data, sim.cellIds, nFrames, nCells, nPixels, (f, p) => gain[f * nPixels + p] === 0);
    const out = finalize64(state);
    expectWithin(out.meanAdu, ref.mean, rel9, 'meanAdu gain 0');
    expectWithin(out.stdAdu, ref.std, rel9, 'stdAdu gain 0');
    const rejected = new Float64Array(nCells * nPixels);
    for (let f = 0; f < nFrames; f++) for (let p = 0; p < nPixels; p++) if (gain[f * nPixels + p] !== 0) rejected[sim.cellIds[f] * nPixels + p]++;
    expectWithin(state.rejected, rejected, 0, 'rejected');
    // the reference is the first accepted value, so it lies in the accepted gain stage
    for (let k = 0; k < state.ref.length; k++) expect(Math.abs(state.ref[k] - ref.mean[k])).toBeLessThan(100);

    const both = createDarkAccumulator(nCells, nPixels);
    accumulateDarkCpu(both, data, sim.cellIds, nFrames, nPixels, { gain, acceptGain: [0, 1] });
    expect(Array.from(both.rejected).every((r) => r === 0)).toBe(true);
    expect(Array.from(both.count).every((c) => c === nFrames / nCells)).toBe(true);
  });

  it('honours a per-pixel and a per-value mask (masked values are neither accumulated nor rejected)', () => {
    const nCells = 1, nPixels = 64, nFrames = 50;
    const sim = simulate(nCells, nPixels, nFrames, 17, true);
    const pixMask = new Uint8Array(nPixels);
    pixMask[3] = 1;
    pixMask[40] = 1;
    const st1 = createDarkAccumulator(nCells, nPixels);
    accumulateDarkCpu(st1, sim.data, sim.cellIds, nFrames, nPixels, { mask: pixMask });
    const out1 = finalize64(st1);
    expect(out1.count[3]).toBe(0);
    expect(Number.isNaN(out1.meanAdu[40]) && Number.isNaN(out1.stdAdu[40])).toBe(true);
    expect(out1.count[4]).toBe(nFrames);

    const valMask = new Uint8Array(nFrames * nPixels);
    const rng = new Random(18);
    for (let i = 0; i < valMask.length; i++) valMask[i] = rng.uniform() < 0.1 ? 1 : 0;
    const gain = new Uint16Array(nFrames * nPixels).map(() => (rng.uniform() < 0.1 ? 2 : 0));
    const st2 = createDarkAccumulator(nCells, nPixels);
    accumulateDarkCpu(st2, sim.data, sim.cellIds, nFrames, nPixels, { mask: valMask, gain, acceptGain: 0 });
    const accept = (f: number, p: number) => valMask[f * nPixels + p] === 0 && gain[f * nPixels + p] === 0;
    const ref = twoPass(sim.data, sim.cellIds, nFrames, nCells, nPixels, accept);
    const out2 = finalize64(st2);
    expectWithin(out2.meanAdu, ref.mean, rel9, 'meanAdu masked');
    expectWithin(out2.stdAdu, ref.std, rel9, 'stdAdu masked');
    let rej = 0;
    for (let f = 0; f < nFrames; f++) for (let p = 0; p < nPixels; p++) if (valMask[f * nPixels + p] === 0 && gain[f * nPixels + p] !== 0) rej++;
    expect(st2.rejected.reduce((a, b) => a + b, 0)).toBe(rej);
  });

  it('computes digital-value (gain) statistics from u1 gain data with the same kernel', () => {
    const nPixels = 32, nFrames = 100;
    const rng = new Random(19);
    const digital = new Uint8Array(nFrames * nPixels).map(() => 100 + Math.floor(rng.uniform() * 20));
    const cellIds = new Uint16Array(nFrames);
    const state = createDarkAccumulator(1, nPixels);
    accumulateDarkCpu(state, digital, cellIds, nFrames, nPixels);
    const ref = twoPass(digital, cellIds, nFrames, 1, nPixels);
    const out = finalize64(state);
    expectWithin(out.meanAdu, ref.mean, rel9, 'digital mean');
    expectWithin(out.stdAdu, ref.std, rel9, 'digital std');
  });

  it('merges accumulators of different frames into the one-pass result', () => {
    const sim = simulate(2, 100, 300, 20, true);
    const all = createDarkAccumulator(2, 100);
    const a = createDarkAccumulator(2, 100);
    const b = createDarkAccumulator(2, 100);
    accumulateDarkCpu(all, sim.data, sim.cellIds, 300, 100);
    const data = sim.data as Uint16Array;
    accumulateDarkCpu(a, data.subarray(0, 100 * 100), sim.cellIds.subarray(0, 100), 100, 100);
    accumulateDarkCpu(b, data.subarray(100 * 100), sim.cellIds.subarray(100), 200, 100);
    mergeDarkAccumulator(a, b);
    const x = finalize64(a), y = finalize64(all);
    expectWithin(x.meanAdu, y.meanAdu, rel9, 'merged mean');
    expectWithin(x.stdAdu, y.stdAdu, rel9, 'merged std');
    expect(() => mergeDarkAccumulator(a, createDarkAccumulator(1, 100))).toThrow(DetcalError);
  });

  it('gives NaN below minCount and for ddof 1 with a single value; writes float32 outputs', () => {
    const state = createDarkAccumulator(2, 2);
    accumulateDarkCpu(state, new Uint16Array([10, 20]), new Uint16Array([0]), 1, 2);
    const out = { meanAdu: new Float32Array(4), stdAdu: new Float32Array(4) };
    finalizeDarkCpu(state, out, { ddof: 1 });
    expect(Array.from(out.meanAdu.subarray(0, 2))).toEqual([10, 20]);
    expect(out.stdAdu.every((v) => Number.isNaN(v))).toBe(true);
    expect(Number.isNaN(out.meanAdu[2])).toBe(true);
    finalizeDarkCpu(state, out, { minCount: 2 });
    expect(Number.isNaN(out.meanAdu[0])).toBe(true);
  });

  it('allocates on SharedArrayBuffers for workers and resets to zero', () => {
    const st = createDarkAccumulator(2, 8, { shared: true });
    expect(st.sum.buffer).toBeInstanceOf(SharedArrayBuffer);
    accumulateDarkCpu(st, new Uint16Array(8).fill(3), new Uint16Array([1]), 1, 8);
    expect(st.count[8]).toBe(1);
    resetDarkAccumulator(st);
    expect([st.count, st.ref, st.sum, st.sumSq, st.rejected].every((a) => a.every((v) => v === 0))).toBe(true);
    expect(() => createDarkAccumulator(0, 8)).toThrow(DetcalError);
  });

  it('rejects wrong shapes and out-of-range cell ids with a DetcalError naming the problem', () => {
    const state = createDarkAccumulator(2, 4);
    const data = new Uint16Array(8);
    expect(() => accumulateDarkCpu(state, data, new Uint16Array([0, 2]), 2, 4)).toThrow(/frame 1 has cell id 2.*2 cells/);
    expect(() => accumulateDarkCpu(state, data, new Uint16Array([0, 1]), 3, 4)).toThrow(/data has 8 values/);
    expect(() => accumulateDarkCpu(state, data, new Uint16Array([0, 1]), 2, 4, { acceptGain: 0 })).toThrow(/needs the gain array/);
    expect(() => accumulateDarkCpu(state, data, new Uint16Array([0, 1]), 2, 4, { mask: new Uint8Array(3) })).toThrow(/mask has 3 values/);
    expect(() => accumulateDarkRangeCpu(state, data, new Uint16Array([0, 1]), 2, 4, 3, 5)).toThrow(/pixel range/);
    expect(() => finalizeDarkCpu(state, { meanAdu: new Float32Array(8), stdAdu: new Float32Array(7) })).toThrow(/stdAdu has 7/);
  });
});
