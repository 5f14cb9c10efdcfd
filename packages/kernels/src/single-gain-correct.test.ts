// The single-gain corrector on small hand-made frames without noise: every step's effect is exact.
import { BadPixel, makeConstant, type ConstantArray, type FrameBlock } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { normalTail } from './correct-truth-metrics.js';
import { createSingleGainCorrector, singleGainCorrectParameters } from './single-gain-correct.js';

const ROWS = 4, COLS = 16, P = ROWS * COLS;
const parameters = singleGainCorrectParameters({ primarySigma: 7, secondarySigma: 5, mipAdu: 1000, cmMinFrac: 0.25, cmNoiseSigma: 5, cmAxes: 'row' });
const detector = { id: 'toy', bank: { bankRows: 4, bankCols: 8 }, parameters };
const map = (name: string, values: ArrayLike<number>, unit = 'ADU'): ConstantArray =>
  makeConstant(name, name === 'BadPixelsDark' ? Uint32Array.from(values) : Float32Array.from(values), [1, 1, ROWS, COLS], ['gain', 'cell', 'row', 'col'], unit);

/** Raw frame: offset 100 + 10 per row + 3 per half row (the common mode) + the signal. */
function block(signal: Record<number, number>, colMode = false): FrameBlock {
  const data = new Uint16Array(P);
  for (let p = 0; p < P; p++) {
    const r = Math.floor(p / COLS), c = p % COLS;
    data[p] = 100 + (colMode ? 2 * c : 10 * r + (c >= 8 ? 3 : 0)) + (signal[p] ?? 0);
  }
  return { module: 0, firstFrame: 0, nFrames: 1, rows: ROWS, cols: COLS, data, cellIds: new Uint16Array(1), trainIds: new Float64Array(1) };
}

function correct(constants: Record<string, ConstantArray>, params: Record<string, number | string | boolean>, b: FrameBlock) {
  const c = createSingleGainCorrector({ module: 0, constants, parameters: params, rows: ROWS, cols: COLS, backend: undefined }, detector);
  const out = { data: new Float32Array(P), mask: new Uint32Array(P), pixels_classified: new Float32Array(P), patterns: new Int32Array(P) };
  c.correctBlock(b, out);
  return { out, summary: c.summary(), outputs: c.outputs };
}

const base = { Offset: map('Offset', new Float32Array(P).fill(100)), NoiseCM: map('NoiseCM', new Float32Array(P).fill(1)) };

describe('createSingleGainCorrector', () => {
  it('removes offset and the row common mode; photons stay whole, are classified and get the gain', () => {
    const { out, summary } = correct({ ...base, pixel_gain: map('pixel_gain', new Float32Array(P).fill(0.5), 'keV/ADU') }, {}, block({ 18: 60, 19: 40 }));
    const expected = new Float32Array(P);
    expected[18] = 30;
    expected[19] = 20;
    expect([...out.data]).toEqual([...expected]);
    expect(out.patterns[18]).toBe(200);
    expect(out.pixels_classified[18]).toBe(50);
    expect(summary).toMatchObject({ frames: 1, doubles: 1, events: 1, maskedPixels: 0, commonModeGroups: 8, commonModeGroupsSkipped: 0 });
  });

  it('excludes photons from the second common-mode iteration and still corrects them', () => {
    // Row 1, left half: two photons on pixels whose own values are -3 and -2, the others -1 .. 4 ADU.
    // One iteration: median of all 8 = 2.5. Two: median of the other 6 = 1.5 after the first, i.e. -1 more.
    const sig = { 16: 47, 17: 48, 18: -1, 19: 0, 20: 1, 21: 2, 22: 3, 23: 4 };
    const one = correct(base, { classify: false, cm_noise_sigma: 0 }, block(sig)).out.data;
    expect([...one.subarray(16, 24)]).toEqual([44.5, 45.5, -3.5, -2.5, -1.5, -0.5, 0.5, 1.5]);
    const two = correct(base, { classify: false }, block(sig)).out.data;
    expect([...two.subarray(16, 24)]).toEqual([45.5, 46.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
  });

  it('masks bad pixels (mask_value, flags), leaves them out of the medians and skips groups below cm_min_frac', () => {
    const flags = new Uint32Array(P);
    for (const p of [0, 1, 2, 3, 4, 5, 6]) flags[p] = BadPixel.NOISE_OUT_OF_THRESHOLD; // 1 of 8 good in row 0, left half
    const { out, summary } = correct({ ...base, BadPixelsDark: map('BadPixelsDark', flags, '') }, { mask_value: -1 }, block({}));
    expect([...out.data.subarray(0, 8)]).toEqual([-1, -1, -1, -1, -1, -1, -1, 0]); // skipped: the row's own 0 + common mode 0 in row 0
    expect(out.mask[3]).toBe(BadPixel.NOISE_OUT_OF_THRESHOLD);
    expect(summary.commonModeGroupsSkipped).toBe(1); // 1 good pixel of 8 < 25 %
    expect(summary.maskedPixels).toBe(7);
  });

  it('runs column groups and multiplies by RelativeGain before classifying', () => {
    const rel = new Float32Array(P).fill(2);
    const { out } = correct({ ...base, RelativeGain: map('RelativeGain', rel, '') }, { cm_axes: 'col' }, block({ 21: 30 }, true));
    expect(out.data[21]).toBe(60);
    expect(out.data[22]).toBe(0);
    // Thresholds scale with the relative gain: 60 > 7 x (1 x 2).
    expect(out.patterns[21]).toBe(100);
  });

  it('describes its outputs and says ADU without a gain', () => {
    expect(correct(base, {}, block({})).outputs.map((o) => [o.name, o.dtype, o.unit, o.compress])).toEqual([
      ['data', 'f4', 'ADU', false], ['mask', 'u4', '', true], ['pixels_classified', 'f4', 'ADU', true], ['patterns', 'i4', '', true],
    ]);
  });
});

describe('normalTail', () => {
  it('matches the normal distribution', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 7);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalTail(-1)).toBeCloseTo(0.8413447, 6);
    expect(normalTail(5)).toBeCloseTo(2.8665e-7, 9);
  });
});
