import { BadPixel } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { PNCCD_COMMON_MODE_RMS_ADU } from './dark-model.js';
import { pnccdPlugin } from './plugin.js';
import { simulatedCosmicHits } from './simulate-dark.js';

const N = 1024, P = N * N, GROUP = 512;
const base: SimulateOptions = { kind: 'dark', seed: 8, trains: 40, cells: 1, module: 0, firstRun: 30, framesPerSequence: 100 };

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

describe('pnCCD dark simulation', () => {
  const sim = pnccdPlugin.steps.simulate(base);
  const truth = sim.truth;
  const array = (name: string): Float32Array | Uint32Array => truth.constants[name].data as Float32Array | Uint32Array;
  const prm = truth.metadata.parameters as Record<string, number>;

  it('makes one dark run and a truth with common mode and cosmic hits in the parameters', () => {
    expect(sim.runs.map((r) => [r.run, r.label, r.gainStage, r.nFrames])).toEqual([[30, 'dark', 0, 40]]);
    expect(Object.keys(truth.constants)).toEqual(['Offset', 'Noise', 'NoiseCM', 'BadPixelsTruth']);
    expect(truth.constants.Offset.shape).toEqual([1, 1, 1024, 1024]);
    expect(prm.commonModeRmsAdu).toBe(PNCCD_COMMON_MODE_RMS_ADU);
    expect(prm.cosmicRatePerFrame).toBe(3);
    expect(prm.cosmicHits).toBe(simulatedCosmicHits(base).pixels.length);
    expect(Math.abs(prm.cosmicHits - 120)).toBeLessThan(5 * Math.sqrt(120));
  });

  it('is deterministic by seed and independent of the block size', () => {
    const small = { ...base, trains: 3 };
    const a = pnccdPlugin.steps.simulate(small), b = pnccdPlugin.steps.simulate(small);
    const c = pnccdPlugin.steps.simulate({ ...small, seed: 9 });
    expect(a.truth.metadata).toEqual(b.truth.metadata);
    for (const name of Object.keys(a.truth.constants)) {
      expect(sameValues(a.truth.constants[name].data as Float32Array, b.truth.constants[name].data as Float32Array)).toBe(true);
    }
    const whole = [...a.runs[0].blocks(5)][0];
    const joined = new Uint16Array(whole.data.length);
    const blocks = [...b.runs[0].blocks(2)];
    expect(blocks.map((x) => [x.firstFrame, x.nFrames])).toEqual([[0, 2], [2, 1]]);
    for (const blk of blocks) joined.set(blk.data, blk.firstFrame * P);
    expect(sameValues(joined, whole.data)).toBe(true);
    expect(sameValues([...c.runs[0].blocks(5)][0].data, whole.data)).toBe(false);
  });

  it('draws frames around the truth with a half-row common mode and the cosmic hits of the truth', () => {
    const offset = array('Offset'), noise = array('Noise'), noiseCM = array('NoiseCM'), flags = array('BadPixelsTruth');
    const hits = simulatedCosmicHits(base);
    const sum = new Float64Array(P), sum2 = new Float64Array(P), count = new Float64Array(P);
    const masked = new Uint8Array(P);
    let cmSum2 = 0, groups = 0, centresFound = 0;
    for (const b of sim.runs[0].blocks(8)) {
      for (let f = 0; f < b.nFrames; f++) {
        const frame = b.firstFrame + f, o = f * P;
        masked.fill(0);
        for (let h = hits.starts[frame]; h < hits.starts[frame + 1]; h++) {
          const centre = hits.pixels[h];
          const r0 = Math.floor(centre / N), c0 = centre % N;
          if (flags[centre] === 0 && b.data[o + centre] - offset[centre] > hits.amplitudeAdu[h] - 60) centresFound++;
          else if (flags[centre] !== 0) centresFound++;
          for (let r = Math.max(0, r0 - 1); r <= Math.min(N - 1, r0 + 1); r++) {
            for (let c = Math.max(0, c0 - 1); c <= Math.min(N - 1, c0 + 1); c++) masked[r * N + c] = 1;
          }
        }
        for (let r = 0; r < N; r++) {
          for (let g = 0; g < N / GROUP; g++) {
            const first = r * N + g * GROUP;
            let s = 0, k = 0;
            for (let p = first; p < first + GROUP; p++) if (flags[p] === 0 && !masked[p]) { s += b.data[o + p] - offset[p]; k++; }
            const cm = s / k;
            cmSum2 += cm * cm;
            groups++;
          }
        }
        for (let p = 0; p < P; p++) {
          if (masked[p]) continue;
          const x = b.data[o + p];
          sum[p] += x;
          sum2[p] += x * x;
          count[p]++;
        }
      }
    }
    expect(centresFound).toBe(hits.pixels.length);
    expect(Math.abs(Math.sqrt(cmSum2 / groups) - PNCCD_COMMON_MODE_RMS_ADU)).toBeLessThan(0.4);
    const fails = { mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 };
    const ratios: number[] = [];
    let good = 0, beyond3 = 0;
    const goodOffsets: number[] = [];
    for (let p = 0; p < P; p += 9) if (flags[p] === 0) goodOffsets.push(offset[p]);
    const med = median(goodOffsets);
    for (let p = 0; p < P; p++) {
      const n = count[p], m = sum[p] / n;
      const s = Math.sqrt(Math.max(0, (sum2[p] - n * m * m) / (n - 1)));
      const f = flags[p];
      if (f === 0) {
        const z = Math.abs(m - offset[p]) / (noise[p] / Math.sqrt(n));
        if (z >= 7) fails.mean++;
        good++;
        if (z > 3) beyond3++;
        if (Math.abs(s / noise[p] - 1) >= 7 / Math.sqrt(2 * (n - 1))) fails.std++;
        if (p % 9 === 0) ratios.push(s / noise[p]);
      } else if (f & BadPixel.DATA_STD_IS_ZERO) {
        if (s !== 0 || m !== offset[p]) fails.dead++;
      } else if (f === BadPixel.OFFSET_OUT_OF_THRESHOLD) {
        if (m - med < 1500) fails.hot++;
      } else if (s < (2 * noiseCM[p]) / 7) fails.noisy++;
    }
    // Pixel means of one row group share the common mode, so the tail fraction scatters more than for independent pixels.
    expect(beyond3 / good).toBeLessThan(0.01);
    expect(fails).toEqual({ mean: 0, std: 0, dead: 0, hot: 0, noisy: 0 });
    expect(Math.abs(meanSquare(ratios) - 1)).toBeLessThan(0.015);
  });
});
