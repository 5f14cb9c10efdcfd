import { describe, expect, it } from 'vitest';
import { BadPixel, DetcalError, type ConstantSet, type FrameStream, type GainRequest } from '@detcal/core';
import { frameStreamFromFrames, frameStreamFromRun } from '@detcal/kernels';
import { agipdPlugin } from './plugin.js';
import { simulateAgipdDark } from './simulate-dark.js';
import { simulateAgipdXray } from './simulate-xray.js';

const xray = agipdPlugin.steps.gain!.xray;

function request(run: FrameStream, parameters: GainRequest['parameters'] = {}, threads = 2): GainRequest {
  return { runs: [run], inputs: {}, module: 0, detectorId: 'SIM-AGIPD-M0', parameters, threads, conditions: {} };
}

/** Relative errors of photonSpacing against the truth over pixels without injected defects. */
function errors(set: ConstantSet, truth: ConstantSet): { rel: Float64Array; good: number } {
  const s = set.constants.photonSpacing.data as Float32Array, t = truth.constants.photonSpacing.data as Float32Array, bad = truth.constants.BadPixelsTruth.data as Uint32Array;
  const rel: number[] = [];
  for (let p = 0; p < s.length; p++) if (bad[p] === 0) rel.push((s[p] - t[p]) / t[p]);
  return { rel: Float64Array.from(rel), good: rel.length };
}

// Full-module simulations of thousands of frames: about 15 s of CPU each on an idle core (minutes on a loaded machine).
describe('agipd gain xray', () => {
  it('recovers photonSpacing within 1% for >= 99% of pixels (Mo K-alpha, 3000 frames, drift on)', async () => {
    // Statistics: per peak the centroid error is ~1.15 sigma / sqrt(N_peak), sigma ~ 10.2 ADU (noise + low-pass
    // jitter). Worst pixels (0.5 or 1.5 photons/frame) have N_peak >= 0.25 x 3000, so the spacing error is
    // <= 1.15 x 10.2 x sqrt(2 / 750) = 0.61 ADU = 0.43% of 140 ADU: 1% is 2.3 sigma for the worst pixels and
    // >= 3 sigma for most, so >= 99% within 1% holds with margin, while a bias of 0.5% would break it.
    const sim = simulateAgipdXray({ kind: 'xray', seed: 21, trains: 3000, cells: 4, module: 0, firstRun: 5, framesPerSequence: 10_000, photonEnergyKev: 17.48 });
    const set = await xray.run(request(frameStreamFromRun(sim.runs[0], { blockFrames: 64 })));
    const { rel, good } = errors(set, sim.truth);
    const within = rel.filter((e) => Math.abs(e) <= 0.01).length;
    expect(within / good).toBeGreaterThanOrEqual(0.99);
    const sorted = Float64Array.from(rel.filter((e) => e === e)).sort();
    expect(Math.abs(sorted[sorted.length >> 1])).toBeLessThan(0.001); // no bias: median error < 0.1%
    // dead pixels see no photons: one peak -> NaN and FF_GAIN_EVAL_ERROR
    const truthBad = sim.truth.constants.BadPixelsTruth.data as Uint32Array, bp = set.constants.BadPixelsFF.data as Uint32Array, s = set.constants.photonSpacing.data as Float32Array;
    let dead = 0;
    for (let p = 0; p < bp.length; p++) {
      if (truthBad[p] & BadPixel.DATA_STD_IS_ZERO) {
        dead++;
        expect(bp[p]).toBe(BadPixel.FF_GAIN_EVAL_ERROR);
        expect(s[p]).toBeNaN();
      }
    }
    expect(dead).toBeGreaterThan(100);
    expect(set.constants.photonSpacing.shape).toEqual([512, 128]);
    expect(set.constants.photonSpacing.dims).toEqual(['row', 'col']);
    expect(set.constants.photonSpacing.unit).toBe('ADU');
    expect(set.constants.quality.shape).toEqual([512, 128]);
    expect(set.metadata.parameters.framesUsed).toBe(3000);
  }, 300_000);

  it('removes the baseline drift: errors and valley depth are better with the running low-pass than without', async () => {
    // Same run (30 ADU ramp + 6 ADU sine, Cu K-alpha, 800 frames) analysed twice. Without drift removal the
    // peaks are broadened from ~10.2 to ~13.9 ADU (ramp: 30 / sqrt(12) = 8.7 ADU): rms error ~1.36x larger,
    // valleys shallower. Over ~65000 pixels the rms is known to < 1%, so a 15% margin cannot fail by chance.
    const sim = simulateAgipdXray({ kind: 'xray', seed: 4, trains: 800, cells: 1, module: 0, firstRun: 1, framesPerSequence: 10_000 });
    const stream = frameStreamFromRun(sim.runs[0], { blockFrames: 64 });
    const on = await xray.run(request(stream, { lowpass_window: 201, lowpass_step: 100 }));
    const off = await xray.run(request(stream, { lowpass_window: 201, drift_correction: false }));
    const rms = (set: ConstantSet): number => {
      const r = errors(set, sim.truth).rel.filter((e) => e === e);
      return Math.sqrt(r.reduce((a, e) => a + e * e, 0) / r.length);
    };
    const medianQuality = (set: ConstantSet): number => Float32Array.from(set.constants.quality.data as Float32Array).filter((v) => v === v).sort()[32000];
    expect(rms(off)).toBeGreaterThan(1.15 * rms(on));
    expect(medianQuality(on)).toBeGreaterThan(medianQuality(off) + 0.05);
  }, 300_000);

  it('draws the same offsets as the dark simulation of the same seed (HG, cell 0)', () => {
    const options = { seed: 9, trains: 2, cells: 3, module: 1, firstRun: 1, framesPerSequence: 10 };
    const dark = simulateAgipdDark({ ...options, kind: 'dark' }).truth.constants.Offset.data;
    const x = simulateAgipdXray({ ...options, kind: 'xray' });
    const off = x.truth.constants.Offset.data;
    expect(off.length).toBe(512 * 128);
    for (let p = 0; p < off.length; p += 97) expect(off[p]).toBe(dark[p]);
    expect(x.runs[0].cellsPerTrain).toBe(1);
    expect(x.truth.constants.baselineDrift.shape).toEqual([2]);
    expect(agipdPlugin.steps.simulate({ ...options, kind: 'xray' }).runs[0].label).toBe('xray');
  });

  it('fails with one-line errors for wrong shapes, a missing cell, and data without photon peaks', async () => {
    const small = frameStreamFromFrames({ data: new Uint16Array(4 * 8 * 8), nFrames: 4, rows: 8, cols: 8 });
    await expect(xray.run(request(small))).rejects.toThrow(/frames are 8 x 8, an AGIPD module is 512 x 128/);
    const flat = frameStreamFromFrames({ data: new Uint16Array(20 * 512 * 128).fill(5000), nFrames: 20, rows: 512, cols: 128 });
    await expect(xray.run(request(flat, { cell: 3 }, 1))).rejects.toThrow(/no frame of memory cell 3/);
    const e = await xray.run(request(flat, { min_entries: 5 }, 1)).catch((err: unknown) => err);
    // (a flat run: every histogram is one spike)
    expect(e).toBeInstanceOf(DetcalError);
    expect((e as DetcalError).message).toMatch(/no pixel shows two photon peaks/);
    await expect(xray.run(request(flat, { lowpass_order: 'mean' }, 1))).rejects.toThrow(/lowpass_order=mean: use mode or median/);
    await expect(xray.run(request(flat, { bogus: 1 }, 1))).rejects.toThrow(/unknown parameter 'bogus'/);
  });
});
