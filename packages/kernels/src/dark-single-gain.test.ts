import { describe, expect, it } from 'vitest';
import { BadPixel, DetcalError, Random, type DarkRequest } from '@detcal/core';
import { commonModeBanked } from './common-mode.js';
import { createCpuBackend } from './cpu-backend.js';
import { commonModeNoisePass, singleGainBadPixels, singleGainRun, stdWithoutMax, zeroNoiseMask, flaggedMask } from './dark-single-gain.js';
import { frameStreamFromFrames } from './frame-stream-from-run.js';

const ROWS = 8, COLS = 64, P = ROWS * COLS;
const BANK = { bankRows: 4, bankCols: 32 };
const HOT = 5, DEAD = 9;

/** Frames of raw u2 values: offset + common mode per row segment of 32 px (rms 6) + noise; pixel DEAD is constant. */
function darkFrames(nFrames: number, seed: number) {
  const rng = new Random(seed);
  const offset = Float32Array.from({ length: P }, () => 1000 + 20 * rng.normal());
  offset[HOT] += 500;
  const sigma = Float32Array.from({ length: P }, () => 1.5 + rng.uniform());
  sigma[DEAD] = 0;
  offset[DEAD] = Math.round(offset[DEAD]);
  const data = new Uint16Array(nFrames * P);
  for (let f = 0; f < nFrames; f++) {
    for (let r = 0; r < ROWS; r++) {
      for (let c0 = 0; c0 < COLS; c0 += 32) {
        const cm = 6 * rng.normal();
        for (let c = c0; c < c0 + 32; c++) {
          const p = r * COLS + c;
          data[f * P + p] = sigma[p] > 0 ? Math.round(offset[p] + cm + sigma[p] * rng.normal()) : offset[p];
        }
      }
    }
  }
  // std of the rounded values without common mode (sigma^2 + 1/12), 0 for the dead pixel
  const noiseCM = Float32Array.from(sigma, (s) => (s > 0 ? Math.sqrt(s * s + 1 / 12) : 0));
  return { data, offset, sigma, noiseCM };
}

describe('commonModeNoisePass', () => {
  const n = 400;
  const sim = darkFrames(n, 3);
  const stream = frameStreamFromFrames({ data: sim.data, nFrames: n, rows: ROWS, cols: COLS }, { blockFrames: 48 });
  const medianMask = new Uint8Array(P);
  medianMask[HOT] = 1;
  medianMask[DEAD] = 1;
  const frozen = new Uint8Array(P);
  frozen[DEAD] = 1;

  it('removes the row common mode: NoiseCM matches the noise within the error of a std over n frames', async () => {
    const r = await commonModeNoisePass(stream, { backend: createCpuBackend(), offsetAdu: sim.offset, medianMask, frozen, commonMode: { bank: BANK, passes: ['row'] } });
    const ncm = r.corrected.stdAdu;
    // Relative error of a std over n normal values: 1 / sqrt(2n) = 3.5 %; 4.5 sigma over 511 pixels.
    // The median of 30 good pixels removes the common mode with a residual of about sqrt(pi / 2 / 30) = 23 % of the noise, adding ~2.6 % in quadrature.
    for (let p = 0; p < P; p++) {
      if (p === DEAD) continue;
      const expected = Math.sqrt(sim.noiseCM[p] ** 2 * (1 + Math.PI / 2 / 30));
      expect(Math.abs(ncm[p] / expected - 1), `pixel ${p}`).toBeLessThan(4.5 / Math.sqrt(2 * n));
    }
    expect(ncm[DEAD]).toBe(0);
    // The masked but responding (hot) pixel gets its group's correction too: its NoiseCM is its own noise, not noise plus 6 ADU common mode.
    expect(ncm[HOT]).toBeLessThan(2 * sim.noiseCM[HOT]);
    expect(r.groupsCorrected).toBe(n * ROWS * 2);
    expect(r.groupsSkipped).toBe(0);
    expect(r.excludedValues).toBe(0);
    expect(r.raw).toBeUndefined();
  });

  it('applies row then column passes, median of the good pixels, subtracted from every responding pixel', async () => {
    const one = frameStreamFromFrames({ data: sim.data.subarray(0, P), nFrames: 1, rows: ROWS, cols: COLS });
    const r = await commonModeNoisePass(one, { backend: createCpuBackend(), offsetAdu: sim.offset, medianMask, frozen, commonMode: { bank: BANK, passes: ['row', 'col'], minPixels: 2 } });
    const frame = Float32Array.from({ length: P }, (_, p) => sim.data[p] - sim.offset[p]);
    const rowCm = new Float32Array(ROWS * 2), colCm = new Float32Array(2 * COLS);
    commonModeBanked(frame, ROWS, COLS, BANK, ['row', 'col'], medianMask, { minPixels: 2 }, [rowCm, colCm]);
    const hotRow = Math.floor(HOT / COLS), hotCol = HOT % COLS;
    frame[HOT] -= rowCm[hotRow * 2 + Math.floor(hotCol / 32)] + colCm[Math.floor(hotRow / 4) * COLS + hotCol];
    // With one frame the mean is the corrected value itself.
    for (let p = 0; p < P; p++) expect(r.corrected.meanAdu[p], `pixel ${p}`).toBeCloseTo(frame[p], 4);
    expect(r.corrected.meanAdu[DEAD]).toBe(0);
    expect(r.groupsCorrected).toBe(ROWS * 2 + 2 * COLS);
  });

  it('leaves out values above sigma x noise (cosmic hits) from the corrected and the raw statistics', async () => {
    const hits = [[3, 70, 900], [3, 71, 150], [40, 70, 300], [399, 500, 2000]] as const;
    const data = sim.data.slice();
    for (const [f, p, a] of hits) data[f * P + p] += a;
    const s = frameStreamFromFrames({ data, nFrames: n, rows: ROWS, cols: COLS }, { blockFrames: 48 });
    const r = await commonModeNoisePass(s, {
      backend: createCpuBackend(), offsetAdu: sim.offset, medianMask, frozen, commonMode: { bank: BANK, passes: ['row'] },
      cosmic: { sigma: 10, noiseAdu: sim.noiseCM }, rawStatistics: true, trackMax: true,
    });
    expect([r.excludedValues, r.framesWithExclusions, r.pixelsWithExclusions]).toEqual([4, 3, 3]);
    // Raw statistics without the hits: the mean of the clean run's values.
    for (const p of [70, 71, 500]) {
      let sum = 0;
      for (let f = 0; f < n; f++) sum += sim.data[f * P + p];
      const cleanMean = (sum - (p === 70 ? sim.data[3 * P + 70] + sim.data[40 * P + 70] : p === 71 ? sim.data[3 * P + 71] : sim.data[399 * P + 500])) / (n - (p === 70 ? 2 : 1));
      expect(r.raw!.meanAdu[p]).toBeCloseTo(cleanMean, 3);
      expect(r.raw!.count[p]).toBe(p === 70 ? n - 2 : n - 1);
      expect(r.corrected.count[p]).toBe(r.raw!.count[p]);
    }
    expect(r.raw!.count[0]).toBe(n);
    expect(r.maxAdu![500]).toBeGreaterThan(1900);
  });

  it('checks the length of its per-pixel inputs', async () => {
    await expect(commonModeNoisePass(stream, { backend: createCpuBackend(), offsetAdu: new Float32Array(3), medianMask, frozen, commonMode: { bank: BANK, passes: ['row'] } }))
      .rejects.toThrow(/offsetAdu has 3 values, the frames 8 x 64/);
  });
});

describe('stdWithoutMax', () => {
  it('is the std (ddof 0) of the values without the largest one', () => {
    const v = [3, -1, 4, 1, -5, 9, 2, 6];
    const mean = v.reduce((a, b) => a + b) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    const rest = v.filter((x) => x !== 9);
    const m2 = rest.reduce((a, b) => a + b) / rest.length;
    const s2 = Math.sqrt(rest.reduce((a, b) => a + (b - m2) ** 2, 0) / rest.length);
    const out = stdWithoutMax(Float64Array.of(mean, 5), Float64Array.of(std, 2), Uint32Array.of(8, 2), Float64Array.of(9, 7));
    expect(out[0]).toBeCloseTo(s2, 5);
    expect(out[1]).toBe(2); // fewer than 3 values: unchanged
  });
});

describe('single-gain helpers', () => {
  const stream = frameStreamFromFrames({ data: new Uint16Array(2 * P), nFrames: 2, rows: ROWS, cols: COLS });
  const request = (runs: DarkRequest['runs']): DarkRequest => ({ runs, module: 0, detectorId: 'x', method: 'euxfel', parameters: {}, backend: undefined, conditions: {} });

  it('singleGainRun takes one run of the module shape', () => {
    expect(singleGainRun(request([stream]), 'Toy', ROWS, COLS)).toBe(stream);
    expect(() => singleGainRun(request([stream, stream]), 'Toy', ROWS, COLS)).toThrow(/Toy dark takes one dark run, got 2/);
    const e = (() => { try { singleGainRun(request([stream]), 'Toy', 10, COLS); } catch (x) { return x as DetcalError; } })();
    expect(e?.code).toBe('SHAPE_MISMATCH');
  });

  it('singleGainBadPixels flags NO_DARK_DATA, sigma outliers per tile and zero std; masks follow', () => {
    const offset = new Float32Array(P).fill(100), noise = new Float32Array(P).fill(2);
    for (let p = 0; p < P; p++) offset[p] += (p % 7) - 3;
    offset[10] = 500;
    noise[20] = 0;
    const count = new Uint32Array(P).fill(50);
    count[30] = 0;
    offset[30] = NaN;
    noise[30] = NaN;
    const r = singleGainBadPixels(offset, noise, count, { offsetSigma: 5, offsetHardAdu: [0, 0], noiseSigma: 5, noiseHardAdu: [0, 0] }, { rows: ROWS, cols: COLS, tileRows: 4, tileCols: 32 });
    expect(r.flags[10] & BadPixel.OFFSET_OUT_OF_THRESHOLD).toBeTruthy();
    expect(r.flags[20] & BadPixel.DATA_STD_IS_ZERO).toBeTruthy();
    expect(r.flags[30] & BadPixel.NO_DARK_DATA).toBeTruthy();
    expect(r.flags[30] & BadPixel.OFFSET_NOISE_EVAL_ERROR).toBeTruthy();
    expect(r.bad).toBe(3);
    expect([...flaggedMask(r.flags)].reduce((a, b) => a + b)).toBe(3);
    expect([...zeroNoiseMask(noise)].reduce((a, b) => a + b)).toBe(1);
  });
});
