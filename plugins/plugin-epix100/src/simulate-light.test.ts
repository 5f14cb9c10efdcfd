import type { SimulateOptions, TruthBlock } from '@detcal/core';
import { DEFAULT_PHOTON_MODEL } from '@detcal/simulator';
import { describe, expect, it } from 'vitest';
import { EPIX100_RELATIVE_GAIN_SPREAD, EPIX100_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { epix100Plugin } from './plugin.js';

const ROWS = 708, COLS = 768, P = ROWS * COLS;
const base: SimulateOptions = { kind: 'light', seed: 8, trains: 6, cells: 1, module: 0, firstRun: 2, framesPerSequence: 100 };

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

describe('ePix100 light simulation', () => {
  const sim = epix100Plugin.steps.simulate(base);
  const dark = epix100Plugin.steps.simulate({ ...base, kind: 'dark' });

  it('has exactly the dark truth of the same seed and module, plus RelativeGain and pixel_gain', () => {
    expect(Object.keys(sim.truth.constants)).toEqual(['Offset', 'Noise', 'NoiseCM', 'BadPixelsTruth', 'RelativeGain', 'pixel_gain']);
    for (const name of Object.keys(dark.truth.constants)) {
      expect(same(sim.truth.constants[name].data as Float32Array, dark.truth.constants[name].data as Float32Array), name).toBe(true);
    }
    const rel = sim.truth.constants.RelativeGain.data as Float32Array;
    let s = 0, s2 = 0;
    for (const v of rel) { s += v; s2 += v * v; }
    const mean = s / P, sd = Math.sqrt(s2 / P - mean * mean);
    // 543744 draws: mean 1 within 4 x 0.05 / sqrt(P); sd within 1 % (clipping at 4 sd removes 6e-5 of the values).
    expect(Math.abs(mean - 1)).toBeLessThan((4 * EPIX100_RELATIVE_GAIN_SPREAD) / Math.sqrt(P));
    expect(Math.abs(sd / EPIX100_RELATIVE_GAIN_SPREAD - 1)).toBeLessThan(0.01);
    expect(sim.truth.constants.pixel_gain.data[0]).toBeCloseTo(EPIX100_SIM_GAIN_KEV_PER_ADU, 7);
    expect(sim.truth.metadata.parameters).toMatchObject({ photonEnergyKev: 8, gainKevPerAdu: EPIX100_SIM_GAIN_KEV_PER_ADU });
    expect(sim.runs.map((r) => [r.run, r.label, r.nFrames])).toEqual([[2, 'light', 6]]);
  });

  it('gives the same frames and truth for any block size, and photons of the requested energy in the raw data', () => {
    const blocksOf = (n: number) => [...sim.runs[0].blocks(n)];
    const truthOf = (n: number) => [...sim.runs[0].truthBlocks!(n)];
    const joinData = (bs: Array<{ data: ArrayLike<number>; firstFrame: number }>) => {
      const out = new Float32Array(6 * P);
      for (const b of bs) out.set(b.data, b.firstFrame * P);
      return out;
    };
    const joinTruth = (bs: TruthBlock[], name: string) => {
      const out = new Float32Array(6 * P);
      for (const b of bs) out.set(b.arrays[name], b.firstFrame * P);
      return out;
    };
    expect(same(joinData(blocksOf(6)), joinData(blocksOf(4)))).toBe(true);
    const t6 = truthOf(6), t4 = truthOf(4);
    expect(t4.map((b) => [b.firstFrame, b.nFrames])).toEqual([[0, 4], [4, 2]]);
    for (const name of ['energyKev', 'photonPattern']) expect(same(joinTruth(t6, name), joinTruth(t4, name)), name).toBe(true);
    // Photons: every frame's deposits sum to 8 keV per photon; classes in the model's fractions.
    const energy = t6[0].arrays.energyKev as Float32Array, pattern = t6[0].arrays.photonPattern as Uint8Array;
    let total = 0, photons = 0;
    const perClass = [0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < energy.length; i++) {
      total += energy[i];
      if (pattern[i]) { photons++; perClass[pattern[i]]++; }
    }
    expect(total / photons).toBeCloseTo(8, 3);
    const cells = 88 * 96 * 6;
    // Photons per frame: binomial(cells, 0.1): within 4 sd.
    expect(Math.abs(photons - 0.1 * cells)).toBeLessThan(4 * Math.sqrt(cells * 0.09));
    DEFAULT_PHOTON_MODEL.splitFractions.forEach((f, k) => {
      // Shares keep the default thresholds 3 sd away: only photons on bad pixels (noisy: 7 x noise) fall into class 6.
      expect(Math.abs(perClass[k + 1] / photons - f), `class ${k + 1}`).toBeLessThan(4 * Math.sqrt((f * (1 - f)) / photons) + 0.003);
    });
    // Classes 5 (other shape) and 6 (primary below threshold) only where a bad pixel's noise (noisy: 7 x) lifts a threshold.
    const flags = sim.truth.constants.BadPixelsTruth.data as Uint32Array;
    for (let i = 0; i < P; i++) {
      if (pattern[i] < 5) continue;
      let nearBad = false;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) if (flags[i + dr * COLS + dc]) nearBad = true;
      expect(nearBad, `photon at ${i} of class ${pattern[i]}`).toBe(true);
    }
    // Raw: (raw - dark frame) at a single photon's pixel is 8 keV / (gain x relative gain) ADU, within rounding.
    const raw = blocksOf(6)[0].data as Uint16Array, darkRaw = [...dark.runs[0].blocks(6)][0].data as Uint16Array;
    const rel = sim.truth.constants.RelativeGain.data as Float32Array, sigma = sim.truth.constants.NoiseCM.data as Float32Array;
    let checked = 0;
    for (let i = 0; i < energy.length && checked < 50; i++) {
      if (pattern[i] !== 1 || sigma[i % P] === 0) continue;
      expect(Math.abs(raw[i] - darkRaw[i] - 8 / (EPIX100_SIM_GAIN_KEV_PER_ADU * rel[i % P]))).toBeLessThanOrEqual(0.5 + 1e-3);
      checked++;
    }
    expect(checked).toBe(50);
  });

  it('rejects a photon energy <= 0', () => {
    expect(() => epix100Plugin.steps.simulate({ ...base, photonEnergyKev: 0 })).toThrow('photon energy must be > 0 keV, got 0');
  });
});
