/**
 * Plugin registry: built-in detector ids mapped to their packages, plus third-party plugins loaded
 * by package name or path. Importing is injected so that core stays free of Node-only APIs.
 */
import { DetcalError } from './errors.js';
import type { DetectorModule, DetectorPlugin } from './plugin-types.js';
import { validatePlugin } from './validate-plugin.js';

/** Built-in detector plugins: id -> package name. */
export const BUILTIN_PLUGINS: Readonly<Record<string, string>> = {
  agipd: '@detcal/plugin-agipd',
  jungfrau: '@detcal/plugin-jungfrau',
  epix100: '@detcal/plugin-epix100',
  pnccd: '@detcal/plugin-pnccd',
};

/** Imports a module by specifier (package name or file URL) and returns its namespace. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Where a registered plugin came from. */
export interface RegisteredPlugin {
  /** The plugin itself. */
  plugin: DetectorPlugin;
  /** Package name or path it was loaded from. */
  source: string;
  /** True for the plugins shipped with detcal. */
  builtin: boolean;
}

/** Extracts the DetectorModule default export of an imported namespace, or explains what is missing. */
export function pluginFromNamespace(namespace: unknown, source: string): DetectorPlugin {
  const ns = namespace as { default?: unknown } | null;
  let mod = ns?.default as Partial<DetectorModule> | undefined;
  // CommonJS modules imported from ESM put module.exports on default; unwrap one more level.
  if (mod && typeof mod.getPlugin !== 'function' && (mod as { default?: unknown }).default) {
    mod = (mod as { default: Partial<DetectorModule> }).default;
  }
  if (!mod) {
    throw new DetcalError('PLUGIN', `plugin ${source} has no default export: export default { getPlugin() { return plugin } } (a DetectorModule)`);
  }
  if (typeof mod.getPlugin !== 'function') {
    throw new DetcalError('PLUGIN', `plugin ${source}: the default export has no getPlugin() function; export default a DetectorModule`);
  }
  const plugin = mod.getPlugin();
  validatePlugin(plugin, source);
  return plugin;
}

export class PluginRegistry {
  private readonly plugins = new Map<string, RegisteredPlugin>();

  constructor(private readonly importer: ModuleImporter) {}

  /** Registers a plugin object; an id that is already taken is an error naming both sources. */
  register(plugin: DetectorPlugin, source: string, builtin = false): DetectorPlugin {
    validatePlugin(plugin, source);
    const existing = this.plugins.get(plugin.id);
    if (existing) {
      throw new DetcalError(
        'PLUGIN',
        `plugin id '${plugin.id}' from ${source} clashes with the one from ${existing.source}: give the plugin another id`,
      );
    }
    this.plugins.set(plugin.id, { plugin, source, builtin });
    return plugin;
  }

  /** Imports a module (package name, or a path the importer resolves) and registers its plugin. */
  async load(specifier: string, builtin = false): Promise<DetectorPlugin> {
    let namespace: unknown;
    try {
      namespace = await this.importer(specifier);
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new DetcalError('PLUGIN', `cannot load plugin ${specifier}: ${why}; give a package name or a path to the plugin's built JS entry`, { cause: err });
    }
    return this.register(pluginFromNamespace(namespace, specifier), specifier, builtin);
  }

  /** Loads every built-in plugin. */
  async loadBuiltins(): Promise<void> {
    for (const pkg of Object.values(BUILTIN_PLUGINS)) await this.load(pkg, true);
  }

  /** The plugin with this id, or an error listing the known ids. */
  get(id: string): DetectorPlugin {
    const hit = this.plugins.get(id.toLowerCase());
    if (!hit) {
      const known = [...this.plugins.keys()].join(', ') || 'none';
      throw new DetcalError('NOT_FOUND', `unknown detector '${id}': known detectors are ${known} (add one with --plugin PATH)`);
    }
    return hit.plugin;
  }

  /** All registered plugins in registration order. */
  list(): RegisteredPlugin[] {
    return [...this.plugins.values()];
  }
}
