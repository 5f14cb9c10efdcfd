// Jungfrau correction of a simulated light run against its per-frame truth: gain stages, energies,
// invalid gain bits, common mode, units, and constants that do not fit the frames.
import { describe, expect, it } from 'vitest';
import { BadPixel, DetcalError, makeConstant, type ConstantArray, type Corrector, type CorrectSetup, type FrameBlock, type NumericArray, type SimulatedRun, type TruthBlock } from '@detcal/core';
import { createCpuBackend, frameStreamFromRun } from '@detcal/kernels';
import { INVALID_STAGE } from './correct-kernel.js';
import { jungfrauDark } from './dark.js';
import { JUNGFRAU_LIGHT, SWITCH_JITTER_KEV } from './light-model.js';
import { jungfrauPlugin } from './plugin.js';

const P = 512 * 1024;
const CELLS = 2;
const SEED = 21;
const sim = jungfrauPlugin.steps.simulate({ kind: 'light', seed: SEED, trains: 3, cells: CELLS, module: 0, firstRun: 5, framesPerSequence: 100 });
const run = sim.runs[0];
const t = sim.truth.constants;
const off = t.Offset.data as Float32Array, noise = t.Noise.data as Float32Array, relGain = t.RelativeGain.data as Float32Array;
const sw = t.GainSwitchKev.data as Float32Array;
const renamed = (c: ConstantArray, name: string): ConstantArray => ({ ...c, name });
/** Constants as the truth gives them: Offset, BadPixelsDark (= injected defects), RelativeGain. */
const truthConstants: Record<string, ConstantArray> = { Offset: t.Offset, BadPixelsDark: renamed(t.BadPixelsTruth, 'BadPixelsDark'), RelativeGain: t.RelativeGain };

function setup(constants: Record<string, ConstantArray>, parameters: CorrectSetup['parameters'] = {}): Corrector {
  return jungfrauPlugin.steps.correct!({ module: 0, constants, parameters, rows: 512, cols: 1024, backend: createCpuBackend() });
}

type Outputs = { data: Float32Array; mask: Uint32Array; gain: Uint8Array };
/** Corrects the run block by block and hands each block, its truth and the outputs to visit. */
function correctRun(corrector: Corrector, r: SimulatedRun, visit: (b: FrameBlock, truth: TruthBlock, out: Outputs) => void): void {
  const truth = r.truthBlocks!(2)[Symbol.iterator]();
  for (const b of r.blocks(2)) {
    const out = { data: new Float32Array(b.nFrames * P), mask: new Uint32Array(b.nFrames * P), gain: new Uint8Array(b.nFrames * P) };
    corrector.correctBlock(b, out as unknown as Record<string, NumericArray>);
    visit(b, truth.next().value as TruthBlock, out);
  }
}

/** Energy errors of unmasked values in units of the truth noise / |gain| of the stage and cell: counts beyond `bound` and mean square, per stage. */
function energyErrors(corrector: Corrector, bound: number, expectedKev: (i: number, p: number, k: number, a: TruthBlock['arrays']) => number) {
  const n = [0, 0, 0], beyond = [0, 0, 0], z2 = [0, 0, 0];
  correctRun(corrector, run, (b, truth, out) => {
    for (let f = 0; f < b.nFrames; f++) {
      for (let p = 0; p < P; p++) {
        const i = f * P + p, st = out.gain[i];
        if (out.mask[i] !== 0) continue;
        const k = (st * CELLS + b.cellIds[f]) * P + p;
        const z = ((out.data[i] - expectedKev(i, p, k, truth.arrays)) * Math.abs(relGain[k])) / noise[k];
        n[st]++;
        z2[st] += z * z;
        if (Math.abs(z) > bound) beyond[st]++;
      }
    }
  });
  return { n, beyond, z2 };
}

describe('jungfrau correction with constants from the simulation truth', () => {
  it('assigns the gain stage of the gain bits, and the stage the charge calls for away from the switch points', () => {
    let valid = 0, stageOk = 0, away = 0, awayOk = 0, wrong = 0, wrongOk = 0;
    const corrector = setup(truthConstants);
    correctRun(corrector, run, (b, truth, out) => {
      const a = truth.arrays as { energyKev: Float32Array; gainStage: Uint8Array; wrongGain: Uint8Array };
      for (let i = 0; i < b.nFrames * P; i++) {
        if (a.wrongGain[i]) {
          wrong++;
          if (out.gain[i] === INVALID_STAGE && out.mask[i] === BadPixel.WRONG_GAIN_VALUE && Number.isNaN(out.data[i])) wrongOk++;
          continue;
        }
        valid++;
        if (out.gain[i] === a.gainStage[i]) stageOk++;
        // "away": the deposited energy is more than 5 jitter sigmas from both switch points of the pixel
        const p = i % P, e = a.energyKev[i];
        if (Math.abs(e - sw[p]) > 5 * SWITCH_JITTER_KEV[0] && Math.abs(e - sw[P + p]) > 5 * SWITCH_JITTER_KEV[1]) {
          away++;
          if (out.gain[i] === (e < sw[p] ? 0 : e < sw[P + p] ? 1 : 2)) awayOk++;
        }
      }
    });
    expect(wrong).toBeGreaterThan(0);
    expect(wrongOk).toBe(wrong);
    expect(stageOk).toBe(valid);
    expect(awayOk / away).toBeGreaterThanOrEqual(0.999);
    const s = corrector.summary();
    expect(s.frames).toBe(run.nFrames);
    expect(s.wrongGainValues).toBe(wrong);
    expect(s.g1Values).toBeGreaterThan(100 * run.nFrames);
    expect(s.g2Values).toBeGreaterThan(5 * run.nFrames);
    expect(s.g0Values + s.g1Values + s.g2Values + s.wrongGainValues).toBe(run.nFrames * P);
    expect(corrector.outputs.map((o) => [o.name, o.dtype, o.unit])).toEqual([['data', 'f4', 'keV'], ['mask', 'u4', ''], ['gain', 'u1', '']]);
  });

  it('gives energies within 5 noise / |gain| of the truth (plus the uncorrected common mode) for >= 99.9 % of good pixels', () => {
    // With the exact offset and gain, E - E_true = (noise draw + rounding) / gain + cm / gain (G0): the
    // truth Noise is the std of the rounded values, so |z| > 5 has probability ~6e-7 per value.
    const r = energyErrors(setup(truthConstants), 5, (i, _p, k, a) => (a.energyKev as Float32Array)[i] + (a.commonModeAdu as Float32Array)[i] / relGain[k]);
    for (let s = 0; s < 3; s++) {
      expect(r.n[s]).toBeGreaterThan(0);
      expect(r.beyond[s] / r.n[s]).toBeLessThanOrEqual(0.001);
      // mean square z is 1 within 5 sqrt(2 / n): the correction adds no error of its own
      expect(Math.abs(r.z2[s] / r.n[s] - 1)).toBeLessThan(5 * Math.sqrt(2 / r.n[s]) + 0.02);
    }
  });

  it('with common_mode on, recovers the injected per-bank offset of G0 pixels', () => {
    // Without correction the residual of G0 is the injected common mode (rms 5 ADU = 3.5 noise sigmas per value);
    // the median of ~16k G0 pixels per bank is within ~0.04 ADU, so the residual z stays normal.
    const corrector = setup(truthConstants, { common_mode: true });
    const r = energyErrors(corrector, 5, (i, _p, _k, a) => (a.energyKev as Float32Array)[i]);
    expect(r.beyond[0] / r.n[0]).toBeLessThanOrEqual(0.001);
    expect(Math.abs(r.z2[0] / r.n[0] - 1)).toBeLessThan(0.02);
    const off = energyErrors(setup(truthConstants), 5, (i, _p, _k, a) => (a.energyKev as Float32Array)[i]);
    // the uncorrected run shows the common mode: mean square z ~ 1 + (5 / 3.5)^2
    expect(off.z2[0] / off.n[0]).toBeGreaterThan(1 + 0.5 * (JUNGFRAU_LIGHT.commonModeRmsAdu / 3.5) ** 2);
    const s = corrector.summary();
    expect(s.cmBanks).toBe(run.nFrames * 32);
    expect(s.cmBanksCorrected).toBe(s.cmBanks);
    // mean |cm| of a normal with rms 5 ADU is 5 sqrt(2 / pi) = 4.0 ADU
    expect(s.cmMeanAbsAdu).toBeGreaterThan(3);
    expect(s.cmMeanAbsAdu).toBeLessThan(5);
  });

  it('bank by bank: the common mode subtracted equals the injected one within 0.2 ADU', () => {
    const banks = run.nFrames * 32;
    const residual = (parameters: CorrectSetup['parameters']): { sum: Float64Array; injected: Float64Array; n: Float64Array } => {
      const sum = new Float64Array(banks), injected = new Float64Array(banks), n = new Float64Array(banks);
      correctRun(setup(truthConstants, parameters), run, (b, truth, out) => {
        const a = truth.arrays as { energyKev: Float32Array; commonModeAdu: Float32Array };
        for (let f = 0; f < b.nFrames; f++) {
          for (let p = 0; p < P; p++) {
            const i = f * P + p;
            if (out.mask[i] !== 0 || out.gain[i] !== 0) continue;
            const k = b.cellIds[f] * P + p;
            const bank = (b.firstFrame + f) * 32 + Math.floor(p / 1024 / 256) * 16 + Math.floor((p % 1024) / 64);
            sum[bank] += (out.data[i] - a.energyKev[i]) * relGain[k];
            injected[bank] += a.commonModeAdu[i];
            n[bank]++;
          }
        }
      });
      return { sum, injected, n };
    };
    // mean of ~16k values of noise 3.5 ADU: std 0.03 ADU; the median's error is ~1.25 x that, so 0.2 ADU is > 5 sigma
    const on = residual({ common_mode: true }), offRun = residual({});
    for (let b = 0; b < banks; b++) {
      expect(on.n[b]).toBeGreaterThan(15_000);
      expect(Math.abs(on.sum[b] / on.n[b])).toBeLessThan(0.2);
      expect(Math.abs(offRun.sum[b] / offRun.n[b] - offRun.injected[b] / offRun.n[b])).toBeLessThan(0.2);
    }
  });
});

describe('jungfrau correction units and masking', () => {
  it('writes photons with photon_energy_kev, and ADU without RelativeGain', () => {
    const photons = setup(truthConstants, { photon_energy_kev: 12, common_mode: true });
    expect(photons.outputs[0].unit).toBe('photons');
    let g0 = 0, exact = 0;
    correctRun(photons, run, (b, truth, out) => {
      const e = truth.arrays.energyKev as Float32Array;
      for (let i = 0; i < b.nFrames * P; i++) {
        if (out.mask[i] !== 0 || out.gain[i] !== 0) continue;
        g0++;
        // G0 noise is 3.5 ADU / 41.5 ADU/keV / 12 keV = 0.007 photons: rounding gives the photon count
        if (Math.round(out.data[i]) === Math.round(e[i] / 12)) exact++;
      }
    });
    expect(exact / g0).toBeGreaterThanOrEqual(0.9999);
    const adu = setup({ Offset: t.Offset }, {});
    expect(adu.outputs[0].unit).toBe('ADU');
    let n = 0, beyond = 0;
    correctRun(adu, run, (b, truth, out) => {
      const a = truth.arrays as { energyKev: Float32Array; commonModeAdu: Float32Array };
      for (let f = 0; f < b.nFrames; f++) {
        for (let p = 0; p < P; p++) {
          const i = f * P + p, st = out.gain[i];
          if (st === INVALID_STAGE) continue;
          const k = (st * CELLS + b.cellIds[f]) * P + p;
          if (noise[k] === 0 || (t.BadPixelsTruth.data as Uint32Array)[k] !== 0) continue;
          n++;
          if (Math.abs(out.data[i] - relGain[k] * a.energyKev[i] - a.commonModeAdu[i]) > 5 * noise[k]) beyond++;
        }
      }
    });
    expect(beyond / n).toBeLessThanOrEqual(0.001);
  });

  it('ORs BadPixelsFF (one cell for all) into the mask, writes mask_value there, or keeps the value with mask_bad_pixels=false', () => {
    const ff = new Uint32Array(3 * P);
    for (let p = 0; p < P; p += 1000) ff[p] = BadPixel.FF_GAIN_DEVIATION;
    const constants = { ...truthConstants, BadPixelsFF: makeConstant('BadPixelsFF', ff, [3, 1, 512, 1024], ['gain', 'cell', 'row', 'col'], '') };
    const masked = setup(constants, { mask_value: 0 });
    const kept = setup(constants, { mask_value: 'nan', mask_bad_pixels: false });
    const b = [...run.blocks(2)][0];
    const outA = { data: new Float32Array(2 * P), mask: new Uint32Array(2 * P), gain: new Uint8Array(2 * P) };
    const outB = { data: new Float32Array(2 * P), mask: new Uint32Array(2 * P), gain: new Uint8Array(2 * P) };
    masked.correctBlock(b, outA as unknown as Record<string, NumericArray>);
    kept.correctBlock(b, outB as unknown as Record<string, NumericArray>);
    let ffPixels = 0;
    for (let i = 0; i < 2 * P; i++) {
      const p = i % P;
      if (outA.gain[i] === 0 && ff[p]) {
        ffPixels++;
        expect(outA.mask[i] & BadPixel.FF_GAIN_DEVIATION).not.toBe(0);
        expect(outA.data[i]).toBe(0);
        expect(Number.isFinite(outB.data[i])).toBe(true);
      }
      if (outA.gain[i] === INVALID_STAGE) expect(Number.isNaN(outB.data[i])).toBe(true);
    }
    expect(ffPixels).toBeGreaterThan(900);
    expect(masked.summary().maskedValues).toBeGreaterThan(kept.summary().maskedValues);
  });
});

describe('jungfrau correction with constants from the dark step', () => {
  it('corrects within 5 sigma, sigma = noise x sqrt(1 + 1/n) / |gain| with n dark frames per cell', async () => {
    const TRAINS = 48;
    const dark = jungfrauPlugin.steps.simulate({ kind: 'dark', seed: SEED, trains: TRAINS, cells: CELLS, module: 0, firstRun: 1, framesPerSequence: 1000 });
    const result = await jungfrauDark({
      runs: dark.runs.map((r) => frameStreamFromRun(r, { blockFrames: 16, rows: 512, cols: 1024, hasGain: true })),
      module: 0, detectorId: 'SIM', method: 'euxfel', parameters: {}, backend: createCpuBackend(), conditions: {},
    });
    const constants = { Offset: result.constants.Offset, BadPixelsDark: result.constants.BadPixelsDark, RelativeGain: t.RelativeGain };
    // the dark's offset is a mean of n = TRAINS values: its error adds noise^2 / n to the variance
    const r = energyErrors(setup(constants, { common_mode: true }), 5 * Math.sqrt(1 + 1 / TRAINS), (i, _p, _k, a) => (a.energyKev as Float32Array)[i]);
    for (let s = 0; s < 3; s++) {
      expect(r.n[s]).toBeGreaterThan(0);
      expect(r.beyond[s] / r.n[s]).toBeLessThanOrEqual(0.001);
    }
  }, 240_000);
});

describe('jungfrau correction rejects constants that do not fit', () => {
  const error = (f: () => unknown): DetcalError => {
    try {
      f();
    } catch (e) {
      if (e instanceof DetcalError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  const dims = ['gain', 'cell', 'row', 'col'];

  it('names a missing Offset', () => {
    const e = error(() => setup({ RelativeGain: t.RelativeGain }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/needs the Offset constant .*got RelativeGain/);
  });

  it('names the constant, its shape and the expected one', () => {
    const half = makeConstant('Offset', off.subarray(0, 3 * CELLS * P / 2), [3, CELLS, 256, 1024], dims, 'ADU');
    const e = error(() => setup({ Offset: half }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toBe('constant Offset has shape [3, 2, 256, 1024], expected [3, cells, 512, 1024] = [gain, cell, row, col] as detcal dark jungfrau writes it');
    const gain3 = makeConstant('RelativeGain', new Float32Array(3 * 3 * P), [3, 3, 512, 1024], dims, 'ADU/keV');
    expect(error(() => setup({ Offset: t.Offset, RelativeGain: gain3 })).message).toMatch(/^constant RelativeGain has shape \[3, 3, 512, 1024\], expected \[3, 2, 512, 1024\] \(or \[3, 1, 512, 1024\] for every cell\)/);
    const bpd1 = makeConstant('BadPixelsDark', new Uint32Array(3 * P), [3, 1, 512, 1024], dims, '');
    expect(error(() => setup({ Offset: t.Offset, BadPixelsDark: bpd1 })).message).toMatch(/^constant BadPixelsDark has shape \[3, 1, 512, 1024\], expected \[3, 2, 512, 1024\] =/);
    const swapped = makeConstant('Offset', off, [3, CELLS, 512, 1024], ['gain', 'cell', 'col', 'row'], 'ADU');
    expect(error(() => setup({ Offset: swapped })).message).toMatch(/dims \[gain, cell, col, row\], expected \[gain, cell, row, col\]/);
  });

  it('names a memory cell the constants do not have', () => {
    const oneCell = makeConstant('Offset', off.slice(0, 3 * P), [3, 1, 512, 1024], dims, 'ADU');
    const corrector = setup({ Offset: oneCell });
    const b = [...run.blocks(2)][0];
    const out = { data: new Float32Array(2 * P), mask: new Uint32Array(2 * P), gain: new Uint8Array(2 * P) };
    const e = error(() => corrector.correctBlock(b, out as unknown as Record<string, NumericArray>));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/frame 1 of module 0 is memory cell 1, but the Offset constant has 1 cell:/);
  });

  it('rejects photon output without a gain and bad parameter values', () => {
    expect(error(() => setup({ Offset: t.Offset }, { photon_energy_kev: 9 })).message).toMatch(/photon_energy_kev=9 needs the RelativeGain constant/);
    expect(error(() => setup(truthConstants, { cm_threshold: 3 })).message).toMatch(/unknown parameter 'cm_threshold'/);
    expect(error(() => setup(truthConstants, { cm_npix_min: 2.5 })).message).toMatch(/cm_npix_min=2.5: expected a whole number/);
  });
});
