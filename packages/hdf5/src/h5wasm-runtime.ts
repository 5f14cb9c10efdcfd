/**
 * The h5wasm runtime: loaded once per process, with the h5wasm-plugins filter folder (lz4, bitshuffle,
 * blosc, zstd, bzip2, zfp, ...) put first on the HDF5 plugin search path.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import h5wasm from 'h5wasm/node';

/** The emscripten module of h5wasm (what `h5wasm.ready` resolves to). */
export type H5Module = Awaited<typeof h5wasm.ready>;

/** Where the HDF5 filter plugins come from and which loaded. */
export interface PluginStatus {
  /** Folder holding the plugin .so files (null when h5wasm-plugins is not installed). */
  dir: string | null;
  /** Plugin library names found there, without the libH5Z prefix and .so suffix (e.g. 'lz4', 'bshuf'). */
  plugins: string[];
  /** Why the plugins could not be installed, if they could not. */
  error?: string;
}

let loading: Promise<H5Module> | undefined;
let h5module: H5Module | undefined;
let pluginStatus: PluginStatus = { dir: null, plugins: [] };

/** Loads h5wasm (once) and installs the h5wasm-plugins filters; every other function of this package awaits it. */
export function loadHdf5(): Promise<H5Module> {
  loading ??= h5wasm.ready.then((module) => {
    pluginStatus = installPlugins(module);
    h5module = module;
    return module;
  });
  return loading;
}

/** The loaded h5wasm module; throws when loadHdf5() has not finished (a bug, not a user error). */
export function hdf5Module(): H5Module {
  if (!h5module) throw new Error('h5wasm is not loaded yet: await loadHdf5() first');
  return h5module;
}

/** Which filter plugins were installed (valid after loadHdf5()). */
export function hdf5PluginStatus(): PluginStatus {
  return pluginStatus;
}

/** The h5wasm namespace (File, Dataset, Group classes). */
export { h5wasm };

function installPlugins(module: H5Module): PluginStatus {
  try {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('h5wasm-plugins/package.json')), 'plugins');
    const plugins = fs
      .readdirSync(dir)
      .filter((name) => /^libH5Z.+\.so$/.test(name))
      .map((name) => name.slice('libH5Z'.length, -'.so'.length))
      .sort();
    module.insert_plugin_search_path(dir, 0);
    return { dir, plugins };
  } catch (err) {
    return { dir: null, plugins: [], error: err instanceof Error ? err.message : String(err) };
  }
}
