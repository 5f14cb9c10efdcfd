import { describe, expect, it } from 'vitest';
import { DetcalError } from '@detcal/core';
import { applyMaskShapes, parseMaskShapes, rasterizePolygon } from './mask-shapes.js';

const extent = { cells: 4, rows: 16, cols: 8 };

function rows(mask: Uint8Array, cols: number, r0: number, r1: number): string[] {
  const out: string[] = [];
  for (let r = r0; r <= r1; r++) out.push([...mask.subarray(r * cols, (r + 1) * cols)].join(''));
  return out;
}

describe('polygon rasterisation', () => {
  it('covers the pixels whose centre is inside: a square in edge coordinates and a right triangle', () => {
    const sq = new Uint8Array(6 * 6);
    expect(rasterizePolygon([[1, 1], [1, 4], [4, 4], [4, 1]], 6, 6, sq)).toBe(9);
    expect(rows(sq, 6, 0, 5)).toEqual(['000000', '011100', '011100', '011100', '000000', '000000']);
    // triangle (0,0) (0,6) (6,0): centre (r+.5, c+.5) inside when r + c + 1 < 6, i.e. r + c <= 4
    const tri = new Uint8Array(6 * 6);
    expect(rasterizePolygon([[0, 0], [0, 6], [6, 0]], 6, 6, tri)).toBe(15);
    expect(rows(tri, 6, 0, 5)).toEqual(['111110', '111100', '111000', '110000', '100000', '000000']);
  });

  it('clips polygons at the frame and fills concave shapes by the even-odd rule', () => {
    const m = new Uint8Array(4 * 4);
    expect(rasterizePolygon([[-2, -2], [-2, 10], [10, 10], [10, -2]], 4, 4, m)).toBe(16);
    // a U shape: rows 0-3, cols 0-5 minus the notch rows 0-1, cols 2-3
    const u = new Uint8Array(4 * 6);
    rasterizePolygon([[0, 0], [0, 2], [2, 2], [2, 4], [0, 4], [0, 6], [4, 6], [4, 0]], 4, 6, u);
    expect(rows(u, 6, 0, 3)).toEqual(['110011', '110011', '111111', '111111']);
  });
});

describe('mask shape files', () => {
  it('parses rect, polygon, pixel and cells lines with comments and cell lists, and applies them per cell', () => {
    const text = `# beam stop and a bad column
rect 0 1 0 7   # first two rows
polygon 4,0 4,2 6,2 6,0 cells 1-2
pixel 10 5 cells 3

cells 0`;
    const shapes = parseMaskShapes(text, 'm.txt', extent);
    expect(shapes.map((s) => s.kind)).toEqual(['rect', 'polygon', 'pixel', 'cells']);
    const mask = new Uint8Array(4 * 16 * 8);
    const set = applyMaskShapes(shapes, extent, mask);
    const plane = 16 * 8;
    // cell 0: everything; cells 1, 2: rows 0-1 + 2x2 block; cell 3: rows 0-1 + one pixel
    expect(mask.subarray(0, plane).every((v) => v === 1)).toBe(true);
    expect(mask.subarray(plane, 2 * plane).reduce((a, b) => a + b, 0)).toBe(16 + 4);
    expect(mask[3 * plane + 10 * 8 + 5]).toBe(1);
    expect(mask.subarray(3 * plane, 4 * plane).reduce((a, b) => a + b, 0)).toBe(17);
    expect(set).toBe(plane + 20 + 20 + 17);
  });

  it('names the file and line of malformed input', () => {
    const err = (text: string): string => {
      try {
        parseMaskShapes(text, 'mask.txt', extent);
      } catch (e) {
        expect(e).toBeInstanceOf(DetcalError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('rect 0 1 0 7\ncircle 3 3 2')).toMatch(/^mask\.txt:2: unknown shape 'circle'/);
    expect(err('\n\nrect 0 20 0 1')).toMatch(/^mask\.txt:3: ROW1 20 is outside 0\.\.15/);
    expect(err('polygon 1,1 2,2')).toMatch(/mask\.txt:1: polygon needs at least 3 vertices/);
    expect(err('polygon 1,1 2;2 3,3')).toMatch(/vertex '2;2' is not ROW,COL/);
    expect(err('pixel 1 1 cells 5')).toMatch(/cell 5 is outside 0\.\.3/);
    expect(err('rect 3 1 0 1')).toMatch(/ascending/);
    expect(err('pixel 1 1 cells 0 cells 1')).toMatch(/must end the line/);
  });
});
