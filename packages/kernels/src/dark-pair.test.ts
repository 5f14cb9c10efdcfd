import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { accumulateDarkPairRangeCpu, accumulateDarkRangeCpu, finalizeDarkCpu } from './cpu-dark.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';

/** AGIPD-like block: analog values around 5000 and digital values around 4500, plus one pixel alternating 0 / 65535. */
function block(nFrames: number, nPixels: number, nCells: number, seed: number) {
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
    // the extreme pixel: |x - ref| = 65535 every other frame of its cell (largest u2 difference)
    data[f * nPixels + 3] = Math.floor(f / nCells) % 2 === 0 ? 0 : 65535;
    gain[f * nPixels + 3] = Math.floor(f / nCells) % 2 === 0 ? 65535 : 0;
  }
  return { data, gain, cellIds };
}

const arrays = (s: DarkAccumulator) => [s.count, s.rejected, s.ref, s.sum, s.sumSq] as const;

describe('accumulateDarkPairRangeCpu (analog + digital in one sweep)', () => {
  it('leaves both accumulators bit for bit as two single accumulateDarkRangeCpu calls, over pixel ranges and blocks', () => {
    const nPixels = 37, nCells = 3, nFrames = 60;
    const pair = [createDarkAccumulator(nCells, nPixels), createDarkAccumulator(nCells, nPixels)];
    const single = [createDarkAccumulator(nCells, nPixels), createDarkAccumulator(nCells, nPixels)];
    for (let b = 0; b < 4; b++) {
      const { data, gain, cellIds } = block(nFrames, nPixels, nCells, 10 + b);
      for (const [p0, p1] of [[0, 20], [20, 37]]) {
        accumulateDarkPairRangeCpu(pair[0], pair[1], data, gain, cellIds, nFrames, nPixels, p0, p1);
        accumulateDarkRangeCpu(single[0], data, cellIds, nFrames, nPixels, p0, p1);
        accumulateDarkRangeCpu(single[1], gain, cellIds, nFrames, nPixels, p0, p1);
      }
    }
    for (let i = 0; i < 2; i++) {
      arrays(pair[i]).forEach((a, j) => expect(Array.from(a)).toEqual(Array.from(arrays(single[i])[j])));
    }
    // the alternating pixel: 80 values per cell, half 0 and half 65535: mean 32767.5 and std 32767.5 exactly
    const out = { meanAdu: new Float64Array(nCells * nPixels), stdAdu: new Float64Array(nCells * nPixels) };
    finalizeDarkCpu(pair[0], out);
    for (let c = 0; c < nCells; c++) {
      expect(pair[0].count[c * nPixels + 3]).toBe(80);
      expect(out.meanAdu[c * nPixels + 3]).toBe(32767.5);
      expect(out.stdAdu[c * nPixels + 3]).toBe(32767.5);
    }
  });

  it('falls back to two single calls for u1 gain values', () => {
    const nPixels = 8;
    const data = new Uint16Array(16).map((_, i) => 100 + i);
    const gain = new Uint8Array(16).map((_, i) => i % 3);
    const a = createDarkAccumulator(1, nPixels), d = createDarkAccumulator(1, nPixels);
    accumulateDarkPairRangeCpu(a, d, data, gain, new Uint16Array(2), 2, nPixels, 0, nPixels);
    expect(Array.from(a.count)).toEqual(new Array(8).fill(2));
    expect(Array.from(d.sum)).toEqual(Array.from({ length: 8 }, (_, p) => ((p + 8) % 3) - (p % 3)));
  });
});
