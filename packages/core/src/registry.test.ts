import { describe, expect, it } from 'vitest';
import { PluginRegistry, pluginFromNamespace } from './registry.js';
import type { DetectorPlugin } from './plugin-types.js';

function fakePlugin(id: string): DetectorPlugin {
  return {
    id,
    displayName: id.toUpperCase(),
    geometry: { modules: 1, moduleRows: 4, moduleCols: 6, maxMemoryCells: 1, gainStages: 1, gainStageNames: ['single'], asics: { rows: 1, cols: 2, asicRows: 4, asicCols: 3 }, pixelSizeUm: 50 },
    layout: { aggregator: () => 'X00', source: () => 'X/DET/0', group: 'data', dataName: 'adc', axes: 'frame', dtype: 'u2' },
    constantTypes: [],
    simulationKinds: ['dark'],
    simulationDefaults: { cells: 1, trains: 10 },
    steps: { simulate: () => { throw new Error('not used'); } },
  };
}

describe('PluginRegistry', () => {
  it('loads a module whose default export is a DetectorModule', async () => {
    const reg = new PluginRegistry(async () => ({ default: { getPlugin: () => fakePlugin('toy') } }));
    const p = await reg.load('./toy.js');
    expect(p.id).toBe('toy');
    expect(reg.get('TOY').displayName).toBe('TOY');
  });
  it('explains a module without a default export', async () => {
    const reg = new PluginRegistry(async () => ({ plugin: {} }));
    await expect(reg.load('./bad.js')).rejects.toThrow(/plugin \.\/bad\.js has no default export/);
  });
  it('explains a default export without getPlugin', () => {
    expect(() => pluginFromNamespace({ default: {} }, 'x')).toThrow(/no getPlugin\(\) function/);
  });
  it('rejects an id clash naming both sources', async () => {
    const reg = new PluginRegistry(async () => ({ default: { getPlugin: () => fakePlugin('toy') } }));
    await reg.load('a');
    await expect(reg.load('b')).rejects.toThrow(/plugin id 'toy' from b clashes with the one from a/);
  });
  it('rejects inconsistent geometry', () => {
    const reg = new PluginRegistry(async () => ({}));
    const p = fakePlugin('toy');
    p.geometry.asics.asicCols = 2;
    expect(() => reg.register(p, 'src')).toThrow(/ASIC tiling .* does not cover the 4x6 module/);
  });
  it('lists known ids for an unknown detector', async () => {
    const reg = new PluginRegistry(async () => ({ default: { getPlugin: () => fakePlugin('toy') } }));
    await reg.load('a');
    expect(() => reg.get('lpd')).toThrow(/unknown detector 'lpd': known detectors are toy/);
  });
  it('wraps import failures in a one-line plugin error', async () => {
    const reg = new PluginRegistry(async () => { throw new Error('Cannot find module x\n  at foo'); });
    await expect(reg.load('x')).rejects.toThrow(/^cannot load plugin x: Cannot find module x; give a package name/);
  });
});
