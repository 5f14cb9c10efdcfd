import { DetcalError, pluginFromNamespace, validatePlugin } from '@detcal/core';
import type { SimulateOptions } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import * as namespace from './index.js';
import { agipdPlugin } from './plugin.js';

const options: SimulateOptions = { kind: 'dark', seed: 1, trains: 2, cells: 2, module: 0, firstRun: 1, framesPerSequence: 100 };

describe('agipd plugin', () => {
  it('passes core validation and loads from the default export', () => {
    expect(() => validatePlugin(agipdPlugin, 'agipd')).not.toThrow();
    expect(pluginFromNamespace(namespace, '@detcal/plugin-agipd')).toBe(agipdPlugin);
    expect(agipdPlugin.id).toBe('agipd');
    expect(agipdPlugin.displayName).toBe('AGIPD 1M');
  });

  it('describes the EuXFEL raw layout of a module', () => {
    const l = agipdPlugin.layout;
    expect(l.source(3)).toBe('SPB_DET_AGIPD1M-1/DET/3CH0:xtdf');
    expect(l.aggregator(3)).toBe('AGIPD03');
    expect(l.aggregator(15)).toBe('AGIPD15');
    expect([l.group, l.dataName, l.axes, l.cellIdName, l.trainIdName, l.pulseIdName, l.dtype])
      .toEqual(['image', 'data', 'frame-analog-digital', 'cellId', 'trainId', 'pulseId', 'u2']);
  });

  it('has the geometry of a 512 x 128 module with 352 cells and 3 gain stages', () => {
    const g = agipdPlugin.geometry;
    expect([g.modules, g.moduleRows, g.moduleCols, g.maxMemoryCells, g.gainStages, g.pixelSizeUm]).toEqual([16, 512, 128, 352, 3, 200]);
    expect(g.gainStageNames).toEqual(['high', 'medium', 'low']);
    expect(agipdPlugin.constantTypes.map((c) => c.name)).toEqual(['Offset', 'Noise', 'ThresholdsDark', 'DigitalMean', 'DigitalStd', 'BadPixelsDark']);
  });

  it('rejects unsupported kinds and out-of-range options with BAD_INPUT', () => {
    const err = (o: Partial<SimulateOptions>): unknown => {
      try {
        agipdPlugin.steps.simulate({ ...options, ...o });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = err({ kind: 'flat-field' });
    expect(e).toBeInstanceOf(DetcalError);
    expect((e as DetcalError).code).toBe('BAD_INPUT');
    expect((e as DetcalError).message).toContain('supported kinds are dark, light, xray, current-source, pulse-capacitor');
    expect((err({ module: 16 }) as DetcalError).code).toBe('BAD_INPUT');
    expect((err({ cells: 353 }) as DetcalError).code).toBe('BAD_INPUT');
    expect((err({ trains: 0 }) as DetcalError).code).toBe('BAD_INPUT');
  });
});
