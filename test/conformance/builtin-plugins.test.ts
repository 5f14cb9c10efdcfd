import { BUILTIN_PLUGINS, PluginRegistry } from '@detcal/core';
import { describePluginConformance } from './plugin-conformance.js';

const registry = new PluginRegistry((spec) => import(spec));
await registry.loadBuiltins();
for (const { plugin } of registry.list()) describePluginConformance(plugin);

if (registry.list().length !== Object.keys(BUILTIN_PLUGINS).length) throw new Error('a built-in plugin did not load');
