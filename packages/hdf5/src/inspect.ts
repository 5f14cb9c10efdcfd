/** `detcal inspect`: what is inside HDF5 files and EuXFEL runs, as JSON-able data. */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { asNumeric, describeDtype, toNumberList } from './dtype-map.js';
import { parseRawFileName } from './euxfel-names.js';
import { describeFilters } from './filters.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { getDataset, listDatasetPaths, openHdf5Sync, type H5File } from './hdf5-file.js';
import { readNumbers } from './run-index.js';

/** One dataset of a file. */
export interface DatasetDescription {
  /** Absolute path in the file. */
  path: string;
  /** Shape (null for empty / null dataspaces). */
  shape: number[] | null;
  /** Maximum shape; null entries are unlimited axes. */
  maxshape: (number | null)[] | null;
  /** numpy-style element type ('u2', 'f4', 'str' ...). */
  dtype: string;
  /** Filter names in pipeline order, '!' appended to the ones detcal cannot decode. */
  filters: string[];
  /** Chunk shape, null when contiguous. */
  chunks: number[] | null;
}

/** One inspected file. */
export interface FileDescription {
  /** Path as given. */
  file: string;
  /** Size in bytes. */
  bytes: number;
  /** Every dataset, depth first. */
  datasets: DatasetDescription[];
}

/** One source group of a EuXFEL run (METADATA/dataSourceId entry). */
export interface SourceSummary {
  /** The dataSourceId entry, e.g. 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image'. */
  source: string;
  /** Rows of the source's datasets over all files (sum of INDEX counts). */
  entries: number;
  /** Frames: entries x cells for (trains, cells, ...) data, else entries. */
  frames: number;
  /** Cells axis length of (trains, cells, ...) data, if any. */
  cellsAxis?: number;
  /** Distinct memory-cell ids (cellId / memoryCell datasets), if the source has them. */
  cellIds?: number[];
}

/** What a EuXFEL run (folder or file) holds. */
export interface RunSummary {
  /** Run number from the file names. */
  run?: number;
  /** Aggregators found in the file names. */
  aggregators: string[];
  /** Sequence file names, in order. */
  sequenceFiles: string[];
  /** Number of distinct trains (INDEX/trainId over all files; zero ids ignored). */
  trains: number;
  /** Smallest train id. */
  firstTrainId?: number;
  /** Largest train id. */
  lastTrainId?: number;
  /** Per source group. */
  sources: SourceSummary[];
}

/** The result of inspect(). */
export interface InspectResult {
  /** The input path. */
  input: string;
  /** A folder or a single file. */
  kind: 'folder' | 'file';
  /** Every file inspected. */
  files: FileDescription[];
  /** Run summary, when the files are EuXFEL raw files (have METADATA/dataSourceId). */
  run?: RunSummary;
}

/** Describes a file or a folder of HDF5 files (EuXFEL sequence files first): datasets, filters, chunks, run summary. */
export async function inspect(input: string): Promise<InspectResult> {
  await loadHdf5();
  if (!fs.existsSync(input)) throw new DetcalError('NOT_FOUND', `${input}: no such file or folder; pass a run folder or an HDF5 file`);
  const isDir = fs.statSync(input).isDirectory();
  const files = isDir ? folderFiles(input) : [input];
  const descriptions: FileDescription[] = [];
  const run = new RunCollector();
  for (const file of files) {
    const h5 = openHdf5Sync(file);
    try {
      descriptions.push({ file, bytes: fs.statSync(file).size, datasets: listDatasetPaths(h5).map((p) => describeDataset(h5, p)) });
      run.add(h5, file);
    } finally {
      h5.close();
    }
  }
  const summary = run.summary();
  return { input, kind: isDir ? 'folder' : 'file', files: descriptions, ...(summary ? { run: summary } : {}) };
}

function folderFiles(dir: string): string[] {
  const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile());
  const raw = names
    .flatMap((n) => {
      const p = parseRawFileName(n);
      return p ? [{ n, p }] : [];
    })
    .sort((a, b) => (a.p.aggregator === b.p.aggregator ? a.p.sequence - b.p.sequence : a.p.aggregator < b.p.aggregator ? -1 : 1))
    .map((e) => e.n);
  const chosen = raw.length > 0 ? raw : names.filter((n) => /\.(h5|hdf5|nxs|cxi)$/i.test(n)).sort();
  if (chosen.length === 0) throw new DetcalError('NOT_FOUND', `${dir}: no HDF5 files (.h5, .hdf5, .nxs, .cxi); pass a run folder or an HDF5 file`);
  return chosen.map((n) => path.join(dir, n));
}

function describeDataset(h5: H5File, datasetPath: string): DatasetDescription {
  const ds = getDataset(h5, datasetPath);
  const meta = ds?.metadata;
  const unlimited = (v: number): number | null => (v >= 2 ** 63 ? null : v);
  return {
    path: datasetPath,
    shape: meta?.shape ?? null,
    maxshape: meta?.maxshape ? meta.maxshape.map(unlimited) : null,
    dtype: meta ? describeDtype(meta) : 'unknown',
    filters: ds ? describeFilters(ds.filters).map((f) => (f.decodable ? f.name : `${f.name}!`)) : [],
    chunks: meta?.chunks ?? null,
  };
}

/** Accumulates the EuXFEL run summary over files. */
class RunCollector {
  private readonly trainIds = new Set<number>();
  private readonly sources = new Map<string, { entries: number; cellsAxis?: number; cellIds?: Set<number> }>();
  private readonly names: string[] = [];
  private readonly aggregators = new Set<string>();
  private readonly runs = new Set<number>();
  private any = false;

  add(h5: H5File, file: string): void {
    const ids = getDataset(h5, 'METADATA/dataSourceId')?.value;
    if (!Array.isArray(ids)) return;
    this.any = true;
    const parsed = parseRawFileName(path.basename(file));
    if (parsed) {
      this.aggregators.add(parsed.aggregator);
      this.runs.add(parsed.run);
    }
    this.names.push(path.basename(file));
    for (const id of readNumbers(h5, 'INDEX/trainId') ?? []) if (id > 0) this.trainIds.add(id);
    for (const source of ids.map(String)) {
      const entry = this.sources.get(source) ?? { entries: 0 };
      this.sources.set(source, entry);
      const indexPath = `INDEX/${source.slice(source.indexOf('/') + 1)}`;
      const counts = readNumbers(h5, `${indexPath}/count`) ?? [];
      const firsts = readNumbers(h5, `${indexPath}/first`) ?? [];
      const rows = counts.reduce((end, c, i) => (c > 0 ? Math.max(end, (firsts[i] ?? 0) + c) : end), 0);
      entry.entries += counts.reduce((a, b) => a + b, 0);
      for (const name of ['cellId', 'memoryCell']) {
        const ds = getDataset(h5, `${source}/${name}`);
        if (!ds?.shape || ds.shape.length === 0) continue;
        if (ds.shape.length === 2 && ds.shape[1] > 1) entry.cellsAxis = ds.shape[1];
        const n = Math.min(rows, ds.shape[0]);
        if (n === 0) continue;
        const values = toNumberList(asNumeric(ds.slice([[0, n]]), name));
        entry.cellIds ??= new Set();
        for (const v of values) entry.cellIds.add(v);
      }
    }
  }

  summary(): RunSummary | undefined {
    if (!this.any) return undefined;
    const ids = [...this.trainIds].sort((a, b) => a - b);
    return {
      ...(this.runs.size === 1 ? { run: [...this.runs][0] } : {}),
      aggregators: [...this.aggregators].sort(),
      sequenceFiles: this.names,
      trains: ids.length,
      ...(ids.length > 0 ? { firstTrainId: ids[0], lastTrainId: ids[ids.length - 1] } : {}),
      sources: [...this.sources].map(([source, s]) => ({
        source,
        entries: s.entries,
        frames: s.entries * (s.cellsAxis ?? 1),
        ...(s.cellsAxis ? { cellsAxis: s.cellsAxis } : {}),
        ...(s.cellIds ? { cellIds: [...s.cellIds].sort((a, b) => a - b) } : {}),
      })),
    };
  }
}
