import { describe, expect, it } from 'vitest';
import { BadPixel, makeConstant, type ConstantArray, type ConstantSet, type FrameBlock, type NumericArray, type TruthBlock } from '@detcal/core';
import { frameStreamFromRun } from '@detcal/kernels';
import { agipdCorrect } from './correct.js';
import { agipdDark } from './dark.js';
import { AGIPD_GAIN_MODEL, simulateAgipdLight } from './simulate-light.js';
import { simulateAgipdDark } from './simulate-dark.js';
import { AGIPD_ADC_MAX_ADU } from './dark-model.js';
import { createCpuBackend } from '@detcal/kernels';

const base = { seed: 5, module: 0, firstRun: 10, framesPerSequence: 100000 };
const PIXELS = 512 * 128;

function light(cells: number, trains: number) {
  return simulateAgipdLight({ ...base, kind: 'light', cells, trains });
}

/** Constants from a simulation's truth, named as the correction wants them. */
function truthConstants(truth: ConstantSet): Record<string, ConstantArray> {
  const t = truth.constants;
  const bad = t.BadPixelsTruth;
  return {
    Offset: t.Offset,
    ThresholdsDark: t.ThresholdsDark,
    GainKevPerAdu: t.GainKevPerAdu,
    BadPixelsDark: makeConstant('BadPixelsDark', bad.data, bad.shape, bad.dims, ''),
  };
}

interface Check {
  values: number;
  stageChecked: number;
  stageWrong: number;
  energyChecked: number;
  energyOutside: number;
  maskedTruthBad: number;
  truthBad: number;
  maskValueOk: boolean;
}

/** Corrects every block of the light run and compares with the per-frame truth. */
function correctAndCompare(sim: ReturnType<typeof light>, constants: Record<string, ConstantArray>, params: Record<string, number | boolean> = {}, backend = createCpuBackend()): Check {
  const run = sim.runs[0];
  const t = sim.truth.constants;
  const cells = run.cellsPerTrain;
  const corrector = agipdCorrect({ module: 0, constants, parameters: params, rows: 512, cols: 128, backend });
  const gain = t.GainKevPerAdu.data as Float32Array;
  const noise = t.Noise.data as Float32Array;
  const bad = t.BadPixelsTruth.data as Uint32Array;
  const truthIt = run.truthBlocks!(32)[Symbol.iterator]();
  const c: Check = { values: 0, stageChecked: 0, stageWrong: 0, energyChecked: 0, energyOutside: 0, maskedTruthBad: 0, truthBad: 0, maskValueOk: true };
  for (const block of run.blocks(32) as Iterable<FrameBlock>) {
    const truth = truthIt.next().value as TruthBlock;
    const n = block.nFrames * PIXELS;
    const out: Record<string, NumericArray> = { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) };
    corrector.correctBlock(block, out);
    const e = truth.arrays.energyKev as Float32Array, st = truth.arrays.gainStage as Uint8Array;
    const data = out.data as Float32Array, mask = out.mask as Uint32Array, g = out.gain as Uint8Array;
    for (let f = 0; f < block.nFrames; f++) {
      const cell = block.cellIds[f];
      for (let p = 0; p < PIXELS; p++) {
        const i = f * PIXELS + p;
        c.values++;
        if (bad[cell * PIXELS + p] !== 0) {
          c.truthBad++;
          if (mask[i] !== 0) c.maskedTruthBad++;
          if (mask[i] !== 0 && !Number.isNaN(data[i])) c.maskValueOk = false;
          continue;
        }
        // Away from the switching points: the charge is more than 10% from where a stage switches.
        const qAdu = [e[i] / gain[cell * PIXELS + p], e[i] / gain[(cells + cell) * PIXELS + p]];
        const near = qAdu.some((q) => Math.abs(q - AGIPD_GAIN_MODEL.switchAdu) < 0.1 * AGIPD_GAIN_MODEL.switchAdu);
        if (!near) {
          c.stageChecked++;
          if (g[i] !== st[i]) c.stageWrong++;
        }
        if (g[i] !== st[i] || block.data[i] >= AGIPD_ADC_MAX_ADU || mask[i] !== 0) continue;
        // Within the noise: 5 sigma of the stage's noise in keV (plus the 1/12 ADU^2 rounding, already in Noise),
        // widened by 10% for the common-mode and offset estimates.
        const k = (st[i] * cells + cell) * PIXELS + p;
        const sigmaKev = noise[k] * gain[k];
        c.energyChecked++;
        if (Math.abs(data[i] - e[i]) > 5.5 * sigmaKev) c.energyOutside++;
      }
    }
  }
  return c;
}

describe('AGIPD correction on simulated light', () => {
  it('recovers stages and energies from the truth constants, masks the injected bad pixels', () => {
    const sim = light(4, 16);
    const c = correctAndCompare(sim, truthConstants(sim.truth));
    expect(c.stageChecked).toBeGreaterThan(0.95 * c.values - c.truthBad);
    expect(c.stageWrong / c.stageChecked).toBeLessThan(0.001);
    // 5.5 sigma two-sided is 4e-8 per value for a normal; allow 1e-4 for the truncation to integers.
    expect(c.energyOutside / c.energyChecked).toBeLessThan(1e-4);
    expect(c.maskedTruthBad).toBe(c.truthBad);
    expect(c.maskValueOk).toBe(true);
  });

  it('uses every stage: the light run exercises medium and low gain', () => {
    const sim = light(2, 16);
    const corrector = agipdCorrect({ module: 0, constants: truthConstants(sim.truth), parameters: {}, rows: 512, cols: 128, backend: createCpuBackend() });
    for (const block of sim.runs[0].blocks(32)) {
      const n = block.nFrames * PIXELS;
      corrector.correctBlock(block, { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) });
    }
    const s = corrector.summary();
    expect(s.frames).toBe(32);
    expect(s.mediumGain).toBeGreaterThan(1000);
    expect(s.lowGain).toBeGreaterThan(1000);
  });

  it('works with constants from detcal dark on the same module', async () => {
    const dark = simulateAgipdDark({ ...base, kind: 'dark', cells: 2, trains: 100 });
    const set = await agipdDark({
      runs: dark.runs.map((r) => frameStreamFromRun(r)),
      module: 0,
      detectorId: 'SIM',
      method: 'euxfel',
      parameters: {},
      backend: createCpuBackend(),
      conditions: {},
    });
    const sim = light(2, 16);
    const constants = { ...set.constants, GainKevPerAdu: sim.truth.constants.GainKevPerAdu };
    const c = correctAndCompare(sim, constants);
    expect(c.stageWrong / c.stageChecked).toBeLessThan(0.001);
    // Offsets from 100 frames add sigma/10 of error: the 5.5 sigma bound still holds with margin.
    expect(c.energyOutside / c.energyChecked).toBeLessThan(1e-3);
  });

  it('removes an injected per-ASIC common mode from high-gain pixels', () => {
    const sim = light(2, 8);
    const constants = truthConstants(sim.truth);
    const corrector = agipdCorrect({ module: 0, constants, parameters: { mask_value: 0 }, rows: 512, cols: 128, backend: createCpuBackend() });
    const plain = agipdCorrect({ module: 0, constants, parameters: { common_mode: false, mask_value: 0 }, rows: 512, cols: 128, backend: createCpuBackend() });
    const block = sim.runs[0].blocks(2)[Symbol.iterator]().next().value as FrameBlock;
    const shifted = { ...block, data: (block.data as Uint16Array).slice() };
    // +12 ADU on ASIC (row 0, col 0) of frame 0: the 64 x 64 pixels at rows 0..63, cols 0..63.
    for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) shifted.data[r * 128 + c] += 12;
    const n = 2 * PIXELS;
    const a = { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) };
    const b = { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) };
    corrector.correctBlock(shifted, a);
    plain.correctBlock(block, b);
    let diff = 0, m = 0;
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 64; c++) {
        const i = r * 128 + c;
        if (a.gain[i] === 0 && a.mask[i] === 0) {
          diff += a.data[i] - b.data[i];
          m++;
        }
      }
    }
    // The plain run keeps the module's own (zero-mean) common mode; the shift of 12 ADU x keV/ADU is removed
    // to within the mean noise of ~4000 dark pixels (10 ADU / sqrt(4000) = 0.16 ADU) plus that zero-mean term.
    const kevPerAdu = 1 / AGIPD_GAIN_MODEL.highAduPerKev;
    expect(Math.abs(diff / m)).toBeLessThan(0.5 * kevPerAdu);
  });

  it('rejects constants that do not fit', () => {
    const sim = light(2, 2);
    const t = truthConstants(sim.truth);
    expect(() => agipdCorrect({ module: 0, constants: { Offset: t.Offset }, parameters: {}, rows: 512, cols: 128, backend: undefined })).toThrow(/no ThresholdsDark constant/);
    const wrong = makeConstant('Offset', new Float32Array(3 * 2 * 256 * 128), [3, 2, 256, 128], ['gain', 'cell', 'row', 'col'], 'ADU');
    expect(() => agipdCorrect({ module: 0, constants: { ...t, Offset: wrong }, parameters: {}, rows: 512, cols: 128, backend: undefined })).toThrow(/Offset has shape \[3, 2, 256, 128\].*512 x 128/);
    const oneCell = makeConstant('Offset', new Float32Array(3 * 512 * 128), [3, 1, 512, 128], ['gain', 'cell', 'row', 'col'], 'ADU');
    expect(() => agipdCorrect({ module: 0, constants: { ...t, Offset: oneCell }, parameters: {}, rows: 512, cols: 128, backend: undefined })).toThrow(/ThresholdsDark has 2 memory cells but Offset has 1/);
    const c = agipdCorrect({ module: 0, constants: t, parameters: {}, rows: 512, cols: 128, backend: undefined });
    const block = sim.runs[0].blocks(2)[Symbol.iterator]().next().value as FrameBlock;
    const far = { ...block, cellIds: Uint16Array.from([0, 5]) };
    const n = 2 * PIXELS;
    expect(() => c.correctBlock(far, { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) })).toThrow(/memory cell 5 but the constants cover 2 cells/);
    expect(BadPixel.VALUE_IS_NAN).toBe(1 << 11);
  });
});

describe('AGIPD correction with a mask from detcal mask', () => {
  it('applies a (cells, rows, cols) BadPixelsMask to every gain stage', () => {
    const sim = light(2, 2);
    const t = truthConstants(sim.truth);
    const maskData = new Uint32Array(2 * PIXELS);
    maskData[7] = 1 << 23; // cell 0, pixel 7: EXPERT_CHOICE
    maskData[PIXELS + 9] = 1 << 23; // cell 1, pixel 9
    const mask = makeConstant('BadPixelsMask', maskData, [2, 512, 128], ['cell', 'row', 'col'], '');
    const c = agipdCorrect({ module: 0, constants: { ...t, BadPixelsDark: makeConstant('BadPixelsDark', new Uint32Array(3 * 2 * PIXELS), [3, 2, 512, 128], ['gain', 'cell', 'row', 'col'], ''), BadPixelsMask: mask }, parameters: {}, rows: 512, cols: 128, backend: undefined });
    const block = sim.runs[0].blocks(2)[Symbol.iterator]().next().value as FrameBlock;
    const n = 2 * PIXELS;
    const out = { data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) };
    c.correctBlock(block, out);
    const f0 = block.cellIds[0] === 0 ? 0 : 1;
    expect(out.mask[f0 * PIXELS + 7]).toBe(1 << 23);
    expect(out.mask[(1 - f0) * PIXELS + 9]).toBe(1 << 23);
    expect(Number.isNaN(out.data[f0 * PIXELS + 7])).toBe(true);
    expect(c.summary().maskedValues).toBe(2);
  });
});
