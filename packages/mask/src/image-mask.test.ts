import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { applyNpyMask, applyPngMask, parseNpy } from './image-mask.js';

const extent = { cells: 2, rows: 3, cols: 4 };

/** A .npy file (format 1.0) of little-endian values. */
function npy(descr: string, shape: number[], bytes: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + bytes.length);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 255, header.length >> 8]);
  out.set(Buffer.from(header), 10);
  out.set(bytes, 10 + header.length);
  return out;
}

describe('image masks', () => {
  it('reads a PNG: any non-black pixel is masked in every cell', () => {
    const png = new PNG({ width: 4, height: 3 });
    png.data.fill(0);
    for (let p = 0; p < 12; p++) png.data[4 * p + 3] = 255;
    png.data[4 * (1 * 4 + 2)] = 255; // row 1, col 2 red
    png.data[4 * (2 * 4 + 0) + 1] = 10; // row 2, col 0 dark green
    const mask = new Uint8Array(24);
    expect(applyPngMask(PNG.sync.write(png), 'm.png', extent, mask)).toBe(4);
    expect([mask[6], mask[8], mask[12 + 6], mask[12 + 8]]).toEqual([1, 1, 1, 1]);
    expect(() => applyPngMask(PNG.sync.write(png), 'm.png', { ...extent, cols: 5 }, new Uint8Array(30))).toThrow(/m\.png: image is 3 rows x 4 columns, the module frame is 3 x 5/);
    expect(() => applyPngMask(Uint8Array.from([1, 2, 3]), 'x.png', extent, mask)).toThrow(/not a readable PNG/);
  });

  it('parses .npy (bool, f8, per-cell shapes) and rejects wrong shapes', () => {
    const b = new Uint8Array(12);
    b[5] = 1;
    const mask = new Uint8Array(24);
    expect(applyNpyMask(npy('|b1', [3, 4], b), 'm.npy', extent, mask)).toBe(2);
    expect([mask[5], mask[17]]).toEqual([1, 1]);
    const f = new Float64Array(24);
    f[23] = 0.5;
    const m2 = new Uint8Array(24);
    expect(applyNpyMask(npy('<f8', [2, 3, 4], new Uint8Array(f.buffer)), 'm.npy', extent, m2)).toBe(1);
    expect(m2[23]).toBe(1);
    expect(parseNpy(npy('<i2', [2], new Uint8Array(Int16Array.from([-3, 7]).buffer)), 'x').data).toEqual(Float64Array.from([-3, 7]));
    expect(() => applyNpyMask(npy('|u1', [4, 3], new Uint8Array(12)), 'm.npy', extent, mask)).toThrow(/shape \(4, 3\) is neither \(3, 4\) nor \(2, 3, 4\)/);
    expect(() => parseNpy(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'bad.npy')).toThrow(/bad\.npy: not a \.npy file/);
  });
});
