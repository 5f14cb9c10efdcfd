import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { DetrendedHistograms, type DetrendedHistogramOptions } from './detrended-histograms.js';
import { modeQuantile, quantileRank } from './running-quantile.js';

/** Naive reference: the whole series in memory, knots at 0, S, 2S, ... and the last frame, sorted windows. */
function naiveHistogram(series: number[], o: DetrendedHistogramOptions): { counts: number[]; lowpass: number[] } {
  const n = series.length, h = (o.window - 1) / 2;
  const first = series.slice(0, Math.min(o.window, n));
  const q = o.order === 'median' ? 0.5 : modeQuantile(Float64Array.from(first), first.length);
  const stat = (a: number[]): number => {
    const s = [...a].sort((x, y) => x - y);
    return Math.round(s[quantileRank(s.length, q)]);
  };
  const lowpass: number[] = [];
  if (!o.driftCorrection) {
    const c = stat(first);
    for (let t = 0; t < n; t++) lowpass.push(c);
  } else {
    const knots: number[] = [];
    for (let k = 0; k < n; k += o.step) knots.push(k);
    if (knots[knots.length - 1] !== n - 1) knots.push(n - 1);
    const kv = knots.map((k) => stat(series.slice(Math.max(0, k - h), Math.min(n, k + h + 1))));
    for (let j = 0; j < knots.length; j++) {
      const k0 = knots[j], k1 = knots[j + 1] ?? k0 + 1, v1 = kv[j + 1] ?? kv[j];
      for (let t = k0; t < (j + 1 < knots.length ? k1 : n); t++) lowpass.push(Math.round(kv[j] + ((v1 - kv[j]) * (t - k0)) / (k1 - k0)));
    }
  }
  const counts = new Array<number>(o.nBins).fill(0);
  series.forEach((x, t) => {
    const b = Math.floor((x - lowpass[t] - o.lo) / o.binWidth);
    if (b >= 0 && b < o.nBins) counts[b]++;
  });
  return { counts, lowpass };
}

function photonSeries(rng: Random, n: number, driftAdu: number, spacing = 60, noise = 8): number[] {
  return Array.from({ length: n }, (_, t) => Math.round(1000 + driftAdu * (t / n) + 5 * Math.sin(t / 40) + spacing * rng.poisson(0.9) + noise * rng.normal()));
}

const base: DetrendedHistogramOptions = { window: 21, step: 7, order: 'mode', driftCorrection: true, lo: -100, binWidth: 1, nBins: 300, valueType: 'u2', countType: 'u4' };

describe('DetrendedHistograms', () => {
  const cases: Array<[string, Partial<DetrendedHistogramOptions>, number]> = [
    ['mode, step 7', {}, 500],
    ['median, step 1 (exact running median)', { order: 'median', step: 1 }, 300],
    ['bins of 3 ADU, u2 counts', { binWidth: 3, nBins: 100, countType: 'u2' }, 400],
    ['window longer than step', { window: 41, step: 5 }, 333],
    ['step longer than half the window', { window: 11, step: 9 }, 250],
    ['fewer frames than the window', { window: 101 }, 60],
    ['no drift correction', { driftCorrection: false }, 200],
    ['no drift correction, short run', { driftCorrection: false, window: 101 }, 50],
    ['one frame', {}, 1],
  ];
  for (const [name, over, nFrames] of cases) {
    it(`equals the naive whole-series computation: ${name}`, () => {
      const o = { ...base, ...over };
      const rng = new Random(nFrames);
      const nPixels = 5;
      const series = Array.from({ length: nPixels }, () => photonSeries(rng, nFrames, 30));
      const hist = new DetrendedHistograms(nPixels, o);
      // frames arrive inside blocks with other pixels around them: range offset 2 in frames of 9 pixels
      const block = new Uint16Array(9 * nFrames);
      for (let t = 0; t < nFrames; t++) for (let p = 0; p < nPixels; p++) block[t * 9 + 2 + p] = series[p][t];
      for (let t = 0; t < nFrames; t++) hist.push(block, t * 9 + 2);
      hist.finish();
      for (let p = 0; p < nPixels; p++) {
        const ref = naiveHistogram(series[p], o);
        expect([...hist.counts.subarray(p * o.nBins, (p + 1) * o.nBins)]).toEqual(ref.counts);
        expect(hist.underflow[p] + hist.overflow[p]).toBe(nFrames - ref.counts.reduce((a, b) => a + b, 0));
      }
    });
  }

  it('removes a drift of 80 ADU: the residual 0-photon peak stays narrow', () => {
    const rng = new Random(77);
    const n = 3000;
    // truth: 0 photons at 1000 + drift; residuals of frames without photons relative to the low-pass
    const photons = Array.from({ length: n }, () => rng.poisson(0.7));
    const drift = Array.from({ length: n }, (_, t) => 80 * (t / n) + 10 * Math.sin(t / 300));
    const series = photons.map((k, t) => Math.round(1000 + drift[t] + 60 * k + 6 * rng.normal()));
    const stdOfZeroPeak = (o: DetrendedHistogramOptions): number => {
      const hist = new DetrendedHistograms(1, o);
      const v = Uint16Array.from(series);
      for (let t = 0; t < n; t++) hist.push(v, t);
      hist.finish();
      // the 0-photon peak is the highest (P0 = 0.50 > P1 = 0.35): its width from bins within +-25 of its maximum
      let max = 0;
      for (let b = 0; b < o.nBins; b++) if (hist.counts[b] > hist.counts[max]) max = b;
      let s = 0, s2 = 0, c = 0;
      for (let b = max - 25; b <= max + 25; b++) {
        const x = b, w = hist.counts[b];
        s += w * x;
        s2 += w * x * x;
        c += w;
      }
      return Math.sqrt(s2 / c - (s / c) ** 2);
    };
    const corrected = stdOfZeroPeak({ ...base, window: 201, step: 50, nBins: 600, lo: -300 });
    const uncorrected = stdOfZeroPeak({ ...base, window: 201, driftCorrection: false, nBins: 600, lo: -300 });
    // noise 6 ADU; the low-pass of 201 frames adds ~1.5 ADU of jitter: corrected < 7.5. Uncorrected: the 80 ADU ramp spreads the peak over the whole +-25 ADU window (a flat 50-ADU top alone has std 14).
    expect(corrected).toBeLessThan(7.5);
    expect(uncorrected).toBeGreaterThan(9);
  });

  it('rejects even windows and a zero step', () => {
    expect(() => new DetrendedHistograms(1, { ...base, window: 20 })).toThrow(/odd/);
    expect(() => new DetrendedHistograms(1, { ...base, step: 0 })).toThrow(/lowpass_step/);
  });
});
