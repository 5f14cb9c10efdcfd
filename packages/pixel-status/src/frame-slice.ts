/**
 * The --slice of det_pixel_status: a numpy-style 2-D slice of the panel ("0:144,0:192", "100:,::2"),
 * resolved with Python's rules (negative indices count from the end, bounds are clipped).
 * Only start:stop[:step] per axis with a positive step; a missing axis takes the whole axis.
 */
import { DetcalError } from '@detcal/core';

/** One axis of a slice as typed; undefined parts take Python's defaults. */
export interface AxisSliceSpec {
  /** First index (default 0). */
  start?: number;
  /** End index, exclusive (default: the axis length). */
  stop?: number;
  /** Step, 1 or more (default 1). */
  step?: number;
}

/** A slice resolved against a frame: the rows and columns kept. */
export interface ResolvedSlice {
  /** First row kept. */
  row0: number;
  /** Step between kept rows. */
  rowStep: number;
  /** Rows kept. */
  rows: number;
  /** First column kept. */
  col0: number;
  /** Step between kept columns. */
  colStep: number;
  /** Columns kept. */
  cols: number;
}

/**
 * Parses "r0:r1[:step],c0:c1[:step]" (either axis may be ":" or left out).
 * @param text - the slice as typed after --slice
 * @returns one spec per axis given (1 or 2)
 */
export function parseSlice(text: string): AxisSliceSpec[] {
  const axes = text.replace(/\s+/g, '').replace(/^\[|\]$/g, '').split(',');
  if (axes.length < 1 || axes.length > 2) throw new DetcalError('BAD_INPUT', `--slice '${text}': give at most two axes, e.g. 0:144,0:192`);
  return axes.map((a) => {
    const parts = a.split(':');
    if (parts.length < 2 || parts.length > 3) throw new DetcalError('BAD_INPUT', `--slice '${text}': each axis needs start:stop or start:stop:step (e.g. 0:144), got '${a}'`);
    const num = (s: string | undefined): number | undefined => {
      if (s === undefined || s === '') return undefined;
      const v = Number(s);
      if (!Number.isInteger(v)) throw new DetcalError('BAD_INPUT', `--slice '${text}': '${s}' is not a whole number`);
      return v;
    };
    const spec: AxisSliceSpec = { start: num(parts[0]), stop: num(parts[1]), step: num(parts[2]) };
    if (spec.step !== undefined && spec.step < 1) throw new DetcalError('BAD_INPUT', `--slice '${text}': the step must be 1 or more`);
    return spec;
  });
}

function resolveAxis(spec: AxisSliceSpec | undefined, length: number): { first: number; step: number; count: number } {
  const step = spec?.step ?? 1;
  const clip = (v: number): number => (v < 0 ? Math.max(0, v + length) : Math.min(v, length));
  const start = spec?.start === undefined ? 0 : clip(spec.start);
  const stop = spec?.stop === undefined ? length : clip(spec.stop);
  const count = stop > start ? Math.ceil((stop - start) / step) : 0;
  return { first: start, step, count };
}

/**
 * Resolves a slice against a frame of rows x cols (no slice: the whole frame).
 * @param spec - parsed slice, or undefined
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param text - the slice as typed, for the error message
 */
export function resolveSlice(spec: readonly AxisSliceSpec[] | undefined, rows: number, cols: number, text = ''): ResolvedSlice {
  const r = resolveAxis(spec?.[0], rows);
  const c = resolveAxis(spec?.[1], cols);
  if (r.count === 0 || c.count === 0) throw new DetcalError('BAD_INPUT', `--slice '${text}' selects no pixels of the ${rows}x${cols} frame; give ranges inside it`);
  return { row0: r.first, rowStep: r.step, rows: r.count, col0: c.first, colStep: c.step, cols: c.count };
}

/** True when the slice keeps the whole frame unchanged. */
export function isWholeFrame(s: ResolvedSlice, rows: number, cols: number): boolean {
  return s.row0 === 0 && s.col0 === 0 && s.rowStep === 1 && s.colStep === 1 && s.rows === rows && s.cols === cols;
}

/**
 * Copies the sliced part of a full-frame array (e.g. pedestals) into a new Float64Array.
 * @param full - rows x cols values, row-major
 * @param cols - columns of the full frame
 * @param s - the resolved slice
 */
export function sliceArray(full: ArrayLike<number>, cols: number, s: ResolvedSlice): Float64Array {
  const out = new Float64Array(s.rows * s.cols);
  for (let r = 0, o = 0; r < s.rows; r++) {
    const base = (s.row0 + r * s.rowStep) * cols + s.col0;
    for (let c = 0; c < s.cols; c++) out[o++] = full[base + c * s.colStep];
  }
  return out;
}
