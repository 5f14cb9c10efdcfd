/** Frame range and stride selection (--first-frame, --last-frame, --stride) over a run's frames. */
import { DetcalError } from '@detcal/core';

/** Which frames of a run are read: first, first + stride, ... below last. */
export interface FrameSelection {
  /** First selected frame (index in the whole run). */
  first: number;
  /** End of the range (exclusive), clamped to the run length. */
  last: number;
  /** Step between selected frames. */
  stride: number;
  /** Number of selected frames. */
  count: number;
}

/** Requested selection; every field optional. */
export interface FrameSelectionRequest {
  /** First frame (default 0). */
  firstFrame?: number;
  /** End of the range, exclusive (default: end of run; larger values are clamped). */
  lastFrame?: number;
  /** Take every stride-th frame (default 1). */
  stride?: number;
}

/** Validates a selection against a run of `total` frames; one-line BAD_INPUT errors name the flag. */
export function selectFrames(total: number, req: FrameSelectionRequest = {}): FrameSelection {
  const first = req.firstFrame ?? 0;
  const stride = req.stride ?? 1;
  checkInt(first, 0, '--first-frame', 'a frame index, 0 or more');
  checkInt(stride, 1, '--stride', 'a whole number of frames, 1 or more');
  if (req.lastFrame !== undefined) checkInt(req.lastFrame, 0, '--last-frame', 'a frame index (exclusive), 0 or more');
  const last = Math.min(total, req.lastFrame ?? total);
  if (first >= total && total > 0) {
    throw new DetcalError('BAD_INPUT', `--first-frame ${first} is past the end of the run (${total} frames); pass a value below ${total}`);
  }
  if (req.lastFrame !== undefined && req.lastFrame <= first) {
    throw new DetcalError('BAD_INPUT', `--last-frame ${req.lastFrame} must be greater than --first-frame ${first} (the range is first..last-1)`);
  }
  const count = last > first ? Math.ceil((last - first) / stride) : 0;
  return { first, last, stride, count };
}

function checkInt(value: number, min: number, flag: string, what: string): void {
  if (!Number.isInteger(value) || value < min) throw new DetcalError('BAD_INPUT', `${flag} ${value}: must be ${what}`);
}
