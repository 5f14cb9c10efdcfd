/**
 * Streaming frame source: one module's frames from a run's files, block by block, with bounded memory
 * (one block of frames at a time, whatever the run length), any of the three FrameAxes or a plain dataset.
 */
import { DetcalError, type DType, type BlockReadOptions, type FrameBlock, type RawLayout } from '@detcal/core';
import { probeDirectStorage } from './direct-storage.js';
import { dtypeOfMetadata, describeDtype, isFloatMetadata } from './dtype-map.js';
import { rawPaths } from './euxfel-names.js';
import { checkFilters } from './filters.js';
import { frameGeometry, type FrameGeometry, type FrameSourceAxes } from './frame-geometry.js';
import { selectFrames, type FrameSelection } from './frame-selection.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { absolutePath, getDataset, openHdf5Sync, type H5File } from './hdf5-file.js';
import { iterateBlocks, type BlockReader, type FileState, type SourcePaths } from './frame-block-reader.js';
import { segmentFrames, type Segment } from './read-plan.js';
import { indexedRows, readTrainTable, trainIdLookup, trainSegments } from './run-index.js';

/** Options of openFrameSource. */
export interface FrameSourceOptions {
  /** The run's files in sequence order (discoverRun().files). */
  files: string[];
  /** Detector layout: where frames, gain and ids live (needed unless `dataset` is given). */
  layout?: RawLayout;
  /** Module index. */
  module: number;
  /** Read frames from this dataset instead of the layout's ((N, rows, cols) or one (rows, cols) frame). */
  dataset?: string;
  /** Frames per block (default 64). */
  blockFrames?: number;
  /** First frame of the run to read (default 0). */
  firstFrame?: number;
  /** End of the frame range, exclusive (default: end of run). */
  lastFrame?: number;
  /** Read every stride-th frame (default 1). */
  stride?: number;
  /** Read uncompressed u1 / u2 / f4 pixel datasets with fs.readSync at their file offsets (default true; false: always through h5wasm). */
  directRead?: boolean;
}

/** An opened run: its shape and an iterator of frame blocks. */
export interface FrameSource {
  /** Files read, in order. */
  files: string[];
  /** Module index written into every block. */
  module: number;
  /** Axis arrangement of the pixel dataset ('dataset' for a plain --dataset). */
  axes: FrameSourceAxes;
  /** Element type of the pixel dataset (blocks hold Uint16Array for u1 / u2, Float32Array otherwise). */
  dtype: DType;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
  /** Frames in the run before selection. */
  totalFrames: number;
  /** Frames selected (what blocks() yields in total). */
  nFrames: number;
  /** The frame selection applied. */
  selection: FrameSelection;
  /** Most frames per block. */
  blockFrames: number;
  /** Memory cells per train: the cells axis of train-cell data, else the largest INDEX count per train. */
  cellsPerTrain?: number;
  /** Trains with data in the run (from INDEX), if known. */
  trains?: number;
  /** Blocks carry per-pixel gain values. */
  hasGain: boolean;
  /**
   * Yields the selected frames in run order as blocks of at most blockFrames frames. ASYNC iterable:
   * use `for await`; every call starts again from the first selected frame. Memory is bounded: the
   * current block, plus with a stride one read window of at most max(32, blockFrames) frames; files
   * are opened one at a time and closed when the iteration ends or is left early. Cell ids come from
   * the layout's cell-id dataset (else 0, or the position in the train for train-cell data), train ids
   * from its train-id dataset (else INDEX/trainId, else 0), pulse ids only when the layout has them.
   * With opts.keep the arrays of a block are reused for the block `keep` positions later.
   */
  blocks(opts?: BlockReadOptions): AsyncIterable<FrameBlock>;
  /** The same source read in blocks of at most `blockFrames` frames (the metadata is not read again). */
  withBlockFrames(blockFrames: number): FrameSource;
}

/** Checks a block size in frames (a whole number, 1 or more). */
function checkBlockFrames(blockFrames: number): void {
  if (!Number.isInteger(blockFrames) || blockFrames < 1) throw new DetcalError('BAD_INPUT', `--block-frames ${blockFrames}: must be a whole number of frames, 1 or more`);
}

/** Opens the frames of one module in a run; checks filters, shapes across files and truncation before any block is read. */
export async function openFrameSource(opts: FrameSourceOptions): Promise<FrameSource> {
  await loadHdf5();
  if (opts.files.length === 0) throw new DetcalError('BAD_INPUT', 'no files to read frames from; pass a run folder, a raw file or an HDF5 file with --dataset');
  checkBlockFrames(opts.blockFrames ?? 64);
  const axes: FrameSourceAxes = opts.dataset ? 'dataset' : (opts.layout?.axes ?? 'dataset');
  if (!opts.dataset && !opts.layout) throw new DetcalError('BAD_INPUT', `${opts.files[0]}: no detector layout and no dataset to read frames from; pass --detector, or --dataset <path>`);
  const paths = sourcePaths(opts);

  let geometry: FrameGeometry | undefined;
  let dtype: DType | undefined;
  let gainIsU1 = true;
  let pulseIdsKnown = false;
  let maxCount = 0;
  let trains = 0;
  let haveIndex = true;
  const states: FileState[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < opts.files.length; i++) {
    const file = opts.files[i];
    const h5 = openHdf5Sync(file);
    try {
      const dataPath = absolutePath(paths.data);
      const ds = getDataset(h5, paths.data);
      if (!ds) throw new DetcalError('NOT_FOUND', `${file}: no dataset ${dataPath}; ${missingDataHint(h5, opts)}`);
      checkFilters(h5, file, paths.data);
      const g = frameGeometry(ds.shape, axes, file, dataPath);
      const dt = dtypeOfMetadata(ds.metadata);
      if (!dt) throw new DetcalError('BAD_INPUT', `${file}: dataset ${dataPath} holds ${describeDtype(ds.metadata)} values, not numbers detcal reads as frames (u1, u2, u4, i2, i4, f4, f8); pass --dataset with a numeric dataset`);
      if (!geometry || !dtype) {
        geometry = g;
        dtype = dt;
      } else {
        const a = geometry;
        if (g.rows !== a.rows || g.cols !== a.cols || g.framesPerEntry !== a.framesPerEntry || g.single !== a.single) {
          throw new DetcalError('SHAPE_MISMATCH', `${file}: dataset ${dataPath} has ${shapeText(g)} but ${opts.files[0]} has ${shapeText(a)}; pass the files of one detector module only`);
        }
        if (dt !== dtype) throw new DetcalError('SHAPE_MISMATCH', `${file}: dataset ${dataPath} holds ${dt} values but ${opts.files[0]} holds ${dtype}; pass the files of one run only`);
      }
      const table = paths.indexFirst && paths.indexCount ? readTrainTable(h5, file, paths.indexFirst, paths.indexCount) : null;
      if (table) {
        const needed = indexedRows(table);
        if (needed > g.entries) {
          throw new DetcalError('BAD_INPUT', `${file}: dataset ${dataPath} has ${g.entries} entries but INDEX says ${needed}; the file is truncated (an interrupted copy or write), copy it again or leave it out of the run`);
        }
        trains += table.ids.length;
        for (const c of table.count) maxCount = Math.max(maxCount, c);
        segments.push(...trainSegments(table, i, g.framesPerEntry, segmentFrames(segments, g.framesPerEntry)));
      } else {
        haveIndex = false;
        if (g.entries > 0) segments.push({ file: i, entryStart: 0, entryCount: g.entries, frameStart: segmentFrames(segments, g.framesPerEntry) });
      }
      const rowsNeeded = table ? indexedRows(table) : g.entries;
      const present = {
        gain: checkCompanion(h5, file, paths.gain, rowsNeeded),
        cellId: checkCompanion(h5, file, paths.cellId, rowsNeeded),
        trainId: checkCompanion(h5, file, paths.trainId, rowsNeeded),
        pulseId: checkCompanion(h5, file, paths.pulseId, rowsNeeded),
      };
      if (present.gain && paths.gain) gainIsU1 = getDataset(h5, paths.gain)?.metadata.size === 1;
      if (present.pulseId) pulseIdsKnown = true;
      const trainShape = paths.trainId ? getDataset(h5, paths.trainId)?.shape : null;
      const trainIdPerFrame = g.framesPerEntry === 1 || (trainShape?.length ?? 0) >= 2;
      const directRead = opts.directRead ?? true;
      const direct = directRead && !g.single ? probeDirectStorage(h5, file, paths.data) : null;
      const directGain = directRead && !g.single && present.gain && paths.gain ? probeDirectStorage(h5, file, paths.gain) : null;
      states.push({ file, table, present, trainIdPerFrame, trainIdOf: table ? trainIdLookup(table) : null, direct, directGain });
    } finally {
      h5.close();
    }
  }
  const geo = geometry as FrameGeometry;
  const totalFrames = segmentFrames(segments, geo.framesPerEntry);
  const selection = selectFrames(totalFrames, opts);
  const floatData = dtype !== 'u1' && dtype !== 'u2';
  const hasGain = geo.analogDigital || states.some((s) => s.present.gain);
  const cellsPerTrain = axes === 'train-cell' ? geo.framesPerEntry : haveIndex && maxCount > 0 && axes !== 'dataset' ? maxCount : undefined;
  const trainCount = haveIndex ? trains : axes === 'train-cell' ? segmentFrames(segments, 1) : undefined;

  const reader: BlockReader = { files: opts.files, module: opts.module, paths, geo, states, floatData, gainIsU1, pulseIdsKnown };
  const sourceWith = (blockFrames: number): FrameSource => ({
    files: [...opts.files],
    module: opts.module,
    axes,
    dtype: dtype as DType,
    rows: geo.rows,
    cols: geo.cols,
    totalFrames,
    nFrames: selection.count,
    selection,
    blockFrames,
    ...(cellsPerTrain !== undefined ? { cellsPerTrain } : {}),
    ...(trainCount !== undefined ? { trains: trainCount } : {}),
    hasGain,
    blocks: (opts?: BlockReadOptions) => {
      const limit = opts?.frames !== undefined ? Math.max(1, Math.floor(opts.frames)) : undefined;
      const sel = limit !== undefined && limit < selection.count ? { ...selection, count: limit } : selection;
      return iterateBlocks(reader, segments, sel, limit !== undefined ? Math.min(blockFrames, limit) : blockFrames, opts?.keep, opts?.ring, opts?.pendingPixels);
    },
    withBlockFrames: (n: number) => {
      checkBlockFrames(n);
      return sourceWith(n);
    },
  });
  return sourceWith(opts.blockFrames ?? 64);
}

function sourcePaths(opts: FrameSourceOptions): SourcePaths {
  if (opts.dataset) return { data: opts.dataset };
  const p = rawPaths(opts.layout as RawLayout, opts.module);
  return { data: p.data, gain: p.gain, cellId: p.cellId, trainId: p.trainId, pulseId: p.pulseId, indexFirst: p.indexFirst, indexCount: p.indexCount };
}

/** True when a companion dataset (gain, ids) exists; checks its filters and that it is not shorter than the data. */
function checkCompanion(h5: H5File, file: string, datasetPath: string | undefined, rowsNeeded: number): boolean {
  if (!datasetPath) return false;
  const ds = getDataset(h5, datasetPath);
  if (!ds) return false;
  checkFilters(h5, file, datasetPath);
  const rows = ds.shape?.[0] ?? 0;
  if (rows < rowsNeeded) {
    throw new DetcalError('BAD_INPUT', `${file}: dataset ${absolutePath(datasetPath)} has ${rows} entries but the frames need ${rowsNeeded}; the file is truncated, copy it again or leave it out of the run`);
  }
  if (!isFloatMetadata(ds.metadata) && ds.metadata.type !== 0) {
    throw new DetcalError('BAD_INPUT', `${file}: dataset ${absolutePath(datasetPath)} is not numeric; the detector layout does not match this file`);
  }
  return true;
}

function shapeText(g: FrameGeometry): string {
  if (g.single) return `one ${g.rows}x${g.cols} frame`;
  return `frames of ${g.rows}x${g.cols}${g.framesPerEntry > 1 ? ` in ${g.framesPerEntry} cells` : ''}`;
}

function missingDataHint(h5: H5File, opts: FrameSourceOptions): string {
  if (opts.dataset) return 'check the --dataset path (detcal inspect lists the datasets)';
  const sources = getDataset(h5, 'METADATA/dataSourceId')?.value;
  const list = Array.isArray(sources) ? sources.map(String).slice(0, 4).join(', ') : '';
  return `this file has no module ${opts.module} of the detector${list ? ` (its sources: ${list})` : ''}; pass the right --module / --detector, or --dataset`;
}
