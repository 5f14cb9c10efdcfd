/**
 * Direct reads of uncompressed pixel datasets: where a dataset's bytes lie in the file, so blocks can
 * be read with fs.readSync into the block's own arrays instead of through h5wasm (which reads into the
 * WASM heap, copies out and allocates per call: ~0.8 GB/s against ~10 GB/s from the page cache).
 *
 * h5wasm 0.10.3 exports neither H5Dget_offset nor H5Dget_chunk_info, so the file offsets are observed:
 * while h5wasm reads the first value of the dataset (contiguous) or of each chunk (chunked), the reads
 * its libhdf5 makes through the emscripten file system (Module.FS.read) are recorded. A chunk read is
 * one read of exactly the chunk's size at the chunk's address (unfiltered chunks are always stored
 * whole); during the probe those reads are answered without reading (the values are discarded: h5wasm
 * opens and closes the dataset, and its chunk cache, in every call). The result is only used after it
 * is checked: the first and the last entry read directly must be byte-identical to h5wasm's values,
 * else the file is read through h5wasm as before.
 *
 * Used only for little-endian u1 / u2 / f4 datasets without filters, contiguous or chunked with
 * whole entries per chunk (chunk dims after axis 0 equal the dataset's).
 */
import fs from 'node:fs';
import { getDataset, type H5File } from './hdf5-file.js';
import { hdf5Module } from './h5wasm-runtime.js';

/** Element types read directly. */
export type DirectDtype = 'u1' | 'u2' | 'f4';

/** Where the entries (rows along axis 0) of one dataset lie in its file. */
export interface DirectStorage {
  /** Element type. */
  dtype: DirectDtype;
  /** Bytes per element. */
  elementBytes: number;
  /** Bytes per entry (product of the dims after axis 0, times elementBytes). */
  entryBytes: number;
  /** Entries along axis 0. */
  entries: number;
  /** Entries per chunk (all entries for contiguous storage). */
  entriesPerChunk: number;
  /** File offset of each chunk's first byte (one offset for contiguous storage). */
  chunkOffsets: number[];
}

type FsRead = (stream: unknown, buffer: Uint8Array, offset: number, length: number, position: number) => number;
/** The part of emscripten's FS that libhdf5's reads go through. */
export interface EmscriptenFs {
  read: FsRead;
}

const DTYPES: Record<string, DirectDtype> = { '0:1:u': 'u1', '0:2:u': 'u2', '1:4:f': 'f4' };

/** Records the reads libhdf5 makes while `fn` runs; reads of exactly `fakeBytes` are not performed. */
export function recordReads(fsys: EmscriptenFs, fakeBytes: number, fn: () => void): Array<{ position: number; length: number }> {
  const seen: Array<{ position: number; length: number }> = [];
  const original = fsys.read;
  fsys.read = function (this: unknown, stream, buffer, offset, length, position) {
    seen.push({ position: Number(position), length });
    if (fakeBytes > 0 && length === fakeBytes) return length;
    return original.call(this, stream, buffer, offset, length, position);
  };
  try {
    fn();
  } finally {
    fsys.read = original;
  }
  return seen;
}

/** Reads `length` bytes at `position` into `into` (from byte `at`); false when the file is shorter. */
export function readFully(fd: number, into: NodeJS.ArrayBufferView, at: number, length: number, position: number): boolean {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, into, at + done, length - done, position + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

/** File offset of entry `e`. */
export function entryOffset(st: DirectStorage, e: number): number {
  const chunk = Math.floor(e / st.entriesPerChunk);
  return st.chunkOffsets[chunk] + (e - chunk * st.entriesPerChunk) * st.entryBytes;
}

/**
 * Finds where the entries of `datasetPath` lie in `file` (opened as `h5`), or null when the dataset
 * cannot be read directly (filters, other types or storage, chunks splitting entries, unwritten
 * chunks, or a check that fails). Costs one h5wasm read of a single value per chunk and two entries.
 */
export function probeDirectStorage(h5: H5File, file: string, datasetPath: string): DirectStorage | null {
  try {
    return probe(h5, file, datasetPath);
  } catch {
    return null;
  }
}

function probe(h5: H5File, file: string, datasetPath: string): DirectStorage | null {
  const fsys = (hdf5Module() as unknown as { FS?: EmscriptenFs }).FS;
  if (!fsys || typeof fsys.read !== 'function') return null;
  const ds = getDataset(h5, datasetPath);
  if (!ds) return null;
  const meta = ds.metadata;
  const dtype = DTYPES[`${meta.type}:${meta.size}:${meta.type === 1 ? 'f' : meta.signed ? 'i' : 'u'}`];
  if (!dtype || (meta.size > 1 && !meta.littleEndian)) return null;
  if (ds.filters.length > 0) return null;
  const shape = ds.shape;
  if (!shape || shape.length < 2 || shape[0] < 1) return null;
  const inner = shape.slice(1);
  const elementBytes = meta.size;
  const entryBytes = inner.reduce((a, b) => a * b, 1) * elementBytes;
  if (entryBytes === 0) return null;
  const entries = shape[0];
  const fileBytes = fs.statSync(file).size;
  const first = (e: number): Array<[number, number]> => [[e, e + 1], ...inner.map((): [number, number] => [0, 1])];
  const chunks = meta.chunks;
  if (chunks === null) {
    const reads = recordReads(fsys, 0, () => ds.slice(first(0)));
    const candidates = reads.map((r) => r.position).reverse();
    const found = candidates
      .map((offset): DirectStorage => ({ dtype, elementBytes, entryBytes, entries, entriesPerChunk: entries, chunkOffsets: [offset] }))
      .find((c) => c.chunkOffsets[0] + entries * entryBytes <= fileBytes && verify(ds, file, c));
    return found ?? null;
  }
  if (chunks.length !== shape.length || chunks.slice(1).some((c, i) => c !== inner[i])) return null;
  const entriesPerChunk = chunks[0];
  const chunkBytes = entriesPerChunk * entryBytes;
  const chunkOffsets: number[] = [];
  for (let e = 0; e < entries; e += entriesPerChunk) {
    const reads = recordReads(fsys, chunkBytes, () => ds.slice(first(e))).filter((r) => r.length === chunkBytes);
    if (reads.length !== 1) return null;
    const offset = reads[0].position;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + chunkBytes > fileBytes) return null;
    chunkOffsets.push(offset);
  }
  const st: DirectStorage = { dtype, elementBytes, entryBytes, entries, entriesPerChunk, chunkOffsets };
  return verify(ds, file, st) ? st : null;
}

/** The first and the last entry read directly equal h5wasm's values, byte for byte. */
function verify(ds: NonNullable<ReturnType<typeof getDataset>>, file: string, st: DirectStorage): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    for (const e of new Set([0, st.entries - 1])) {
      const expected = ds.slice([[e, e + 1]]) as unknown as ArrayBufferView | null;
      if (!expected || !ArrayBuffer.isView(expected) || expected.byteLength !== st.entryBytes) return false;
      const got = new Uint8Array(st.entryBytes);
      if (!readFully(fd, got, 0, st.entryBytes, entryOffset(st, e))) return false;
      if (!Buffer.from(got.buffer).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))) return false;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}
