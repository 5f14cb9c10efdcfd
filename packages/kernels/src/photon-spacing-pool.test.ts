import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { createPhotonSpacingAnalyzer } from './photon-spacing-pool.js';
import type { PhotonSpacingSettings } from './photon-spacing.js';

const settings: PhotonSpacingSettings = {
  histogram: { window: 201, step: 50, order: 'mode', driftCorrection: true, lo: -150, binWidth: 1, nBins: 500, valueType: 'u2', countType: 'u2' },
  peaks: { smoothBins: 11, minDistanceBins: 30, minProminence: 0.1, peakWindow: 0.35, minEntries: 100 },
};

/** Frames of nPixels pixels: pixel p has spacing 55 + p % 20 ADU, 1 photon on average, noise 6 ADU, drift 40 ADU. */
function frames(nFrames: number, nPixels: number): { data: Uint16Array; spacing: number[] } {
  const rng = new Random(8);
  const spacing = Array.from({ length: nPixels }, (_, p) => 55 + (p % 20));
  const data = new Uint16Array(nFrames * nPixels);
  for (let t = 0; t < nFrames; t++) {
    for (let p = 0; p < nPixels; p++) data[t * nPixels + p] = Math.round(2000 + 40 * (t / nFrames) + spacing[p] * rng.poisson(1) + 6 * rng.normal());
  }
  return { data, spacing };
}

describe('photon-spacing analyzer', () => {
  it('gives the same results in-process and on 3 worker threads, skipping unlisted frames', async () => {
    const nPixels = 301, nFrames = 1500;
    const { data, spacing } = frames(nFrames, nPixels);
    const run = async (threads: number) => {
      const a = createPhotonSpacingAnalyzer(nPixels, settings, threads);
      try {
        // blocks of 64 frames; frame 5 of each block is not listed (another memory cell) and must not count
        for (let f0 = 0; f0 < nFrames; f0 += 64) {
          const n = Math.min(64, nFrames - f0);
          const list = Array.from({ length: n }, (_, i) => i).filter((i) => i !== 5);
          await a.add(data.subarray(f0 * nPixels, (f0 + n) * nPixels), list);
        }
        return await a.finish();
      } finally {
        await a.close();
      }
    };
    const one = await run(1);
    const three = await run(3);
    expect([...three.spacingAdu]).toEqual([...one.spacingAdu]);
    expect([...three.quality]).toEqual([...one.quality]);
    expect([...three.status]).toEqual([...one.status]);
    const used = nFrames - Math.ceil(nFrames / 64);
    expect(one.entries[0] + one.outside[0]).toBe(used);
    // ~350 frames per peak, noise ~6.3: spacing error ~0.5 ADU; all within 2.5 ADU (5 sigma)
    for (let p = 0; p < nPixels; p++) expect(Math.abs(one.spacingAdu[p] - spacing[p])).toBeLessThan(2.5);
  });
});
