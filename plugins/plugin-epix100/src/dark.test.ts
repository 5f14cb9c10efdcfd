// ePix100 dark step against the simulator's truth: one 200-frame run, simulated once and replayed
// from memory for every pass and method.
import { BadPixel, DarkStatus, type ConstantSet, type DarkRequest } from '@detcal/core';
import { createCpuBackend, flagRecall, frameStreamFromRun, goodPixels, noiseAccuracy, offsetAccuracy } from '@detcal/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { EPIX100_COMMON_MODE_RMS_ADU } from './dark-model.js';
import { epix100Plugin } from './plugin.js';

const N = 200, ROWS = 708, COLS = 768, ASIC_COLS = 384;
const sim = epix100Plugin.steps.simulate({ kind: 'dark', seed: 21, trains: N, cells: 1, module: 0, firstRun: 9, framesPerSequence: 1000 });
const stream = frameStreamFromRun(sim.runs[0], { cache: true });
const truth = (name: string) => sim.truth.constants[name].data as Float32Array;
const truthFlags = sim.truth.constants.BadPixelsTruth.data as Uint32Array;
const good = goodPixels(truthFlags);
const HOT = BadPixel.OFFSET_OUT_OF_THRESHOLD, NOISY = BadPixel.NOISE_OUT_OF_THRESHOLD, DEAD = (BadPixel.DATA_STD_IS_ZERO | BadPixel.NOISE_OUT_OF_THRESHOLD) >>> 0;

function request(method: string, parameters: DarkRequest['parameters'] = {}, runs = [stream]): DarkRequest {
  return { runs, module: 0, detectorId: 'SIM-EPIX100-M0', method, parameters, backend: createCpuBackend(), conditions: { biasVoltageV: 200 } };
}

describe('epix100 dark --method euxfel', () => {
  let set: ConstantSet;
  beforeAll(async () => {
    set = await epix100Plugin.steps.dark!(request('euxfel'));
  });
  const data = (name: string) => set.constants[name].data as Float32Array;

  it('writes Offset, Noise, NoiseCM (f4) and BadPixelsDark (u4) as [1, 1, 708, 768] with the parameters', () => {
    expect(Object.values(set.constants).map((c) => [c.name, c.dtype, c.shape.join('x'), c.dims.join(','), c.unit])).toEqual([
      ['Offset', 'f4', '1x1x708x768', 'gain,cell,row,col', 'ADU'],
      ['Noise', 'f4', '1x1x708x768', 'gain,cell,row,col', 'ADU'],
      ['NoiseCM', 'f4', '1x1x708x768', 'gain,cell,row,col', 'ADU'],
      ['BadPixelsDark', 'u4', '1x1x708x768', 'gain,cell,row,col', ''],
    ]);
    expect(set.metadata.parameters).toMatchObject({ method: 'euxfel', thresholds_offset_sigma: 5, thresholds_noise_sigma: 5, cm_iterations: 2, cm_axes: 'row', frames: N });
    expect(set.metadata.sourceRuns).toEqual(['9']);
  });

  it('Offset: within 3 NoiseCM / sqrt(n) of the truth for >= 99.7 % of good pixels once the shared common mode is taken out', () => {
    // The error of a mean over n frames = common mode of the pixel's ASIC row averaged over the frames (shared by its
    // 384 pixels, sd 8 / sqrt(n)) + its own noise averaged (independent, sd NoiseCM / sqrt(n)). The shared part is the
    // median error of the row's good pixels; the independent rest is inside 3 sd for 99.73 % of normal errors.
    const r = offsetAccuracy(data('Offset'), truth('Offset'), truth('Noise'), truth('NoiseCM'), good, N, ASIC_COLS);
    console.log(`ePix100 euxfel Offset: ${(100 * r.withinFraction).toFixed(3)} % within 3 NoiseCM/sqrt(n) after the row term, ${(100 * r.withinRawFraction).toFixed(3)} % within 3 Noise/sqrt(n); zRms ${r.zRms.toFixed(3)}, row term rms ${r.groupRmsAdu.toFixed(3)} ADU`);
    expect(r.withinFraction).toBeGreaterThanOrEqual(0.997);
    expect(r.zRms).toBeLessThan(1.03);
    // The shared row term is the injected common mode averaged over n frames: rms 8 / sqrt(200) = 0.57 ADU (1416 rows: +-2 %).
    expect(Math.abs(r.groupRmsAdu / (EPIX100_COMMON_MODE_RMS_ADU / Math.sqrt(N)) - 1)).toBeLessThan(0.1);
    expect(r.groupMaxAdu).toBeLessThan((4.5 * EPIX100_COMMON_MODE_RMS_ADU) / Math.sqrt(N));
  });

  it('NoiseCM: the common mode is removed, within the error of a std over n frames (4 sigma, 1 / sqrt(2n) relative)', () => {
    const r = noiseAccuracy(data('NoiseCM'), truth('NoiseCM'), good, N);
    const raw = noiseAccuracy(data('Noise'), truth('Noise'), good, N);
    console.log(`ePix100 euxfel NoiseCM: ${(100 * r.withinFraction).toFixed(3)} % within 4 sigma, zRms ${r.zRms.toFixed(3)}, median ratio ${r.medianRatio.toFixed(4)}; Noise zRms ${raw.zRms.toFixed(3)}`);
    expect(r.withinFraction).toBeGreaterThanOrEqual(0.999);
    expect(r.zRms).toBeLessThan(1.05);
    expect(Math.abs(r.medianRatio - 1)).toBeLessThan(0.01);
    expect(raw.zRms).toBeLessThan(1.1);
  });

  it('--threads 2 (common-mode passes frame-parallel on workers): the constants of --threads 1 up to float64 summation order', async () => {
    // The workers sum the same float32 corrected values in float64 in another order (per worker, then merged):
    // statistics rounded to float32 differ by a few ulps (6e-8 relative each) at most; maps and counts are equal.
    const par = await epix100Plugin.steps.dark!({ ...request('euxfel'), threads: 2 });
    for (const name of ['Offset', 'Noise', 'NoiseCM']) {
      const a = par.constants[name].data as Float32Array, b = data(name);
      let worst = 0;
      for (let p = 0; p < b.length; p++) worst = Math.max(worst, Math.abs(a[p] - b[p]) / Math.max(Math.abs(b[p]), 1e-3));
      console.log(`ePix100 --threads 2 vs 1: ${name} max relative difference ${worst.toExponential(2)}`);
      expect(worst, name).toBeLessThan(1e-6);
    }
    expect(par.constants.BadPixelsDark.data).toEqual(set.constants.BadPixelsDark.data);
    expect(par.metadata.parameters).toEqual(set.metadata.parameters);
  });

  it('BadPixelsDark: finds >= 99 % of hot, noisy and dead pixels and flags <= 0.1 % of good pixels', () => {
    const r = flagRecall(set.constants.BadPixelsDark.data as Uint32Array, truthFlags);
    console.log(`ePix100 euxfel bad pixels: ${r.kinds.map((k) => `truth ${k.truth}: ${k.expected}/${k.pixels}`).join(', ')}; good flagged ${r.falsePositives}/${r.good}`);
    expect(r.kinds.map((k) => k.truth)).toEqual([HOT, NOISY, DEAD]);
    for (const k of r.kinds) expect(k.expected / k.pixels, `truth ${k.truth}`).toBeGreaterThanOrEqual(0.99);
    // dead pixels: zero std is the finding (their NoiseCM 0 lies inside the 5-sigma band of NoiseCM)
    expect(r.kinds[2].pixels).toBe(sim.truth.metadata.parameters.deadPixels);
    expect(r.falsePositives / r.good).toBeLessThanOrEqual(0.001);
  });
});

describe('epix100 dark --method psana', () => {
  let set: ConstantSet;
  beforeAll(async () => {
    set = await epix100Plugin.steps.dark!(request('psana'));
  });

  it('writes pedestals, pixel_rms (f4) and pixel_status (u8) as [708, 768]', () => {
    expect(Object.values(set.constants).map((c) => [c.name, c.dtype, c.shape.join('x'), c.dims.join(',')])).toEqual([
      ['pedestals', 'f4', '708x768', 'row,col'],
      ['pixel_rms', 'f4', '708x768', 'row,col'],
      ['pixel_status', 'u8', '708x768', 'row,col'],
    ]);
    expect(set.metadata.parameters).toMatchObject({ method: 'psana', nrecs: 500, nrecs1: 50, framesUsed: N, stage1Frames: 50 });
  });

  it('pedestals: within the error of the gated mean for >= 99.7 % of good pixels', () => {
    // DarkProc averages the values inside a per-pixel gate [q05, q95] of the first 50 frames. For normal values of sd s
    // (Noise, common mode included): the mean of the ~0.9 n in-gate values of a normal truncated at +-1.645 s has
    // variance 0.624 s^2 / (0.9 n); the gate edges, order statistics of 50 values, scatter by 0.30 s each and move the
    // truncated mean by 0.188 per unit, adding (0.188 * 0.30 s)^2 * 2. Tolerance: 3.5 of these sds (99.95 % if normal).
    const ped = set.constants.pedestals.data as Float32Array, off = truth('Offset'), noise = truth('Noise');
    const sd = (s: number) => s * Math.sqrt(0.624 / (0.9 * N) + 2 * (0.188 * 0.3) ** 2);
    let n = 0, within = 0;
    for (let p = 0; p < ped.length; p++) {
      if (!good[p]) continue;
      n++;
      if (Math.abs(ped[p] - off[p]) <= 3.5 * sd(noise[p])) within++;
    }
    console.log(`ePix100 psana pedestals: ${(100 * within / n).toFixed(3)} % within 3.5 sd of the gated mean`);
    expect(within / n).toBeGreaterThanOrEqual(0.997);
  });

  it('pixel_status: dead pixels RMS_LOW, hot MEAN_HIGH, noisy RMS_HIGH; <= 0.1 % of good pixels flagged', () => {
    const expectBit = (t: number) => (t === HOT ? DarkStatus.MEAN_HIGH : t === DEAD ? DarkStatus.RMS_LOW : DarkStatus.RMS_HIGH);
    const r = flagRecall(set.constants.pixel_status.data as BigUint64Array, truthFlags, expectBit);
    console.log(`ePix100 psana status: ${r.kinds.map((k) => `truth ${k.truth}: ${k.expected}/${k.pixels}`).join(', ')}; good flagged ${r.falsePositives}/${r.good}`);
    const [hot, noisy, dead] = r.kinds;
    expect(dead.expected).toBe(dead.pixels); // rms 0 < rms_min
    expect(hot.expected).toBe(hot.pixels); // 20 offset sigmas above: pedestal > mean + 6 std
    expect(noisy.expected / noisy.pixels).toBeGreaterThanOrEqual(0.99);
    expect(r.falsePositives / r.good).toBeLessThanOrEqual(0.001);
  });
});

describe('epix100 dark registration and checks', () => {
  it('lists both methods with their parameters', () => {
    expect(epix100Plugin.darkMethods).toEqual(['euxfel', 'psana']);
    expect(epix100Plugin.darkParameters!.euxfel.map((s) => s.name)).toEqual([
      'thresholds_offset_sigma', 'thresholds_offset_hard', 'thresholds_noise_sigma', 'thresholds_noise_hard', 'cm_iterations', 'cm_axes', 'cm_min_pixels',
    ]);
    expect(epix100Plugin.darkParameters!.psana.find((s) => s.name === 'nrecs')?.defaultValue).toBe(500);
  });

  it('rejects two runs, unknown parameters and bad cm settings in one line', async () => {
    await expect(epix100Plugin.steps.dark!(request('euxfel', {}, [stream, stream]))).rejects.toThrow(/ePix100 dark takes one dark run, got 2/);
    await expect(epix100Plugin.steps.dark!(request('euxfel', { sigma: 3 }))).rejects.toThrow(/unknown parameter 'sigma'/);
    await expect(epix100Plugin.steps.dark!(request('euxfel', { cm_axes: 'diagonal' }))).rejects.toThrow(/cm_axes=diagonal: use row, col or row,col/);
    await expect(epix100Plugin.steps.dark!(request('euxfel', { cm_iterations: 1.5 }))).rejects.toThrow(/cm_iterations=1.5/);
    await expect(epix100Plugin.steps.dark!(request('other'))).rejects.toThrow(/--method other is not available for epix100/);
  });

  it('runs rows and columns, and no common mode with cm_iterations=0', async () => {
    const short = frameStreamFromRun(epix100Plugin.steps.simulate({ kind: 'dark', seed: 2, trains: 12, cells: 1, module: 0, firstRun: 1, framesPerSequence: 100 }).runs[0], { cache: true });
    const both = await epix100Plugin.steps.dark!(request('euxfel', { cm_axes: 'row,col', cm_iterations: 1 }, [short]));
    const ncm = both.constants.NoiseCM.data as Float32Array;
    let s = 0, k = 0;
    for (let p = 0; p < ncm.length; p += 11) if (ncm[p] > 0) { s += ncm[p]; k++; }
    expect(s / k).toBeLessThan(3.5); // noise ~3 ADU; with the 8 ADU common mode it would be ~8.5
    const none = await epix100Plugin.steps.dark!(request('euxfel', { cm_iterations: 0 }, [short]));
    expect(Object.keys(none.constants)).toEqual(['Offset', 'Noise', 'BadPixelsDark']);
    expect(ROWS * COLS).toBe(ncm.length);
  });
});
