/**
 * Direct writes into (and reads of) the contiguous datasets of a file detcal creates (constants written cell group by
 * cell group): where each dataset's bytes lie, so slabs go to the file with fs.writeSync instead of
 * through h5wasm, which copies every slab into the WASM heap (growing it for good) and writes ~3x
 * slower. h5wasm 0.10.3 exports no H5Dget_offset, so the offset is observed: marker values are written
 * through h5wasm into the first and the last few elements, the file is flushed, and of the positions
 * libhdf5 wrote at (Module.FS.write), the one where the file holds both markers is the dataset's start.
 * The caller zeroes the markers again once h5wasm has closed the file. Little-endian hosts only (the
 * datasets are little-endian).
 */
import fs from 'node:fs';
import os from 'node:os';
import type { H5Dataset, H5File } from './hdf5-file.js';
import { hdf5Module } from './h5wasm-runtime.js';
import { DetcalError } from '@detcal/core';
import { asNumeric } from './dtype-map.js';
import { readFully, recordReads, type EmscriptenFs } from './direct-storage.js';

/** Where a contiguous dataset's elements lie in its file. */
export interface WritableStorage {
  /** File offset of element 0. */
  offset: number;
  /** Bytes per element. */
  elementBytes: number;
  /** Elements of the dataset. */
  elements: number;
  /** Byte ranges [position, length] holding the markers, to zero once h5wasm has closed the file. */
  markers: Array<[number, number]>;
}

/** One contiguous run of a hyperslab: elements [start, start + count) of the dataset, from element `from` of the slab's values. */
export interface SlabRun {
  /** First element in the dataset (C order). */
  start: number;
  /** Elements. */
  count: number;
  /** First element in the slab's values. */
  from: number;
}

type FsWrite = (stream: unknown, buffer: Uint8Array, offset: number, length: number, position?: number) => number;

/** Typed array of `bytes`-wide marker values for a dataset of this HDF5 class (0 integer, 1 float). */
function markerValues(type: number, size: number, signed: boolean, count: number): ArrayBufferView {
  const rnd = (): number => 1 + Math.floor(Math.random() * 100);
  if (type === 1) return size === 4 ? Float32Array.from({ length: count }, () => rnd() + 0.5) : Float64Array.from({ length: count }, () => rnd() + 0.25);
  if (size === 8) {
    const big = signed ? new BigInt64Array(count) : new BigUint64Array(count);
    for (let i = 0; i < count; i++) big[i] = BigInt(rnd());
    return big;
  }
  const ints = size === 1 ? (signed ? new Int8Array(count) : new Uint8Array(count)) : size === 2 ? (signed ? new Int16Array(count) : new Uint16Array(count)) : signed ? new Int32Array(count) : new Uint32Array(count);
  for (let i = 0; i < count; i++) ints[i] = rnd();
  return ints;
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Finds where a dataset of a file open for writing lies, by writing marker values through h5wasm
 * (the file is flushed). Returns null when it cannot be located: the caller then writes through h5wasm.
 * @param h5 - the file, open for writing
 * @param ds - a contiguous, unfiltered, little-endian dataset of it (created unwritten: its values are zero)
 * @param file - path of the file
 * @returns its storage and the marker ranges to zero after closing, or null
 */
export function locateWritableStorage(h5: H5File, ds: H5Dataset, file: string): WritableStorage | null {
  try {
    return locate(h5, ds, file);
  } catch {
    return null;
  }
}

/** A contiguous, unfiltered, little-endian dataset's size and the slabs of its first and last k values (k <= 8, along the last axis). */
interface DatasetEnds {
  elements: number;
  elementBytes: number;
  k: number;
  headRanges: Array<[number, number]>;
  tailRanges: Array<[number, number]>;
}

/** The ends of a dataset whose bytes fs can address, or null (other storage, filters, big-endian host or data). */
function datasetEnds(ds: H5Dataset): DatasetEnds | null {
  const meta = ds.metadata;
  const shape = ds.shape;
  if (os.endianness() !== 'LE' || !shape || shape.length === 0 || meta.chunks !== null || ds.filters.length > 0) return null;
  if (meta.size > 1 && !meta.littleEndian) return null;
  const k = Math.min(8, shape[shape.length - 1]);
  return {
    elements: shape.reduce((a, b) => a * b, 1),
    elementBytes: meta.size,
    k,
    headRanges: shape.map((_, i): [number, number] => (i === shape.length - 1 ? [0, k] : [0, 1])),
    tailRanges: shape.map((n, i): [number, number] => (i === shape.length - 1 ? [n - k, n] : [n - 1, n])),
  };
}

/** Of the candidate positions, the first where the file (open as fd) holds `head` and, (elements - k) values later, `tail`. */
function offsetHolding(fd: number, positions: readonly number[], e: DatasetEnds, head: ArrayBufferView, tail: ArrayBufferView): number | null {
  const got = Buffer.alloc(e.k * e.elementBytes);
  const holds = (position: number, expected: ArrayBufferView): boolean => readFully(fd, got, 0, got.length, position) && got.equals(bytesOf(expected));
  const fileBytes = fs.fstatSync(fd).size;
  const tailAt = (e.elements - e.k) * e.elementBytes;
  for (const p of positions) {
    if (!Number.isSafeInteger(p) || p < 0 || p + e.elements * e.elementBytes > fileBytes) continue;
    if (holds(p, head) && holds(p + tailAt, tail)) return p;
  }
  return null;
}

function locate(h5: H5File, ds: H5Dataset, file: string): WritableStorage | null {
  const fsys = (hdf5Module() as unknown as { FS?: { write?: FsWrite } }).FS;
  const e = datasetEnds(ds);
  if (!fsys?.write || !e) return null;
  const { elements, elementBytes: eb, k } = e;
  if (elements === 0) return { offset: 0, elementBytes: eb, elements, markers: [] };
  const meta = ds.metadata;
  const head = markerValues(meta.type, eb, meta.signed, k);
  const tail = markerValues(meta.type, eb, meta.signed, k);
  const positions: number[] = [];
  const original = fsys.write;
  fsys.write = function (this: unknown, stream, buffer, offset, length, position) {
    if (position !== undefined) positions.push(Number(position));
    return original.call(this, stream, buffer, offset, length, position);
  };
  try {
    ds.write_slice(e.headRanges, head);
    ds.write_slice(e.tailRanges, tail);
    (h5 as unknown as { flush(): void }).flush();
  } finally {
    fsys.write = original;
  }
  const fd = fs.openSync(file, 'r');
  try {
    const p = offsetHolding(fd, positions, e, head, tail);
    return p === null ? null : { offset: p, elementBytes: eb, elements, markers: [[p, k * eb], [p + (elements - k) * eb, k * eb]] };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * File offset of element 0 of a contiguous, unfiltered, little-endian dataset (of a file also open
 * as `fd`), or null when it cannot be found: the positions libhdf5 reads at (Module.FS.read) while
 * h5wasm reads the dataset's first values are candidates, and the one where fs finds both the first
 * and the last values h5wasm read is it.
 * @param ds - the dataset
 * @param fd - the same file, open with fs
 * @returns the offset, or null
 */
export function locateReadableOffset(ds: H5Dataset, fd: number): number | null {
  try {
    const fsys = (hdf5Module() as unknown as { FS?: EmscriptenFs }).FS;
    const e = datasetEnds(ds);
    if (!fsys?.read || !e || e.elements === 0) return null;
    let head: ArrayBufferView | undefined;
    const positions = recordReads(fsys, 0, () => {
      head = asNumeric(ds.slice(e.headRanges), 'head') as unknown as ArrayBufferView;
    }).map((r) => r.position);
    const tail = asNumeric(ds.slice(e.tailRanges), 'tail') as unknown as ArrayBufferView;
    return offsetHolding(fd, positions, e, head as ArrayBufferView, tail);
  } catch {
    return null;
  }
}

/**
 * Writes all of `data` at `position` (short writes are continued).
 * @param fd - file open for writing
 * @param data - bytes to write
 * @param position - file offset
 * @param failed - start of the error message ('<file>: writing ... failed'), followed by the cause and the fix
 */
export function writeFully(fd: number, data: Uint8Array, position: number, failed: string): void {
  let done = 0;
  try {
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
  } catch (err) {
    throw new DetcalError('BAD_INPUT', `${failed}: ${(err as Error).message}; check free disk space`);
  }
}

/**
 * The contiguous runs of a hyperslab of a C-order array: the slab's values, in C order, are the runs
 * one after the other.
 * @param shape - the dataset's shape
 * @param ranges - [start, end) per axis
 * @returns the runs, in the order of the slab's values
 */
export function slabRuns(shape: readonly number[], ranges: ReadonlyArray<readonly [number, number]>): SlabRun[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // the innermost axis not taken whole: it and the whole axes after it are one run per index of the axes before it
  let j = shape.length - 1;
  while (j >= 0 && ranges[j][0] === 0 && ranges[j][1] === shape[j]) j--;
  if (j < 0) return [{ start: 0, count: shape.reduce((a, b) => a * b, 1), from: 0 }];
  const count = (ranges[j][1] - ranges[j][0]) * strides[j];
  const runs: SlabRun[] = [];
  const outer = ranges.slice(0, j);
  const idx = outer.map(([a]) => a);
  let from = 0;
  for (;;) {
    if (outer.some(([a, b]) => b <= a)) return [];
    const start = idx.reduce((s, v, i) => s + v * strides[i], ranges[j][0] * strides[j]);
    if (count > 0) runs.push({ start, count, from });
    from += count;
    // next index of the outer axes, last axis fastest
    let a = outer.length - 1;
    for (; a >= 0; a--) {
      idx[a]++;
      if (idx[a] < outer[a][1]) break;
      idx[a] = outer[a][0];
    }
    if (a < 0) return runs;
  }
}
