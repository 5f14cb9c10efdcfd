import { DetcalError, pluginFromNamespace, validatePlugin } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import * as namespace from './index.js';
import { pnccdPlugin } from './plugin.js';

const options: SimulateOptions = { kind: 'dark', seed: 1, trains: 2, cells: 1, module: 0, firstRun: 1, framesPerSequence: 100 };

describe('pnccd plugin', () => {
  it('passes core validation and loads from the default export', () => {
    expect(() => validatePlugin(pnccdPlugin, 'pnccd')).not.toThrow();
    expect(pluginFromNamespace(namespace, '@detcal/plugin-pnccd')).toBe(pnccdPlugin);
    expect(pnccdPlugin.id).toBe('pnccd');
  });

  it('describes the EuXFEL layout (data/image, one frame per entry)', () => {
    const l = pnccdPlugin.layout;
    expect(l.source(0)).toBe('SQS_NQS_PNCCD1MP/CAL/PNCCD_FMT-0:output');
    expect(l.aggregator(0)).toBe('PNCCD01');
    expect([l.group, l.dataName, l.axes, l.trainIdName, l.dtype]).toEqual(['data', 'image', 'frame', 'trainId', 'u2']);
  });

  it('has a 1024 x 1024 module of 2 x 2 quadrants of 512 x 512, single gain', () => {
    const g = pnccdPlugin.geometry;
    expect([g.modules, g.moduleRows, g.moduleCols, g.maxMemoryCells, g.gainStages, g.pixelSizeUm]).toEqual([1, 1024, 1024, 1, 1, 75]);
    expect(pnccdPlugin.constantTypes.map((c) => c.name)).toEqual(['Offset', 'Noise', 'NoiseCM', 'BadPixelsDark', 'RelativeGain', 'pixel_gain', 'pedestals', 'pixel_rms', 'pixel_status']);
  });

  it('rejects unsupported kinds and out-of-range options with BAD_INPUT', () => {
    const err = (o: Partial<SimulateOptions>): DetcalError => {
      try {
        pnccdPlugin.steps.simulate({ ...options, ...o });
      } catch (e) {
        return e as DetcalError;
      }
      throw new Error('no error');
    };
    expect(err({ kind: 'xray' })).toBeInstanceOf(DetcalError);
    expect(err({ kind: 'xray' }).message).toContain('supported kinds are dark, light');
    expect(err({ trains: 1.5 }).code).toBe('BAD_INPUT');
    expect(err({ module: 1 }).code).toBe('BAD_INPUT');
  });
});
