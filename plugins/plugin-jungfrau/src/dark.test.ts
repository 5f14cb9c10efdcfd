// Jungfrau dark against the simulator's truth: offsets, noise, wrong gain values, bad pixels, run order.
import { describe, expect, it } from 'vitest';
import { BadPixel, type ConstantSet, type DarkRequest, type FrameStream } from '@detcal/core';
import { createCpuBackend, frameStreamFromRun } from '@detcal/kernels';
import { jungfrauDark } from './dark.js';
import { jungfrauPlugin } from './plugin.js';

const TRAINS = 120;
const sim = jungfrauPlugin.steps.simulate({ kind: 'dark', seed: 9, trains: TRAINS, cells: 1, module: 0, firstRun: 1, framesPerSequence: 10000 });
const streams: FrameStream[] = sim.runs.map((r) => frameStreamFromRun(r, { blockFrames: 16, rows: 512, cols: 1024, hasGain: true, cache: true }));
const request = (runs: FrameStream[]): DarkRequest => ({ runs, module: 0, detectorId: 'SIM', method: 'euxfel', parameters: {}, backend: createCpuBackend(), conditions: {} });
const truth = sim.truth.constants;
let result: ConstantSet;

describe('jungfrau dark vs simulated truth', () => {
  it('characterizes G0, G1 and G2 runs', async () => {
    result = await jungfrauDark(request(streams));
    expect(result.constants.Offset.shape).toEqual([3, 1, 512, 1024]);
  }, 120_000);

  it('never averages values with a wrong gain value, and flags exactly the pixels that had them', () => {
    const off = result.constants.Offset.data as Float32Array, tOff = truth.Offset.data as Float32Array, tNoise = truth.Noise.data as Float32Array;
    const bad = result.constants.BadPixelsDark.data as Uint32Array, tBad = truth.BadPixelsTruth.data as Uint32Array;
    const wrong = truth.WrongGainCount.data as Uint32Array;
    let wrongPixels = 0, good = 0, offFail = 0, flagMismatch = 0;
    for (let i = 0; i < off.length; i++) {
      const hasWrong = wrong[i] > 0;
      if (hasWrong) wrongPixels++;
      if (((bad[i] & BadPixel.WRONG_GAIN_VALUE) !== 0) !== hasWrong) flagMismatch++;
      if (tBad[i] === 0 && tNoise[i] > 0) {
        good++;
        // values of the wrong stage (thousands of ADU away) would pull the mean far beyond this
        const n = TRAINS - wrong[i];
        if (Math.abs(off[i] - tOff[i]) > (3 * tNoise[i]) / Math.sqrt(n)) offFail++;
      }
    }
    expect(wrongPixels).toBeGreaterThan(0);
    expect(flagMismatch).toBe(0);
    expect(offFail / good).toBeLessThan(0.004);
  });

  it('finds the injected bad pixels (recall >= 99%) with <= 0.1% of good pixels flagged', () => {
    const bad = result.constants.BadPixelsDark.data as Uint32Array, tBad = truth.BadPixelsTruth.data as Uint32Array;
    const other = ~BadPixel.WRONG_GAIN_VALUE >>> 0;
    let injected = 0, found = 0, good = 0, falseFlags = 0;
    for (let i = 0; i < bad.length; i++) {
      if (tBad[i] !== 0) { injected++; if ((bad[i] & tBad[i]) !== 0) found++; }
      else { good++; if ((bad[i] & other) !== 0) falseFlags++; }
    }
    expect(found / injected).toBeGreaterThanOrEqual(0.99);
    expect(falseFlags / good).toBeLessThanOrEqual(0.001);
  });

  it('detects runs given in the wrong order from their gain bits', async () => {
    await expect(jungfrauDark(request([streams[0], streams[2], streams[1]]))).rejects.toThrow(/gain values of the runs \(.*: 0, .*: 3, .*: 1\) say the order is/);
  });
});
