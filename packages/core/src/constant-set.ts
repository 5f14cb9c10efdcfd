/** Building and reshaping ConstantSets: typed-array allocation by dtype, dims checks, axis transposition. */
import { DetcalError } from './errors.js';
import type { Conditions, ConstantArray, ConstantMetadata, ConstantSet, DType, NumericArray } from './plugin-types.js';

/** Version of the detcal toolkit written into every constants file. */
export const DETCAL_VERSION = '0.1.0';

/** Allocates a zeroed typed array of a dtype. */
export function allocate(dtype: DType, length: number): NumericArray {
  switch (dtype) {
    case 'u1': return new Uint8Array(length);
    case 'u2': return new Uint16Array(length);
    case 'u4': return new Uint32Array(length);
    case 'u8': return new BigUint64Array(length);
    case 'i2': return new Int16Array(length);
    case 'i4': return new Int32Array(length);
    case 'f4': return new Float32Array(length);
    case 'f8': return new Float64Array(length);
  }
}

/** Bytes per element of a dtype. */
export function bytesPerElement(dtype: DType): number {
  return { u1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, u8: 8, f8: 8 }[dtype];
}

/** The dtype matching a typed array. */
export function dtypeOf(data: NumericArray): DType {
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Uint16Array) return 'u2';
  if (data instanceof Uint32Array) return 'u4';
  if (data instanceof BigUint64Array) return 'u8';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof Float32Array) return 'f4';
  return 'f8';
}

/** The values as a Float32Array: the array itself when it is one, else a converted copy (uint64 included). */
export function toFloat32Array(data: NumericArray): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** Product of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Makes a ConstantArray, checking that shape, dims and data length agree. */
export function makeConstant(name: string, data: NumericArray, shape: number[], dims: string[], unit: string): ConstantArray {
  if (shape.length !== dims.length) throw new DetcalError('SHAPE_MISMATCH', `constant ${name}: ${shape.length} axes but ${dims.length} dims labels`);
  if (sizeOf(shape) !== data.length) throw new DetcalError('SHAPE_MISMATCH', `constant ${name}: shape [${shape}] holds ${sizeOf(shape)} values, data has ${data.length}`);
  return { name, dtype: dtypeOf(data), shape: [...shape], dims: [...dims], unit, data };
}

/** Makes a ConstantSet from arrays and metadata. */
export function makeConstantSet(metadata: ConstantMetadata, arrays: ConstantArray[]): ConstantSet {
  const constants: Record<string, ConstantArray> = {};
  for (const a of arrays) constants[a.name] = a;
  return { metadata, constants };
}

/** Axis labels that index gain stages (Thresholds constants have one threshold per pair of stages). */
export const GAIN_AXES: readonly string[] = ['gain', 'threshold'];

/** True when a constant's first axis is a gain-stage axis: summaries, plots and slab reads go stage by stage. */
export function leadsWithGainAxis(c: { dims: readonly string[] }): boolean {
  return c.dims.length > 0 && GAIN_AXES.includes(c.dims[0]);
}

/** Drops axes of length 1 whose label is one of `labels` (e.g. a single gain or cell axis). */
export function dropSingletonAxes(c: ConstantArray, labels: readonly string[] = ['gain', 'cell']): ConstantArray {
  const keep = c.shape.map((n, i) => !(n === 1 && labels.includes(c.dims[i])));
  return { ...c, shape: c.shape.filter((_, i) => keep[i]), dims: c.dims.filter((_, i) => keep[i]) };
}

/** Permutes the axes of a constant: result axis k is input axis order[k]. */
export function transpose(c: ConstantArray, order: readonly number[]): ConstantArray {
  const n = c.shape.length;
  if (order.length !== n || [...order].sort().some((v, i) => v !== i)) throw new DetcalError('INTERNAL', `transpose of ${c.name}: bad axis order [${order}]`);
  const outShape = order.map((k) => c.shape[k]);
  const inStrides = new Array<number>(n);
  inStrides[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * c.shape[i + 1];
  const stridesByOut = order.map((k) => inStrides[k]);
  const src = c.data as unknown as { length: number; [i: number]: number | bigint };
  const out = allocate(c.dtype, src.length) as unknown as { [i: number]: number | bigint };
  const idx = new Array<number>(n).fill(0);
  let inOff = 0;
  for (let o = 0; o < src.length; o++) {
    out[o] = src[inOff];
    for (let ax = n - 1; ax >= 0; ax--) {
      idx[ax]++;
      inOff += stridesByOut[ax];
      if (idx[ax] < outShape[ax]) break;
      inOff -= stridesByOut[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return { ...c, shape: outShape, dims: order.map((k) => c.dims[k]), data: out as unknown as NumericArray };
}

/** Reverses the axis order: detcal's [gain][cell][row][col] -> the EuXFEL (col, row, cell, gain) order. */
export function toEuxfelOrder(c: ConstantArray): ConstantArray {
  return transpose(c, c.shape.map((_, i) => c.shape.length - 1 - i));
}

/** Metadata of constants derived from a dark request (runs, conditions, parameters, now, tool version). */
export function darkMetadata(
  request: { runs: ReadonlyArray<{ label: string; run?: number }>; module: number; detectorId: string; conditions: Conditions; method: string },
  detectorType: string,
  parameters: Record<string, unknown>,
  extraConditions: Conditions = {},
): ConstantMetadata {
  return {
    detectorType,
    detectorId: request.detectorId,
    module: request.module,
    conditions: { ...request.conditions, ...extraConditions },
    sourceRuns: request.runs.map((r) => (r.run !== undefined ? String(r.run) : r.label)),
    createdAt: new Date().toISOString(),
    toolVersion: DETCAL_VERSION,
    parameters: { method: request.method, ...parameters },
  };
}
