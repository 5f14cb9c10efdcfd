import { describe, expect, it } from 'vitest';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

describe('checkTolerance / formatToleranceReport', () => {
  it('passes within tolerance, NaN matches NaN', () => {
    const r = checkTolerance([1, 2.0005, NaN], [1, 2, NaN], 1e-3);
    expect(r.ok).toBe(true);
    expect(formatToleranceReport(r, 'x')).toMatch(/^x: 3 values within tolerance/);
  });

  it('reports index, value, expected, delta and tolerance of each failure', () => {
    const r = checkTolerance([1, 2.1, NaN, 4], [1, 2, 3, 4], (_i, e) => 0.01 * e);
    expect(r.ok).toBe(false);
    expect(r.failed).toBe(2);
    expect(r.failures[0]).toMatchObject({ index: 1, value: 2.1, expected: 2, tolerance: 0.02 });
    const text = formatToleranceReport(r, 'meanAdu');
    expect(text).toContain('meanAdu: 2 of 4 values outside tolerance');
    expect(text).toContain('meanAdu[1]: value=2.1 expected=2 delta=1.000e-1 tolerance=2.000e-2');
    expect(text).toContain('meanAdu[2]: value=NaN expected=3');
    expect(checkTolerance([1], [1, 2], 0).ok).toBe(false);
  });
});
