import { describe, expect, it } from 'vitest';
import { decadeTicks, formatTick, formatValue, niceStep, niceTicks } from './nice-ticks.js';

describe('nice ticks', () => {
  it('steps are 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(511, 8)).toBe(100);
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.37, 4)).toBe(0.1);
    expect(niceStep(120, 5)).toBe(25);
  });

  it('places ticks inside the range at multiples of the step, with labels', () => {
    const t = niceTicks(4990.2, 5138.7, 5);
    expect(t.step).toBe(50);
    expect(t.values).toEqual([5000, 5050, 5100]);
    expect(t.labels).toEqual(['5000', '5050', '5100']);
    expect(niceTicks(0, 127, 2, true).values).toEqual([0, 100]);
    expect(niceTicks(-0.03, 0.021, 6).labels).toEqual(['-0.03', '-0.02', '-0.01', '0', '0.01', '0.02']);
  });

  it('uses integer steps for pixel axes', () => {
    expect(niceTicks(0, 3, 8, true).values).toEqual([0, 1, 2, 3]);
  });

  it('gives decades for log axes', () => {
    expect(decadeTicks(1, 5000).labels).toEqual(['1', '10', '100', '1000']);
  });

  it('formats labels and values compactly, with exponents only for huge or tiny numbers', () => {
    expect(formatTick(2.5e7, 5e6)).toBe('2.5e7');
    expect(formatTick(0.0002, 0.0001)).toBe('2e-4');
    expect(formatTick(7.5, 2.5)).toBe('7.5');
    expect(formatTick(100, 25)).toBe('100');
    expect(formatTick(0.3, 0.1)).toBe('0.3');
    expect(formatValue(4990.237)).toBe('4990');
    expect(formatValue(63)).toBe('63');
    expect(formatValue(0.012345)).toBe('0.01235');
    expect(formatValue(Number.NaN)).toBe('NaN');
  });
});
