// The current-source / pulse-capacitor simulation: shared dark truth, frames follow the truth lines.
import { describe, expect, it } from 'vitest';
import type { FrameBlock } from '@detcal/core';
import { agipdPlugin } from './plugin.js';

const R = 512, C = 128, P = R * C;
const opts = { seed: 12, trains: 40, cells: 2, module: 1, firstRun: 5, framesPerSequence: 100000 };

describe('agipd current-source simulation', () => {
  const cs = agipdPlugin.steps.simulate({ ...opts, kind: 'current-source' });
  const t = cs.truth.constants;

  it('shares the pixel truth of --kind dark with the same seed (offsets, digital levels, bad pixels)', () => {
    const dark = agipdPlugin.steps.simulate({ ...opts, kind: 'dark' }).truth.constants;
    expect(Array.from(t.Offset.data as Float32Array)).toEqual(Array.from(dark.Offset.data as Float32Array));
    expect(Array.from(t.digitalMeans.data as Float32Array)).toEqual(Array.from(dark.DigitalMean.data as Float32Array));
    expect(Array.from(t.digitalThresholds.data as Float32Array)).toEqual(Array.from(dark.ThresholdsDark.data as Float32Array));
    expect(Array.from(t.BadPixelsTruth.data as Uint32Array)).toEqual(Array.from(dark.BadPixelsTruth.data as Uint32Array));
    // the HG line starts at the dark HG offset
    expect((t.analogLineOffsets.data as Float32Array).subarray(0, 2 * P)).toEqual((t.Offset.data as Float32Array).subarray(0, 2 * P));
  });

  it('writes one train per step with every cell; values follow the stage line of the truth', () => {
    expect(cs.runs).toHaveLength(1);
    expect(cs.runs[0].nFrames).toBe(40 * 2);
    const s = t.analogGains.data as Float32Array, o = t.analogLineOffsets.data as Float32Array, k = t.switchSteps.data as Uint16Array;
    const dm = t.digitalMeans.data as Float32Array, bad = t.BadPixelsTruth.data as Uint32Array;
    let far = 0, checked = 0, wrongStage = 0;
    for (const block of cs.runs[0].blocks(16) as Iterable<FrameBlock>) {
      for (let f = 0; f < block.nFrames; f++) {
        const step = Math.floor((block.firstFrame + f) / 2);
        const c = block.cellIds[f];
        for (let q = 0; q < P; q += 101) {
          const i = c * P + q;
          if (bad[i] !== 0) continue;
          const g = step < k[i] ? 0 : step < k[2 * P + i] ? 1 : 2;
          const j = g * 2 * P + i;
          // noise <= ~12 ADU, spikes (2% of series, one step) up to 1500 ADU: allow 6 sigma, count the rest
          if (Math.abs(block.data[f * P + q] - (o[j] + s[j] * step)) > 72) far++;
          if (Math.abs((block.gain as Uint16Array)[f * P + q] - dm[j]) > 100) wrongStage++;
          checked++;
        }
      }
    }
    expect(wrongStage).toBe(0);
    expect(far / checked).toBeLessThan(0.002);
    expect(far).toBeGreaterThan(0); // the spikes are there
  });

  it('pulse capacitor: run r injects only rows with row % 8 === r, the others stay at their dark HG values', () => {
    const pc = agipdPlugin.steps.simulate({ ...opts, kind: 'pulse-capacitor' });
    expect(pc.runs.map((r) => r.label)).toEqual(Array.from({ length: 8 }, (_, r) => `pc-rows-${r}-of-8`));
    const last = [...(pc.runs[3].blocks(80) as Iterable<FrameBlock>)][0];
    const dm = pc.truth.constants.digitalMeans.data as Float32Array;
    const f = 79; // last step, cell 1: injected rows are in LG
    for (const r of [3, 11, 4, 10]) {
      const q = r * C + 17;
      const v = (last.gain as Uint16Array)[f * P + q];
      const stage = r % 8 === 3 ? 2 : 0;
      expect(Math.abs(v - dm[(stage * 2 + 1) * P + q])).toBeLessThan(100);
    }
  });
});
