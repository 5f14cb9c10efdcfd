/**
 * Contiguous numeric datasets created at their final shape with zero values, without a full-size copy
 * through the WASM heap. h5wasm's create_dataset copies its data into the heap first (a 277 MB constant
 * of a 352-cell module then stays resident as heap); here one region of the largest dataset's size is
 * taken from the heap's fresh end, which WebAssembly zero-fills and nothing has written: only the part
 * that lies below the heap's previous end is zeroed by hand, and HDF5 only reads the region. The
 * datasets are the ones h5wasm's create_dataset makes (same low-level call and dataspace).
 */
import { DetcalError, sizeOf, type DType } from '@detcal/core';
import { hdf5Module } from './h5wasm-runtime.js';
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
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  create_dataset(fileId: bigint, path: string, ptr: bigint, metadata: Record<string, unknown>): number;
}

/**
 * Creates zero-filled contiguous datasets at the root of an open file.
 * @param h5 - file open for writing
 * @param specs - datasets to create, in order
 * @returns the created datasets, in the order of specs
 */
export function createZeroDatasets(h5: H5File, specs: readonly ZeroDatasetSpec[]): H5Dataset[] {
  if (specs.length === 0) return [];
  const module = hdf5Module() as unknown as LowLevelModule;
  const bytes = Math.max(...specs.map((s) => sizeOf(s.shape) * ELEMENT[s.dtype].size), 1);
  const heapEnd = module.HEAPU8.length;
  const ptr = module._malloc(bytes);
  if (ptr === 0) throw new DetcalError('BAD_INPUT', `cannot allocate ${bytes} bytes of HDF5 heap for the constants' datasets; free memory or write fewer cells`);
  try {
    // below the old end the heap may hold old values; above it, memory.grow gave zeros nobody wrote
    const dirtyEnd = Math.min(ptr + bytes, heapEnd);
    if (dirtyEnd > ptr) module.HEAPU8.fill(0, ptr, dirtyEnd);
    const fileId = (h5 as unknown as { file_id: bigint }).file_id;
    return specs.map((s) => {
      const shape = s.shape.map(BigInt);
      const { type, size, signed } = ELEMENT[s.dtype];
      module.create_dataset(fileId, `/${s.name}`, BigInt(ptr), {
        type, size, signed, littleEndian: true, vlen: false,
        shape, maxshape: shape, chunks: null, compression: 0, compression_opts: [], track_order: false,
      });
      return h5.get(s.name) as H5Dataset;
    });
  } finally {
    module._free(ptr);
  }
}
