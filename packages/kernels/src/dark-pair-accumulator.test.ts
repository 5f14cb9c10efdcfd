import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { accumulateDarkRangeCpu, finalizeDarkCpu } from './cpu-dark.js';
import { createDarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, createDarkPairAccumulator, finalizeDarkPairCpu, registerDarkPairFrames } from './dark-pair-accumulator.js';

/** AGIPD-like block: analog values around 5000 and digital values around 4500, plus one pixel alternating 0 / 65535. */
function block(nFrames: number, nPixels: number, nCells: number, seed: number, firstTrain: number) {
  const rng = new Random(seed);
  const data = new Uint16Array(nFrames * nPixels);
  const gain = new Uint16Array(nFrames * nPixels);
  const cellIds = new Uint16Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    cellIds[f] = f % nCells;
    for (let p = 0; p < nPixels; p++) {
      data[f * nPixels + p] = Math.round(5000 + 8 * rng.normal());
      gain[f * nPixels + p] = Math.round(4500 + 12 * rng.normal());
    }
    // the extreme pixel: |x - ref| = 65535 every other train (largest u2 difference)
    const train = firstTrain + Math.floor(f / nCells);
    data[f * nPixels + 3] = train % 2 === 0 ? 0 : 65535;
    gain[f * nPixels + 3] = train % 2 === 0 ? 65535 : 0;
  }
  return { data, gain, cellIds };
}

describe('DarkPairAccumulator (analog + digital, counts per cell)', () => {
  it('gives the means and stds of two general accumulators (to float64 rounding), over pixel ranges and blocks', () => {
    const nPixels = 37, nCells = 3, nFrames = 60;
    const pair = createDarkPairAccumulator(nCells, nPixels);
    const single = [createDarkAccumulator(nCells, nPixels), createDarkAccumulator(nCells, nPixels)];
    for (let b = 0; b < 4; b++) {
      const { data, gain, cellIds } = block(nFrames, nPixels, nCells, 10 + b, (b * nFrames) / nCells);
      const first = registerDarkPairFrames(pair, cellIds, nFrames);
      expect(first.reduce((a, v) => a + v, 0)).toBe(b === 0 ? nCells : 0);
      for (const [p0, p1] of [[0, 20], [20, 37]]) {
        accumulateDarkPairCpu(pair, data, gain, cellIds, first, nFrames, p0, p1);
        accumulateDarkRangeCpu(single[0], data, cellIds, nFrames, nPixels, p0, p1);
        accumulateDarkRangeCpu(single[1], gain, cellIds, nFrames, nPixels, p0, p1);
      }
    }
    const size = nCells * nPixels;
    const out = { meanAdu: new Float64Array(size), stdAdu: new Float64Array(size), digitalMean: new Float64Array(size), digitalStd: new Float64Array(size) };
    finalizeDarkPairCpu(pair, out);
    const ref = single.map((s) => {
      const o = { meanAdu: new Float64Array(size), stdAdu: new Float64Array(size) };
      finalizeDarkCpu(s, o);
      return o;
    });
    // multiplying by 1/n instead of dividing by n moves a result by at most a few float64 ulps
    const close = (a: Float64Array, b: Float64Array) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-13 * Math.abs(b[i])));
    close(out.meanAdu, ref[0].meanAdu);
    close(out.stdAdu, ref[0].stdAdu);
    close(out.digitalMean, ref[1].meanAdu);
    close(out.digitalStd, ref[1].stdAdu);
    expect(Array.from(pair.framesPerCell)).toEqual([80, 80, 80]);
    // the alternating pixel: 80 values per cell, half 0 and half 65535: mean and std 32767.5 exactly
    for (let c = 0; c < nCells; c++) {
      expect(out.meanAdu[c * nPixels + 3]).toBe(32767.5);
      expect(out.stdAdu[c * nPixels + 3]).toBe(32767.5);
      expect(out.digitalStd[c * nPixels + 3]).toBe(32767.5);
    }
  });

  it('gives NaN for cells without frames and a zero std for a constant pixel', () => {
    const nPixels = 4;
    const pair = createDarkPairAccumulator(2, nPixels);
    const data = new Uint16Array(3 * nPixels).fill(7);
    const gain = new Uint16Array(3 * nPixels).fill(9);
    const cellIds = new Uint16Array([1, 1, 1]);
    accumulateDarkPairCpu(pair, data, gain, cellIds, registerDarkPairFrames(pair, cellIds, 3), 3, 0, nPixels);
    const out = { meanAdu: new Float32Array(8), stdAdu: new Float32Array(8), digitalMean: new Float32Array(8), digitalStd: new Float32Array(8) };
    finalizeDarkPairCpu(pair, out);
    expect(Array.from(out.meanAdu)).toEqual([NaN, NaN, NaN, NaN, 7, 7, 7, 7]);
    expect(Array.from(out.digitalStd.subarray(4))).toEqual([0, 0, 0, 0]);
  });

  it('names the cell id that does not fit and the wrong block size', () => {
    const pair = createDarkPairAccumulator(2, 4);
    expect(() => registerDarkPairFrames(pair, new Uint16Array([0, 2]), 2)).toThrow(/cell id 2, the accumulator has 2 cells/);
    expect(() => accumulateDarkPairCpu(pair, new Uint16Array(7), new Uint16Array(7), new Uint16Array(2), new Uint8Array(2), 2, 0, 4)).toThrow(/expected 2 frames x 4 pixels/);
  });
});
