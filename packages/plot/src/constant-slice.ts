/** 2-D frames out of an N-D ConstantArray: which axes are rows / cols, and the frame at fixed indices of the others. */
import { DetcalError, type ConstantArray } from '@detcal/core';

export { GAIN_AXES } from '@detcal/core';

/** The axes of a constant: rows, cols and the others, outermost first. */
export interface FrameAxes {
  /** Index of the row axis ('row', else the second-to-last axis). */
  row: number;
  /** Index of the column axis ('col', else the last axis). */
  col: number;
  /** The other axes with their labels and lengths, outermost first. */
  others: Array<{ axis: number; label: string; length: number }>;
}

/** Finds the row / col axes of a constant by its dims labels (the last two axes where it has none). */
export function frameAxes(c: ConstantArray): FrameAxes {
  if (c.shape.length < 2) throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name} has ${c.shape.length} axis (shape [${c.shape}]): a map needs rows and cols`);
  let row = c.dims.indexOf('row'), col = c.dims.indexOf('col');
  if (row < 0 || col < 0 || row === col) { row = c.shape.length - 2; col = c.shape.length - 1; }
  const others = c.shape.map((length, axis) => ({ axis, label: c.dims[axis] ?? `axis${axis}`, length })).filter((a) => a.axis !== row && a.axis !== col);
  return { row, col, others };
}

/**
 * The rows x cols frame of a constant at fixed indices of its other axes (`at[axis]`), as float64 in
 * raw orientation (row-major; values of 'u8' constants converted to numbers).
 */
export function frameAt(c: ConstantArray, axes: FrameAxes, at: Readonly<Record<number, number>>): Float64Array {
  const n = c.shape.length;
  const strides = new Array<number>(n);
  strides[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) strides[i] = strides[i + 1] * c.shape[i + 1];
  let base = 0;
  for (const o of axes.others) {
    const k = at[o.axis] ?? 0;
    if (k < 0 || k >= o.length) throw new DetcalError('BAD_INPUT', `constant ${c.name}: ${o.label} ${k} is out of range 0..${o.length - 1}`);
    base += k * strides[o.axis];
  }
  const rows = c.shape[axes.row], cols = c.shape[axes.col];
  const rs = strides[axes.row], cs = strides[axes.col];
  const out = new Float64Array(rows * cols);
  const data = c.data;
  if (data instanceof BigUint64Array) {
    for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) out[r * cols + q] = Number(data[base + r * rs + q * cs]);
  } else {
    for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) out[r * cols + q] = data[base + r * rs + q * cs];
  }
  return out;
}
