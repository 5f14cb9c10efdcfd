import { describe, expect, it } from 'vitest';
import { parseParameter, resolveParameters } from './parameters.js';

const specs = [
  { name: 'thresholds_noise_sigma', defaultValue: 5, description: 'sigma band of noise' },
  { name: 'thresholds_noise_hard', defaultValue: [4, 20], description: 'noise range, ADU' },
];

describe('parameters', () => {
  it('parses numbers, lists and booleans', () => {
    expect(parseParameter('a=3.5')).toEqual(['a', 3.5]);
    expect(parseParameter('a=[4,20]')).toEqual(['a', [4, 20]]);
    expect(parseParameter('a=-1,2')).toEqual(['a', [-1, 2]]);
    expect(parseParameter('a=true')).toEqual(['a', true]);
    expect(() => parseParameter('a')).toThrow(/write name=value/);
  });
  it('merges overrides and rejects unknown names and wrong kinds', () => {
    expect(resolveParameters(specs, { thresholds_noise_sigma: 4 })).toEqual({ thresholds_noise_sigma: 4, thresholds_noise_hard: [4, 20] });
    expect(() => resolveParameters(specs, { noise_sigma: 4 })).toThrow(/unknown parameter 'noise_sigma': valid parameters are thresholds_noise_sigma, thresholds_noise_hard/);
    expect(() => resolveParameters(specs, { thresholds_noise_hard: 3 })).toThrow(/expected \[4,20\]-like value/);
  });
});
