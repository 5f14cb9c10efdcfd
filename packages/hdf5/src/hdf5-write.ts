/** Small writing helpers over h5wasm: nested groups, chunked growable datasets, attributes, atomic files. */
import fs from 'node:fs';
import type { DType, NumericArray } from '@detcal/core';
import { allocate } from '@detcal/core';
import { h5wasm } from './h5wasm-runtime.js';
import { h5wasmDtype } from './dtype-map.js';
import type { H5Dataset, H5File } from './hdf5-file.js';

/** Creates every missing group along `groupPath` (like mkdir -p). */
export function ensureGroup(h5: H5File, groupPath: string): void {
  let current = '';
  for (const part of groupPath.split('/').filter(Boolean)) {
    const next = `${current}/${part}`;
    const entity = h5.get(next);
    if (!(entity instanceof h5wasm.Group)) h5.create_group(next);
    current = next;
  }
}

/** Parent group of a dataset path ('' for root). */
export function parentOf(datasetPath: string): string {
  const i = datasetPath.replace(/^\/+/, '').lastIndexOf('/');
  return i < 0 ? '' : datasetPath.replace(/^\/+/, '').slice(0, i);
}

/** Options of createChunkedDataset. */
export interface ChunkedDatasetOptions {
  /** Element type. */
  dtype: DType;
  /** Final shape (the dataset is created empty, growable along axis 0, then sized to it). */
  shape: number[];
  /** Chunk shape. */
  chunks: number[];
  /** gzip level 1..9, or none. */
  gzipLevel?: number;
}

/** Creates a chunked dataset of `shape` (growable along axis 0) without materialising its data; write it with write_slice. */
export function createChunkedDataset(h5: H5File, datasetPath: string, opts: ChunkedDatasetOptions): H5Dataset {
  const parent = parentOf(datasetPath);
  if (parent) ensureGroup(h5, parent);
  const empty = [0, ...opts.shape.slice(1)];
  const ds = h5.create_dataset({
    name: datasetPath.replace(/^\/+/, ''),
    data: allocate(opts.dtype, 0) as unknown as Uint8Array,
    shape: empty,
    maxshape: [null, ...opts.shape.slice(1)],
    chunks: opts.chunks,
    dtype: h5wasmDtype(opts.dtype),
    ...(opts.gzipLevel ? { compression: 'gzip' as const, compression_opts: opts.gzipLevel } : {}),
  });
  if (opts.shape[0] > 0) ds.resize(opts.shape);
  return ds;
}

/** Writes a whole small numeric dataset (contiguous, no chunks). */
export function writeNumericDataset(h5: H5File, datasetPath: string, data: NumericArray, shape: number[], dtype: DType): H5Dataset {
  const parent = parentOf(datasetPath);
  if (parent) ensureGroup(h5, parent);
  return h5.create_dataset({ name: datasetPath.replace(/^\/+/, ''), data: data as unknown as Uint8Array, shape, dtype: h5wasmDtype(dtype) });
}

/** Writes a 1-D dataset of variable-length UTF-8 strings. */
export function writeStringDataset(h5: H5File, datasetPath: string, values: string[]): H5Dataset {
  const parent = parentOf(datasetPath);
  if (parent) ensureGroup(h5, parent);
  return h5.create_dataset({ name: datasetPath.replace(/^\/+/, ''), data: values, shape: [values.length], dtype: 'S' });
}

/** Sets a string, string-list or number attribute (string lists must not be empty: HDF5 rejects empty attribute buffers). */
export function setAttribute(target: { create_attribute: H5Dataset['create_attribute'] }, name: string, value: string | number | string[]): void {
  if (typeof value === 'string') target.create_attribute(name, value, null, 'S');
  else if (typeof value === 'number') target.create_attribute(name, value, null, Number.isInteger(value) ? '<i8' : '<d');
  else target.create_attribute(name, value, [value.length], 'S');
}

/** Reads an attribute as a JS value (strings, numbers, arrays of them); undefined when absent. */
export function getAttribute(target: { attrs: H5Dataset['attrs'] }, name: string): unknown {
  const attr = target.attrs[name];
  return attr ? attr.json_value : undefined;
}

/** Temporary name a file is written under before it is renamed into place. */
export function tmpPathFor(file: string): string {
  return `${file}.tmp`;
}

/** Removes files, ignoring the ones already gone. */
export function removeQuietly(files: readonly string[]): void {
  for (const f of files) fs.rmSync(f, { force: true });
}

/** Numbers as uint64 values for u8 datasets (ids, indices): rounded, negatives as 0. */
export function toUint64(src: ArrayLike<number>): BigUint64Array {
  const out = new BigUint64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = BigInt(Math.max(0, Math.round(src[i])));
  return out;
}
