import { describe, expect, it } from 'vitest';
import { asicBorderTemplate } from './asic-borders.js';

const agipd = { moduleRows: 512, moduleCols: 128, asics: { rows: 8, cols: 2, asicRows: 64, asicCols: 64 } };

describe('ASIC border template', () => {
  it('marks W pixels at every edge of each of the 16 AGIPD ASICs', () => {
    for (const w of [0, 1, 2]) {
      const t = new Uint8Array(512 * 128);
      // per ASIC: 64 x 64 minus the inner (64 - 2w)^2
      expect(asicBorderTemplate(agipd, w, t)).toBe(16 * (64 * 64 - (64 - 2 * w) ** 2));
      expect(t.reduce((a, b) => a + b, 0)).toBe(16 * (64 * 64 - (64 - 2 * w) ** 2));
    }
    const t = new Uint8Array(512 * 128);
    asicBorderTemplate(agipd, 1, t);
    expect([t[0], t[63], t[64], t[1 * 128 + 65], t[1 * 128 + 1], t[63 * 128 + 10], t[64 * 128 + 10], t[65 * 128 + 10], t[100 * 128 + 62]]).toEqual([1, 1, 1, 0, 0, 1, 1, 0, 0]);
  });

  it('rejects a negative width and a tiling that does not cover the module', () => {
    expect(() => asicBorderTemplate(agipd, -1, new Uint8Array(1))).toThrow(/--asic-borders -1/);
    expect(() => asicBorderTemplate({ ...agipd, moduleRows: 500 }, 1, new Uint8Array(1))).toThrow(/does not cover/);
  });
});
