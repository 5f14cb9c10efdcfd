import { describe, expect, it } from 'vitest';
import { makeConstant } from './constant-set.js';
import { cellAxisOf, collectingSink, copyCellSlab, copySlab, sinkSlab } from './constant-sink.js';

// [gain=2][cell=5][pix=3] and [cell=5][gain=2][pix=3], value = 100 gain + 10 cell + pix: any misplaced copy shows
const value = (g: number, c: number, p: number): number => 100 * g + 10 * c + p;
function slab(c0: number, c1: number, cellFirst: boolean): Float32Array {
  const n = c1 - c0, out = new Float32Array(2 * n * 3);
  for (let g = 0; g < 2; g++) for (let c = c0; c < c1; c++) for (let p = 0; p < 3; p++) out[cellFirst ? ((c - c0) * 2 + g) * 3 + p : (g * n + c - c0) * 3 + p] = value(g, c, p);
  return out;
}

describe('streamed constant sets', () => {
  it('finds the cell axis, and refuses a constant without one', () => {
    expect(cellAxisOf({ name: 'a', dtype: 'f4', shape: [2, 5, 3], dims: ['gain', 'cell', 'pix'], unit: '' })).toBe(1);
    expect(() => cellAxisOf({ name: 'mask', dtype: 'u1', shape: [3], dims: ['pix'], unit: '' })).toThrow(/mask has no 'cell' axis/);
  });

  it('assembles groups of cells (uneven last group) into the whole arrays, on either axis', async () => {
    const { sink, set } = collectingSink();
    await sink.begin([
      { name: 'stageMajor', dtype: 'f4', shape: [2, 5, 3], dims: ['gain', 'cell', 'pix'], unit: 'ADU' },
      { name: 'cellMajor', dtype: 'f4', shape: [5, 2, 3], dims: ['cell', 'gain', 'pix'], unit: '' },
    ]);
    for (const [c0, c1] of [[0, 2], [2, 4], [4, 5]]) {
      await sink.write(c0, c1, {
        stageMajor: makeConstant('stageMajor', slab(c0, c1, false), [2, c1 - c0, 3], ['gain', 'cell', 'pix'], 'ADU'),
        cellMajor: makeConstant('cellMajor', slab(c0, c1, true), [c1 - c0, 2, 3], ['cell', 'gain', 'pix'], ''),
      });
    }
    const s = set({ detectorType: 'x', detectorId: 'X', module: 0, conditions: {}, sourceRuns: [], createdAt: '', toolVersion: '', parameters: {} });
    expect(Array.from(s.constants.stageMajor.data as Float32Array)).toEqual(Array.from(slab(0, 5, false)));
    expect(Array.from(s.constants.cellMajor.data as Float32Array)).toEqual(Array.from(slab(0, 5, true)));
    expect(s.constants.cellMajor.shape).toEqual([5, 2, 3]);
  });

  it('assembles per-gain slabs of cell groups (write with at), on either axis order, one constant at a time', async () => {
    const { sink, set } = collectingSink();
    const layouts = [
      { name: 'stageMajor', dtype: 'f4' as const, shape: [2, 5, 3], dims: ['gain', 'cell', 'pix'], unit: 'ADU' },
      { name: 'cellMajor', dtype: 'f4' as const, shape: [5, 2, 3], dims: ['cell', 'gain', 'pix'], unit: '' },
    ];
    await sink.begin(layouts);
    for (let g = 1; g >= 0; g--) {
      for (const [c0, c1] of [[3, 5], [0, 3]]) {
        const values = new Float32Array((c1 - c0) * 3);
        for (let c = c0; c < c1; c++) for (let p = 0; p < 3; p++) values[(c - c0) * 3 + p] = value(g, c, p);
        await sink.write(c0, c1, { stageMajor: makeConstant('stageMajor', values, [1, c1 - c0, 3], layouts[0].dims, 'ADU') }, { gain: g });
        await sink.write(c0, c1, { cellMajor: makeConstant('cellMajor', values, [c1 - c0, 1, 3], layouts[1].dims, '') }, { gain: g });
      }
    }
    const s = set({ detectorType: 'x', detectorId: 'X', module: 0, conditions: {}, sourceRuns: [], createdAt: '', toolVersion: '', parameters: {} });
    expect(Array.from(s.constants.stageMajor.data as Float32Array)).toEqual(Array.from(slab(0, 5, false)));
    expect(Array.from(s.constants.cellMajor.data as Float32Array)).toEqual(Array.from(slab(0, 5, true)));
    // read gives back what was written, addressed like write
    expect(Array.from((await sink.read?.('cellMajor', 1, 3, { gain: 1 })) as Float32Array)).toEqual([110, 111, 112, 120, 121, 122]);
    expect(Array.from((await sink.read?.('stageMajor', 4, 5, { gain: 0 })) as Float32Array)).toEqual([40, 41, 42]);
    await expect(sink.read?.('nothing', 0, 1)).rejects.toThrow(/no constant nothing/);
    await expect(sink.write(0, 1, { other: makeConstant('other', new Float32Array(3), [1, 1, 3], layouts[0].dims, '') }, { gain: 0 })).rejects.toThrow(/no constant other/);
    expect(() => sinkSlab(layouts[0], 0, 1, { gain: 2 })).toThrow(/has no gain index 2/);
    expect(() => sinkSlab(layouts[0], 0, 1, { threshold: 0 })).toThrow(/has no threshold index 0/);
  });

  it('copies a hyperslab in C order into the whole array', () => {
    const whole = new Float32Array(2 * 5 * 3);
    copySlab(whole, [2, 5, 3], [[1, 2], [1, 3], [1, 3]], Float32Array.from([1, 2, 3, 4]));
    expect(Array.from(whole).flatMap((v, i) => (v ? [[Math.floor(i / 15), Math.floor(i / 3) % 5, i % 3, v]] : []))).toEqual([[1, 1, 1, 1], [1, 1, 2, 2], [1, 2, 1, 3], [1, 2, 2, 4]]);
    expect(() => copySlab(whole, [2, 5, 3], [[0, 1], [0, 5], [0, 3]], new Float32Array(14))).toThrow(/does not fit/);
  });

  it('rejects a slab that does not fit', () => {
    expect(() => copyCellSlab(new Float32Array(30), [2, 5, 3], 1, 4, new Float32Array(12))).toThrow(/does not fit/);
  });
});
