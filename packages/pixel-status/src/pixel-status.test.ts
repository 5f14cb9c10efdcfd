import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PixelStatus, Random } from '@detcal/core';
import { arrayFrameStream, generatedFrameStream } from './array-stream.js';
import { computePixelStatus } from './pixel-status.js';
import { formatSummary } from './summary.js';

interface Case { data: number[]; status: number[]; info: Record<string, { median: number; spread: number; lo: number; hi: number; nLow: number; nHigh: number }> & { good?: number[] } }
const fx = JSON.parse(readFileSync(new URL('./fixtures/pixel-status.json', import.meta.url), 'utf8')) as {
  rows: number; cols: number; frames: number; dark: Case; light: Case & { window: [number, number] }; max: Case & { pedestals: number[] };
};

function expectRange(got: { median: number; spread: number; lo: number; hi: number } | undefined, exp: { median: number; spread: number; lo: number; hi: number }): void {
  expect(got).toBeDefined();
  for (const k of ['median', 'spread', 'lo', 'hi'] as const) expect(got?.[k]).toBeCloseTo(exp[k], 9);
}

describe('computePixelStatus against numpy (fixtures/make_pixel_status.py)', () => {
  const stream = (c: Case) => arrayFrameStream(Uint16Array.from(c.data), fx.rows, fx.cols, { blockFrames: 4 });

  it('dark, -F 1,2,3: good frames, mean and std bits', async () => {
    const r = await computePixelStatus(stream(fx.dark), { features: '1,2,3' });
    expect(r.summary.frames.good).toBe(fx.dark.info.good?.filter(Boolean).length);
    expect(Array.from(r.status)).toEqual(fx.dark.status);
    expectRange(r.summary.ranges[0], fx.dark.info.f2);
    expectRange(r.summary.ranges[1], fx.dark.info.f3);
    expect(r.summary.ctype).toBe('status_dark');
  });
  it('light, -F 1,6 with a 5x4 window (flush last windows on both axes)', async () => {
    const r = await computePixelStatus(stream(fx.light), { features: [1, 6], shwind: fx.light.window });
    expect(Array.from(r.status)).toEqual(fx.light.status);
    expectRange(r.summary.ranges[0], fx.light.info.f6med);
    expectRange(r.summary.ranges[1], fx.light.info.f6spr);
    expect(r.summary.ctype).toBe('status_light');
    expect(r.summary.memory.heldFramesBytes).toBe(fx.frames * fx.rows * fx.cols * 2);
  });
  it('max, -F 11 with pedestals', async () => {
    const r = await computePixelStatus(stream(fx.max), { features: '11', pedestals: { values: fx.max.pedestals, shape: [fx.rows, fx.cols], label: 'peds' } });
    expect(Array.from(r.status)).toEqual(fx.max.status);
    const lim = fx.max.info.limits as unknown as { median: number; limLo: number; limHi: number };
    expect(r.summary.maxLimits?.limLo).toBeCloseTo(lim.limLo, 9);
    expect(r.summary.maxLimits?.limHi).toBeCloseTo(lim.limHi, 9);
    expect(r.summary.ctype).toBe('status_max');
    expect(r.summary.memory.heldFramesBytes).toBe(0);
  });
});

/** A stack of `frames` frames of rows x cols where frame f, pixel p is value(f, p). */
function stack(frames: number, rows: number, cols: number, value: (f: number, p: number) => number): Uint16Array {
  const out = new Uint16Array(frames * rows * cols);
  for (let f = 0; f < frames; f++) for (let p = 0; p < rows * cols; p++) out[f * rows * cols + p] = value(f, p);
  return out;
}

describe('computePixelStatus on small arrays computed by hand', () => {
  it('flags the means on the bounds (inclusive) and uses the std when the std MAD is 0', async () => {
    // 3 x 3 pixels, constant over 4 frames: means 1..9, std 0 everywhere.
    const s = arrayFrameStream(stack(4, 3, 3, (_f, p) => p + 1), 3, 3);
    const r = await computePixelStatus(s, { features: [2, 3], snrmax: 2 });
    // mean: med 5, MAD 2, snr 2 -> [1, 9]: pixels 1 and 9 sit on the bounds and are flagged
    expect([r.summary.ranges[0].lo, r.summary.ranges[0].hi]).toEqual([1, 9]);
    expect(r.status[0] & PixelStatus.F2_MEAN_LOW).toBeTruthy();
    expect(r.status[8] & PixelStatus.F2_MEAN_HIGH).toBeTruthy();
    // std 0 <= vmin 0 everywhere: no value is kept, the median and limits are NaN and nothing is
    // flagged (numpy: max(nan, 0) is nan, x <= nan is false), as the reference
    expect(r.summary.ranges[1].kept).toBe(0);
    expect(r.summary.ranges[1].lo).toBeNaN();
    expect(r.summary.bits.find((b) => b.bit === PixelStatus.F3_STD_LOW)?.count).toBe(0);
  });
  it('replaces a zero MAD by the std (feature 2)', async () => {
    // means [5 x 6, 9]: MAD 0 -> std = sqrt((6 * (5 - 39/7)^2 + (9 - 39/7)^2) / 7); snr 1
    const means = [5, 5, 5, 5, 5, 5, 9];
    const r = await computePixelStatus(arrayFrameStream(stack(3, 1, 7, (_f, p) => means[p]), 1, 7), { features: [2], snrmax: 1 });
    const m = 39 / 7;
    const std = Math.sqrt((6 * (5 - m) ** 2 + (9 - m) ** 2) / 7);
    expect(r.summary.ranges[0].spreadKind).toBe('std');
    expect(r.summary.ranges[0].spread).toBeCloseTo(std, 12);
    expect(Array.from(r.status)).toEqual([0, 0, 0, 0, 0, 0, PixelStatus.F2_MEAN_HIGH]);
  });
  it('rejects a bad frame (feature 1) before the mean and std, re-reading the stream', async () => {
    // 2 x 2 pixels, 5 frames: frame medians 10, 11, 10, 11, 500 -> frame 4 rejected
    const frames = [[10, 10, 10, 12], [11, 11, 11, 11], [10, 10, 10, 12], [11, 11, 11, 11], [500, 500, 500, 500]];
    const s = arrayFrameStream(Uint16Array.from(frames.flat()), 2, 2, { blockFrames: 2 });
    const r = await computePixelStatus(s, { features: [1, 2, 3] });
    expect(r.summary.frames).toMatchObject({ records: 5, good: 4 });
    // pixel 3 over good frames: 12, 11, 12, 11 -> mean 11.5, std 0.5; pixels 0-2: 10.5, std 0.5
    expect(r.summary.ranges[0].median).toBe(10.5);
    expect(r.summary.ranges[1].median).toBe(0.5);
  });
  it('applies --evskip, --events and --nrecs as frame counts', async () => {
    const s = arrayFrameStream(stack(20, 2, 2, (f) => 100 + f), 2, 2, { blockFrames: 3 });
    const r = await computePixelStatus(s, { features: [2], evskip: 2, events: 12, nrecs: 5 });
    // records are frames 2..6 -> mean 104
    expect(r.summary.frames.records).toBe(5);
    expect(r.summary.ranges[0].median).toBe(104);
    const m = await computePixelStatus(s, { features: [11], evskip: 2, events: 12, pedestals: { values: [0, 0, 0, 0], shape: [2, 2], label: 'zero' } });
    expect(m.summary.maxEvents).toBe(10);
    expect(m.summary.maxLimits?.median).toBe(111);
  });
  it('combines records (features 1-3) with feature 11 over every event, across block edges', async () => {
    const s = arrayFrameStream(stack(20, 1, 3, (f, p) => 10 * f + p), 1, 3, { blockFrames: 4 });
    const r = await computePixelStatus(s, { features: [2, 11], evskip: 1, nrecs: 3, events: 10, pedestals: { values: [0, 0, 0], shape: [1, 3], label: 'zero' } });
    // records: frames 1..3 -> means 20, 21, 22; feature 11: frames 1..9 -> max 90, 91, 92
    expect(r.summary.frames.records).toBe(3);
    expect(r.summary.ranges[0].median).toBe(21);
    expect(r.summary.maxLimits?.median).toBe(91);
    expect([r.summary.eventsRead, r.summary.maxEvents]).toEqual([10, 9]);
  });
  it('evaluates a slice of the frames', async () => {
    const s = arrayFrameStream(stack(4, 4, 6, (f, p) => 1000 + p + f), 4, 6);
    const r = await computePixelStatus(s, { features: [2], slice: '1:3,2:5' });
    expect([r.summary.rows, r.summary.cols]).toEqual([2, 3]);
    expect(r.summary.ranges[0].median).toBe(1000 + (10 + 14) / 2 + 1.5); // pixels 8-10, 14-16; frames 0-3
  });
  it('fails in one line without pedestals for feature 11, or without events', async () => {
    const s = arrayFrameStream(stack(2, 2, 2, () => 1), 2, 2);
    await expect(computePixelStatus(s, { features: [11] })).rejects.toThrow(/needs pedestals/);
    await expect(computePixelStatus(s, { evskip: 5 })).rejects.toThrow(/no events to process/);
  });
});

describe('feature 6 on a synthetic light stack with injected bad pixels', () => {
  const rows = 60, cols = 64, frames = 40;
  /** Planes with a slope changing from frame to frame, noise 5 ADU, and defects added by `defects`. */
  const light = (defects: (out: Uint16Array, rng: Random) => void) => {
    const rng = new Random(5);
    return generatedFrameStream(frames, rows, cols, (f, out) => {
      const ax = 2 + 0.1 * f, by = -1 + 0.05 * f, c = 3000 + 50 * Math.sin(f);
      for (let r = 0; r < rows; r++) for (let x = 0; x < cols; x++) out[r * cols + x] = Math.round(c + ax * x + by * r + 5 * rng.normal());
      defects(out, rng);
    });
  };

  it('finds hot, cold and noisy pixels with a 15 x 15 window, and prints the reference summary', async () => {
    const hot = [3 * cols + 7, 40 * cols + 50], cold = [20 * cols + 20, 59 * cols + 63], noisy = [10 * cols + 33, 45 * cols + 2];
    const r = await computePixelStatus(light((out, rng) => {
      for (const p of hot) out[p] += 80;
      for (const p of cold) out[p] -= 60;
      for (const p of noisy) out[p] += Math.round(80 * rng.normal());
    }), { features: '1,6' });
    const has = (p: number, bit: number) => (r.status[p] & bit) !== 0;
    for (const p of hot) expect(has(p, PixelStatus.F6_RESIDUAL_MEDIAN_HIGH)).toBe(true);
    for (const p of cold) expect(has(p, PixelStatus.F6_RESIDUAL_MEDIAN_LOW)).toBe(true);
    for (const p of noisy) expect(has(p, PixelStatus.F6_RESIDUAL_MAD_HIGH)).toBe(true);
    expect(r.summary.anyBad.count).toBe(6);
    const text = formatSummary(r.summary);
    expect(text).toMatch(/^Summary of the bad pixel status evaluation for SNR=8\.00, status_light array$/m);
    expect(text).toMatch(/^ {18}0o20: +\d+ \/ 3840 \( *\d+\.\d{3}%\) pixels Feat\.6 res_med <= -?\d+\.\d{3}$/m);
    expect(text).toMatch(/^ {4}Any bad status bit: +\d+ \/ 3840 \( *\d+\.\d{3}%\) pixels$/m);
  });

  it('a dead pixel (far below its neighbours) drags its window plane: only that window gets flags, as the reference', async () => {
    const dead = 20 * cols + 20; // window rows 15-29, cols 15-29
    const r = await computePixelStatus(light((out) => { out[dead] = 0; }), { features: [1, 6] });
    expect(r.status[dead] & PixelStatus.F6_RESIDUAL_MEDIAN_LOW).toBeTruthy();
    for (let p = 0; p < rows * cols; p++) {
      const inWindow = Math.floor(p / cols) >= 15 && Math.floor(p / cols) < 30 && p % cols >= 15 && p % cols < 30;
      if (!inWindow) expect(r.status[p]).toBe(0);
    }
  });
});
