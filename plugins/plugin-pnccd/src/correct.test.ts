// pnCCD correction against the light simulation's truth: constants from the truth, and from the
// plugin's own dark step on a dark run of the same seed and module.
import { DetcalError, allocate, makeConstant, type ConstantArray, type Corrector, type NumericArray, type SimulatedRun, type TruthBlock } from '@detcal/core';
import { createCpuBackend, energyAccuracy, frameStreamFromRun, normalTail, patternRecovery, type EnergyAccuracy, type PatternRecovery } from '@detcal/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNCCD_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { pnccdPlugin } from './plugin.js';

const ROWS = 1024, COLS = 1024, P = ROWS * COLS, GROUP = 512, FRAMES = 12, BLOCK = 4, DARK_FRAMES = 100;
const options = { kind: 'light', seed: 31, trains: FRAMES, cells: 1, module: 0, firstRun: 4, framesPerSequence: 100, photonEnergyKev: 8 };
const sim = pnccdPlugin.steps.simulate(options);
const run = sim.runs[0];
const truth = (name: string) => sim.truth.constants[name];
const truthF32 = (name: string) => truth(name).data as Float32Array;
const relGain = truthF32('RelativeGain'), noiseCM = truthF32('NoiseCM');
const asBadPixelsDark = (c: ConstantArray): ConstantArray => ({ ...c, name: 'BadPixelsDark' });
const truthConstants: Record<string, ConstantArray> = {
  Offset: truth('Offset'), Noise: truth('Noise'), NoiseCM: truth('NoiseCM'), BadPixelsDark: asBadPixelsDark(truth('BadPixelsTruth')),
  RelativeGain: truth('RelativeGain'), pixel_gain: truth('pixel_gain'),
};
const setup = (constants: Record<string, ConstantArray>, parameters = {}) => ({ module: 0, constants, parameters, rows: ROWS, cols: COLS, backend: createCpuBackend() });

/**
 * Sd of corrected - deposited, keV: the pixel's noise without common mode (NoiseCM, rounding of the
 * dark value included), the error of the common-mode median of a 512-pixel half row (1.2533 sd / sqrt(512)),
 * the error of a dark offset (NoiseCM / sqrt(n), when the offset comes from n dark frames), and for a
 * pixel with signal the rounding of the signal to whole ADU (1/12); times relative and absolute gain.
 */
function errorSd(extraOffsetFrames: number, signal: boolean): Float32Array {
  return Float32Array.from(noiseCM, (n, p) => {
    const variance = n * n * (1 + 1.2533 ** 2 / GROUP + (extraOffsetFrames > 0 ? 1 / extraOffsetFrames : 0)) + (signal ? 1 / 12 : 0);
    return PNCCD_SIM_GAIN_KEV_PER_ADU * relGain[p] * Math.sqrt(variance);
  });
}

interface Outcome { expectedNoiseEvents: number; energy: EnergyAccuracy; patterns: PatternRecovery; maskOk: boolean; summary: Record<string, number>; seconds: number; first: Record<string, NumericArray> }

/** Corrects the light run block by block and compares each block with its truth block. */
function correctRun(corrector: Corrector, thresholdNoise: Float32Array, badFlags: Uint32Array, offsetFrames = 0, r: SimulatedRun = run): Outcome {
  const bad = Uint8Array.from(badFlags, (f) => (f !== 0 ? 1 : 0));
  const sdNo = errorSd(offsetFrames, false), sdSig = errorSd(offsetFrames, true);
  const threshold = (sigmas: number) => Float32Array.from(thresholdNoise, (n, p) => sigmas * n * relGain[p] * PNCCD_SIM_GAIN_KEV_PER_ADU);
  const truths = r.truthBlocks!(BLOCK)[Symbol.iterator]();
  const acc = { values: 0, within: 0, z2: 0, z: 0 };
  let patterns: PatternRecovery | undefined;
  let maskOk = true, seconds = 0;
  let first: Record<string, NumericArray> | undefined;
  for (const block of r.blocks(BLOCK)) {
    const t = truths.next().value as TruthBlock;
    const out: Record<string, NumericArray> = {};
    for (const o of corrector.outputs) out[o.name] = allocate(o.dtype, block.nFrames * P);
    const t0 = performance.now();
    corrector.correctBlock(block, out);
    seconds += (performance.now() - t0) / 1000;
    first ??= out;
    const energyKev = t.arrays.energyKev as Float32Array;
    const e = energyAccuracy(out.data as Float32Array, energyKev, Uint8Array.from(bad, (b) => 1 - b), sdNo, sdSig);
    acc.values += e.values;
    acc.within += e.withinFraction * e.values;
    acc.z2 += e.zRms ** 2 * e.values;
    acc.z += e.zMean * e.values;
    const data = out.data as Float32Array, mask = out.mask as Uint32Array;
    for (let i = 0; i < data.length; i++) {
      const p = i % P;
      if (mask[i] !== badFlags[p] || (bad[p] === 1) !== Number.isNaN(data[i]) || (bad[p] && (out.patterns as Int32Array)[i] !== 0)) maskOk = false;
    }
    const pr = patternRecovery({
      rows: ROWS, cols: COLS, nFrames: block.nFrames, patterns: out.patterns as Int32Array, photonPattern: t.arrays.photonPattern as Uint8Array,
      energyKev, bad, unitsPerKev: 1, primary: threshold(4), secondary: threshold(3), sdNoSignal: sdNo, sdSignal: sdSig, classified: out.pixels_classified as Float32Array,
    });
    patterns = patterns ? mergeRecovery(patterns, pr) : pr;
  }
  const energy = { values: acc.values, withinFraction: acc.within / acc.values, zRms: Math.sqrt(acc.z2 / acc.values), zMean: acc.z / acc.values };
  const primary = threshold(4);
  let expectedNoiseEvents = 0;
  for (let p = 0; p < P; p++) if (!bad[p]) expectedNoiseEvents += normalTail(primary[p] / sdNo[p]);
  expectedNoiseEvents *= r.nFrames;
  return { expectedNoiseEvents, energy, patterns: patterns!, maskOk, summary: corrector.summary(), seconds, first: first! };
}

function mergeRecovery(a: PatternRecovery, b: PatternRecovery): PatternRecovery {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  return {
    truth: add(a.truth, b.truth), found: add(a.found, b.found), confusion: a.confusion.map((row, i) => add(row, b.confusion[i])),
    changed: a.changed + b.changed, expectedChanged: a.expectedChanged + b.expectedChanged, eventsWithoutPhoton: a.eventsWithoutPhoton + b.eventsWithoutPhoton,
    nearBad: a.nearBad + b.nearBad,
    energyZ: a.energyZ.map((x, i) => {
      const y = b.energyZ[i], n = x.n + y.n;
      return { n, mean: n ? (x.mean * x.n + y.mean * y.n) / n : 0, rms: n ? Math.sqrt((x.rms ** 2 * x.n + y.rms ** 2 * y.n) / n) : 0, max: Math.max(x.max, y.max) };
    }),
  };
}

/** Checks shared by both constant sources. */
function expectRecovered(o: Outcome, label: string): void {
  const { energy: e, patterns: r } = o;
  console.log(`pnCCD ${label}: energy ${(100 * e.withinFraction).toFixed(4)} % within 4 sd, zRms ${e.zRms.toFixed(4)}, zMean ${e.zMean.toFixed(4)}; photons per class ${r.truth.slice(1).join('/')} (6: expected missed), found ${r.found.join('/')}; changed ${r.changed} (expected ${r.expectedChanged.toFixed(1)}); events without photon ${r.eventsWithoutPhoton} (expected ${o.expectedNoiseEvents.toFixed(1)}); near bad ${r.nearBad}; event energy z ${r.energyZ.slice(1, 5).map((z) => `${z.mean.toFixed(3)}+-${z.rms.toFixed(3)}`).join(' ')}`);
  // Energies: |z| <= 4 for 99.994 % of normal errors; the rms of z is 1 within the few per mille the model leaves out.
  expect(e.withinFraction).toBeGreaterThanOrEqual(0.9995);
  expect(Math.abs(e.zRms - 1)).toBeLessThan(0.02);
  expect(Math.abs(e.zMean)).toBeLessThan(0.01);
  // Classes: changed classes are a sum of rare independent events, Poisson-like around the expectation (4 sd either side).
  const tol = 4 * Math.sqrt(r.expectedChanged) + 3;
  expect(r.changed).toBeLessThanOrEqual(r.expectedChanged + tol);
  expect(r.changed).toBeGreaterThanOrEqual(r.expectedChanged - tol);
  for (let c = 1; c <= 4; c++) {
    expect(r.truth[c], `class ${c}`).toBeGreaterThan(500);
    expect(Math.abs(r.found[c] - r.truth[c]) / r.truth[c], `class ${c}`).toBeLessThanOrEqual(0.02);
    // Event sums: (classified - photon energy) / sd of the summed pixels, mean 0 within 4 / sqrt(n), rms 1 within 4 / sqrt(2n).
    const z = r.energyZ[c];
    expect(Math.abs(z.mean), `class ${c} energy bias`).toBeLessThan(4 / Math.sqrt(z.n));
    expect(Math.abs(z.rms - 1), `class ${c} energy spread`).toBeLessThan(4 / Math.sqrt(2 * z.n) + 0.02);
  }
  // 4-sigma primaries: noise alone makes events, as many as good pixels above their primary threshold (Poisson, 4 sd).
  expect(Math.abs(r.eventsWithoutPhoton - o.expectedNoiseEvents)).toBeLessThan(4 * Math.sqrt(o.expectedNoiseEvents) + 5);
  expect(o.maskOk).toBe(true);
}

describe('pnccd correct with the truth constants', () => {
  let o: Outcome;
  beforeAll(() => {
    const corrector = pnccdPlugin.steps.correct!(setup(truthConstants));
    o = correctRun(corrector, noiseCM, truth('BadPixelsTruth').data as Uint32Array);
  });

  it('declares data, mask, pixels_classified and patterns in keV', () => {
    const c = pnccdPlugin.steps.correct!(setup(truthConstants));
    expect(c.outputs.map((d) => [d.name, d.dtype, d.unit])).toEqual([['data', 'f4', 'keV'], ['mask', 'u4', ''], ['pixels_classified', 'f4', 'keV'], ['patterns', 'i4', '']]);
  });

  it('recovers energies within the noise, photons per pattern within 2 %, event energies, and masks bad pixels', () => {
    expectRecovered(o, 'truth constants');
    const mbs = (FRAMES * P * 2) / 1e6 / o.seconds;
    console.log(`pnCCD correctBlock: ${(FRAMES / o.seconds).toFixed(1)} frames/s, ${mbs.toFixed(1)} MB/s raw (blocks of ${BLOCK} frames, CPU)`);
    const s = o.summary;
    expect(s.frames).toBe(FRAMES);
    expect(s.singles + s.doubles + s.triples + s.quads + s.multiples + s.badNeighbour + s.mips).toBe(s.events);
    expect(s.maskedPixels).toBe(sim.truth.metadata.parameters.hotPixels as number * 3);
    expect(s.commonModeGroupsSkipped).toBe(0);
    expect(s.gainKevPerAdu).toBeUndefined(); // per-pixel pixel_gain map
  });
});

describe('pnccd correct with constants from its own dark step', () => {
  let o: Outcome;
  let dark: Record<string, ConstantArray>;
  beforeAll(async () => {
    const darkSim = pnccdPlugin.steps.simulate({ ...options, kind: 'dark', trains: DARK_FRAMES });
    const stream = frameStreamFromRun(darkSim.runs[0], { cache: true });
    const set = await pnccdPlugin.steps.dark!({ runs: [stream], module: 0, detectorId: 'SIM', method: 'euxfel', parameters: {}, backend: createCpuBackend(), conditions: {} });
    // Relative and absolute gain come from X-ray flat fields, not from darks: taken from the truth.
    dark = { ...set.constants, RelativeGain: truth('RelativeGain'), pixel_gain: truth('pixel_gain') };
    const corrector = pnccdPlugin.steps.correct!(setup(dark));
    o = correctRun(corrector, dark.NoiseCM.data as Float32Array, dark.BadPixelsDark.data as Uint32Array, DARK_FRAMES);
  });

  it('recovers energies and photons per pattern as with the truth', () => {
    expectRecovered(o, `dark step (${DARK_FRAMES} frames)`);
  });
});

describe('pnccd correct settings and checks', () => {
  const oneBlock = (): Parameters<Corrector['correctBlock']>[0] => run.blocks(2)[Symbol.iterator]().next().value!;

  it('writes mask_value into bad pixels, ADU without a gain, and only data and mask without classification', () => {
    const { pixel_gain: _g, ...noGain } = truthConstants;
    const c = pnccdPlugin.steps.correct!(setup(noGain, { mask_value: 0, classify: false }));
    expect(c.outputs.map((d) => [d.name, d.unit])).toEqual([['data', 'ADU'], ['mask', '']]);
    const block = oneBlock();
    const out = { data: new Float32Array(2 * P), mask: new Uint32Array(2 * P) };
    c.correctBlock(block, out);
    const flags = truth('BadPixelsTruth').data as Uint32Array;
    const bad = flags.findIndex((f) => f !== 0);
    expect(out.data[bad]).toBe(0);
    expect(out.mask[P + bad]).toBe(flags[bad]);
    // A good pixel without photons (row 0 is outside every photon's 2 x 2 block): within 6 noise of 0 ADU.
    const quiet = flags.findIndex((f, p) => f === 0 && p > 100 && p < COLS);
    expect(Math.abs(out.data[quiet])).toBeLessThan(6 * noiseCM[quiet] * relGain[quiet]);
    expect(c.summary().events).toBeUndefined();
  });

  it('takes gain_kev_per_adu over pixel_gain, and a pixel_gain holding one value', () => {
    const scalar = makeConstant('pixel_gain', Float32Array.of(0.025), [1], ['value'], 'keV/ADU');
    expect(pnccdPlugin.steps.correct!(setup({ ...truthConstants, pixel_gain: scalar })).summary().gainKevPerAdu).toBeCloseTo(0.025, 7);
    expect(pnccdPlugin.steps.correct!(setup(truthConstants, { gain_kev_per_adu: 0.05 })).summary().gainKevPerAdu).toBe(0.05);
    const varying = makeConstant('pixel_gain', Float32Array.of(0.02, 0.03), [2], ['value'], 'keV/ADU');
    expect(() => pnccdPlugin.steps.correct!(setup({ ...truthConstants, pixel_gain: varying })))
      .toThrow('pnccd correct: constant pixel_gain has shape [2], expected [1, 1, 1024, 1024] (or [1024, 1024]) or one value everywhere (its values vary)');
  });

  it('rejects constants of the wrong shape, a missing Offset or Noise, and bad parameters in one line', () => {
    const wrong = makeConstant('Offset', new Float32Array(708 * 768), [1, 1, 708, 768], ['gain', 'cell', 'row', 'col'], 'ADU');
    const err = (constants: Record<string, ConstantArray>, parameters = {}): DetcalError => {
      try {
        pnccdPlugin.steps.correct!(setup(constants, parameters));
      } catch (e) {
        return e as DetcalError;
      }
      throw new Error('no error');
    };
    const shape = err({ ...truthConstants, Offset: wrong });
    expect(shape).toBeInstanceOf(DetcalError);
    expect(shape.code).toBe('SHAPE_MISMATCH');
    expect(shape.message).toBe('pnccd correct: constant Offset has shape [1, 1, 708, 768], expected [1, 1, 1024, 1024] (or [1024, 1024])');
    expect(err({ ...truthConstants, RelativeGain: { ...truthConstants.RelativeGain, shape: [2, 1, 1024, 512] } }).message).toContain('constant RelativeGain has shape [2, 1, 1024, 512]');
    const { Offset: _o, ...noOffset } = truthConstants;
    expect(err(noOffset).message).toBe('pnccd correct: constant Offset is missing: run detcal dark pnccd first or give a constants file that has it');
    const { Noise: _n, NoiseCM: _m, ...noNoise } = truthConstants;
    expect(err(noNoise).message).toContain('classification needs the Noise or NoiseCM constant');
    expect(() => pnccdPlugin.steps.correct!(setup(noNoise, { classify: false }))).not.toThrow();
    expect(err(truthConstants, { split_evt_primary_threshold: 2 }).message).toContain('need primary >= secondary > 0');
    expect(err(truthConstants, { cm_axes: 'diag' }).message).toContain('cm_axes=diag: use row, col or row,col');
    expect(err(truthConstants, { sigma: 1 }).message).toContain("unknown parameter 'sigma'");
    const c = pnccdPlugin.steps.correct!(setup(truthConstants));
    const block = { ...oneBlock(), rows: 512 };
    expect(() => c.correctBlock(block, {})).toThrow('pnccd correct: frames of 512 x 1024, the constants are for 1024 x 1024');
  });

  it('lists its constants and parameters with the pycalibration defaults', () => {
    expect(pnccdPlugin.correctConstants).toEqual({ required: ['Offset'], optional: ['NoiseCM', 'Noise', 'BadPixelsDark', 'RelativeGain', 'pixel_gain'] });
    const d = Object.fromEntries(pnccdPlugin.correctParameters!.map((s) => [s.name, s.defaultValue]));
    expect(d).toEqual({
      mask_value: NaN, common_mode: true, cm_axes: 'row', cm_min_frac: 0.25, cm_noise_sigma: 5, relative_gain: true, classify: true,
      split_evt_primary_threshold: 4, split_evt_secondary_threshold: 3, split_evt_mip_threshold: 1000, gain_kev_per_adu: 0,
    });
  });
});
