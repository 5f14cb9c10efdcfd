import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { GainScanPool, sharedFloat32, sharedScanBuffer } from './gain-scan-pool.js';
import type { GainScanFitSettings, GainScanOutputs } from './gain-scan-fit.js';

const SETTINGS: GainScanFitSettings = { stages: 3, maxSpikeWidth: 2, minSpikeHeight: 300, refinementSteps: 3, minDigitalSpacing: 600, shrinkFactor: 0.3 };

/** A scan of nPix pixels over n steps, frame-major [t][analog|digital][p], with known lines, switch steps and a few spikes. */
function makeScan(nPix: number, n: number, seed: number) {
  const rng = new Random(seed);
  const data = sharedScanBuffer(n * 2 * nPix);
  const slope = new Float64Array(3 * nPix);
  const offset = new Float64Array(3 * nPix);
  const level = [4500, 5500, 6500];
  for (let p = 0; p < nPix; p++) {
    const sHG = 30 * (1 + 0.05 * rng.normal());
    const s = [sHG, sHG / 3, sHG / 9];
    const k1 = Math.round(0.25 * n * (1 + 0.04 * rng.normal()));
    const k2 = Math.round(0.55 * n * (1 + 0.04 * rng.normal()));
    const o = [5200 + 50 * rng.normal(), 0, 0];
    // MG / LG lines start 2000 ADU below the level before the switch
    o[1] = o[0] + s[0] * k1 - 2000 - s[1] * k1;
    o[2] = o[1] + s[1] * k2 - 1500 - s[2] * k2;
    for (let j = 0; j < 3; j++) {
      slope[j * nPix + p] = s[j];
      offset[j * nPix + p] = o[j];
    }
    const spikeAt = p % 7 === 0 ? Math.floor(rng.uniform() * n) : -1;
    for (let t = 0; t < n; t++) {
      const g = t < k1 ? 0 : t < k2 ? 1 : 2;
      let a = o[g] + s[g] * t + 8 * rng.normal();
      if (t === spikeAt) a += 900;
      data[t * 2 * nPix + p] = Math.round(a);
      data[t * 2 * nPix + nPix + p] = Math.round(level[g] + 12 * rng.normal());
    }
  }
  return { data, slope, offset };
}

function outputs(nPix: number): GainScanOutputs {
  return {
    analogGains: sharedFloat32(3 * nPix),
    analogLineOffsets: sharedFloat32(3 * nPix),
    analogFitStdDevs: sharedFloat32(3 * nPix),
    analog: { base: 0, stride: nPix },
    digitalMeans: sharedFloat32(3 * nPix),
    digitalStdDeviations: sharedFloat32(3 * nPix),
    digital: { base: 0, stride: nPix },
    digitalThresholds: sharedFloat32(2 * nPix),
    thresholds: { base: 0, stride: nPix },
    digitalSpacingsSafetyFactors: sharedFloat32(2 * nPix),
    safety: { base: 0, stride: nPix },
  };
}

describe('gain-scan fit (spikes, k-means, trimmed lines) on a synthetic three-stage scan', () => {
  const nPix = 300;
  const n = 400;
  const scan = makeScan(nPix, n, 21);

  for (const threads of [1, 2]) {
    it(`recovers slopes, offsets and thresholds (${threads} thread(s))`, async () => {
      const out = outputs(nPix);
      const pool = new GainScanPool(threads, nPix, n, SETTINGS, out);
      try {
        const counts = await pool.fitCell({ data: scan.data, nSteps: n, frameStride: 2 * nPix, analogOffset: 0, digitalOffset: nPix }, { analog: out.analog, digital: out.digital, thresholds: out.thresholds, safety: out.safety });
        expect(counts.noSwitching).toBe(0);
        expect(counts.stageFitsMissing).toBe(0);
        expect(counts.spikes).toBeGreaterThanOrEqual(Math.floor(nPix / 7));
      } finally {
        await pool.close();
      }
      // stage lengths 0.25 n, 0.30 n, 0.45 n (switch points vary by 4%); the fit keeps 40% of a stage: slope
      // standard error 8 ADU * sqrt(12 / m^3) for m fitted samples; allow 5 se with m taken 15% short
      const tol = [0.25, 0.3, 0.45].map((f) => 5 * 8 * Math.sqrt(12 / (0.4 * f * n * 0.85) ** 3));
      for (let p = 0; p < nPix; p++) {
        for (let j = 0; j < 3; j++) {
          const s = scan.slope[j * nPix + p];
          expect(Math.abs(out.analogGains[j * nPix + p] - s)).toBeLessThan(tol[j]);
          expect(Math.abs(out.analogFitStdDevs[j * nPix + p] - 8)).toBeLessThan(4);
        }
        const m0 = out.digitalMeans[p], m1 = out.digitalMeans[nPix + p], m2 = out.digitalMeans[2 * nPix + p];
        expect(Math.abs(m0 - 4500)).toBeLessThan(10);
        expect(out.digitalThresholds[p]).toBeGreaterThan(m0);
        expect(out.digitalThresholds[p]).toBeLessThan(m1);
        expect(out.digitalThresholds[nPix + p]).toBeGreaterThan(m1);
        expect(out.digitalThresholds[nPix + p]).toBeLessThan(m2);
        // spacing 1000 / (12 + 12): about 42
        expect(out.digitalSpacingsSafetyFactors[p]).toBeGreaterThan(30);
        expect(out.digitalSpacingsSafetyFactors[p]).toBeLessThan(60);
      }
    });
  }

  it('a pixel that never switches gets NaN everywhere and is counted', async () => {
    const bad = makeScan(4, 100, 2);
    for (let t = 0; t < 100; t++) bad.data[t * 8 + 4 + 1] = 4500; // pixel 1: digital always HG
    const out = outputs(4);
    const pool = new GainScanPool(1, 4, 100, SETTINGS, out);
    const counts = await pool.fitCell({ data: bad.data, nSteps: 100, frameStride: 8, analogOffset: 0, digitalOffset: 4 }, out);
    expect(counts.noSwitching).toBe(1);
    expect(Number.isNaN(out.analogGains[1])).toBe(true);
    expect(Number.isNaN(out.digitalThresholds[4 + 1])).toBe(true);
    expect(Number.isFinite(out.analogGains[0])).toBe(true);
  });
});
