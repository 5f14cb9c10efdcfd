/** How a pixel dataset's shape maps to frames, for each FrameAxes arrangement and for plain datasets. */
import { DetcalError, type FrameAxes } from '@detcal/core';

/** Axis arrangement of a frame source: a RawLayout's axes, or a plain dataset ('dataset'). */
export type FrameSourceAxes = FrameAxes | 'dataset';

/** Frames inside one pixel dataset. */
export interface FrameGeometry {
  /** Rows along axis 0 ("entries": frames, or trains for train-cell data). */
  entries: number;
  /** Frames per entry (cells per train for train-cell data, else 1). */
  framesPerEntry: number;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
  /** Axis 1 holds analog (0) and digital (1) values. */
  analogDigital: boolean;
  /** The dataset is one (rows, cols) frame. */
  single: boolean;
}

const EXPECTED: Record<FrameSourceAxes, string> = {
  frame: '(frames, rows, cols)',
  'frame-analog-digital': '(frames, 2, rows, cols)',
  'train-cell': '(trains, cells, rows, cols)',
  dataset: '(frames, rows, cols) or (rows, cols)',
};

/** Interprets `shape` for `axes`; a one-line SHAPE_MISMATCH error naming file and dataset otherwise. */
export function frameGeometry(shape: readonly number[] | null, axes: FrameSourceAxes, file: string, dataset: string): FrameGeometry {
  const s = shape ?? [];
  const plain = (entries: number, rows: number, cols: number): FrameGeometry => ({ entries, framesPerEntry: 1, rows, cols, analogDigital: false, single: false });
  if (axes === 'frame' || axes === 'dataset') {
    if (s.length === 3) return plain(s[0], s[1], s[2]);
    if (s.length === 4 && s[1] === 1) return plain(s[0], s[2], s[3]);
    if (axes === 'dataset' && s.length === 2) return { ...plain(1, s[0], s[1]), single: true };
  } else if (axes === 'frame-analog-digital') {
    if (s.length === 4 && s[1] === 2) return { ...plain(s[0], s[2], s[3]), analogDigital: true };
  } else if (axes === 'train-cell') {
    if (s.length === 4 && s[1] > 0) return { ...plain(s[0], s[2], s[3]), framesPerEntry: s[1] };
  }
  const hint = axes === 'dataset' ? 'pass --dataset with a dataset of frames' : 'check --detector (the layout does not match this file) or pass --dataset';
  throw new DetcalError('SHAPE_MISMATCH', `${file}: dataset ${dataset} has shape (${s.join(', ')}) but ${EXPECTED[axes]} is expected; ${hint}`);
}
