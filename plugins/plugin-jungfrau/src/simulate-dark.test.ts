import { BadPixel } from '@detcal/core';
import type { FrameBlock, SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import { jungfrauPlugin } from './plugin.js';
import { PixelStats } from '@detcal/simulator';

const P = 512 * 1024;
const base: SimulateOptions = { kind: 'dark', seed: 5, trains: 16, cells: 2, module: 1, firstRun: 20, framesPerSequence: 100 };

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Mean of the squared values: 1 when sample variances match the truth variances on average. */
function meanSquare(values: number[]): number {
  return values.reduce((s, v) => s + v * v, 0) / values.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('Jungfrau dark simulation', () => {
  const sim = jungfrauPlugin.steps.simulate(base);
  const truth = sim.truth;
  const array = (name: string): Float32Array | Uint32Array => truth.constants[name].data as Float32Array | Uint32Array;

  it('makes the dynamic, forceswitchg1 and forceswitchg2 runs and a truth in detcal order', () => {
    expect(sim.runs.map((r) => [r.run, r.label, r.gainStage, r.nFrames])).toEqual([
      [20, 'dynamic', 0, 32],
      [21, 'forceswitchg1', 1, 32],
      [22, 'forceswitchg2', 2, 32],
    ]);
    expect(Object.keys(truth.constants)).toEqual(['Offset', 'Noise', 'BadPixelsTruth', 'WrongGainCount']);
    for (const c of Object.values(truth.constants)) {
      expect(c.shape).toEqual([3, 2, 512, 1024]);
      expect(c.dims).toEqual(['gain', 'cell', 'row', 'col']);
    }
    expect(truth.metadata.detectorId).toBe('SIM-JUNGFRAU-M1');
    expect(truth.metadata.detectorType).toBe('jungfrau');
  });

  it('is deterministic by seed and independent of the block size', () => {
    const small = { ...base, trains: 3 };
    const a = jungfrauPlugin.steps.simulate(small), b = jungfrauPlugin.steps.simulate(small);
    const c = jungfrauPlugin.steps.simulate({ ...small, seed: 6 });
    expect(a.truth.metadata).toEqual(b.truth.metadata);
    for (const name of Object.keys(a.truth.constants)) {
      expect(sameValues(a.truth.constants[name].data as Uint32Array, b.truth.constants[name].data as Uint32Array)).toBe(true);
    }
    expect(sameValues(a.truth.constants.Offset.data as Float32Array, c.truth.constants.Offset.data as Float32Array)).toBe(false);
    const whole = [...a.runs[2].blocks(6)][0];
    const joined = new Uint16Array(whole.data.length), joinedGain = new Uint8Array(whole.data.length);
    for (const blk of b.runs[2].blocks(1)) {
      joined.set(blk.data, blk.firstFrame * P);
      joinedGain.set(blk.gain as Uint8Array, blk.firstFrame * P);
    }
    expect(sameValues(joined, whole.data)).toBe(true);
    expect(sameValues(joinedGain, whole.gain as Uint8Array)).toBe(true);
    expect(sameValues([...c.runs[2].blocks(6)][0].data, whole.data)).toBe(false);
  });

  it('yields whole trains of at most maxFrames frames with memory cells cycling', () => {
    const run = jungfrauPlugin.steps.simulate({ ...base, trains: 5 }).runs[0];
    for (const maxFrames of [1, 3, 4, 100]) {
      let next = 0;
      for (const b of run.blocks(maxFrames)) {
        expect(b.nFrames).toBeLessThanOrEqual(maxFrames);
        expect(b.firstFrame).toBe(next);
        expect(b.gain).toBeInstanceOf(Uint8Array);
        if (maxFrames >= 2) expect(b.nFrames % 2).toBe(0);
        for (let f = 0; f < b.nFrames; f++) {
          expect(b.cellIds[f]).toBe((b.firstFrame + f) % 2);
          expect(b.trainIds[f]).toBe(10_000 + Math.floor((b.firstFrame + f) / 2));
        }
        next += b.nFrames;
      }
      expect(next).toBe(10);
    }
  });

  it('draws values around the truth, with the gain bits of the run and the wrong gain values the truth counts', () => {
    const offset = array('Offset'), noise = array('Noise'), flags = array('BadPixelsTruth'), wrong = array('WrongGainCount');
    const prm = truth.metadata.parameters as { wrongGainFrames: number[]; wrongGainValues: number[] };
    const n = 16, cells = 2;
    sim.runs.forEach((run, r) => {
      const g = run.gainStage;
      const stats = new PixelStats(cells, P);
      const wrongFrames = new Set<number>();
      let wrongValues = 0, wrongAtExpected = 0;
      for (const b of run.blocks(8) as Iterable<FrameBlock>) {
        stats.add(b);
        const gain = b.gain as Uint8Array;
        for (let f = 0; f < b.nFrames; f++) {
          const o = f * P, cell = b.cellIds[f];
          for (let p = 0; p < P; p++) {
            if (gain[o + p] !== JUNGFRAU_GAIN_BITS[g]) {
              wrongValues++;
              wrongFrames.add(b.firstFrame + f);
              if (wrong[(g * cells + cell) * P + p] > 0) wrongAtExpected++;
            }
          }
        }
      }
      expect(wrongFrames.size).toBe(prm.wrongGainFrames[r]);
      expect(wrongValues).toBe(prm.wrongGainValues[r]);
      expect(wrongAtExpected).toBe(wrongValues);
      const mean = stats.mean(), std = stats.std();
      for (let c = 0; c < cells; c++) {
        const o = (g * cells + c) * P;
        const goodOffsets: number[] = [];
        for (let p = 0; p < P; p += 7) if (flags[o + p] === 0) goodOffsets.push(offset[o + p]);
        const med = median(goodOffsets);
        const fails = { mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 };
        const ratios: number[] = [];
        let good = 0, beyond3 = 0;
        for (let p = 0; p < P; p++) {
          if (wrong[o + p] > 0) continue;
          const i = c * P + p, f = flags[o + p];
          if (f === 0) {
            const z = Math.abs(mean[i] - offset[o + p]) / (noise[o + p] / Math.sqrt(n));
            if (z >= 7) fails.mean++;
            good++;
            if (z > 3) beyond3++;
            if (Math.abs(std[i] / noise[o + p] - 1) >= 7 / Math.sqrt(2 * (n - 1))) fails.std++;
            if (p % 7 === 0) ratios.push(std[i] / noise[o + p]);
          } else if (f & BadPixel.DATA_STD_IS_ZERO) {
            if (std[i] !== 0 || mean[i] !== offset[o + p]) fails.dead++;
          } else if (f === BadPixel.OFFSET_OUT_OF_THRESHOLD) {
            if (mean[i] - med < 1500) fails.hot++;
          } else if (std[i] < (2 * noise[o + p]) / 7) fails.noisy++;
        }
        expect(beyond3 / good).toBeLessThan(0.004);
        expect(fails).toEqual({ mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 });
        expect(Math.abs(meanSquare(ratios) - 1)).toBeLessThan(0.01);
      }
    });
  });
});
