/** Builds the detector registry for a CLI run: the built-in plugins, then any given with --plugin or DETCAL_PLUGINS. */
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DetcalError, PluginRegistry } from '@detcal/core';

/** Imports a package name, or a file path (relative to the working directory) as a file URL. */
export async function importModule(specifier: string): Promise<unknown> {
  const looksLikePath = specifier.startsWith('.') || isAbsolute(specifier) || /\.(c|m)?js$/.test(specifier);
  if (looksLikePath) {
    const path = resolve(specifier);
    if (!existsSync(path)) throw new DetcalError('NOT_FOUND', `plugin file ${path} does not exist: give the path to the plugin's built JS entry (e.g. dist/index.js)`);
    return import(pathToFileURL(path).href);
  }
  return import(specifier);
}

/** Registry with the built-ins and the extra plugins (package names or paths). */
export async function createRegistry(extra: readonly string[] = []): Promise<PluginRegistry> {
  const registry = new PluginRegistry(importModule);
  await registry.loadBuiltins();
  const fromEnv = (process.env.DETCAL_PLUGINS ?? '').split(/[,:]/).map((s) => s.trim()).filter(Boolean);
  for (const spec of [...fromEnv, ...extra]) await registry.load(spec);
  return registry;
}
