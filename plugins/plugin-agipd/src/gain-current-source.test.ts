// AGIPD current-source and pulse-capacitor scan fit against the simulator's truth, and bad input.
import { describe, expect, it } from 'vitest';
import { DetcalError, type ConstantSet, type ConstantSink, type FrameStream, type GainRequest } from '@detcal/core';
import { frameStreamFromRun } from '@detcal/kernels';
import { agipdCurrentSource, agipdCurrentSourceToSink } from './gain-current-source.js';
import { agipdPlugin } from './plugin.js';

const STEPS = 400;
const CELLS = 2;
const R = 512, C = 128, P = R * C;
const sim = agipdPlugin.steps.simulate({ kind: 'current-source', seed: 4, trains: STEPS, cells: CELLS, module: 0, firstRun: 10, framesPerSequence: 100000 });
const stream = (run: (typeof sim.runs)[number], cache = false): FrameStream => frameStreamFromRun(run, { blockFrames: 32, rows: R, cols: C, hasGain: true, cache });
// the current-source run is read three times below: simulate it once (210 MB)
const csStream = stream(sim.runs[0], true);
const request = (runs: FrameStream[], parameters = {}, threads = 2): GainRequest => ({ runs, inputs: {}, module: 0, detectorId: 'SIM', parameters, threads, conditions: {} });
const truth = sim.truth.constants;

/** Fraction of good (cell, pixel) whose stage-g slope is within 1% of the truth; reads the reference layout (g, cell, col, row). */
function slopeHitRate(set: ConstantSet, g: number, cells: number, reference: boolean, tr = truth): number {
  const fit = set.constants.analogGains.data as Float32Array;
  const t = tr.analogGains.data as Float32Array, bad = tr.BadPixelsTruth.data as Uint32Array;
  let good = 0, hit = 0;
  for (let c = 0; c < cells; c++) {
    for (let r = 0; r < R; r++) {
      for (let x = 0; x < C; x++) {
        const i = (g * cells + c) * P + r * C + x;
        if (bad[i] !== 0) continue;
        good++;
        const f = fit[(g * cells + c) * P + (reference ? x * R + r : r * C + x)];
        if (Math.abs(f / t[i] - 1) <= 0.01) hit++;
      }
    }
  }
  return hit / good;
}

describe('agipd current-source scan vs simulated truth', () => {
  let result: ConstantSet;

  it('writes the seed\'s names and shapes (reference layout: transposed frame)', async () => {
    result = await agipdCurrentSource(request([csStream]));
    const shapes = Object.fromEntries(Object.values(result.constants).map((c) => [c.name, c.shape]));
    expect(shapes).toEqual({
      analogGains: [3, CELLS, 128, 512],
      analogLineOffsets: [3, CELLS, 128, 512],
      analogFitStdDevs: [3, CELLS, 128, 512],
      digitalMeans: [CELLS, 3, 128, 512],
      digitalStdDeviations: [CELLS, 3, 128, 512],
      digitalThresholds: [2, CELLS, 128, 512],
      digitalSpacingsSafetyFactors: [CELLS, 2, 128, 512],
    });
    expect(result.constants.digitalMeans.dims).toEqual(['cell', 'gain', 'col', 'row']);
    expect(result.metadata.parameters.scanSteps).toBe(STEPS);
    // the simulation spikes 2% of the series; the filter must have seen them
    expect(result.metadata.parameters.spikesRemoved as number).toBeGreaterThan(0.015 * CELLS * P);
  }, 300_000);

  it('recovers the slopes of all three stages within 1% for >= 99% of good pixel-cells', () => {
    // 400 steps: the trimmed fits keep >= 40, 48, 72 samples per stage over rises of 2800, 1340, 920 ADU with
    // noise 10, 8, 7 ADU: relative slope errors (sigma) ~0.2%, 0.3%, 0.3%, so 1% is >= 3 sigma (>= 99.7% expected).
    for (let g = 0; g < 3; g++) expect(slopeHitRate(result, g, CELLS, true)).toBeGreaterThanOrEqual(0.99);
  });

  it('puts every good pixel-cell\'s thresholds strictly between its true digital stage means; safety factors finite', () => {
    const th = result.constants.digitalThresholds.data as Float32Array;
    const sf = result.constants.digitalSpacingsSafetyFactors.data as Float32Array;
    const dm = result.constants.digitalMeans.data as Float32Array;
    const tm = truth.digitalMeans.data as Float32Array, bad = truth.BadPixelsTruth.data as Uint32Array;
    let checked = 0, outside = 0, infinite = 0, meanOff = 0;
    for (let c = 0; c < CELLS; c++) {
      for (let r = 0; r < R; r++) {
        for (let x = 0; x < C; x++) {
          const i = c * P + r * C + x;
          if (bad[i] !== 0) continue;
          const o = x * R + r;
          for (let t = 0; t < 2; t++) {
            const v = th[(t * CELLS + c) * P + o];
            if (!(v > tm[t * CELLS * P + i] && v < tm[(t + 1) * CELLS * P + i])) outside++;
            if (!Number.isFinite(sf[(c * 2 + t) * P + o])) infinite++;
          }
          // digital mean of a stage over >= 100 samples of noise ~12 ADU: within 6 ADU (5 standard errors)
          if (!(Math.abs(dm[(c * 3 + 0) * P + o] - tm[i]) < 6)) meanOff++;
          checked++;
        }
      }
    }
    expect({ outside, infinite, meanOff }).toEqual({ outside: 0, infinite: 0, meanOff: 0 });
    expect(checked).toBeGreaterThan(0.99 * CELLS * P);
  });

  it('layout=detcal gives the same numbers in [gain][cell][row][col]', async () => {
    const d = await agipdCurrentSource(request([csStream], { layout: 'detcal' }, 1));
    expect(d.constants.digitalMeans.shape).toEqual([3, CELLS, 512, 128]);
    const a = d.constants.analogGains.data as Float32Array, b = result.constants.analogGains.data as Float32Array;
    for (const [g, c, r, x] of [[0, 0, 3, 5], [1, 1, 500, 127], [2, 0, 77, 64]]) expect(a[(g * CELLS + c) * P + r * C + x]).toBe(b[(g * CELLS + c) * P + x * R + r]);
    const dmd = d.constants.digitalMeans.data as Float32Array, dmr = result.constants.digitalMeans.data as Float32Array;
    expect(dmd[(2 * CELLS + 1) * P + 10 * C + 20]).toBe(dmr[(1 * 3 + 2) * P + 20 * R + 10]);
  }, 300_000);

  it('rejects a dark run (no gain switching) with a one-line error', async () => {
    const dark = agipdPlugin.steps.simulate({ kind: 'dark', seed: 4, trains: 24, cells: 1, module: 0, firstRun: 1, framesPerSequence: 100000 });
    const err = await agipdCurrentSource(request([stream(dark.runs[0])], {}, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetcalError);
    expect((err as Error).message).toMatch(/never switch gain.*not a dark/);
  }, 120_000);
});

describe('agipd pulse-capacitor scan: rows injected in different runs, merged first', () => {
  const pc = agipdPlugin.steps.simulate({ kind: 'pulse-capacitor', seed: 4, trains: STEPS, cells: 1, module: 0, firstRun: 20, framesPerSequence: 100000 });

  it('assigns every row to the run that injected it, from the data', async () => {
    const short = agipdPlugin.steps.simulate({ kind: 'pulse-capacitor', seed: 4, trains: 40, cells: 1, module: 0, firstRun: 20, framesPerSequence: 100000 });
    expect(short.runs).toHaveLength(8);
    const set = await agipdCurrentSource(request(short.runs.map((r) => stream(r))));
    expect(set.metadata.parameters.rowsPerRun).toEqual([64, 64, 64, 64, 64, 64, 64, 64]);
    // rows are not in run order: a wrong assignment would leave 7 of 8 rows without switching
    expect(set.metadata.parameters.noSwitchingPixelCells as number).toBeLessThan(0.01 * P);
  }, 300_000);

  it('merges the rows of the 8 runs and recovers the slopes (injected_rows=modulo)', async () => {
    const set = await agipdCurrentSource(request(pc.runs.map((r) => stream(r)), { injected_rows: 'modulo' }));
    for (let g = 0; g < 3; g++) expect(slopeHitRate(set, g, 1, true, pc.truth.constants)).toBeGreaterThanOrEqual(0.99);
  }, 300_000);

  it('rejects runs with different memory cells', async () => {
    const other = agipdPlugin.steps.simulate({ kind: 'pulse-capacitor', seed: 4, trains: 30, cells: 2, module: 0, firstRun: 20, framesPerSequence: 100000 });
    const few = agipdPlugin.steps.simulate({ kind: 'pulse-capacitor', seed: 4, trains: 30, cells: 1, module: 0, firstRun: 20, framesPerSequence: 100000 });
    const err = await agipdCurrentSource(request([stream(few.runs[0]), stream(other.runs[1])], {}, 1)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/2 memory cells per train but .* has 1; merged runs must be taken with the same memory cells/);
  });
});

describe('agipd current-source scan in groups of memory cells', () => {
  // 5 cells x 30 steps: small, but every output array has its cell axis cut into uneven groups
  const small = agipdPlugin.steps.simulate({ kind: 'current-source', seed: 9, trains: 30, cells: 5, module: 0, firstRun: 40, framesPerSequence: 100000 });
  const smallStream = stream(small.runs[0], true);
  const bytes = (set: ConstantSet) => Object.fromEntries(Object.values(set.constants).map((c) => [c.name, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)]));

  it.each(['reference', 'detcal'])('gives bit-identical constants for 1, 2 and all cells per group (%s layout)', async (layout) => {
    const whole = await agipdCurrentSource(request([smallStream], { layout, cells_per_group: 5 }));
    expect(whole.metadata.parameters.cellsPerGroup).toBe(5);
    for (const group of [1, 2]) {
      const grouped = await agipdCurrentSource(request([smallStream], { layout, cells_per_group: group }, group));
      expect(grouped.metadata.parameters.cellsPerGroup).toBe(group);
      expect(Object.keys(grouped.constants)).toEqual(Object.keys(whole.constants));
      for (const [name, b] of Object.entries(bytes(grouped))) expect([name, b.equals(bytes(whole)[name])]).toEqual([name, true]);
      expect(grouped.metadata.parameters.spikesRemoved).toBe(whole.metadata.parameters.spikesRemoved);
    }
  }, 300_000);

  it('hands each group to the sink once, in order, with the group\'s own shapes; a failing sink stops the fit', async () => {
    const seen: string[] = [];
    const sink: ConstantSink = {
      async begin(layouts) {
        seen.push(`begin ${layouts.map((l) => `${l.name}[${l.shape}]`).join(' ')}`);
      },
      async write(c0, c1, part) {
        seen.push(`${c0}-${c1} analogGains[${part.analogGains.shape}] digitalMeans[${part.digitalMeans.shape}]`);
        if (c0 === 2) throw new Error('disk full');
      },
    };
    await expect(agipdCurrentSourceToSink(request([smallStream], { cells_per_group: 2 }), sink)).rejects.toThrow('disk full');
    expect(seen).toEqual([
      'begin analogGains[3,5,128,512] analogLineOffsets[3,5,128,512] analogFitStdDevs[3,5,128,512] digitalMeans[5,3,128,512] digitalStdDeviations[5,3,128,512] digitalThresholds[2,5,128,512] digitalSpacingsSafetyFactors[5,2,128,512]',
      '0-2 analogGains[3,2,128,512] digitalMeans[2,3,128,512]',
      '2-4 analogGains[3,2,128,512] digitalMeans[2,3,128,512]',
    ]);
  }, 300_000);

  it('rejects a cells_per_group that is not a whole number', async () => {
    await expect(agipdCurrentSource(request([smallStream], { cells_per_group: 1.5 }))).rejects.toThrow(/cells_per_group=1.5: must be a whole number/);
  });
});
