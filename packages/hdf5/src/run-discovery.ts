/** Finds the files of a run: a folder of EuXFEL sequence files, one raw file, or any HDF5 file plus a dataset path. */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type RawLayout } from '@detcal/core';
import { parseRawFileName, type RawFileName, rawPaths } from './euxfel-names.js';
import { assertHdf5File, getDataset, listDatasetPaths, withHdf5File } from './hdf5-file.js';

/** What the input turned out to be. */
export type RunInputKind = 'run-folder' | 'file' | 'dataset';

/** Options of discoverRun. */
export interface DiscoverOptions {
  /** Detector layout: selects the module's aggregator in a run folder. */
  layout?: RawLayout;
  /** Module index (default 0). */
  module?: number;
  /** Dataset holding the frames, for files that are not EuXFEL raw files (e.g. '/entry/data/data'). */
  dataset?: string;
}

/** The files of a run, in sequence order. */
export interface DiscoveredRun {
  /** Folder of sequence files, single raw file, or any HDF5 file read through `dataset`. */
  kind: RunInputKind;
  /** Files in sequence order (S00000, S00001, ... numerically). */
  files: string[];
  /** Run number from the file names, if they are EuXFEL names. */
  run?: number;
  /** Aggregator from the file names (e.g. 'AGIPD00'). */
  aggregator?: string;
  /** The dataset path, when kind is 'dataset'. */
  dataset?: string;
}

const INPUT_FIX = 'pass a run folder (RAW-R0001-<AGG>-S00000.h5 files), one raw file, or an HDF5 file with --dataset <path>';

/** Resolves `input` (folder, raw file, or HDF5 file + opts.dataset) into the ordered files of one module's run. */
export async function discoverRun(input: string, opts: DiscoverOptions = {}): Promise<DiscoveredRun> {
  if (!fs.existsSync(input)) throw new DetcalError('NOT_FOUND', `${input}: no such file or folder; ${INPUT_FIX}`);
  if (fs.statSync(input).isDirectory()) return discoverFolder(input, opts);
  return discoverFile(input, opts);
}

function discoverFolder(dir: string, opts: DiscoverOptions): DiscoveredRun {
  const names = fs.readdirSync(dir).sort();
  const raw = names
    .map((name) => ({ name, parsed: parseRawFileName(name) }))
    .filter((e): e is { name: string; parsed: RawFileName } => e.parsed !== null && fs.statSync(path.join(dir, e.name)).isFile());
  if (raw.length === 0) {
    const others = names.filter((n) => /\.(h5|hdf5|nxs|cxi)$/i.test(n));
    const hint = others.length > 0 ? `; to read one of its HDF5 files (${others.slice(0, 3).join(', ')}) pass that file with --dataset <path>` : `; ${INPUT_FIX}`;
    throw new DetcalError('NOT_FOUND', `${dir}: no raw sequence files (RAW-R####-<AGG>-S#####.h5)${hint}`);
  }
  const aggregators = [...new Set(raw.map((e) => e.parsed.aggregator))].sort();
  let wanted: string;
  if (opts.layout) {
    const module = opts.module ?? 0;
    wanted = opts.layout.aggregator(module);
    if (!aggregators.some((a) => a.toUpperCase() === wanted.toUpperCase())) {
      throw new DetcalError('LAYOUT', `${dir}: no sequence files of aggregator ${wanted} (module ${module}); found aggregators ${aggregators.join(', ')}; pass the --module whose aggregator is one of them, or the right --detector`);
    }
  } else if (aggregators.length === 1) {
    wanted = aggregators[0];
  } else {
    throw new DetcalError('BAD_INPUT', `${dir}: holds files of several aggregators (${aggregators.join(', ')}); pass --detector and --module to pick one`);
  }
  const selected = raw.filter((e) => e.parsed.aggregator.toUpperCase() === wanted.toUpperCase());
  const runs = [...new Set(selected.map((e) => e.parsed.run))].sort((a, b) => a - b);
  if (runs.length > 1) {
    throw new DetcalError('BAD_INPUT', `${dir}: holds ${wanted} files of several runs (${runs.join(', ')}); pass the folder of one run`);
  }
  selected.sort((a, b) => a.parsed.sequence - b.parsed.sequence);
  return { kind: 'run-folder', files: selected.map((e) => path.join(dir, e.name)), run: runs[0], aggregator: selected[0].parsed.aggregator };
}

async function discoverFile(file: string, opts: DiscoverOptions): Promise<DiscoveredRun> {
  assertHdf5File(file);
  const parsed = parseRawFileName(path.basename(file));
  if (opts.dataset) {
    const dataset = opts.dataset;
    await withHdf5File(file, (h5) => {
      if (!getDataset(h5, dataset)) {
        throw new DetcalError('NOT_FOUND', `${file}: no dataset ${dataset}; ${candidateHint(listDatasetPaths(h5), h5)}`);
      }
    });
    return { kind: 'dataset', files: [file], dataset, ...(parsed ? { run: parsed.run, aggregator: parsed.aggregator } : {}) };
  }
  if (parsed) {
    if (opts.layout) {
      const wanted = opts.layout.aggregator(opts.module ?? 0);
      if (wanted.toUpperCase() !== parsed.aggregator.toUpperCase()) {
        throw new DetcalError('LAYOUT', `${file}: is a file of aggregator ${parsed.aggregator}, but module ${opts.module ?? 0} is ${wanted}; pass the --module of ${parsed.aggregator} or that module's file`);
      }
    }
    return { kind: 'file', files: [file], run: parsed.run, aggregator: parsed.aggregator };
  }
  const layout = opts.layout;
  const isRaw = await withHdf5File(file, (h5) => {
    if (layout) return getDataset(h5, rawPaths(layout, opts.module ?? 0).data) !== null;
    return getDataset(h5, 'METADATA/dataSourceId') !== null;
  });
  if (isRaw) return { kind: 'file', files: [file] };
  const hint = await withHdf5File(file, (h5) => candidateHint(listDatasetPaths(h5), h5));
  throw new DetcalError('BAD_INPUT', `${file}: not a EuXFEL raw file of this detector; ${hint}`);
}

/** "pass --dataset <path>; frame-like datasets: /a, /b" from the datasets with 2 or more axes. */
function candidateHint(paths: string[], h5: Parameters<typeof getDataset>[0]): string {
  const frameLike = paths.filter((p) => (getDataset(h5, p)?.shape?.length ?? 0) >= 2);
  const shown = frameLike.slice(0, 5).join(', ');
  return frameLike.length > 0 ? `pass --dataset <path>; datasets with 2+ axes: ${shown}${frameLike.length > 5 ? ', ...' : ''}` : 'the file has no dataset with 2 or more axes to read frames from';
}
