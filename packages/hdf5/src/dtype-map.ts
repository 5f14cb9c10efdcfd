/** Mapping between HDF5 element types (h5wasm metadata), detcal DTypes and JavaScript typed arrays. */
import type { DType, NumericArray } from '@detcal/core';
import type { Metadata } from 'h5wasm/node';

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const CLASS_NAMES: Record<number, string> = {
  2: 'time', 3: 'str', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 8: 'enum', 9: 'vlen', 10: 'array',
};

/** numpy-style name of a dataset's element type: 'u2', 'i1', 'f4', 'str', 'compound' ... ('>' prefix when big-endian). */
export function describeDtype(meta: Metadata): string {
  if (meta.type === H5T_INTEGER || meta.type === H5T_FLOAT) {
    const name = `${meta.type === H5T_FLOAT ? 'f' : meta.signed ? 'i' : 'u'}${meta.size}`;
    return meta.littleEndian || meta.size === 1 ? name : `>${name}`;
  }
  return CLASS_NAMES[meta.type] ?? `class${meta.type}`;
}

/** The detcal DType of a dataset, or null when detcal does not use that type (i1, i8, f2, strings ...). */
export function dtypeOfMetadata(meta: Metadata): DType | null {
  const name = describeDtype(meta);
  return (['u1', 'u2', 'u4', 'u8', 'i2', 'i4', 'f4', 'f8'] as const).find((d) => d === name) ?? null;
}

/** True for floating-point datasets. */
export function isFloatMetadata(meta: Metadata): boolean {
  return meta.type === H5T_FLOAT;
}

/** The h5wasm dtype string that writes a detcal DType (little-endian). */
export function h5wasmDtype(dtype: DType): string {
  const map: Record<DType, string> = { u1: '<B', u2: '<H', u4: '<I', u8: '<Q', i2: '<h', i4: '<i', f4: '<f', f8: '<d' };
  return map[dtype];
}

/** Anything h5wasm returns for a numeric dataset: a typed array (BigInt ones for 8-byte integers). */
export type H5NumericArray = NumericArray | Int8Array | BigInt64Array;

/** Checks that an h5wasm read returned a numeric typed array and gives it that type. */
export function asNumeric(value: unknown, what: string): H5NumericArray {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as H5NumericArray;
  throw new Error(`${what}: expected numeric data, got ${typeof value}`);
}

/** Numbers of a numeric array as a plain JS array (8-byte integers converted with Number()). */
export function toNumberList(src: H5NumericArray): number[] {
  return Array.from(src as ArrayLike<number | bigint>, (v) => Number(v));
}
