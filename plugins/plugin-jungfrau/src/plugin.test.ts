import { DetcalError, pluginFromNamespace, validatePlugin } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { gainStageOfBits, JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import * as namespace from './index.js';
import { jungfrauPlugin } from './plugin.js';

const options: SimulateOptions = { kind: 'dark', seed: 1, trains: 2, cells: 1, module: 0, firstRun: 1, framesPerSequence: 100 };

describe('jungfrau plugin', () => {
  it('passes core validation and loads from the default export', () => {
    expect(() => validatePlugin(jungfrauPlugin, 'jungfrau')).not.toThrow();
    expect(pluginFromNamespace(namespace, '@detcal/plugin-jungfrau')).toBe(jungfrauPlugin);
    expect(jungfrauPlugin.id).toBe('jungfrau');
  });

  it('describes the EuXFEL raw layout of a module (module 0 is JNGFR01)', () => {
    const l = jungfrauPlugin.layout;
    expect(l.source(0)).toBe('FXE_XAD_JF1M/DET/JNGFR01:daqOutput');
    expect(l.aggregator(1)).toBe('JNGFR02');
    expect([l.group, l.dataName, l.axes, l.gainName, l.cellIdName, l.trainIdName, l.dtype])
      .toEqual(['data', 'adc', 'train-cell', 'gain', 'memoryCell', 'trainId', 'u2']);
  });

  it('has 512 x 1024 modules with 2 x 4 ASICs, 16 cells and gain stages G0 G1 G2', () => {
    const g = jungfrauPlugin.geometry;
    expect([g.moduleRows, g.moduleCols, g.maxMemoryCells, g.gainStages, g.pixelSizeUm]).toEqual([512, 1024, 16, 3, 75]);
    expect(g.gainStageNames).toEqual(['G0', 'G1', 'G2']);
    expect(jungfrauPlugin.constantTypes.map((c) => c.name)).toEqual(['Offset', 'Noise', 'BadPixelsDark', 'RelativeGain', 'BadPixelsFF']);
    expect(JUNGFRAU_GAIN_BITS.map(gainStageOfBits)).toEqual([0, 1, 2]);
    expect(gainStageOfBits(2)).toBe(-1);
  });

  it('declares the correction: Offset required, the gain and flag constants optional, parameters with defaults', () => {
    expect(jungfrauPlugin.steps.correct).toBeTypeOf('function');
    expect(jungfrauPlugin.correctConstants).toEqual({ required: ['Offset'], optional: ['BadPixelsDark', 'RelativeGain', 'BadPixelsFF'] });
    const defaults = Object.fromEntries((jungfrauPlugin.correctParameters ?? []).map((s) => [s.name, s.defaultValue]));
    expect(defaults).toEqual({ mask_value: NaN, mask_bad_pixels: true, photon_energy_kev: 0, common_mode: false, cm_threshold_adu: 100, cm_npix_min: 10, cm_cormax_adu: 200 });
    expect(jungfrauPlugin.simulationKinds).toEqual(['dark', 'light']);
  });

  it('rejects unsupported kinds and out-of-range options with BAD_INPUT', () => {
    const err = (o: Partial<SimulateOptions>): DetcalError => {
      try {
        jungfrauPlugin.steps.simulate({ ...options, ...o });
      } catch (e) {
        return e as DetcalError;
      }
      throw new Error('no error');
    };
    expect(err({ kind: 'xray' })).toBeInstanceOf(DetcalError);
    expect(err({ kind: 'xray' }).code).toBe('BAD_INPUT');
    expect(err({ kind: 'xray' }).message).toContain('supported kinds are dark, light');
    expect(err({ cells: 17 }).code).toBe('BAD_INPUT');
    expect(err({ module: 2 }).code).toBe('BAD_INPUT');
  });
});
