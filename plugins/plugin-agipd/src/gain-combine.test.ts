// AGIPD gain combination: gains in keV/ADU, offsets and thresholds from simulated truth; bad input.
import { describe, expect, it } from 'vitest';
import { DetcalError, makeConstant, makeConstantSet, transpose, type ConstantSet, type GainRequest } from '@detcal/core';
import { agipdCombine } from './gain-combine.js';
import { agipdPlugin } from './plugin.js';

const CELLS = 3;
const R = 512, C = 128, P = R * C;
const sim = agipdPlugin.steps.simulate({ kind: 'current-source', seed: 9, trains: 40, cells: CELLS, module: 0, firstRun: 1, framesPerSequence: 100000 });
const t = sim.truth.constants;
const meta = sim.truth.metadata;
/** True X-ray response: 7.5 ADU per keV at high gain in cell 0 (+-5% per pixel), 9 keV photons. */
const E = 9;
const spacing = new Float32Array(P);
for (let q = 0; q < P; q++) spacing[q] = E * 7.5 * (1 + 0.05 * Math.sin(q));
const xray = (): ConstantSet => makeConstantSet({ ...meta, parameters: { photonEnergyKev: E } }, [makeConstant('photonSpacing', spacing, [R, C], ['row', 'col'], 'ADU'), makeConstant('quality', new Float32Array(P).fill(1), [R, C], ['row', 'col'], '')]);
const dark = (): ConstantSet => makeConstantSet(meta, [t.Offset]);
/** The scan constants as `detcal gain current-source` writes them by default (reference layout: (128, 512) frames, cell-first digital arrays). */
const scanReference = (): ConstantSet =>
  makeConstantSet(meta, [
    transpose(t.analogGains, [0, 1, 3, 2]),
    transpose(t.analogLineOffsets, [0, 1, 3, 2]),
    transpose(t.digitalThresholds, [0, 1, 3, 2]),
    transpose(t.digitalMeans, [1, 0, 3, 2]),
  ]);
const request = (inputs: Record<string, ConstantSet>, parameters = {}): GainRequest => ({ runs: [], inputs, module: 0, detectorId: 'SIM', parameters, conditions: {} });

describe('agipd gain combine', () => {
  it('gives gains in keV/ADU that turn every stage and cell\'s signal of one charge into the same energy', async () => {
    const set = await agipdCombine(request({ dark: dark(), 'current-source': scanReference(), xray: xray() }));
    expect(Object.keys(set.constants)).toEqual(['GainKevPerAdu', 'Offset', 'ThresholdsDark', 'BadPixelsGain']);
    expect(set.constants.GainKevPerAdu.shape).toEqual([3, CELLS, R, C]);
    expect(set.constants.GainKevPerAdu.unit).toBe('keV/ADU');
    expect(set.metadata.parameters.photonEnergyKev).toBe(E);
    const g = set.constants.GainKevPerAdu.data as Float32Array;
    const s = t.analogGains.data as Float32Array, bad = t.BadPixelsTruth.data as Uint32Array;
    let checked = 0;
    for (let q = 0; q < P; q += 37) {
      if (bad[q] !== 0) continue;
      // a charge of Q steps gives s_g[c] * Q ADU; one photon gives spacing[q] ADU at HG in cell 0, i.e. spacing / s_HG[0] steps
      const kevPerStep = (E * s[q]) / spacing[q];
      for (let c = 0; c < CELLS; c++) {
        for (let stage = 0; stage < 3; stage++) {
          const j = (stage * CELLS + c) * P + q;
          const energy = s[j] * 10 * g[j];
          expect(Math.abs(energy / (10 * kevPerStep) - 1)).toBeLessThan(1e-5); // float32 rounding
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(1700);
    // HG in cell 0 is photon energy / spacing exactly (about 1 / 7.5 keV/ADU)
    expect(g[100]).toBeCloseTo(E / spacing[100], 6);
  });

  it('takes the HG offset from the dark, MG/LG offsets from the scan lines, thresholds from the scan', async () => {
    const set = await agipdCombine(request({ dark: dark(), 'current-source': scanReference(), xray: xray() }));
    const o = set.constants.Offset.data as Float32Array, th = set.constants.ThresholdsDark.data as Float32Array;
    const dOff = t.Offset.data as Float32Array, lo = t.analogLineOffsets.data as Float32Array, tt = t.digitalThresholds.data as Float32Array;
    for (const i of [5, P + 77, 2 * P + 1000]) {
      expect(o[i]).toBe(dOff[i]);
      expect(o[CELLS * P + i]).toBe(lo[CELLS * P + i]);
      expect(o[2 * CELLS * P + i]).toBe(lo[2 * CELLS * P + i]);
      expect(th[i]).toBe(tt[i]);
    }
    expect(set.constants.ThresholdsDark.dims).toEqual(['threshold', 'cell', 'row', 'col']);
  });

  it('flags pixels without a photon spacing or a slope, and scales by the X-ray cell\'s slope', async () => {
    const x = xray();
    (x.constants.photonSpacing.data as Float32Array)[7] = NaN;
    const set = await agipdCombine(request({ dark: dark(), 'current-source': scanReference(), xray: x }, { xray_cell: 1, photon_energy_kev: 8 }));
    const g = set.constants.GainKevPerAdu.data as Float32Array, b = set.constants.BadPixelsGain.data as Uint32Array;
    expect(Number.isNaN(g[7])).toBe(true);
    expect(b[7]).not.toBe(0);
    const s = t.analogGains.data as Float32Array;
    // in the X-ray cell (1) HG gain is E / spacing; in cell 0 it is scaled by s_HG[1] / s_HG[0]
    expect(g[P + 100]).toBeCloseTo(8 / spacing[100], 6);
    expect(g[100] / g[P + 100]).toBeCloseTo(s[P + 100] / s[100], 5);
  });

  it('one-line errors: missing input, dark with other cells, photon spacing of another shape', async () => {
    const miss = await agipdCombine(request({ dark: dark(), xray: xray() })).catch((e: unknown) => e);
    expect((miss as Error).message).toMatch(/needs the current-source constants: pass --current-source FILE/);
    const off = t.Offset;
    const twoCells = makeConstantSet(meta, [makeConstant('Offset', (off.data as Float32Array).slice(0, 3 * 2 * P), [3, 2, R, C], off.dims, 'ADU')]);
    const e2 = await agipdCombine(request({ dark: twoCells, 'current-source': scanReference(), xray: xray() })).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(DetcalError);
    expect((e2 as Error).message).toMatch(/dark Offset has shape \[3,2,512,128\] but the current-source scan has 3 cells/);
    const small = makeConstantSet(meta, [makeConstant('photonSpacing', new Float32Array(64), [8, 8], ['row', 'col'], 'ADU')]);
    const e3 = await agipdCombine(request({ dark: dark(), 'current-source': scanReference(), xray: small })).catch((e: unknown) => e);
    expect((e3 as Error).message).toMatch(/xray photonSpacing has shape \[8,8\]/);
  });
});
