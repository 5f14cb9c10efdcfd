/** Reading blocks of frames: read plans executed against the run's files, strided selections through windows. */
import { DetcalError, type BlockRing, type FrameBlock, type PendingFrameRun } from '@detcal/core';
import fs from 'node:fs';
import { directByteRuns, directFits, readPieceDirect, scratchBytes, type Scratch } from './direct-piece-read.js';
import { readFully, type DirectStorage } from './direct-storage.js';
import { asNumeric, type H5NumericArray } from './dtype-map.js';
import type { FrameGeometry } from './frame-geometry.js';
import type { FrameSelection } from './frame-selection.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import { absolutePath, getDataset, openHdf5Sync, type H5File } from './hdf5-file.js';
import { planReads, type ReadPiece, type Segment } from './read-plan.js';
import type { TrainTable } from './run-index.js';

/** Dataset paths of the frames and their companions inside each file. */
export interface SourcePaths {
  /** Pixel values. */
  data: string;
  /** Separate gain values. */
  gain?: string;
  /** Memory-cell ids. */
  cellId?: string;
  /** Train ids. */
  trainId?: string;
  /** Pulse ids. */
  pulseId?: string;
  /** INDEX first rows per train. */
  indexFirst?: string;
  /** INDEX row counts per train. */
  indexCount?: string;
}

/** What was learnt about one file when the source was opened. */
export interface FileState {
  /** Path of the file. */
  file: string;
  /** Its INDEX trains, if it has an INDEX for the source. */
  table: TrainTable | null;
  /** Which companion datasets the file has. */
  present: { gain: boolean; cellId: boolean; trainId: boolean; pulseId: boolean };
  /** Train ids are stored per frame (else per entry, i.e. per train). */
  trainIdPerFrame: boolean;
  /** Train id of a row from the INDEX (when the file has one). */
  trainIdOf: ((row: number) => number) | null;
  /** Where the pixel dataset's entries lie, when it is read with fs.readSync (uncompressed u1 / u2 / f4). */
  direct?: DirectStorage | null;
  /** The same for the separate gain dataset. */
  directGain?: DirectStorage | null;
}

/** Everything needed to read blocks of a run. */
export interface BlockReader {
  /** Files of the run. */
  files: string[];
  /** Module index written into blocks. */
  module: number;
  /** Dataset paths. */
  paths: SourcePaths;
  /** Frame geometry (same in every file). */
  geo: FrameGeometry;
  /** Per-file state. */
  states: FileState[];
  /** Blocks hold Float32Array data (else Uint16Array). */
  floatData: boolean;
  /** Separate gain datasets are u1 (Uint8Array gain). */
  gainIsU1: boolean;
  /** Some file has pulse ids. */
  pulseIdsKnown: boolean;
}

/**
 * Yields the selected frames as blocks of at most blockFrames frames, one file open at a time.
 * With `keep`, the arrays of block i are reused for block i + keep (the consumer promised to be done
 * with it by then): reads then land in memory that is already mapped, several times faster than
 * fresh buffers, whose page faults dominated the read time. With `pending`, blocks whose pixel values
 * can be read by position are yielded unread, with `pending` runs (BlockReadOptions.pendingPixels).
 */
export async function* iterateBlocks(reader: BlockReader, segments: Segment[], sel: FrameSelection, blockFrames: number, keep?: number, shared?: BlockRing, pending?: boolean): AsyncGenerator<FrameBlock> {
  await loadHdf5();
  let open: { index: number; h5: H5File; fd: number | null } | undefined;
  const close = (): void => {
    if (!open) return;
    const { h5, fd } = open;
    open = undefined;
    h5.close();
    if (fd !== null) fs.closeSync(fd);
  };
  const fileAt = (index: number): { h5: H5File; fd: number | null } => {
    if (open?.index !== index) {
      close();
      const h5 = openHdf5Sync(reader.files[index]);
      const st = reader.states[index];
      open = { index, h5, fd: null };
      if (st.direct || st.directGain) open.fd = fs.openSync(reader.files[index], 'r');
    }
    return open;
  };
  const scratch: Scratch = { bytes: new Uint8Array(0) };
  const fpe = reader.geo.framesPerEntry;
  const readRange = (into: FrameBlock, first: number, n: number): void => {
    for (const piece of planReads(segments, fpe, first, n)) {
      const f = fileAt(piece.file);
      readPiece(reader, f.h5, f.fd, piece, into, scratch);
    }
  };
  // the ids here, the pixel values left to the consumer when every piece can be read by position and
  // no frame may be empty; else everything here
  const readRangePending = (into: FrameBlock, first: number, n: number): void => {
    const pieces = planReads(segments, fpe, first, n);
    let runs: PendingFrameRun[] | undefined = [];
    for (const piece of pieces) {
      const f = fileAt(piece.file);
      readPieceIds(reader, f.h5, piece, into);
      if (!runs) continue;
      const more = pendingRuns(reader, f.fd, piece, into, scratch);
      runs = more ? runs.concat(more) : undefined;
    }
    if (runs) {
      into.pending = { runs };
      return;
    }
    for (const piece of pieces) {
      const f = fileAt(piece.file);
      readPiecePixels(reader, f.h5, f.fd, piece, into, scratch);
    }
  };
  // Strided selections are read in windows of consecutive frames (at most `window` frames, whole chunks
  // for compressed data) from which every stride-th frame is kept; measured on 512x128x2 u2 frames, an
  // HDF5 strided hyperslab costs ~7 ms a frame, a window ~0.2 ms a frame, a single-frame read ~1 ms.
  const window = Math.max(32, blockFrames);
  const perWindow = Math.max(1, Math.floor((window - 1) / sel.stride) + 1);
  const slots = keep !== undefined && keep >= 1 ? Math.floor(keep) : 0;
  const ring: (FrameBlock | undefined)[] = slots && shared ? shared.slots : new Array<FrameBlock | undefined>(slots);
  if (ring.length !== slots) ring.length = slots;
  let windowBlock: FrameBlock | undefined;
  try {
    for (let start = 0, i = 0; start < sel.count; start += blockFrames, i++) {
      const n = Math.min(blockFrames, sel.count - start);
      const block = ring.length ? reuseBlock(reader, ring, i % ring.length, start, n, shared?.allocate) : allocateBlock(reader, start, n);
      const first = sel.first + start * sel.stride;
      if (sel.stride === 1 && pending) readRangePending(block, first, n);
      else if (sel.stride === 1) readRange(block, first, n);
      else {
        for (let j = 0; j < n; j += perWindow) {
          const k = Math.min(perWindow, n - j);
          const span = (k - 1) * sel.stride + 1;
          // the window is internal: always reused (a shorter last window gets its own)
          if (windowBlock?.nFrames !== span) windowBlock = allocateBlock(reader, 0, span);
          else clearIds(windowBlock);
          const tmp = windowBlock;
          readRange(tmp, first + j * sel.stride, span);
          for (let q = 0; q < k; q++) copyFrame(tmp, q * sel.stride, block, j + q);
        }
      }
      yield block;
    }
  } finally {
    close();
  }
}

/** Copies frame `from` of block `src` (pixels, gain, ids) to frame `to` of `dst`. */
function copyFrame(src: FrameBlock, from: number, dst: FrameBlock, to: number): void {
  const size = src.rows * src.cols;
  dst.data.set(src.data.subarray(from * size, (from + 1) * size), to * size);
  if (src.gain && dst.gain) dst.gain.set(src.gain.subarray(from * size, (from + 1) * size), to * size);
  dst.cellIds[to] = src.cellIds[from];
  dst.trainIds[to] = src.trainIds[from];
  if (src.pulseIds && dst.pulseIds) dst.pulseIds[to] = src.pulseIds[from];
}

/** Element types of this reader's block arrays: pixel values, and gain values (none when no file has them). */
function blockArrayTypes(reader: BlockReader): { data: typeof Float32Array | typeof Uint16Array; gain?: typeof Uint8Array | typeof Uint16Array } {
  const data = reader.floatData ? Float32Array : Uint16Array;
  if (reader.geo.analogDigital) return { data, gain: Uint16Array };
  if (!reader.states.some((s) => s.present.gain)) return { data };
  return { data, gain: reader.gainIsU1 ? Uint8Array : Uint16Array };
}

/** True when a block (maybe of another run) has arrays for a block of n frames of this reader (as large or larger). */
function fits(reader: BlockReader, old: FrameBlock, n: number): boolean {
  const types = blockArrayTypes(reader);
  return (
    old.nFrames >= n && old.rows === reader.geo.rows && old.cols === reader.geo.cols &&
    old.data instanceof types.data &&
    (types.gain === undefined ? old.gain === undefined : old.gain instanceof types.gain) &&
    (old.pulseIds !== undefined) === reader.pulseIdsKnown
  );
}

/**
 * Block `slot` of the ring, reused when it fits n frames of this reader (ids cleared, pixels overwritten by
 * the read; a shorter block is a view of the first n frames), else a new one.
 */
function reuseBlock(reader: BlockReader, ring: (FrameBlock | undefined)[], slot: number, firstFrame: number, n: number, allocate?: BlockRing['allocate']): FrameBlock {
  const old = ring[slot];
  if (old === undefined || !fits(reader, old, n)) {
    const fresh = allocateBlock(reader, firstFrame, n, allocate);
    ring[slot] = fresh;
    return { ...fresh };
  }
  const size = n * old.rows * old.cols;
  const view: FrameBlock = {
    ...old,
    module: reader.module,
    firstFrame,
    nFrames: n,
    data: old.nFrames === n ? old.data : old.data.subarray(0, size),
    gain: old.gain && old.nFrames !== n ? old.gain.subarray(0, size) : old.gain,
    cellIds: old.cellIds.subarray(0, n),
    trainIds: old.trainIds.subarray(0, n),
    pulseIds: old.pulseIds?.subarray(0, n),
  };
  if (view.gain === undefined) delete view.gain;
  if (view.pulseIds === undefined) delete view.pulseIds;
  clearIds(view);
  // separate gain datasets: values of files without one are zero in a fresh block, keep them so
  // (analog / digital entries always fill both halves)
  if (view.gain && !reader.geo.analogDigital && reader.states.some((s) => !s.present.gain)) view.gain.fill(0);
  return view;
}

/** Zeroes the id arrays of a reused block (they are not all written by every read). */
function clearIds(block: FrameBlock): void {
  block.cellIds.fill(0);
  block.trainIds.fill(0);
  block.pulseIds?.fill(0);
}

/** A zeroed block of n frames for `reader`. */
export function allocateBlock(reader: BlockReader, firstFrame: number, n: number, allocate?: BlockRing['allocate']): FrameBlock {
  const { rows, cols } = reader.geo;
  const size = n * rows * cols;
  const types = blockArrayTypes(reader);
  // Pixel arrays live on SharedArrayBuffers (worker pools, the dark pass, take them without a copy), or
  // where the ring's consumer lends memory (a kernel's WebAssembly memory).
  const shared = (Type: { BYTES_PER_ELEMENT: number }): unknown => {
    const lent = allocate?.(size * Type.BYTES_PER_ELEMENT);
    const C = Type as typeof Uint8Array;
    return lent ? new C(lent.buffer, lent.byteOffset, size) : new C(new SharedArrayBuffer(size * Type.BYTES_PER_ELEMENT));
  };
  const block: FrameBlock = {
    module: reader.module,
    firstFrame,
    nFrames: n,
    rows,
    cols,
    data: shared(types.data) as FrameBlock['data'],
    cellIds: new Uint16Array(n),
    trainIds: new Float64Array(n),
  };
  if (types.gain) block.gain = shared(types.gain) as FrameBlock['gain'];
  if (reader.pulseIdsKnown) block.pulseIds = new Float64Array(n);
  return block;
}

function readPiece(reader: BlockReader, h5: H5File, fd: number | null, piece: ReadPiece, block: FrameBlock, scratch: Scratch): void {
  readPiecePixels(reader, h5, fd, piece, block, scratch);
  readPieceIds(reader, h5, piece, block);
}

/** A hyperslab of the piece's entries of one dataset (per frame: with the cell range), through h5wasm. */
function pieceSlice(reader: BlockReader, h5: H5File, piece: ReadPiece, datasetPath: string, perFrame: boolean): Exclude<H5NumericArray, BigUint64Array | BigInt64Array> {
  const state = reader.states[piece.file];
  return plain(withHdf5Errors(
    `${state.file}: reading ${absolutePath(datasetPath)} rows ${piece.entries[0]}..${piece.entries[1] - 1} failed`,
    'the file may be damaged or need a filter plugin; check it with `detcal inspect`',
    () => {
      const ds = getDataset(h5, datasetPath);
      if (!ds) throw new DetcalError('NOT_FOUND', `${state.file}: no dataset ${absolutePath(datasetPath)}`);
      if (reader.geo.single) return asNumeric(ds.value, datasetPath);
      const ranges = perFrame && piece.cells ? [piece.entries, piece.cells] : [piece.entries];
      return asNumeric(ds.slice(ranges), datasetPath);
    },
  ));
}

/** The piece's pixel (and gain) values into the block: by position where the dataset allows it, else through h5wasm. */
function readPiecePixels(reader: BlockReader, h5: H5File, fd: number | null, piece: ReadPiece, block: FrameBlock, scratch: Scratch): void {
  const { paths, geo } = reader;
  const state = reader.states[piece.file];
  const frameSize = geo.rows * geo.cols;
  const at = piece.out * frameSize;
  const slice = (datasetPath: string, perFrame: boolean) => pieceSlice(reader, h5, piece, datasetPath, perFrame);

  const direct = (st: DirectStorage | null | undefined, target: FrameBlock['data'] | NonNullable<FrameBlock['gain']>, gain?: Uint16Array): boolean => {
    if (fd === null || !st || geo.single) return false;
    try {
      return readPieceDirect(fd, st, piece, frameSize, geo.framesPerEntry, geo.analogDigital, target, gain, scratch);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DetcalError('BAD_INPUT', `${state.file}: reading rows ${piece.entries[0]}..${piece.entries[1] - 1} failed (${why}); copy the file again`);
    }
  };
  if (direct(state.direct, block.data, geo.analogDigital ? (block.gain as Uint16Array) : undefined)) {
    if (!geo.analogDigital && block.gain && paths.gain && state.present.gain && !direct(state.directGain, block.gain)) {
      block.gain.set(slice(paths.gain, true), at);
    }
  } else if (geo.analogDigital) {
    const raw = slice(paths.data, true);
    const gain = block.gain as Uint16Array;
    for (let k = 0; k < piece.n; k++) {
      block.data.set(raw.subarray(2 * k * frameSize, (2 * k + 1) * frameSize), at + k * frameSize);
      gain.set(raw.subarray((2 * k + 1) * frameSize, (2 * k + 2) * frameSize), at + k * frameSize);
    }
  } else {
    block.data.set(slice(paths.data, true), at);
    if (block.gain && paths.gain && state.present.gain && !direct(state.directGain, block.gain)) block.gain.set(slice(paths.gain, true), at);
  }
}

/** The piece's cell, train and pulse ids into the block. */
function readPieceIds(reader: BlockReader, h5: H5File, piece: ReadPiece, block: FrameBlock): void {
  const { paths } = reader;
  const state = reader.states[piece.file];
  const slice = (datasetPath: string, perFrame: boolean) => pieceSlice(reader, h5, piece, datasetPath, perFrame);
  const rowsOf = entryRows(piece);
  if (paths.cellId && state.present.cellId) block.cellIds.set(slice(paths.cellId, true), piece.out);
  else if (piece.cells) fillCellPositions(block.cellIds, piece);

  if (paths.trainId && state.present.trainId) {
    const ids = slice(paths.trainId, state.trainIdPerFrame);
    if (state.trainIdPerFrame) block.trainIds.set(ids, piece.out);
    else spreadPerEntry(block.trainIds, piece, (k) => ids[k]);
  } else if (state.trainIdOf) {
    const lookup = state.trainIdOf;
    spreadPerEntry(block.trainIds, piece, (k) => lookup(rowsOf[k]));
  }
  if (block.pulseIds && paths.pulseId && state.present.pulseId) block.pulseIds.set(slice(paths.pulseId, true), piece.out);
}

/** Bytes at the start of each frame read to find a nonzero value before its pixels are left to the consumer (the whole frame when they are all zero). */
const PROBE_BYTES = 4096;

/**
 * The piece's pixel (and gain) values as pending runs, or undefined when they cannot be left to the
 * consumer: not readable by position as they lie in memory (h5wasm, widening u1 to u2, strided
 * entries), or some frame is empty (all zero).
 */
function pendingRuns(reader: BlockReader, fd: number | null, piece: ReadPiece, block: FrameBlock, scratch: Scratch): PendingFrameRun[] | undefined {
  const { geo, paths } = reader;
  const state = reader.states[piece.file];
  const st = state.direct;
  if (fd === null || !st || geo.single) return undefined;
  const ad = geo.analogDigital;
  const asStored = (s: DirectStorage, target: FrameBlock['data'] | NonNullable<FrameBlock['gain']>): boolean => s.elementBytes === target.BYTES_PER_ELEMENT && directFits(s, target, ad);
  if (!asStored(st, block.data) || (ad && !(block.gain instanceof Uint16Array))) return undefined;
  const runs = directByteRuns(st, piece, geo.framesPerEntry);
  if (!runs) return undefined;
  const frameBytes = geo.rows * geo.cols * st.elementBytes;
  const strideBytes = ad ? 2 * frameBytes : frameBytes;
  const file = state.file;
  const out: PendingFrameRun[] = [];
  for (const r of runs) {
    if (!framesHaveValues(fd, st, r.position, strideBytes, r.frames, frameBytes, scratch)) return undefined;
    out.push({ file, into: 'data', frame: r.frame, frames: r.frames, position: r.position, strideBytes });
    if (ad) out.push({ file, into: 'gain', frame: r.frame, frames: r.frames, position: r.position + frameBytes, strideBytes });
  }
  if (!ad && block.gain && paths.gain && state.present.gain) {
    const sg = state.directGain;
    if (!sg || !asStored(sg, block.gain)) return undefined;
    const gainRuns = directByteRuns(sg, piece, geo.framesPerEntry);
    if (!gainRuns) return undefined;
    const gainBytes = geo.rows * geo.cols * sg.elementBytes;
    for (const r of gainRuns) out.push({ file, into: 'gain', frame: r.frame, frames: r.frames, position: r.position, strideBytes: gainBytes });
  }
  return out;
}

/**
 * True when each of `frames` frames (every strideBytes from `position`) has a nonzero value: found in its
 * first PROBE_BYTES, or else in the whole frame (read only for frames that start with zeros, such as a
 * detector whose first rows are dead).
 */
function framesHaveValues(fd: number, st: DirectStorage, position: number, strideBytes: number, frames: number, frameBytes: number, scratch: Scratch): boolean {
  const probe = Math.min(PROBE_BYTES, frameBytes);
  for (let f = 0; f < frames; f++) {
    if (!bytesHaveValue(fd, st, position + f * strideBytes, probe, scratch) && !bytesHaveValue(fd, st, position + f * strideBytes, frameBytes, scratch)) return false;
  }
  return true;
}

/** True when the `n` bytes at file offset `at` hold a nonzero value of the dataset's type (false also when they cannot be read). */
function bytesHaveValue(fd: number, st: DirectStorage, at: number, n: number, scratch: Scratch): boolean {
  const bytes = scratchBytes(scratch, n);
  if (!readFully(fd, bytes, 0, n, at)) return false;
  const values = st.dtype === 'f4' ? new Float32Array(bytes.buffer, 0, n >> 2) : st.dtype === 'u2' ? new Uint16Array(bytes.buffer, 0, n >> 1) : bytes.subarray(0, n);
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return true;
  return false;
}

/** Typed array h5wasm returned, with 8-byte integers converted to Float64Array so that .set() works. */
function plain(a: H5NumericArray): Exclude<H5NumericArray, BigUint64Array | BigInt64Array> {
  if (a instanceof BigUint64Array || a instanceof BigInt64Array) return Float64Array.from(a, (v) => Number(v));
  return a;
}

function entryRows(piece: ReadPiece): number[] {
  const [start, , step] = piece.entries;
  return Array.from({ length: piece.nEntries }, (_, k) => start + k * step);
}

function spreadPerEntry(out: Float64Array, piece: ReadPiece, value: (entry: number) => number): void {
  for (let k = 0; k < piece.nEntries; k++) out.fill(value(k), piece.out + k * piece.cellsPerEntry, piece.out + (k + 1) * piece.cellsPerEntry);
}

function fillCellPositions(out: Uint16Array, piece: ReadPiece): void {
  const [c0, , cs] = piece.cells as [number, number, number];
  for (let k = 0; k < piece.nEntries; k++) {
    for (let q = 0; q < piece.cellsPerEntry; q++) out[piece.out + k * piece.cellsPerEntry + q] = c0 + q * cs;
  }
}

