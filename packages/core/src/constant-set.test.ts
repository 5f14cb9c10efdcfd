import { describe, expect, it } from 'vitest';
import { dropSingletonAxes, makeConstant, toEuxfelOrder, transpose } from './constant-set.js';

describe('constant arrays', () => {
  it('rejects data whose length does not match the shape', () => {
    expect(() => makeConstant('Offset', new Float32Array(5), [2, 3], ['row', 'col'], 'ADU')).toThrow(/holds 6 values, data has 5/);
  });
  it('transposes to the EuXFEL axis order', () => {
    // [gain=2][cell=1][row=2][col=3], value = 100g + 10r + c
    const d = new Float32Array(12);
    for (let g = 0; g < 2; g++) for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) d[g * 6 + r * 3 + c] = 100 * g + 10 * r + c;
    const t = toEuxfelOrder(makeConstant('Offset', d, [2, 1, 2, 3], ['gain', 'cell', 'row', 'col'], 'ADU'));
    expect(t.shape).toEqual([3, 2, 1, 2]);
    expect(t.dims).toEqual(['col', 'row', 'cell', 'gain']);
    // element (col=2, row=1, cell=0, gain=1) at ((2*2+1)*1+0)*2+1 = 11
    expect(t.data[11]).toBe(112);
    expect(transpose(t, [3, 2, 1, 0]).data).toEqual(d);
  });
  it('drops singleton gain and cell axes only', () => {
    const c = dropSingletonAxes(makeConstant('Noise', new Float32Array(6), [1, 1, 2, 3], ['gain', 'cell', 'row', 'col'], 'ADU'));
    expect(c.shape).toEqual([2, 3]);
    expect(c.dims).toEqual(['row', 'col']);
  });
});
