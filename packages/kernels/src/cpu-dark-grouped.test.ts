import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { accumulateDarkRangeCpu } from './cpu-dark.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';

/** Raw u2 blocks with cells in mixed order (1..9 frames of a cell per block), gain values 0 / 1 / 3 and full-range values. */
function blocks(nCells: number, nPixels: number, seed: number) {
  const rng = new Random(seed);
  const out: Array<{ data: Uint16Array; gain: Uint8Array; cellIds: Uint16Array; nFrames: number }> = [];
  for (let b = 0; b < 6; b++) {
    const nFrames = 1 + Math.floor(rng.uniform() * 12);
    const cellIds = Uint16Array.from({ length: nFrames }, () => Math.floor(rng.uniform() * nCells));
    const data = new Uint16Array(nFrames * nPixels);
    const gain = new Uint8Array(nFrames * nPixels);
    for (let i = 0; i < data.length; i++) {
      const u = rng.uniform();
      data[i] = u < 0.01 ? 0 : u < 0.02 ? 65535 : Math.round(3000 + 40 * rng.normal());
      const g = rng.uniform();
      gain[i] = g < 0.85 ? 0 : g < 0.95 ? 1 : 3;
    }
    out.push({ data, gain, cellIds, nFrames });
  }
  return out;
}

const fields = (s: DarkAccumulator) => ({ count: Array.from(s.count), rejected: Array.from(s.rejected), ref: Array.from(s.ref), sum: Array.from(s.sum), sumSq: Array.from(s.sumSq) });

describe('grouped accumulation of u2 frames (four frames of a cell per state pass)', () => {
  // the per-frame loops take the same integer values as float32: the state must end bit for bit the same
  for (const gainSel of [undefined, 0, [0, 1]] as const) {
    it(`leaves the state the per-frame loops leave (acceptGain ${JSON.stringify(gainSel)}, pixel ranges, first values rejected)`, () => {
      const nCells = 3, nPixels = 37;
      const grouped = createDarkAccumulator(nCells, nPixels);
      const perFrame = createDarkAccumulator(nCells, nPixels);
      for (const b of blocks(nCells, nPixels, 5)) {
        const opts = gainSel === undefined ? {} : { gain: b.gain, acceptGain: gainSel };
        for (const [p0, p1] of [[0, 13], [13, 37]]) {
          accumulateDarkRangeCpu(grouped, b.data, b.cellIds, b.nFrames, nPixels, p0, p1, opts);
          accumulateDarkRangeCpu(perFrame, Float32Array.from(b.data), b.cellIds, b.nFrames, nPixels, p0, p1, opts);
        }
      }
      expect(fields(grouped)).toEqual(fields(perFrame));
      // the data exercise what they should: values rejected, and pixels whose first values were rejected
      if (gainSel !== undefined) expect(grouped.rejected.some((v) => v > 0)).toBe(true);
      expect(grouped.count.some((v) => v > 4)).toBe(true);
    });
  }
});
