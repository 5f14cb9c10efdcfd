import { Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { drawWrongGainEvents, wrongGainCounts } from './wrong-gain.js';

describe('wrong gain events', () => {
  it('draws distinct ascending frames, good pixels only, and stages other than the run stage', () => {
    const defect = new Uint8Array(1000);
    defect.fill(3, 0, 500);
    const e = drawWrongGainEvents(new Random(2), 20_000, 1, defect, 0.001, 16);
    expect(e.frames.length).toBe(20);
    for (let k = 1; k < e.frames.length; k++) expect(e.frames[k]).toBeGreaterThan(e.frames[k - 1]);
    expect(e.starts[20]).toBe(e.pixels.length);
    for (const p of e.pixels) expect(p).toBeGreaterThanOrEqual(500);
    for (const s of e.stages) expect(s === 0 || s === 2).toBe(true);
    const counts = wrongGainCounts(e, 4, 1000);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(e.pixels.length);
  });

  it('puts at least one wrong-gain frame into a short run', () => {
    expect(drawWrongGainEvents(new Random(3), 10, 0, new Uint8Array(50), 0.001, 4).frames.length).toBe(1);
  });
});
