/**
 * Contiguous numeric datasets created at their final shape without writing them: values read as zero
 * until written. h5wasm's create_dataset always writes its data, so a full-size zero buffer went through
 * the WASM heap (a 277 MB constant of a 352-cell module then stayed resident as heap) and every byte was
 * written twice. Here the same low-level call gets no data: libhdf5 creates the dataset (same dataspace,
 * contiguous layout), its H5Dwrite refuses the missing buffer (an error return, with HDF5's default
 * handler: the throwing one would abort the call before it closes its objects), and the file space is allocated by the
 * first write, unwritten bytes reading as zero (HDF5's default fill value; sparse on disk). libhdf5
 * prints that refusal to stderr (fd 2, synchronously): it is dropped for the duration of the call.
 */
import fs from 'node:fs';
import { DetcalError, type DType } from '@detcal/core';
import { hdf5Module } from './h5wasm-runtime.js';
import { withReturnCodeErrors } from './hdf5-errors.js';
import type { H5Dataset, H5File } from './hdf5-file.js';

/** h5wasm element metadata of each DType (HDF5 class 0 = integer, 1 = float). */
const ELEMENT: Record<DType, { type: number; size: number; signed: boolean }> = {
  u1: { type: 0, size: 1, signed: false },
  u2: { type: 0, size: 2, signed: false },
  u4: { type: 0, size: 4, signed: false },
  u8: { type: 0, size: 8, signed: false },
  i2: { type: 0, size: 2, signed: true },
  i4: { type: 0, size: 4, signed: true },
  f4: { type: 1, size: 4, signed: false },
  f8: { type: 1, size: 8, signed: false },
};

/** One dataset to create: name at the file's root, element type, shape. */
export interface ZeroDatasetSpec {
  /** Dataset name (no '/'). */
  name: string;
  /** Element type. */
  dtype: DType;
  /** Final shape. */
  shape: readonly number[];
}

interface LowLevelModule {
  create_dataset(fileId: bigint, path: string, ptr: bigint, metadata: Record<string, unknown>): number;
}

/** Runs fn with writes to fd 2 (libhdf5's error stack printing) dropped. */
function withoutStderr<T>(fn: () => T): T {
  const original = fs.writeSync;
  const quiet = function (this: unknown, fd: number, ...rest: unknown[]): number {
    if (fd !== 2) return (original as (...a: unknown[]) => number).call(this, fd, ...rest);
    const data = rest[0] as string | ArrayBufferView;
    return typeof data === 'string' ? Buffer.byteLength(data) : typeof rest[2] === 'number' ? rest[2] : data.byteLength;
  };
  (fs as { writeSync: unknown }).writeSync = quiet;
  try {
    return fn();
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
  }
}

/**
 * Creates contiguous datasets at the root of an open file, unwritten (values read as zero until written).
 * @param h5 - file open for writing
 * @param specs - datasets to create, in order
 * @returns the created datasets, in the order of specs
 */
export function createZeroDatasets(h5: H5File, specs: readonly ZeroDatasetSpec[]): H5Dataset[] {
  const module = hdf5Module() as unknown as LowLevelModule;
  const fileId = (h5 as unknown as { file_id: bigint }).file_id;
  return specs.map((s) => {
    const shape = s.shape.map(BigInt);
    const { type, size, signed } = ELEMENT[s.dtype];
    withoutStderr(() =>
      withReturnCodeErrors(() =>
        module.create_dataset(fileId, `/${s.name}`, 0n, {
          type, size, signed, littleEndian: true, vlen: false,
          shape, maxshape: shape, chunks: null, compression: 0, compression_opts: [], track_order: false,
        }),
      ),
    );
    const ds = h5.get(s.name);
    if (!ds) throw new DetcalError('INTERNAL', `dataset ${s.name} was not created (${s.dtype} [${s.shape}])`);
    return ds as H5Dataset;
  });
}
