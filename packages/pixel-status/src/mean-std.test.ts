import { describe, expect, it } from 'vitest';
import { MeanStdAccumulator } from './mean-std.js';

describe('features 2 and 3: mean and std over frames', () => {
  it('matches values computed by hand, and removes frames exactly', () => {
    // pixel 0: 1, 2, 3, 6 -> mean 3, std sqrt((4 + 1 + 0 + 9) / 4) = sqrt(3.5); pixel 1 constant 7
    const frames = [[1, 7], [2, 7], [3, 7], [6, 7], [100, 0]].map((f) => Uint16Array.from(f));
    const acc = new MeanStdAccumulator(2);
    for (const f of frames) acc.add(f);
    acc.remove(frames[4]);
    const r = acc.finish();
    expect(r.frames).toBe(4);
    expect(Array.from(r.mean)).toEqual([3, 7]);
    expect(r.std[0]).toBe(Math.sqrt(3.5));
    expect(r.std[1]).toBe(0);
  });
  it('keeps the exact mean of large values (np.mean)', () => {
    const acc = new MeanStdAccumulator(1);
    for (const v of [16383, 16382, 16383]) acc.add(Uint16Array.of(v));
    expect(acc.finish().mean[0]).toBe((16383 + 16382 + 16383) / 3);
  });
  it('adds blocks of frames tile by tile with the same sums as frame by frame', () => {
    const pixels = 5000, n = 3;
    const frames = Uint16Array.from({ length: pixels * n }, (_, i) => (i * 7919) % 16384);
    const a = new MeanStdAccumulator(pixels);
    const b = new MeanStdAccumulator(pixels);
    for (let f = 0; f < n; f++) a.add(frames, f * pixels);
    b.addFrames(frames, 0, 2);
    b.addFrames(frames, 2 * pixels, 1);
    expect(b.finish()).toEqual(a.finish());
  });
});
