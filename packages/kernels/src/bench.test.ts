import { describe, expect, it } from 'vitest';
import { benchKernels, syntheticDarkBlock } from './bench.js';

describe('benchKernels', () => {
  it('reports MB/s, frames/s and ns per pixel-frame per backend, consistently', () => {
    const r = benchKernels({ frames: 8, pixels: 4096, cells: 2, minTimeMs: 10, gpuModes: ['cpu'] });
    expect(r.block).toEqual({ frames: 8, pixels: 4096, cells: 2 });
    expect(r.blockBytes).toBe(8 * 4096 * 2);
    expect(r.results.map((x) => `${x.backend}/${x.engine}`)).toEqual(['cpu/js', 'gpu/cpu']);
    for (const x of r.results) {
      expect(x.calls).toBeGreaterThanOrEqual(2);
      expect(x.mbPerS).toBeGreaterThan(0);
      // MB/s of u2 input = frames/s * pixels * 2 bytes / 1e6 = 2e3 / (ns per pixel-frame)
      expect(x.mbPerS).toBeCloseTo((x.framesPerS * 4096 * 2) / 1e6, 6);
      expect(x.mbPerS * x.nsPerPixelFrame).toBeCloseTo(2000, 6);
    }
  });

  it('builds a reproducible synthetic block', () => {
    const a = syntheticDarkBlock({ frames: 3, pixels: 10, cells: 2 }, 7);
    const b = syntheticDarkBlock({ frames: 3, pixels: 10, cells: 2 }, 7);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.cellIds)).toEqual([0, 1, 0]);
    expect(a.data.every((v) => v > 4900 && v < 5300)).toBe(true);
  });
});
