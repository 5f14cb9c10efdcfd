/**
 * Read planning: turns a block of selected frames into hyperslab reads. A run is a list of segments
 * (contiguous rows of a file's datasets); each row ("entry") holds `framesPerEntry` frames (1 for
 * (frames, ...) datasets, the cell count for (trains, cells, ...) datasets).
 */

/** Contiguous entries of one file that hold consecutive frames of the run. */
export interface Segment {
  /** Index of the file in the run's file list. */
  file: number;
  /** First entry (row along axis 0) of the segment. */
  entryStart: number;
  /** Number of entries. */
  entryCount: number;
  /** Run frame index of the segment's first frame. */
  frameStart: number;
}

/** A [start, stop, step] hyperslab range along one axis (stop exclusive). */
export type AxisRange = [number, number, number];

/** One hyperslab read: `entries` x `cells` gives `n` frames in run order, stored at block offset `out`. */
export interface ReadPiece {
  /** Index of the file in the run's file list. */
  file: number;
  /** Offset (in frames) inside the block where these frames go. */
  out: number;
  /** Number of frames. */
  n: number;
  /** Range along axis 0 (entries). */
  entries: AxisRange;
  /** Range along axis 1 (cells) when entries hold several frames. */
  cells?: AxisRange;
  /** Number of entries read. */
  nEntries: number;
  /** Frames read per entry. */
  cellsPerEntry: number;
}

/** Total frames of a segment list. */
export function segmentFrames(segments: readonly Segment[], framesPerEntry: number): number {
  const last = segments[segments.length - 1];
  return last ? last.frameStart + last.entryCount * framesPerEntry : 0;
}

/** Index of the segment holding run frame `frame` (binary search). */
export function findSegment(segments: readonly Segment[], framesPerEntry: number, frame: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].frameStart <= frame) lo = mid;
    else hi = mid - 1;
  }
  const s = segments[lo];
  if (!s || frame < s.frameStart || frame >= s.frameStart + s.entryCount * framesPerEntry) throw new Error(`frame ${frame} outside the run`);
  return lo;
}

/**
 * Plans the reads of `count` consecutive run frames from `first`. Every piece is one regular hyperslab
 * of at most `count` frames (entries x cells), in run order. Strided selections are read as windows of
 * consecutive frames (see frame-source.ts): HDF5 reads strided hyperslabs of chunked data far slower.
 */
export function planReads(segments: readonly Segment[], framesPerEntry: number, first: number, count: number): ReadPiece[] {
  const pieces: ReadPiece[] = [];
  const fpe = framesPerEntry;
  let j = 0;
  while (j < count) {
    const g = first + j;
    const seg = segments[findSegment(segments, fpe, g)];
    const local = g - seg.frameStart;
    const m = Math.min(count - j, seg.entryCount * fpe - local);
    if (fpe === 1) {
      const e = seg.entryStart + local;
      pieces.push({ file: seg.file, out: j, n: m, entries: [e, e + m, 1], nEntries: m, cellsPerEntry: 1 });
    } else {
      planContiguousCells(pieces, seg, fpe, local, m, j);
    }
    j += m;
  }
  return pieces;
}

/** Consecutive frames over (entries, cells): a partial head entry, whole entries, a partial tail entry. */
function planContiguousCells(pieces: ReadPiece[], seg: Segment, fpe: number, local: number, m: number, out: number): void {
  let e = seg.entryStart + Math.floor(local / fpe);
  let c = local % fpe;
  let left = m;
  let o = out;
  if (c > 0) {
    const h = Math.min(left, fpe - c);
    pieces.push({ file: seg.file, out: o, n: h, entries: [e, e + 1, 1], cells: [c, c + h, 1], nEntries: 1, cellsPerEntry: h });
    left -= h;
    o += h;
    e += 1;
    c = 0;
  }
  const full = Math.floor(left / fpe);
  if (full > 0) {
    pieces.push({ file: seg.file, out: o, n: full * fpe, entries: [e, e + full, 1], cells: [0, fpe, 1], nEntries: full, cellsPerEntry: fpe });
    left -= full * fpe;
    o += full * fpe;
    e += full;
  }
  if (left > 0) {
    pieces.push({ file: seg.file, out: o, n: left, entries: [e, e + 1, 1], cells: [0, left, 1], nEntries: 1, cellsPerEntry: left });
  }
}
