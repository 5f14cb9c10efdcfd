import { DetcalError, pluginFromNamespace, validatePlugin } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import * as namespace from './index.js';
import { epix100Plugin } from './plugin.js';

const options: SimulateOptions = { kind: 'dark', seed: 1, trains: 2, cells: 1, module: 0, firstRun: 1, framesPerSequence: 100 };

describe('epix100 plugin', () => {
  it('passes core validation and loads from the default export', () => {
    expect(() => validatePlugin(epix100Plugin, 'epix100')).not.toThrow();
    expect(pluginFromNamespace(namespace, '@detcal/plugin-epix100')).toBe(epix100Plugin);
    expect(epix100Plugin.id).toBe('epix100');
  });

  it('describes the EuXFEL raw layout (data/image/pixels, one frame per entry)', () => {
    const l = epix100Plugin.layout;
    expect(l.source(0)).toBe('MID_EXP_EPIX-1/DET/RECEIVER:daqOutput');
    expect(l.aggregator(0)).toBe('EPIX01');
    expect([l.group, l.dataName, l.axes, l.trainIdName, l.dtype]).toEqual(['data', 'image/pixels', 'frame', 'trainId', 'u2']);
    expect(l.cellIdName).toBeUndefined();
  });

  it('has a 708 x 768 module of 2 x 2 ASICs, single gain, and EuXFEL plus LCLS constant names', () => {
    const g = epix100Plugin.geometry;
    expect([g.modules, g.moduleRows, g.moduleCols, g.maxMemoryCells, g.gainStages, g.pixelSizeUm]).toEqual([1, 708, 768, 1, 1, 50]);
    expect(epix100Plugin.constantTypes.map((c) => c.name))
      .toEqual(['Offset', 'Noise', 'NoiseCM', 'BadPixelsDark', 'RelativeGain', 'pixel_gain', 'pedestals', 'pixel_rms', 'pixel_status']);
    expect(epix100Plugin.constantTypes.find((c) => c.name === 'pixel_status')?.dtype).toBe('u8');
  });

  it('rejects unsupported kinds and out-of-range options with BAD_INPUT', () => {
    const err = (o: Partial<SimulateOptions>): DetcalError => {
      try {
        epix100Plugin.steps.simulate({ ...options, ...o });
      } catch (e) {
        return e as DetcalError;
      }
      throw new Error('no error');
    };
    expect(err({ kind: 'xray' })).toBeInstanceOf(DetcalError);
    expect(err({ kind: 'xray' }).message).toContain('supported kinds are dark, light');
    expect(err({ cells: 2 }).code).toBe('BAD_INPUT');
    expect(err({ module: 1 }).code).toBe('BAD_INPUT');
  });
});
