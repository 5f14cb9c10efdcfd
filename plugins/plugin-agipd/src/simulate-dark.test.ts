import { BadPixel } from '@detcal/core';
import type { ConstantSet, FrameBlock, SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { agipdPlugin } from './plugin.js';
import { PixelStats } from '@detcal/simulator';

const P = 512 * 128;
const base: SimulateOptions = { kind: 'dark', seed: 11, trains: 32, cells: 3, module: 2, firstRun: 7, framesPerSequence: 100 };

function collect(blocks: Iterable<FrameBlock>): FrameBlock[] {
  return [...blocks];
}

function truthOf(t: ConstantSet, name: string): Float32Array | Uint32Array {
  return t.constants[name].data as Float32Array | Uint32Array;
}

/** True when two typed arrays hold the same values (fast, unlike a deep toEqual). */
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

describe('AGIPD dark simulation', () => {
  const sim = agipdPlugin.steps.simulate(base);

  it('makes the high, medium and low runs with consecutive run numbers', () => {
    expect(sim.runs.map((r) => [r.run, r.label, r.gainStage, r.trains, r.cellsPerTrain, r.nFrames])).toEqual([
      [7, 'high', 0, 32, 3, 96],
      [8, 'medium', 1, 32, 3, 96],
      [9, 'low', 2, 32, 3, 96],
    ]);
  });

  it('returns the truth in detcal order with singleton axes kept', () => {
    const t = sim.truth;
    expect(Object.keys(t.constants)).toEqual(['Offset', 'Noise', 'DigitalMean', 'DigitalStd', 'ThresholdsDark', 'BadPixelsTruth']);
    for (const name of ['Offset', 'Noise', 'DigitalMean', 'DigitalStd', 'BadPixelsTruth']) {
      expect(t.constants[name].shape).toEqual([3, 3, 512, 128]);
      expect(t.constants[name].dims).toEqual(['gain', 'cell', 'row', 'col']);
    }
    expect(t.constants.ThresholdsDark.dims).toEqual(['threshold', 'cell', 'row', 'col']);
    expect(t.constants.BadPixelsTruth.dtype).toBe('u4');
    expect(t.metadata.detectorType).toBe('agipd');
    expect(t.metadata.detectorId).toBe('SIM-AGIPD-M2');
    expect(t.metadata.sourceRuns).toEqual(['7', '8', '9']);
    const prm = t.metadata.parameters as Record<string, number>;
    expect(prm.seed).toBe(base.seed);
    const bad = prm.hotPixels + prm.noisyPixels + prm.deadPixels;
    expect(bad / P).toBeGreaterThan(0.005);
    expect(bad / P).toBeLessThan(0.01);
    const flags = truthOf(t, 'BadPixelsTruth');
    let hot = 0, dead = 0, noisy = 0;
    for (let p = 0; p < P; p++) {
      if (flags[p] === BadPixel.OFFSET_OUT_OF_THRESHOLD) hot++;
      else if (flags[p] === BadPixel.NOISE_OUT_OF_THRESHOLD) noisy++;
      else if (flags[p] === (BadPixel.DATA_STD_IS_ZERO | BadPixel.NOISE_OUT_OF_THRESHOLD)) dead++;
    }
    expect([hot, noisy, dead]).toEqual([prm.hotPixels, prm.noisyPixels, prm.deadPixels]);
  });

  it('is deterministic by seed and independent of the block size', () => {
    const small = { ...base, trains: 3, cells: 3 };
    const a = agipdPlugin.steps.simulate(small), b = agipdPlugin.steps.simulate(small);
    const c = agipdPlugin.steps.simulate({ ...small, seed: 12 });
    expect(a.truth.metadata).toEqual(b.truth.metadata);
    for (const name of Object.keys(a.truth.constants)) {
      expect(sameValues(a.truth.constants[name].data as Float32Array, b.truth.constants[name].data as Float32Array)).toBe(true);
    }
    expect(sameValues(a.truth.constants.Offset.data as Float32Array, c.truth.constants.Offset.data as Float32Array)).toBe(false);
    const big = collect(a.runs[1].blocks(100))[0];
    const pieces = collect(b.runs[1].blocks(2));
    const joined = new Uint16Array(big.data.length);
    const joinedGain = new Uint16Array(big.data.length);
    for (const blk of pieces) {
      joined.set(blk.data, blk.firstFrame * P);
      joinedGain.set(blk.gain as Uint16Array, blk.firstFrame * P);
    }
    expect(sameValues(joined, big.data)).toBe(true);
    expect(sameValues(joinedGain, big.gain as Uint16Array)).toBe(true);
    expect(sameValues(collect(a.runs[1].blocks(100))[0].data, big.data)).toBe(true);
    expect(sameValues(collect(c.runs[1].blocks(100))[0].data, big.data)).toBe(false);
  });

  it('yields blocks of at most maxFrames that cover the run with cycling cells and train ids', () => {
    const run = agipdPlugin.steps.simulate({ ...base, trains: 5, cells: 3 }).runs[0];
    for (const maxFrames of [1, 2, 4, 7, 100]) {
      const blocks = collect(run.blocks(maxFrames));
      let next = 0;
      for (const b of blocks) {
        expect(b.nFrames).toBeLessThanOrEqual(maxFrames);
        expect(b.firstFrame).toBe(next);
        expect(b.data.length).toBe(b.nFrames * P);
        expect(b.gain?.length).toBe(b.nFrames * P);
        expect(b.module).toBe(2);
        for (let f = 0; f < b.nFrames; f++) {
          const i = b.firstFrame + f;
          expect(b.cellIds[f]).toBe(i % 3);
          expect(b.pulseIds?.[f]).toBe(i % 3);
          expect(b.trainIds[f]).toBe(b.trainIds[0] - Math.floor(b.firstFrame / 3) + Math.floor(i / 3));
        }
        next += b.nFrames;
      }
      expect(next).toBe(15);
    }
    expect(() => run.blocks(0)).toThrow(/maxFrames/);
  });

  it('draws analog and digital values around the truth; bad pixels stand out', () => {
    const t = sim.truth;
    const offset = truthOf(t, 'Offset'), noise = truthOf(t, 'Noise'), dmean = truthOf(t, 'DigitalMean'), dstd = truthOf(t, 'DigitalStd');
    const flags = truthOf(t, 'BadPixelsTruth');
    const thresholds = truthOf(t, 'ThresholdsDark');
    const cells = 3, n = 32;
    for (const run of sim.runs) {
      const analog = new PixelStats(cells, P), digital = new PixelStats(cells, P);
      for (const b of run.blocks(64)) {
        analog.add(b, 'data');
        digital.add(b, 'gain');
      }
      expect([...analog.counts]).toEqual([n, n, n]);
      const [am, as, dm, ds] = [analog.mean(), analog.std(), digital.mean(), digital.std()];
      const g = run.gainStage;
      for (let c = 0; c < cells; c++) {
        const o = (g * cells + c) * P;
        let beyond3 = 0, good = 0;
        const ratios: number[] = [];
        const offsets: number[] = [];
        for (let p = 0; p < P; p += 1) if (flags[o + p] === 0) offsets.push(offset[o + p]);
        const medOffset = median(offsets);
        const fails = { mean: 0, std: 0, digital: 0, threshold: 0, dead: 0, hot: 0, noisy: 0 };
        for (let p = 0; p < P; p++) {
          const i = c * P + p;
          const f = flags[o + p];
          if (f === 0) {
            good++;
            const z = Math.abs(am[i] - offset[o + p]) / (noise[o + p] / Math.sqrt(n));
            if (z >= 7) fails.mean++;
            if (z > 3) beyond3++;
            ratios.push(as[i] / noise[o + p]);
            if (Math.abs(as[i] / noise[o + p] - 1) >= 7 / Math.sqrt(2 * (n - 1))) fails.std++;
            if (Math.abs(dm[i] - dmean[o + p]) >= (7 * dstd[o + p]) / Math.sqrt(n)) fails.digital++;
            if (g < 2 && dm[i] >= thresholds[g * cells * P + i]) fails.threshold++;
            if (g > 0 && dm[i] <= thresholds[(g - 1) * cells * P + i]) fails.threshold++;
          } else if (f & BadPixel.DATA_STD_IS_ZERO) {
            if (as[i] !== 0 || ds[i] !== 0 || am[i] !== offset[o + p]) fails.dead++;
          } else if (f === BadPixel.OFFSET_OUT_OF_THRESHOLD) {
            if (am[i] - medOffset <= 2000) fails.hot++;
          } else if (f === BadPixel.NOISE_OUT_OF_THRESHOLD) {
            if (as[i] <= (2 * noise[o + p]) / 7) fails.noisy++;
          }
        }
        expect(fails).toEqual({ mean: 0, std: 0, digital: 0, threshold: 0, dead: 0, hot: 0, noisy: 0 });
        expect(beyond3 / good).toBeLessThan(0.004);
        expect(Math.abs(meanSquare(ratios) - 1)).toBeLessThan(0.01);
      }
    }
  });
});
