import { Random } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PHOTON_MODEL, createPhotonFrame, drawPhotonFrame, expectedSplit } from './photon-splits.js';

const ROWS = 64, COLS = 80;

describe('drawPhotonFrame', () => {
  const model = { ...DEFAULT_PHOTON_MODEL, occupancy: 0.9 };
  const frame = createPhotonFrame(ROWS, COLS, model);
  drawPhotonFrame(new Random(4), ROWS, COLS, model, frame);

  it('puts each photon in its own cell, its pixels in a 2 x 2 block two pixels from the next photon\'s', () => {
    expect(frame.count).toBeGreaterThan(60); // 80 cells at 0.9
    const owner = new Int32Array(ROWS * COLS).fill(-1);
    for (let k = 0; k < frame.count; k++) {
      const px = [...frame.pixels.subarray(4 * k, 4 * k + 4)].filter((p) => p >= 0);
      expect(px.length).toBe(frame.split[k]);
      const rs = px.map((p) => Math.floor(p / COLS)), cs = px.map((p) => p % COLS);
      expect(Math.max(...rs) - Math.min(...rs)).toBeLessThanOrEqual(1);
      expect(Math.max(...cs) - Math.min(...cs)).toBeLessThanOrEqual(1);
      for (const p of px) {
        // No pixel of another photon within 2 pixels (Chebyshev) of this photon's pixels.
        const r0 = Math.floor(p / COLS), c0 = p % COLS;
        for (let dr = -2; dr <= 2; dr++) for (let dc = -2; dc <= 2; dc++) {
          const q = (r0 + dr) * COLS + c0 + dc;
          if (r0 + dr >= 0 && r0 + dr < ROWS && c0 + dc >= 0 && c0 + dc < COLS && owner[q] >= 0) expect(owner[q]).toBe(k);
        }
        owner[p] = k;
      }
    }
  });

  it('splits the charge into shares that sum to 1 with the largest at the primary; triples are L shapes', () => {
    for (let k = 0; k < frame.count; k++) {
      const sh = [...frame.shares.subarray(4 * k, 4 * k + frame.split[k])];
      expect(sh.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(Math.max(...sh)).toBe(sh[0]);
      if (frame.split[k] === 3) {
        const [p0, h, v] = frame.pixels.subarray(4 * k, 4 * k + 3);
        expect(Math.abs(h - p0)).toBe(1);
        expect(Math.abs(v - p0)).toBe(COLS);
        expect(Math.min(sh[1], sh[2])).toBeGreaterThanOrEqual(0.45 * 0.45 - 1e-6);
      }
    }
  });
});

describe('expectedSplit', () => {
  const frame = createPhotonFrame(8, 8, DEFAULT_PHOTON_MODEL);
  const set = (split: number, shares: number[]) => {
    frame.count = 1;
    frame.split[0] = split;
    frame.pixels.set([18, 19, 26, split === 4 ? 27 : -1]);
    frame.shares.set([...shares, 0, 0, 0, 0].slice(0, 4));
  };
  const thr = (v: number) => new Float32Array(64).fill(v);
  const dep = (_p: number, s: number) => 100 * s;

  it('is the drawn split when every share is above the secondary threshold, smaller classes when not', () => {
    set(4, [0.3, 0.25, 0.25, 0.2]);
    expect(expectedSplit(frame, 0, dep, thr(20), thr(15))).toBe(4);
    expect(expectedSplit(frame, 0, dep, thr(20), thr(22))).toBe(3); // diagonal (20) below: an L
    expect(expectedSplit(frame, 0, dep, thr(20), thr(30))).toBe(1);
    expect(expectedSplit(frame, 0, dep, thr(35), thr(15))).toBe(6); // primary below its threshold
    set(3, [0.5, 0.3, 0.2]);
    expect(expectedSplit(frame, 0, dep, thr(20), thr(25))).toBe(2);
    set(2, [0.6, 0.4]);
    expect(expectedSplit(frame, 0, dep, thr(20), thr(25))).toBe(2);
    expect(expectedSplit(frame, 0, dep, thr(20), thr(45))).toBe(1);
  });
});
