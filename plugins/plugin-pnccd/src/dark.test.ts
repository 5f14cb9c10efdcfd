// pnCCD dark step against the simulator's truth: one 150-frame run with common mode and cosmic-ray
// hits, simulated once and replayed from memory for every pass and method.
import { BadPixel, DarkStatus, type ConstantSet, type DarkRequest, type SimulateOptions } from '@detcal/core';
import { createCpuBackend, flagRecall, frameStreamFromRun, goodPixels, noiseAccuracy, offsetAccuracy } from '@detcal/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNCCD_COMMON_MODE_RMS_ADU } from './dark-model.js';
import { pnccdPlugin } from './plugin.js';
import { simulatedCosmicHits } from './simulate-dark.js';

const N = 150, HALF_ROW = 512;
const options: SimulateOptions = { kind: 'dark', seed: 8, trains: N, cells: 1, module: 0, firstRun: 3, framesPerSequence: 1000 };
const sim = pnccdPlugin.steps.simulate(options);
const stream = frameStreamFromRun(sim.runs[0], { cache: true });
const truth = (name: string) => sim.truth.constants[name].data as Float32Array;
const truthFlags = sim.truth.constants.BadPixelsTruth.data as Uint32Array;
const good = goodPixels(truthFlags);
const HOT = BadPixel.OFFSET_OUT_OF_THRESHOLD, NOISY = BadPixel.NOISE_OUT_OF_THRESHOLD, DEAD = (BadPixel.DATA_STD_IS_ZERO | BadPixel.NOISE_OUT_OF_THRESHOLD) >>> 0;

function request(method: string, parameters: DarkRequest['parameters'] = {}): DarkRequest {
  return { runs: [stream], module: 0, detectorId: 'SIM-PNCCD-M0', method, parameters, backend: createCpuBackend(), conditions: {} };
}

describe('pnccd dark --method euxfel', () => {
  let set: ConstantSet;
  beforeAll(async () => {
    set = await pnccdPlugin.steps.dark!(request('euxfel'));
  });
  const data = (name: string) => set.constants[name].data as Float32Array;

  it('writes Offset, Noise, NoiseCM (f4) and BadPixelsDark (u4) as [1, 1, 1024, 1024] with the hit counts', () => {
    expect(Object.values(set.constants).map((c) => [c.name, c.dtype, c.shape.join('x'), c.dims.join(',')])).toEqual([
      ['Offset', 'f4', '1x1x1024x1024', 'gain,cell,row,col'],
      ['Noise', 'f4', '1x1x1024x1024', 'gain,cell,row,col'],
      ['NoiseCM', 'f4', '1x1x1024x1024', 'gain,cell,row,col'],
      ['BadPixelsDark', 'u4', '1x1x1024x1024', 'gain,cell,row,col'],
    ]);
    const m = set.metadata.parameters as Record<string, number>;
    expect(m).toMatchObject({ method: 'euxfel', thresholds_offset_hard: [1000, 100000], thresholds_noise_hard: [0.001, 3000], sigma_cosmic: 10, frames: N, emptyFrames: 0 });
    const t = sim.truth.metadata.parameters as Record<string, number>;
    console.log(`pnCCD cosmics: ${m.cosmicValuesExcluded} values in ${m.cosmicFramesWithHits} frames excluded; truth ${t.cosmicHits} hits (centres) in ${t.cosmicFramesHit} frames`);
    // every hit centre (300-3000 ADU, > 60 sigma) is excluded, and some of its brighter neighbours
    expect(m.cosmicValuesExcluded).toBeGreaterThanOrEqual(t.cosmicHits * 0.99);
    expect(m.cosmicValuesExcluded).toBeLessThan(t.cosmicHits * 9);
    expect(Math.abs(m.cosmicFramesWithHits - t.cosmicFramesHit)).toBeLessThanOrEqual(2);
  });

  it('Offset: within 3 NoiseCM / sqrt(n) of the truth for >= 99.7 % of good pixels once the shared common mode is taken out', () => {
    // Error of a mean over n frames = common mode of the half row averaged over the frames (shared by its 512 pixels,
    // sd 8 / sqrt(n)) + the pixel's own noise averaged (independent, sd NoiseCM / sqrt(n)); the shared part is the
    // median error of the half row's good pixels, the rest is inside 3 sd for 99.73 % of normal errors.
    const r = offsetAccuracy(data('Offset'), truth('Offset'), truth('Noise'), truth('NoiseCM'), good, N, HALF_ROW);
    console.log(`pnCCD euxfel Offset: ${(100 * r.withinFraction).toFixed(3)} % within 3 NoiseCM/sqrt(n) after the half-row term, ${(100 * r.withinRawFraction).toFixed(3)} % within 3 Noise/sqrt(n); zRms ${r.zRms.toFixed(3)}, half-row term rms ${r.groupRmsAdu.toFixed(3)} ADU`);
    expect(r.withinFraction).toBeGreaterThanOrEqual(0.997);
    expect(r.zRms).toBeLessThan(1.03);
    expect(Math.abs(r.groupRmsAdu / (PNCCD_COMMON_MODE_RMS_ADU / Math.sqrt(N)) - 1)).toBeLessThan(0.1);
  });

  it('cosmic hits do not bias the offsets of the pixels they hit', () => {
    // Without the exclusion a hit of amplitude A >= 300 ADU moves its pixel's mean by A / n >= 2 ADU (n = 150), more
    // than the 3 NoiseCM / sqrt(n) tolerance (about 1.1 ADU; checked below for every hit); with it the hit pixels are as
    // good as the others (99.73 % inside, >= 99 % asked of ~3 n).
    const hits = simulatedCosmicHits(options);
    const offset = data('Offset'), off = truth('Offset'), ncm = truth('NoiseCM');
    const shared = new Float64Array(1024 * 2);
    for (let g = 0; g < shared.length; g++) {
      const e: number[] = [];
      for (let p = g * HALF_ROW; p < (g + 1) * HALF_ROW; p++) if (good[p]) e.push(offset[p] - off[p]);
      e.sort((a, b) => a - b);
      shared[g] = e[e.length >> 1];
    }
    let n = 0, within = 0, minBias = Infinity;
    for (let h = 0; h < hits.pixels.length; h++) {
      const p = hits.pixels[h];
      if (!good[p]) continue;
      n++;
      const tol = (3 * ncm[p]) / Math.sqrt(N);
      minBias = Math.min(minBias, hits.amplitudeAdu[h] / N / tol);
      if (Math.abs(offset[p] - off[p] - shared[Math.floor(p / HALF_ROW)]) <= tol) within++;
    }
    console.log(`pnCCD hit pixels: ${within}/${n} offsets within tolerance; without exclusion the smallest hit would be ${minBias.toFixed(2)} tolerances off`);
    expect(n).toBeGreaterThan(2.5 * N); // ~3 hits per frame
    expect(minBias).toBeGreaterThan(1);
    expect(within / n).toBeGreaterThanOrEqual(0.99);
  });

  it('NoiseCM and Noise: within the error of a std over n frames (4 sigma, 1 / sqrt(2n) relative), hits left out', () => {
    const r = noiseAccuracy(data('NoiseCM'), truth('NoiseCM'), good, N);
    const raw = noiseAccuracy(data('Noise'), truth('Noise'), good, N);
    console.log(`pnCCD euxfel NoiseCM: ${(100 * r.withinFraction).toFixed(3)} % within 4 sigma, zRms ${r.zRms.toFixed(3)}, median ratio ${r.medianRatio.toFixed(4)}; Noise ${(100 * raw.withinFraction).toFixed(3)} %, zRms ${raw.zRms.toFixed(3)}`);
    expect(r.withinFraction).toBeGreaterThanOrEqual(0.999);
    expect(r.zRms).toBeLessThan(1.05);
    expect(Math.abs(r.medianRatio - 1)).toBeLessThan(0.01);
    expect(raw.withinFraction).toBeGreaterThanOrEqual(0.999);
  });

  it('--threads 2 (common-mode passes frame-parallel on workers): the constants of --threads 1 up to float64 summation order', async () => {
    // The workers sum the same float32 corrected values in float64 in another order (per worker, then merged):
    // statistics rounded to float32 differ by a few ulps (6e-8 relative each) at most; maps and counts are equal.
    const par = await pnccdPlugin.steps.dark!({ ...request('euxfel'), threads: 2 });
    for (const name of ['Offset', 'Noise', 'NoiseCM']) {
      const a = par.constants[name].data as Float32Array, b = data(name);
      let worst = 0;
      for (let p = 0; p < b.length; p++) worst = Math.max(worst, Math.abs(a[p] - b[p]) / Math.max(Math.abs(b[p]), 1e-3));
      console.log(`pnCCD --threads 2 vs 1: ${name} max relative difference ${worst.toExponential(2)}`);
      expect(worst, name).toBeLessThan(1e-6);
    }
    expect(par.constants.BadPixelsDark.data).toEqual(set.constants.BadPixelsDark.data);
    expect(par.metadata.parameters).toEqual(set.metadata.parameters);
  });

  it('BadPixelsDark: finds >= 99 % of hot, noisy and dead pixels and flags <= 0.1 % of good pixels', () => {
    const r = flagRecall(set.constants.BadPixelsDark.data as Uint32Array, truthFlags);
    console.log(`pnCCD euxfel bad pixels: ${r.kinds.map((k) => `truth ${k.truth}: ${k.expected}/${k.pixels}`).join(', ')}; good flagged ${r.falsePositives}/${r.good}`);
    expect(r.kinds.map((k) => k.truth)).toEqual([HOT, NOISY, DEAD]);
    for (const k of r.kinds) expect(k.expected / k.pixels, `truth ${k.truth}`).toBeGreaterThanOrEqual(0.99);
    // dead pixels get both truth bits: zero std, and noise 0 below thresholds_noise_hard[0] = 0.001
    const flags = set.constants.BadPixelsDark.data as Uint32Array;
    for (let p = 0; p < flags.length; p++) if (truthFlags[p] === DEAD) expect(flags[p] & DEAD).toBe(DEAD);
    expect(r.falsePositives / r.good).toBeLessThanOrEqual(0.001);
  });
});

describe('pnccd dark --method psana', () => {
  let set: ConstantSet;
  beforeAll(async () => {
    set = await pnccdPlugin.steps.dark!(request('psana'));
  });

  it('writes pedestals, pixel_rms, pixel_status as [1024, 1024]; status bits of dead and hot pixels; few good pixels flagged', () => {
    expect(Object.values(set.constants).map((c) => [c.name, c.dtype, c.shape.join('x')])).toEqual([
      ['pedestals', 'f4', '1024x1024'], ['pixel_rms', 'f4', '1024x1024'], ['pixel_status', 'u8', '1024x1024'],
    ]);
    const expectBit = (t: number) => (t === HOT ? DarkStatus.MEAN_HIGH : t === DEAD ? DarkStatus.RMS_LOW : DarkStatus.RMS_HIGH);
    const r = flagRecall(set.constants.pixel_status.data as BigUint64Array, truthFlags, expectBit);
    console.log(`pnCCD psana status: ${r.kinds.map((k) => `truth ${k.truth}: ${k.expected}/${k.pixels}`).join(', ')}; good flagged ${r.falsePositives}/${r.good}`);
    const [hot, noisy, dead] = r.kinds;
    expect(dead.expected).toBe(dead.pixels);
    expect(hot.expected).toBe(hot.pixels);
    expect(noisy.expected / noisy.pixels).toBeGreaterThanOrEqual(0.99);
    expect(r.falsePositives / r.good).toBeLessThanOrEqual(0.001);
  });

  it('pedestals: within the error of the gated mean for >= 99.7 % of good pixels; the gate keeps cosmic hits out', () => {
    // As for the ePix100: in-gate mean of a normal truncated at +-1.645 sd (variance 0.624 s^2 / (0.9 n)) plus the
    // scatter of the gate edges set from 50 frames (2 (0.188 x 0.30 s)^2); tolerance 3.5 of these sds. A hit (> 300 ADU)
    // lies far above q95 of its pixel, so it is never averaged in.
    const ped = set.constants.pedestals.data as Float32Array, off = truth('Offset'), noise = truth('Noise');
    const sd = (s: number) => s * Math.sqrt(0.624 / (0.9 * N) + 2 * (0.188 * 0.3) ** 2);
    let n = 0, within = 0;
    for (let p = 0; p < ped.length; p++) {
      if (!good[p]) continue;
      n++;
      if (Math.abs(ped[p] - off[p]) <= 3.5 * sd(noise[p])) within++;
    }
    console.log(`pnCCD psana pedestals: ${(100 * within / n).toFixed(3)} % within 3.5 sd of the gated mean`);
    expect(within / n).toBeGreaterThanOrEqual(0.997);
  });
});

describe('pnccd dark registration', () => {
  it('lists both methods with their parameters', () => {
    expect(pnccdPlugin.darkMethods).toEqual(['euxfel', 'psana']);
    expect(pnccdPlugin.darkParameters!.euxfel.map((s) => s.name)).toEqual([
      'thresholds_offset_sigma', 'thresholds_offset_hard', 'thresholds_noise_sigma', 'thresholds_noise_hard', 'sigma_cosmic', 'cm_min_pixels',
    ]);
    expect(pnccdPlugin.darkParameters!.psana.find((s) => s.name === 'nrecs1')?.defaultValue).toBe(50);
  });
});
