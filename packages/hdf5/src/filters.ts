/**
 * HDF5 filter checks. Without a needed filter HDF5 hands h5wasm undecoded bytes and h5wasm returns
 * WRONG values without throwing, so every dataset is checked before it is read.
 */
import { DetcalError } from '@detcal/core';
import type { Filter } from 'h5wasm/node';
import { hdf5PluginStatus } from './h5wasm-runtime.js';
import { absolutePath, requireDataset, type H5File } from './hdf5-file.js';

/** One filter of a dataset's pipeline, with its registered name and whether detcal can decode it. */
export interface FilterInfo {
  /** HDF5 filter id (1 gzip, 2 shuffle, 32004 lz4, 32008 bitshuffle ...). */
  id: number;
  /** Short name (gzip, shuffle, lz4, bitshuffle ...) or the name stored in the file for unknown ids. */
  name: string;
  /** Filter parameters (cd_values) as stored. */
  params: number[];
  /** True when this process can decode it (built into h5wasm, or its h5wasm-plugins plugin is installed). */
  decodable: boolean;
}

/** Filters built into h5wasm's libhdf5 (lzf was measured to decode without any plugin in h5wasm 0.10.3). */
const BUILT_IN: Record<number, string> = {
  1: 'gzip',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
  32000: 'lzf',
};

/** Registered filter ids decoded by an h5wasm-plugins library (libH5Z<plugin>.so). */
const PLUGIN_FILTERS: Record<number, { name: string; plugin: string }> = {
  307: { name: 'bzip2', plugin: 'bz2' },
  32001: { name: 'blosc', plugin: 'blosc' },
  32004: { name: 'lz4', plugin: 'lz4' },
  32008: { name: 'bitshuffle', plugin: 'bshuf' },
  32013: { name: 'zfp', plugin: 'zfp' },
  32015: { name: 'zstd', plugin: 'zstd' },
  32019: { name: 'jpeg', plugin: 'jpeg' },
  32022: { name: 'bitgroom', plugin: 'bitgroom' },
  32023: { name: 'bitround', plugin: 'bitround' },
  32026: { name: 'blosc2', plugin: 'blosc2' },
};

/** Other registered ids, named in error messages. */
const KNOWN_NAMES: Record<number, string> = {
  32002: 'mafisc', 32003: 'snappy', 32005: 'apax', 32006: 'cbf', 32007: 'jpeg-xr', 32009: 'spdp', 32010: 'lpc-rice',
  32011: 'ccsds-123', 32012: 'jpeg-ls', 32014: 'fpzip', 32016: 'b3d', 32017: 'sz', 32018: 'fcidecomp', 32020: 'vbz',
  32021: 'fapec', 32024: 'sz3', 32025: 'delta-rice', 32027: 'flac', 32028: 'sperr', 32029: 'trpx',
};

/** Short name of a filter id (the stored name when the id is not a known one). */
export function filterName(id: number, storedName = ''): string {
  return BUILT_IN[id] ?? PLUGIN_FILTERS[id]?.name ?? KNOWN_NAMES[id] ?? (storedName.split(/[;\s]/)[0] || `filter-${id}`);
}

/** True when this process can decode filter `id` (built-in, or plugin present; call after loadHdf5()). */
export function isDecodableFilter(id: number): boolean {
  if (id in BUILT_IN) return true;
  const plugin = PLUGIN_FILTERS[id];
  return plugin !== undefined && hdf5PluginStatus().plugins.includes(plugin.plugin);
}

/** Describes a raw h5wasm filter list. */
export function describeFilters(filters: readonly Filter[]): FilterInfo[] {
  return filters.map((f) => ({ id: f.id, name: filterName(f.id, f.name), params: [...f.cd_values], decodable: isDecodableFilter(f.id) }));
}

/**
 * Lists the filters of `datasetPath` in the open file `h5` (whose path on disk is `file`, used in
 * messages) and throws DetcalError UNSUPPORTED_FILTER, one line, when any of them cannot be decoded.
 */
export function checkFilters(h5: H5File, file: string, datasetPath: string): FilterInfo[] {
  const ds = requireDataset(h5, file, datasetPath, 'check the dataset path (detcal inspect lists them)');
  const filters = describeFilters(ds.filters);
  const bad = filters.find((f) => !f.decodable);
  if (bad) {
    const plugin = PLUGIN_FILTERS[bad.id];
    const fix = plugin
      ? `the h5wasm-plugins package (libH5Z${plugin.plugin}.so) is missing or failed to load (${hdf5PluginStatus().error ?? 'not found'}); reinstall detcal's dependencies`
      : `rewrite it with a filter detcal reads, e.g. \`h5repack -f GZIP=4 ${file} out.h5\` on a machine that has the ${bad.name} plugin`;
    throw new DetcalError('UNSUPPORTED_FILTER', `${file}: dataset ${absolutePath(datasetPath)} uses filter ${bad.name} (id ${bad.id}) which detcal cannot decode; ${fix}`);
  }
  return filters;
}
