// Jungfrau light simulation: the dark truth of the seed, gains, photons, gain switching and the per-frame truth.
import { describe, expect, it } from 'vitest';
import type { SimulateOptions, TruthBlock } from '@detcal/core';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import { INVALID_GAIN_BITS, JUNGFRAU_GAIN_ADU_PER_KEV, SWITCH_JITTER_KEV } from './light-model.js';
import { jungfrauPlugin } from './plugin.js';

const P = 512 * 1024;
const CELLS = 2;
const light: SimulateOptions = { kind: 'light', seed: 4, trains: 3, cells: CELLS, module: 1, firstRun: 30, framesPerSequence: 100 };

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  return true;
}

describe('Jungfrau light simulation', () => {
  const sim = jungfrauPlugin.steps.simulate(light);
  const run = sim.runs[0];
  const t = sim.truth.constants;

  it('has exactly the pixel truth of the dark simulation of the same seed and module', () => {
    const dark = jungfrauPlugin.steps.simulate({ ...light, kind: 'dark' }).truth.constants;
    for (const name of ['Offset', 'Noise', 'BadPixelsTruth']) {
      expect(t[name].shape, name).toEqual(dark[name].shape);
      expect(sameValues(t[name].data as Float32Array, dark[name].data as Float32Array), name).toBe(true);
    }
    const other = jungfrauPlugin.steps.simulate({ ...light, seed: 5 }).truth.constants;
    expect(sameValues(t.Offset.data as Float32Array, other.Offset.data as Float32Array)).toBe(false);
    expect(sameValues(t.RelativeGain.data as Float32Array, other.RelativeGain.data as Float32Array)).toBe(false);
  });

  it('makes one light run and a gain truth in signed ADU/keV around the LCLS gains', () => {
    expect([run.run, run.label, run.gainStage, run.nFrames, run.cellsPerTrain]).toEqual([30, 'light', 0, 3 * CELLS, CELLS]);
    expect(t.RelativeGain.shape).toEqual([3, CELLS, 512, 1024]);
    expect(t.RelativeGain.unit).toBe('ADU/keV');
    const g = t.RelativeGain.data as Float32Array;
    for (let s = 0; s < 3; s++) {
      let sum = 0;
      for (let p = 0; p < P; p++) sum += g[s * CELLS * P + p];
      // 3 % pixel spread over 512k pixels: the mean is within 1e-3 (relative) of the nominal gain
      expect(Math.abs(sum / P / JUNGFRAU_GAIN_ADU_PER_KEV[s] - 1)).toBeLessThan(1e-3);
    }
    expect((sim.truth.metadata.parameters as { photonEnergyKev: number }).photonEnergyKev).toBe(12);
  });

  it('writes adc values around offset + common mode + gain x E and the gain bits of the stage the charge reached', () => {
    const off = t.Offset.data as Float32Array, noise = t.Noise.data as Float32Array, bad = t.BadPixelsTruth.data as Uint32Array;
    const gain = t.RelativeGain.data as Float32Array, sw = t.GainSwitchKev.data as Float32Array;
    const truth = [...run.truthBlocks!(4)];
    const blocks = [...run.blocks(4)];
    expect(truth.map((b) => [b.firstFrame, b.nFrames])).toEqual(blocks.map((b) => [b.firstFrame, b.nFrames]));
    const perStage = [0, 0, 0], z2 = [0, 0, 0];
    let wrong = 0, wrongBitsOk = 0, bitsOk = 0, valid = 0, beyond6 = 0, awayWrongStage = 0, cmG0 = 0;
    blocks.forEach((b, j) => {
      const a = truth[j].arrays as Record<string, Float32Array | Uint8Array>;
      const bits = b.gain as Uint8Array, data = b.data as Uint16Array;
      for (let f = 0; f < b.nFrames; f++) {
        const cell = b.cellIds[f];
        for (let p = 0; p < P; p++) {
          const i = f * P + p, st = a.gainStage[i], energy = a.energyKev[i];
          if (a.wrongGain[i]) { wrong++; if (bits[i] === INVALID_GAIN_BITS) wrongBitsOk++; continue; }
          valid++;
          if (bits[i] === JUNGFRAU_GAIN_BITS[st]) bitsOk++;
          perStage[st]++;
          // away from a switch point (6 sigma of the jitter), the stage follows the energy
          const s0 = sw[p], s1 = sw[P + p];
          if (Math.abs(energy - s0) > 6 * SWITCH_JITTER_KEV[0] && Math.abs(energy - s1) > 6 * SWITCH_JITTER_KEV[1]) {
            if (st !== (energy < s0 ? 0 : energy < s1 ? 1 : 2)) awayWrongStage++;
          }
          const k = (st * CELLS + cell) * P + p;
          if (bad[k] !== 0) continue;
          const cm = a.commonModeAdu[i];
          if (st === 0 && cm !== 0) cmG0++;
          if (st !== 0) expect(cm).toBe(0);
          const z = (data[i] - off[k] - cm - gain[k] * energy) / noise[k];
          z2[st] += z * z;
          if (Math.abs(z) > 6) beyond6++;
        }
      }
    });
    expect(wrong).toBeGreaterThan(0);
    expect(wrongBitsOk).toBe(wrong);
    expect(bitsOk).toBe(valid);
    // ~500 G1 and ~40 G2 values per frame with the default spots
    expect(perStage[1]).toBeGreaterThan(100 * run.nFrames);
    expect(perStage[2]).toBeGreaterThan(5 * run.nFrames);
    expect(awayWrongStage).toBe(0);
    expect(cmG0).toBeGreaterThan(0.9 * perStage[0]);
    expect(beyond6).toBe(0);
    // Noise truth is the std of the rounded values: the mean squared z is 1 within 4 / sqrt(n) (n = values of the stage)
    for (let s = 0; s < 3; s++) expect(Math.abs(z2[s] / perStage[s] - 1)).toBeLessThan(4 * Math.sqrt(2 / perStage[s]) + 0.02);
  });

  it('deposits whole photons of the requested energy and is independent of the block size', () => {
    const sim7 = jungfrauPlugin.steps.simulate({ ...light, trains: 2, photonEnergyKev: 7 });
    const join = (blocks: Iterable<TruthBlock>): Float32Array => {
      const out = new Float32Array(2 * CELLS * P);
      for (const b of blocks) out.set(b.arrays.energyKev as Float32Array, b.firstFrame * P);
      return out;
    };
    const whole = join(sim7.runs[0].truthBlocks!(100));
    expect(sameValues(whole, join(sim7.runs[0].truthBlocks!(1)))).toBe(true);
    let hits = 0, fractional = 0;
    for (const v of whole) {
      if (v > 0) hits++;
      if (Math.abs(v / 7 - Math.round(v / 7)) > 1e-4) fractional++;
    }
    expect(hits).toBeGreaterThan(1000);
    expect(fractional).toBe(0);
    expect(() => jungfrauPlugin.steps.simulate({ ...light, photonEnergyKev: -1 })).toThrow(/photon energy/);
  });
});
