import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { PhotonPeakStatus, createPhotonPeakScratch, photonPeaks, type PhotonPeakOptions } from './photon-peaks.js';

const opts: PhotonPeakOptions = { smoothBins: 11, minDistanceBins: 30, minProminence: 0.1, peakWindow: 0.35, minEntries: 100 };

/** Histogram (1-ADU bins from lo) of n frames: Poisson(mean) photons of `spacing` ADU plus Gaussian noise. */
function photonHistogram(rng: Random, n: number, mean: number, spacing: number, noise: number, lo: number, nBins: number): Uint32Array {
  const h = new Uint32Array(nBins);
  for (let i = 0; i < n; i++) {
    const b = Math.round(spacing * rng.poisson(mean) + noise * rng.normal()) - lo;
    if (b >= 0 && b < nBins) h[b]++;
  }
  return h;
}

describe('photonPeaks', () => {
  it('recovers the photon spacing of simulated histograms within the statistical error', () => {
    // Per peak the centroid error is about 1.15 sigma / sqrt(N_peak); with N = 20000, mean 1 (N_peak ~ 7400),
    // noise 10: 0.13 ADU per peak, 0.19 ADU on the spacing. 5 sigma: 1 ADU.
    const rng = new Random(12);
    const scratch = createPhotonPeakScratch(600);
    const out = new Float64Array(4);
    for (const [spacing, mean] of [[60.3, 1], [67.8, 0.6], [64.2, 1.4], [140.5, 1]]) {
      const h = photonHistogram(rng, 20000, mean, spacing, 10, -100, 600);
      expect(photonPeaks(h, 0, 600, opts, scratch, out)).toBe(PhotonPeakStatus.OK);
      expect(Math.abs(out[0] - spacing)).toBeLessThan(1);
      expect(out[1]).toBeGreaterThan(0.5); // 6-14 sigma apart: deep valley
      expect(out[1]).toBeLessThanOrEqual(1);
      expect(out[3] - out[2]).toBeCloseTo(out[0], 10);
    }
  });

  it('reads one histogram among many at an offset', () => {
    const rng = new Random(2);
    const a = photonHistogram(rng, 5000, 1, 62, 8, -100, 400);
    const all = new Uint32Array(1200);
    all.set(a, 400);
    const out1 = new Float64Array(4), out2 = new Float64Array(4);
    const s = createPhotonPeakScratch(400);
    photonPeaks(a, 0, 400, opts, s, out1);
    photonPeaks(all, 400, 400, opts, s, out2);
    expect([...out2]).toEqual([...out1]);
  });

  it('quality falls as the peaks merge', () => {
    const rng = new Random(5);
    const s = createPhotonPeakScratch(600);
    const q = (noise: number): number => {
      const out = new Float64Array(4);
      photonPeaks(photonHistogram(rng, 20000, 1, 64, noise, -100, 600), 0, 600, opts, s, out);
      return out[1];
    };
    expect(q(8)).toBeGreaterThan(q(16));
  });

  it('reports no entries, and an evaluation error for a single peak', () => {
    const out = new Float64Array(4);
    const s = createPhotonPeakScratch(300);
    expect(photonPeaks(new Uint32Array(300), 0, 300, opts, s, out)).toBe(PhotonPeakStatus.NO_ENTRIES);
    expect(out[0]).toBeNaN();
    const rng = new Random(1);
    const dark = photonHistogram(rng, 5000, 0, 60, 10, -100, 300);
    expect(photonPeaks(dark, 0, 300, opts, s, out)).toBe(PhotonPeakStatus.EVAL_ERROR);
    expect(out[0]).toBeNaN();
    expect(photonPeaks(dark, 0, 300, { ...opts, minEntries: 10000 }, s, out)).toBe(PhotonPeakStatus.NO_ENTRIES);
  });
});
