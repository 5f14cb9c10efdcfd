import { BadPixel } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { EPIX100_COMMON_MODE_RMS_ADU } from './dark-model.js';
import { epix100Plugin } from './plugin.js';
import { PixelStats } from '@detcal/simulator';

const ROWS = 708, COLS = 768, P = ROWS * COLS, GROUP = 384;
const base: SimulateOptions = { kind: 'dark', seed: 3, trains: 60, cells: 1, module: 0, firstRun: 5, framesPerSequence: 100 };

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

describe('ePix100 dark simulation', () => {
  const sim = epix100Plugin.steps.simulate(base);
  const truth = sim.truth;
  const array = (name: string): Float32Array | Uint32Array => truth.constants[name].data as Float32Array | Uint32Array;

  it('makes one dark run and a truth with singleton gain and cell axes and the common-mode rms', () => {
    expect(sim.runs.map((r) => [r.run, r.label, r.gainStage, r.trains, r.cellsPerTrain, r.nFrames])).toEqual([[5, 'dark', 0, 60, 1, 60]]);
    expect(Object.keys(truth.constants)).toEqual(['Offset', 'Noise', 'NoiseCM', 'BadPixelsTruth']);
    for (const c of Object.values(truth.constants)) {
      expect(c.shape).toEqual([1, 1, 708, 768]);
      expect(c.dims).toEqual(['gain', 'cell', 'row', 'col']);
    }
    expect(truth.metadata.parameters.commonModeRmsAdu).toBe(EPIX100_COMMON_MODE_RMS_ADU);
    expect(truth.metadata.detectorId).toBe('SIM-EPIX100-M0');
  });

  it('is deterministic by seed and independent of the block size', () => {
    const small = { ...base, trains: 4 };
    const a = epix100Plugin.steps.simulate(small), b = epix100Plugin.steps.simulate(small);
    const c = epix100Plugin.steps.simulate({ ...small, seed: 4 });
    for (const name of Object.keys(a.truth.constants)) {
      expect(sameValues(a.truth.constants[name].data as Float32Array, b.truth.constants[name].data as Float32Array)).toBe(true);
    }
    expect(sameValues(a.truth.constants.Offset.data as Float32Array, c.truth.constants.Offset.data as Float32Array)).toBe(false);
    const whole = [...a.runs[0].blocks(10)][0];
    const joined = new Uint16Array(whole.data.length);
    const blocks = [...b.runs[0].blocks(3)];
    expect(blocks.map((x) => x.nFrames)).toEqual([3, 1]);
    for (const blk of blocks) joined.set(blk.data, blk.firstFrame * P);
    expect(sameValues(joined, whole.data)).toBe(true);
    expect([...whole.trainIds]).toEqual([10_000, 10_001, 10_002, 10_003]);
    expect([...whole.cellIds]).toEqual([0, 0, 0, 0]);
    expect(whole.gain).toBeUndefined();
    expect(sameValues([...c.runs[0].blocks(10)][0].data, whole.data)).toBe(false);
  });

  it('draws frames around the truth with a row common mode of the injected rms', () => {
    const offset = array('Offset'), noise = array('Noise'), noiseCM = array('NoiseCM'), flags = array('BadPixelsTruth');
    const n = 60;
    const stats = new PixelStats(1, P);
    const corrected = new PixelStats(1, P);
    let cmSum2 = 0, groups = 0;
    for (const b of sim.runs[0].blocks(16)) {
      stats.add(b);
      // Common mode seen in the data: mean of (value - offset) over the good pixels of each row of an ASIC.
      const residual = new Float32Array(b.data.length);
      for (let f = 0; f < b.nFrames; f++) {
        for (let r = 0; r < ROWS; r++) {
          for (let g = 0; g < COLS / GROUP; g++) {
            let s = 0, k = 0;
            const first = r * COLS + g * GROUP;
            for (let p = first; p < first + GROUP; p++) if (flags[p] === 0) { s += b.data[f * P + p] - offset[p]; k++; }
            const cm = s / k;
            cmSum2 += cm * cm;
            groups++;
            for (let p = first; p < first + GROUP; p++) residual[f * P + p] = b.data[f * P + p] - cm;
          }
        }
      }
      corrected.add({ ...b, data: residual });
    }
    const cmRms = Math.sqrt(cmSum2 / groups);
    expect(Math.abs(cmRms - EPIX100_COMMON_MODE_RMS_ADU)).toBeLessThan(0.4);
    const mean = stats.mean(), std = stats.std(), stdCM = corrected.std();
    const goodOffsets: number[] = [];
    for (let p = 0; p < P; p += 5) if (flags[p] === 0) goodOffsets.push(offset[p]);
    const med = median(goodOffsets);
    const fails = { mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 };
    const ratios: number[] = [], ratiosCM: number[] = [];
    let good = 0, beyond3 = 0;
    for (let p = 0; p < P; p++) {
      const f = flags[p];
      if (f === 0) {
        const z = Math.abs(mean[p] - offset[p]) / (noise[p] / Math.sqrt(n));
        if (z >= 7) fails.mean++;
        good++;
        if (z > 3) beyond3++;
        if (Math.abs(std[p] / noise[p] - 1) >= 7 / Math.sqrt(2 * (n - 1))) fails.std++;
        if (p % 5 === 0) {
          ratios.push(std[p] / noise[p]);
          ratiosCM.push(stdCM[p] / noiseCM[p]);
        }
      } else if (f & BadPixel.DATA_STD_IS_ZERO) {
        if (std[p] !== 0 || mean[p] !== offset[p]) fails.dead++;
      } else if (f === BadPixel.OFFSET_OUT_OF_THRESHOLD) {
        if (mean[p] - med < 1000) fails.hot++;
      } else if (stdCM[p] < (2 * noiseCM[p]) / 7) fails.noisy++;
    }
    // Pixel means of one row group share the common mode, so the tail fraction scatters more than for independent pixels.
    expect(beyond3 / good).toBeLessThan(0.01);
    expect(fails).toEqual({ mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 });
    expect(Math.abs(meanSquare(ratios) - 1)).toBeLessThan(0.015);
    expect(Math.abs(meanSquare(ratiosCM) - 1)).toBeLessThan(0.015);
    // Common mode dominates the raw noise: Noise is well above NoiseCM.
    const cmShare: number[] = [];
    for (let p = 0; p < P; p += 5) if (flags[p] === 0) cmShare.push(noise[p] / noiseCM[p]);
    expect(median(cmShare)).toBeGreaterThan(2);
  });
});
