/** Structural checks of a DetectorPlugin, so a broken third-party plugin fails at load time with a clear message. */
import { DetcalError } from './errors.js';
import type { DetectorPlugin } from './plugin-types.js';

/** Throws a PLUGIN error naming the source and the first inconsistency found. */
export function validatePlugin(plugin: DetectorPlugin, source: string): void {
  const fail = (what: string): never => {
    throw new DetcalError('PLUGIN', `plugin ${source}: ${what}`);
  };
  if (!plugin || typeof plugin !== 'object') fail('getPlugin() returned no object');
  if (typeof plugin.id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(plugin.id)) fail(`id '${plugin.id}' must be lower-case letters, digits and '-'`);
  const g = plugin.geometry;
  if (!g) fail('geometry is missing');
  for (const key of ['modules', 'moduleRows', 'moduleCols', 'maxMemoryCells', 'gainStages'] as const) {
    if (!Number.isInteger(g[key]) || g[key] < 1) fail(`geometry.${key} must be a positive integer, got ${g[key]}`);
  }
  if (g.gainStageNames?.length !== g.gainStages) fail(`geometry.gainStageNames has ${g.gainStageNames?.length} names for ${g.gainStages} gain stages`);
  const a = g.asics;
  if (!a || a.rows * a.asicRows !== g.moduleRows || a.cols * a.asicCols !== g.moduleCols) {
    fail(`ASIC tiling ${a?.rows}x${a?.cols} of ${a?.asicRows}x${a?.asicCols} does not cover the ${g.moduleRows}x${g.moduleCols} module`);
  }
  if (!plugin.layout || typeof plugin.layout.source !== 'function' || typeof plugin.layout.aggregator !== 'function') fail('layout.source/aggregator must be functions');
  if (!Array.isArray(plugin.constantTypes)) fail('constantTypes must be an array');
  if (!plugin.steps || typeof plugin.steps.simulate !== 'function') fail('steps.simulate is missing');
}
