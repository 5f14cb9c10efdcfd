import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { EPIX100_BANKS, commonModeBanked, commonModeGroupCount, commonModeRowMedian } from './common-mode.js';
import { median } from './robust-stats.js';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

/** Straightforward reference: list each group's pixel indices, median of the good ones, subtract from them. */
function referenceCommonMode(
  frame: Float64Array, rows: number, cols: number, axis: 'row' | 'col', length: number, mask: Uint8Array, minPixels: number, maxCorr: number,
): number[] {
  const groups: number[][] = [];
  if (axis === 'row') {
    for (let r = 0; r < rows; r++) for (let c0 = 0; c0 < cols; c0 += length) groups.push(Array.from({ length: Math.min(length, cols - c0) }, (_, i) => r * cols + c0 + i));
  } else {
    for (let r0 = 0; r0 < rows; r0 += length) for (let c = 0; c < cols; c++) groups.push(Array.from({ length: Math.min(length, rows - r0) }, (_, i) => (r0 + i) * cols + c));
  }
  return groups.map((idx) => {
    const good = idx.filter((k) => mask[k] === 0 && !Number.isNaN(frame[k]));
    if (good.length <= minPixels) return 0;
    const cm = median(good.map((k) => frame[k]));
    if (!(Math.abs(cm) < maxCorr)) return 0;
    for (const k of idx) if (mask[k] === 0) frame[k] -= cm;
    return cm;
  });
}

/** Noise whose median is exactly 0 in every group of `len` values: a shuffled symmetric set. */
function symmetricNoise(rng: Random, len: number): number[] {
  const half = Array.from({ length: len >> 1 }, (_, i) => (i + 1) * 0.25);
  const v = [...half, ...half.map((x) => -x)];
  if (len & 1) v.push(0);
  for (let i = v.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string) {
  const report = checkTolerance(actual, expected, tol);
  expect(report.ok, formatToleranceReport(report, label)).toBe(true);
}

describe('commonModeRowMedian', () => {
  it('recovers injected row offsets exactly while masked hot pixels neither bias nor receive the correction', () => {
    const rng = new Random(61);
    const rows = 16, cols = 96;
    const frame = new Float32Array(rows * cols);
    const mask = new Uint8Array(rows * cols);
    const offsets = Array.from({ length: rows }, () => Math.round((rng.uniform() - 0.5) * 80));
    for (let r = 0; r < rows; r++) {
      // 6 masked hot pixels per row; the 90 good ones carry noise with median exactly 0
      const noise = symmetricNoise(rng, 90);
      for (let c = 0, g = 0; c < cols; c++) {
        const k = r * cols + c;
        if (c % 16 === 3) {
          mask[k] = 1;
          frame[k] = 10000;
        } else frame[k] = offsets[r] + noise[g++];
      }
    }
    const cm = new Float64Array(rows);
    const res = commonModeRowMedian(frame, rows, cols, { axis: 'row' }, mask, {}, cm);
    expect(res).toEqual({ groups: rows, corrected: rows });
    expectClose(cm, offsets, 0, 'row common mode');
    for (let k = 0; k < frame.length; k++) {
      if (mask[k]) expect(frame[k]).toBe(10000);
      else expect(Math.abs(frame[k])).toBeLessThanOrEqual(45 * 0.25);
    }
  });

  it('recovers offsets of random Gaussian rows within 5 sigma of the median estimator', () => {
    const rng = new Random(62);
    const rows = 32, cols = 512, sigma = 2;
    const frame = new Float64Array(rows * cols);
    const offsets = Array.from({ length: rows * 4 }, () => (rng.uniform() - 0.5) * 40);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) frame[r * cols + c] = offsets[r * 4 + (c >> 7)] + sigma * rng.normal();
    const cm = new Float64Array(commonModeGroupCount(rows, cols, { axis: 'row', length: 128 }));
    expect(cm.length).toBe(rows * 4);
    commonModeRowMedian(frame, rows, cols, { axis: 'row', length: 128 }, undefined, {}, cm);
    // the median of n Gaussian values has std ~ 1.2533 sigma / sqrt(n)
    expectClose(cm, offsets, (5 * 1.2533 * sigma) / Math.sqrt(128), 'segment common mode');
  });

  it('column groups: recovers column offsets; NaN pixels are excluded and stay NaN', () => {
    const rng = new Random(63);
    const rows = 41, cols = 12;
    const frame = new Float32Array(rows * cols);
    const offsets = Array.from({ length: cols }, (_, c) => c * 3 - 10);
    for (let c = 0; c < cols; c++) {
      const noise = symmetricNoise(rng, rows);
      for (let r = 0; r < rows; r++) frame[r * cols + c] = offsets[c] + noise[r];
    }
    // one NaN in column 2: the median of its other 40 values moves by at most one noise step (0.25)
    const cm = new Float64Array(cols);
    frame[5 * cols + 2] = NaN;
    commonModeRowMedian(frame, rows, cols, { axis: 'col' }, undefined, {}, cm);
    for (let c = 0; c < cols; c++) if (c !== 2) expect(cm[c]).toBe(offsets[c]);
    expect(Math.abs(cm[2] - offsets[2])).toBeLessThanOrEqual(0.25);
    expect(frame[5 * cols + 2]).toBeNaN();
  });

  it('needs more than minPixels good pixels (psana npix > npix_min) and |cm| < maxCorrAdu', () => {
    const cols = 20;
    const make = (good: number, value: number) => {
      const frame = new Float32Array(cols).fill(value);
      const mask = new Uint8Array(cols).map((_, c) => (c < good ? 0 : 1));
      return { frame, mask };
    };
    const a = make(10, 5);
    expect(commonModeRowMedian(a.frame, 1, cols, { axis: 'row' }, a.mask).corrected).toBe(0);
    expect(a.frame[0]).toBe(5);
    const b = make(11, 5);
    expect(commonModeRowMedian(b.frame, 1, cols, { axis: 'row' }, b.mask).corrected).toBe(1);
    expect(b.frame[0]).toBe(0);
    expect(b.frame[15]).toBe(5); // masked: not corrected
    const c = make(20, 30);
    const cm = new Float64Array(1);
    expect(commonModeRowMedian(c.frame, 1, cols, { axis: 'row' }, undefined, { maxCorrAdu: 30 }, cm).corrected).toBe(0);
    expect(cm[0]).toBe(0);
    expect(c.frame[0]).toBe(30);
    expect(commonModeRowMedian(c.frame, 1, cols, { axis: 'row' }, undefined, { maxCorrAdu: 30.001 }, cm).corrected).toBe(1);
    expect(cm[0]).toBe(30);
    expect(() => commonModeRowMedian(c.frame, 2, cols, { axis: 'row' })).toThrow(/frame has 20 values/);
  });
});

describe('commonModeRowMedian vs a reference implementation', () => {
  it.each([
    ['row', 7],
    ['row', 16],
    ['col', 5],
    ['col', 13],
    ['col', 100],
  ] as const)('axis %s, length %i, random mask / NaN / skipped groups', (axis, length) => {
    const rng = new Random(65 + length);
    const rows = 37, cols = 150;
    const frame = Float64Array.from({ length: rows * cols }, () => (rng.uniform() < 0.02 ? NaN : 20 * rng.normal() + 5));
    const mask = Uint8Array.from({ length: rows * cols }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const expected = Float64Array.from(frame);
    const cmRef = referenceCommonMode(expected, rows, cols, axis, length, mask, 3, 12);
    const cm = new Float64Array(commonModeGroupCount(rows, cols, { axis, length }));
    const res = commonModeRowMedian(frame, rows, cols, { axis, length }, mask, { minPixels: 3, maxCorrAdu: 12, scratch: new Float64Array(length * 3) }, cm);
    expectClose(cm, cmRef, 0, `cm ${axis}/${length}`);
    expectClose(frame, expected, 0, `frame ${axis}/${length}`);
    expect(res.corrected).toBe(cmRef.filter((x) => x !== 0).length);
    expect(res.corrected).toBeGreaterThan(0);
    expect(res.corrected).toBeLessThan(res.groups);
  });
});

describe('commonModeBanked', () => {
  it('ePix100 geometry: bank medians then rows inside banks recover injected bank + row offsets', () => {
    const rng = new Random(64);
    const rows = 704, cols = 768;
    const { bankRows, bankCols } = EPIX100_BANKS;
    const nbr = rows / bankRows, nbc = cols / bankCols;
    const bankOff = Array.from({ length: nbr * nbc }, () => Math.round((rng.uniform() - 0.5) * 100));
    const rowOff = new Float64Array(rows * nbc); // per row of each bank
    const frame = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let bc = 0; bc < nbc; bc++) {
        rowOff[r * nbc + bc] = Math.round((rng.uniform() - 0.5) * 8) * 0.5;
        const noise = symmetricNoise(rng, bankCols);
        for (let c = 0; c < bankCols; c++) {
          const b = Math.floor(r / bankRows) * nbc + bc;
          frame[r * cols + bc * bankCols + c] = bankOff[b] + rowOff[r * nbc + bc] + noise[c] * 0.01;
        }
      }
    }
    const bankCm = new Float64Array(nbr * nbc), rowCm = new Float64Array(rows * nbc);
    const res = commonModeBanked(frame, rows, cols, EPIX100_BANKS, ['bank', 'row'], undefined, {}, [bankCm, rowCm]);
    expect(res.map((x) => x.groups)).toEqual([16, rows * nbc]);
    // bank + row sum must be recovered exactly per row segment (the bank median absorbs the median row offset)
    const total = new Float64Array(rows * nbc), want = new Float64Array(rows * nbc);
    for (let r = 0; r < rows; r++) {
      for (let bc = 0; bc < nbc; bc++) {
        const b = Math.floor(r / bankRows) * nbc + bc;
        total[r * nbc + bc] = bankCm[b] + rowCm[r * nbc + bc];
        want[r * nbc + bc] = bankOff[b] + rowOff[r * nbc + bc];
      }
    }
    expectClose(total, want, 1e-3, 'bank + row common mode');
    expect(() => commonModeBanked(frame, rows, cols, { bankRows: 300, bankCols: 96 }, ['bank'])).toThrow(/do not tile/);
  });
});
