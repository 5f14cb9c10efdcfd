// AGIPD dark against the simulator's truth: offsets, noise, thresholds, bad pixels, bad input.
import { describe, expect, it } from 'vitest';
import { BadPixel, collectingSink, type ConstantSet, type DarkRequest, type FrameStream } from '@detcal/core';
import { createCpuBackend, frameStreamFromRun } from '@detcal/kernels';
import { agipdDark, agipdDarkToSink } from './dark.js';
import { agipdPlugin } from './plugin.js';

const TRAINS = 160; // frames per cell
const sim = agipdPlugin.steps.simulate({ kind: 'dark', seed: 5, trains: TRAINS, cells: 2, module: 0, firstRun: 1, framesPerSequence: 10000 });
const streams = (): FrameStream[] => sim.runs.map((r) => frameStreamFromRun(r, { blockFrames: 32, rows: 512, cols: 128, hasGain: true, cache: true }));
const request = (runs: FrameStream[], parameters = {}): DarkRequest => ({ runs, module: 0, detectorId: 'SIM', method: 'euxfel', parameters, backend: createCpuBackend(), conditions: {} });
const truth = sim.truth.constants;
let result: ConstantSet;
const cached = streams();

describe('agipd dark vs simulated truth', () => {
  it('characterizes the three gain runs', async () => {
    result = await agipdDark(request(cached));
    expect(Object.keys(result.constants)).toEqual(['Offset', 'Noise', 'ThresholdsDark', 'DigitalMean', 'DigitalStd', 'BadPixelsDark']);
    expect(result.constants.Offset.shape).toEqual([3, 2, 512, 128]);
    expect(result.metadata.conditions.memoryCells).toBe(2);
  }, 120_000);

  it('recovers offsets within 3 sigma/sqrt(n) and noise within 4 standard errors of a std over n frames', () => {
    // Good pixels only. Offset tolerance: 3 * noise / sqrt(n) per pixel, allowed to fail for 0.27% + margin.
    // Noise: the std of n Gaussian values has a standard error of noise / sqrt(2n); 4 of them.
    const off = result.constants.Offset.data as Float32Array, noise = result.constants.Noise.data as Float32Array;
    const tOff = truth.Offset.data as Float32Array, tNoise = truth.Noise.data as Float32Array, tBad = truth.BadPixelsTruth.data as Uint32Array;
    let good = 0, offFail = 0, noiseFail = 0;
    for (let i = 0; i < off.length; i++) {
      if (tBad[i] !== 0) continue;
      good++;
      if (Math.abs(off[i] - tOff[i]) > (3 * tNoise[i]) / Math.sqrt(TRAINS)) offFail++;
      if (Math.abs(noise[i] - tNoise[i]) > (4 * tNoise[i]) / Math.sqrt(2 * TRAINS)) noiseFail++;
    }
    expect(offFail / good).toBeLessThan(0.004); // 0.27% expected beyond 3 sigma
    expect(noiseFail / good).toBeLessThan(0.001);
  });

  it('puts the gain thresholds between the stages digital levels', () => {
    const th = result.constants.ThresholdsDark.data as Float32Array;
    const dm = truth.DigitalMean.data as Float32Array;
    const n = th.length / 2;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      if (!(th[i] > dm[i] && th[i] < dm[n + i])) outside++;
      if (!(th[n + i] > dm[n + i] && th[n + i] < dm[2 * n + i])) outside++;
    }
    expect(outside).toBe(0);
  });

  it('flags GAIN_THRESHOLDING_ERROR in both stages of a pair closer than gainSigma stds, counting each pixel once (1 thread and 2 workers)', async () => {
    // thresholds_gain_sigma 1000: nearly every pair of stages is "too close" (not pixels whose digital std is 0);
    // the expected flags and count follow from the output's digital statistics, pair (0,1) before (1,2)
    for (const threads of [1, 2]) {
      const r = await agipdDark({ ...request(cached, { thresholds_gain_sigma: 1000 }), threads });
      const bp = r.constants.BadPixelsDark.data as Uint32Array, th = r.constants.ThresholdsDark.data as Float32Array;
      const dm = r.constants.DigitalMean.data as Float32Array, ds = r.constants.DigitalStd.data as Float32Array;
      const n = bp.length / 3;
      const want = new Uint8Array(3 * n);
      let count = 0;
      for (let t = 0; t < 2; t++) {
        for (let i = 0; i < n; i++) {
          const lo = t * n + i, hi = (t + 1) * n + i;
          if (dm[hi] - dm[lo] > 1000 * (ds[lo] + ds[hi])) continue;
          if (!want[lo] && !want[hi]) count++;
          want[lo] = want[hi] = 1;
        }
      }
      let same = 0;
      for (let i = 0; i < bp.length; i++) if (((bp[i] & BadPixel.GAIN_THRESHOLDING_ERROR) !== 0) === (want[i] === 1)) same++;
      expect(same, `threads ${threads}`).toBe(3 * n);
      expect(count).toBeGreaterThan(0.99 * n);
      expect((r.metadata.parameters as Record<string, unknown>).gainThresholdingErrors).toBe(count);
      // thresholds: the mean of the adjacent stages' digital means
      for (const i of [0, 12345, n - 1]) {
        expect(th[i]).toBe(Math.fround((dm[i] + dm[n + i]) / 2));
        expect(th[n + i]).toBe(Math.fround((dm[n + i] + dm[2 * n + i]) / 2));
      }
    }
    expect((result.metadata.parameters as Record<string, unknown>).gainThresholdingErrors).toBe(0);
  }, 120_000);

  it('finds the injected hot, noisy and dead pixels (recall >= 99%) and flags <= 0.1% of good pixels', () => {
    const bad = result.constants.BadPixelsDark.data as Uint32Array, tBad = truth.BadPixelsTruth.data as Uint32Array;
    let injected = 0, found = 0, good = 0, falseFlags = 0;
    for (let i = 0; i < bad.length; i++) {
      if (tBad[i] !== 0) {
        injected++;
        if ((bad[i] & tBad[i]) !== 0) found++;
      } else {
        good++;
        if (bad[i] !== 0) falseFlags++;
      }
    }
    expect(injected).toBeGreaterThan(1000);
    expect(found / injected).toBeGreaterThanOrEqual(0.99);
    expect(falseFlags / good).toBeLessThanOrEqual(0.001);
    expect(bad.some((v) => (v & BadPixel.DATA_STD_IS_ZERO) !== 0)).toBe(true);
  });

  it('refuses runs in the wrong order, naming the order the data implies', async () => {
    const [h, m, l] = cached;
    await expect(agipdDark(request([m, h, l]))).rejects.toThrow(/must be given in gain order high, medium, low, .* say the order is .*\(high\), .*\(medium\), .*\(low\)/);
  });

  it('refuses a wrong number of runs and unknown parameters', async () => {
    await expect(agipdDark(request(cached.slice(0, 2)))).rejects.toThrow(/AGIPD dark needs 3 runs \(high, medium, low\), got 2/);
    await expect(agipdDark(request(cached, { noise_sigma: 3 }))).rejects.toThrow(/unknown parameter 'noise_sigma'/);
  });

  it('refuses runs with different memory-cell counts', async () => {
    const other = agipdPlugin.steps.simulate({ kind: 'dark', seed: 5, trains: 4, cells: 3, module: 0, firstRun: 1, framesPerSequence: 10000 });
    const low = frameStreamFromRun(other.runs[2], { rows: 512, cols: 128, hasGain: true });
    await expect(agipdDark(request([cached[0], cached[1], low]))).rejects.toThrow(/different memory-cell counts .*: 2, .*: 3/);
  });
});

describe('agipdDarkToSink (bounded memory, cell groups per gain stage)', () => {
  // 18 cells: two groups of 16 and 2 cells per stage
  const small = agipdPlugin.steps.simulate({ kind: 'dark', seed: 9, trains: 8, cells: 18, module: 0, firstRun: 1, framesPerSequence: 10000 });
  const smallStreams = (): FrameStream[] => small.runs.map((r) => frameStreamFromRun(r, { blockFrames: 36, rows: 512, cols: 128, hasGain: true, cache: true }));
  it('delivers the constants and metadata agipdDark returns (1 thread, sink reading back; 2 workers, write-only sink)', async () => {
    const cachedSmall = smallStreams();
    for (const threads of [1, 2]) {
      const whole = await agipdDark({ ...request(cachedSmall), threads });
      // a sink that reads back (the earlier stage's statistics are read per group), and one that does not (kept in memory)
      const collected = collectingSink();
      const { read: _read, ...writeOnly } = collected.sink;
      const sink = threads === 1 ? collected.sink : writeOnly;
      const metadata = await agipdDarkToSink({ ...request(cachedSmall), threads }, sink);
      const streamed = collected.set(metadata);
      expect(Object.keys(streamed.constants)).toEqual(Object.keys(whole.constants));
      for (const c of Object.values(whole.constants)) {
        const s = streamed.constants[c.name];
        expect([c.name, s.shape, s.dims, s.unit, s.dtype]).toEqual([c.name, c.shape, c.dims, c.unit, c.dtype]);
        expect(Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).equals(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength))).toBe(true);
      }
      expect({ ...streamed.metadata, createdAt: '' }).toEqual({ ...whole.metadata, createdAt: '' });
      // the defects the simulation injected make the flag comparison meaningful
      const flags = whole.constants.BadPixelsDark.data as Uint32Array;
      expect(flags.some((v) => v !== 0)).toBe(true);
    }
  }, 240_000);
});
