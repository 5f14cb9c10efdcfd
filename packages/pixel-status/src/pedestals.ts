/**
 * Pedestals for feature 11: the LCLS text array format ('#' header lines, then whitespace-separated
 * numbers, the array reshaped to 2-D with the last axis as columns; `# SHAPE (a,b,c)` gives the
 * shape) and the choice of the plane that matches the frames (segment --segind, then --slice).
 */
import { DetcalError } from '@detcal/core';
import { sliceArray, type ResolvedSlice } from './frame-slice.js';

/** A numeric array read from a text file. */
export interface TextArray {
  /** Shape from the SHAPE header, else (lines, values per line). */
  shape: number[];
  /** Values in C order. */
  values: Float64Array;
}

/**
 * Parses an LCLS text array (psana calib file, e.g. pedestals/0-end.data).
 * @param text - file contents
 * @param label - file name for messages
 */
export function parseTextArray(text: string, label = 'text array'): TextArray {
  let shape: number[] | null = null;
  const values: number[] = [];
  let lines = 0;
  let perLine = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*SHAPE\s+\(?\s*([\d\s,]+?)\s*,?\s*\)?\s*$/i.exec(line);
      if (m) shape = m[1].split(/[\s,]+/).filter(Boolean).map(Number);
      continue;
    }
    const parts = line.split(/\s+/);
    for (const p of parts) {
      const v = Number(p);
      if (Number.isNaN(v) && !/^[+-]?nan$/i.test(p)) throw new DetcalError('BAD_INPUT', `${label}: '${p}' on data line ${lines + 1} is not a number; pass an LCLS text array ('#' header lines, then numbers)`);
      values.push(v);
    }
    if (perLine < 0) perLine = parts.length;
    lines++;
  }
  if (values.length === 0) throw new DetcalError('BAD_INPUT', `${label}: holds no numbers; pass an LCLS text array or a detcal constants file`);
  const s = shape ?? [lines, perLine];
  if (s.reduce((a, b) => a * b, 1) !== values.length) {
    throw new DetcalError('SHAPE_MISMATCH', `${label}: SHAPE (${s.join(',')}) holds ${s.reduce((a, b) => a * b, 1)} values but the file has ${values.length}`);
  }
  return { shape: s, values: Float64Array.from(values) };
}

/** Where a pedestal plane must fit. */
export interface PedestalTarget {
  /** Rows of the detector's frames (before --slice). */
  rows: number;
  /** Columns of the detector's frames (before --slice). */
  cols: number;
  /** Segment index for arrays with a segment axis (--segind). */
  segind: number;
  /** Slice applied to the frames. */
  slice: ResolvedSlice;
}

/**
 * Picks the pedestals of the processed frames from an array: one full frame (any leading axes of
 * length 1), or several frames along a segment axis (segment `segind`; a text array of
 * segments x rows lines counts as such), or an array already in the sliced shape.
 * @param values - array values, C order
 * @param shape - array shape
 * @param t - frame shape, segment and slice
 * @param label - source name for messages
 * @param dims - axis names, when the source has them (detcal constants files)
 * @returns pedestals per processed pixel (sliced rows x cols)
 */
export function pedestalPlane(values: ArrayLike<number>, shape: readonly number[], t: PedestalTarget, label = 'pedestals', dims?: readonly string[]): Float64Array {
  const frame = t.rows * t.cols;
  const lastCols = shape[shape.length - 1];
  if (lastCols === t.cols && values.length % frame === 0 && values.length > 0) {
    const planes = values.length / frame;
    let plane = 0;
    if (planes > 1) {
      const many = dims ? dims.slice(0, -2).filter((_, i) => shape[i] > 1) : [];
      if (dims && (many.length !== 1 || !/^(segment|module|panel)s?$/i.test(many[0]))) {
        throw new DetcalError('SHAPE_MISMATCH', `${label}: shape (${shape.join(',')}) with axes (${dims.join(',')}) holds ${planes} planes of ${t.rows}x${t.cols}; pass a file with one plane, or planes along a segment axis`);
      }
      if (t.segind >= planes) throw new DetcalError('BAD_INPUT', `${label}: holds ${planes} segments of ${t.rows}x${t.cols}; --segind ${t.segind} is not one of them`);
      plane = t.segind;
    }
    const full = new Float64Array(frame);
    for (let i = 0; i < frame; i++) full[i] = values[plane * frame + i];
    return sliceArray(full, t.cols, t.slice);
  }
  if (values.length === t.slice.rows * t.slice.cols && lastCols === t.slice.cols) return Float64Array.from(values);
  throw new DetcalError('SHAPE_MISMATCH', `${label}: shape (${shape.join(',')}) does not match the ${t.rows}x${t.cols} frames of this run; pass the pedestals of this detector`);
}
