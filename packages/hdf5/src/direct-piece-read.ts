/**
 * Executes one planned read (a ReadPiece) with fs.readSync against a dataset's DirectStorage: the
 * piece's frames are gathered into runs of back-to-back bytes (one read each) and land in the block's
 * arrays without intermediate copies where the element types agree (u2 -> Uint16Array, f4 ->
 * Float32Array, u1 -> Uint8Array; AGIPD analog / digital halves with one read each); u1 values into a
 * Uint16Array pass through one reused scratch buffer.
 */
import { entryOffset, readFully, type DirectStorage } from './direct-storage.js';
import type { ReadPiece } from './read-plan.js';

/** A reusable byte buffer of at least the requested size. */
export interface Scratch {
  /** Current buffer (grown on demand). */
  bytes: Uint8Array;
}

type Target = Uint16Array | Uint8Array | Float32Array;

/** The scratch's buffer, grown to at least n bytes. */
export function scratchBytes(s: Scratch, n: number): Uint8Array {
  if (s.bytes.byteLength < n) s.bytes = new Uint8Array(Math.max(n, 2 * s.bytes.byteLength));
  return s.bytes;
}

/** True when `st` can fill `target` (directly or widening u1 to u2). */
export function directFits(st: DirectStorage, target: Target, analogDigital: boolean): boolean {
  if (analogDigital) return st.dtype === 'u2' && target instanceof Uint16Array;
  return (
    (st.dtype === 'u2' && target instanceof Uint16Array) ||
    (st.dtype === 'f4' && target instanceof Float32Array) ||
    (st.dtype === 'u1' && (target instanceof Uint8Array || target instanceof Uint16Array))
  );
}

/**
 * Reads the frames of `piece` into `target` (and, for analog / digital entries, the digital halves
 * into `gain`) at frame offset piece.out. Returns false, having read nothing, when the piece is not
 * a plain run of entries (step 1) or the types do not fit; the caller then reads through h5wasm.
 * @param fd - open file descriptor of the piece's file
 * @param st - where the dataset's entries lie
 * @param piece - the planned read
 * @param frameSize - values per frame (rows * cols)
 * @param framesPerEntry - frames per entry (cells per train for train-cell data, else 1)
 * @param analogDigital - entries hold an analog and a digital frame
 * @param target - block array receiving the frames (analog values for analog / digital entries)
 * @param gain - block array receiving the digital values (analog / digital entries only)
 * @param scratch - reusable buffer for widening and de-interleaving
 */
export function readPieceDirect(
  fd: number,
  st: DirectStorage,
  piece: ReadPiece,
  frameSize: number,
  framesPerEntry: number,
  analogDigital: boolean,
  target: Target,
  gain: Uint16Array | undefined,
  scratch: Scratch,
): boolean {
  if (!directFits(st, target, analogDigital) || (analogDigital && !gain)) return false;
  const runs = directByteRuns(st, piece, framesPerEntry);
  if (!runs) return false;
  for (const r of runs) deliver(fd, st, r.position, r.bytes, r.frame, r.frames, frameSize, analogDigital, target, gain, scratch);
  return true;
}

/** Back-to-back bytes of a planned read: `frames` frames of the piece (from block frame `frame`) at file offset `position`. */
export interface DirectByteRun {
  /** File offset of the first byte. */
  position: number;
  /** Bytes (whole entries or cells: analog and digital halves together for analog / digital entries). */
  bytes: number;
  /** Block frame of the first frame. */
  frame: number;
  /** Frames in the run. */
  frames: number;
}

/**
 * The piece's frames gathered into runs of back-to-back bytes (one read each), or undefined when the
 * piece is not a plain run of entries (step 1) inside the dataset.
 * @param st - where the dataset's entries lie
 * @param piece - the planned read
 * @param framesPerEntry - frames per entry (cells per train for train-cell data, else 1)
 */
export function directByteRuns(st: DirectStorage, piece: ReadPiece, framesPerEntry: number): DirectByteRun[] | undefined {
  const [e0, , es] = piece.entries;
  const [c0, , cs] = piece.cells ?? [0, 1, 1];
  if (es !== 1 || cs !== 1) return undefined;
  if (e0 < 0 || e0 + piece.nEntries > st.entries) return undefined;
  const unitBytes = st.entryBytes / framesPerEntry;
  const runBytes = piece.cellsPerEntry * unitBytes;
  const runs: DirectByteRun[] = [];
  let runPos = -1;
  let runLen = 0;
  let runOut = piece.out;
  for (let k = 0; k <= piece.nEntries; k++) {
    const pos = k < piece.nEntries ? entryOffset(st, e0 + k) + c0 * unitBytes : -1;
    if (runLen > 0 && pos === runPos + runLen) {
      runLen += runBytes;
      continue;
    }
    if (runLen > 0) {
      const frames = runLen / unitBytes;
      runs.push({ position: runPos, bytes: runLen, frame: runOut, frames });
      runOut += frames;
    }
    runPos = pos;
    runLen = runBytes;
  }
  return runs;
}

function deliver(
  fd: number, st: DirectStorage, pos: number, len: number, outFrame: number, frames: number, frameSize: number,
  analogDigital: boolean, target: Target, gain: Uint16Array | undefined, scratch: Scratch,
): void {
  const fail = (): never => {
    throw new Error(`direct read of ${len} bytes at offset ${pos} came short: the file changed or is truncated`);
  };
  if (analogDigital) {
    // (frames, 2, rows, cols): each frame's analog then digital half, read straight into data / gain.
    const half = frameSize * 2;
    const g = gain as Uint16Array;
    for (let f = 0; f < frames; f++) {
      const at = (outFrame + f) * half;
      if (!readFully(fd, target, at, half, pos + 2 * f * half)) fail();
      if (!readFully(fd, g, at, half, pos + (2 * f + 1) * half)) fail();
    }
    return;
  }
  if (st.dtype === 'u1' && target instanceof Uint16Array) {
    const bytes = scratchBytes(scratch, len);
    if (!readFully(fd, bytes, 0, len, pos)) fail();
    target.set(bytes.subarray(0, len), outFrame * frameSize);
    return;
  }
  if (!readFully(fd, target, outFrame * frameSize * target.BYTES_PER_ELEMENT, len, pos)) fail();
}
