/** One EuXFEL raw sequence file being written: its datasets, created at final size, filled block by block. */
import { allocate, DetcalError, type DType, type FrameBlock, type NumericArray, type RawLayout } from '@detcal/core';
import type { RawPaths } from './euxfel-names.js';
import { h5wasm } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import type { H5Dataset, H5File } from './hdf5-file.js';
import { createChunkedDataset, tmpPathFor, toUint64, writeNumericDataset, writeStringDataset } from './hdf5-write.js';
import { planReads, type ReadPiece } from './read-plan.js';

/** Largest chunk of pixel data: chunks are about 32 frames, fewer when frames are large. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

/** One sequence file being written (as <file>.tmp). */
export class SequenceWriter {
  readonly h5: H5File;
  readonly tmp: string;
  readonly frameStart: number;
  private readonly trainIds: Float64Array;
  private written = 0;
  private readonly rows: number;
  private readonly cols: number;
  private readonly ds: SequenceDatasets;

  /** Creates `<file>.tmp` with the datasets of `trains` trains of `cpt` frames, frames shaped like `first`. */
  constructor(
    readonly file: string,
    readonly seq: number,
    frameStart: number,
    private readonly trains: number,
    private readonly cpt: number,
    first: FrameBlock,
    private readonly layout: RawLayout,
    private readonly paths: RawPaths,
    gzip: boolean,
  ) {
    this.tmp = tmpPathFor(file);
    this.frameStart = frameStart;
    this.rows = first.rows;
    this.cols = first.cols;
    this.trainIds = new Float64Array(trains);
    this.h5 = withHdf5Errors(`${this.tmp}: cannot create`, 'check that the folder is writable', () => new h5wasm.File(this.tmp, 'w'), 'BAD_INPUT');
    try {
      this.ds = withHdf5Errors(`${this.tmp}: cannot write the file layout`, 'check free disk space', () =>
        createSequenceDatasets(this.h5, layout, paths, trains, cpt, first.rows, first.cols, gzip),
      );
    } catch (err) {
      this.h5.close();
      throw err;
    }
  }

  /** Writes frames k..k+m-1 of `block` at frame `local` of this file. */
  write(block: FrameBlock, k: number, m: number, local: number): void {
    if (block.rows !== this.rows || block.cols !== this.cols) {
      throw new DetcalError('INTERNAL', `${this.file}: block at frame ${block.firstFrame} has ${block.rows}x${block.cols} frames, the run started with ${this.rows}x${this.cols}`);
    }
    const fs1 = this.rows * this.cols;
    for (let i = 0; i < m; i++) this.trainIds[Math.floor((local + i) / this.cpt)] = block.trainIds[k + i];
    withHdf5Errors(`${this.tmp}: writing frames ${local}..${local + m - 1} failed`, 'check free disk space', () => {
      if (this.layout.axes === 'train-cell') {
        const segment = [{ file: 0, entryStart: 0, entryCount: this.trains, frameStart: 0 }];
        for (const p of planReads(segment, this.cpt, local, m)) this.writeTrainCellPiece(block, k + p.out, p, fs1);
      } else {
        const rows: [number, number] = [local, local + m];
        const data = converted(block.data.subarray(k * fs1, (k + m) * fs1), this.layout.dtype);
        if (this.layout.axes === 'frame-analog-digital') {
          const both = allocate(this.layout.dtype, 2 * m * fs1);
          const gain = block.gain?.subarray(k * fs1, (k + m) * fs1);
          for (let i = 0; i < m; i++) {
            (both as Uint16Array).set(data.subarray(i * fs1, (i + 1) * fs1) as Uint16Array, 2 * i * fs1);
            if (gain) (both as Uint16Array).set(gain.subarray(i * fs1, (i + 1) * fs1), (2 * i + 1) * fs1);
          }
          this.ds.data.write_slice([rows], both);
        } else {
          this.ds.data.write_slice([rows], data);
          if (this.ds.gain) this.ds.gain.write_slice([rows], converted(block.gain?.subarray(k * fs1, (k + m) * fs1) ?? new Uint8Array(m * fs1), 'u1'));
        }
        this.ds.cellId?.write_slice([rows], Uint16Array.from(block.cellIds.subarray(k, k + m)));
        this.ds.trainId?.write_slice([rows], toUint64(block.trainIds.subarray(k, k + m)));
        this.ds.pulseId?.write_slice([rows], toUint64(block.pulseIds?.subarray(k, k + m) ?? new Float64Array(m)));
      }
    });
    this.written += m;
  }

  private writeTrainCellPiece(block: FrameBlock, at: number, p: ReadPiece, fs1: number): void {
    const ranges = [p.entries, p.cells ?? [0, this.cpt, 1]] as [number, number, number][];
    this.ds.data.write_slice(ranges, converted(block.data.subarray(at * fs1, (at + p.n) * fs1), this.layout.dtype));
    this.ds.gain?.write_slice(ranges, converted(block.gain?.subarray(at * fs1, (at + p.n) * fs1) ?? new Uint8Array(p.n * fs1), 'u1'));
    this.ds.cellId?.write_slice(ranges, Uint8Array.from(block.cellIds.subarray(at, at + p.n)));
    this.ds.pulseId?.write_slice(ranges, toUint64(block.pulseIds?.subarray(at, at + p.n) ?? new Float64Array(p.n)));
  }

  /** Writes the per-train datasets, checks the frame count and closes the file. */
  finish(): void {
    const expected = this.trains * this.cpt;
    try {
      if (this.written !== expected) throw new DetcalError('INTERNAL', `${this.file}: ${this.written} frames written, ${expected} expected`);
      withHdf5Errors(`${this.tmp}: writing train ids failed`, 'check free disk space', () => {
        writeNumericDataset(this.h5, this.paths.indexTrainId, toUint64(this.trainIds), [this.trains], 'u8');
        if (this.layout.axes === 'train-cell' && this.paths.trainId) writeNumericDataset(this.h5, this.paths.trainId, toUint64(this.trainIds), [this.trains], 'u8');
      });
    } finally {
      this.h5.close();
    }
  }

  /** Closes the file after an error (the caller deletes it). */
  abort(): void {
    try {
      this.h5.close();
    } catch {
      // already closed
    }
  }
}

/** The datasets of one sequence file that blocks are written into. */
interface SequenceDatasets {
  data: H5Dataset;
  gain?: H5Dataset;
  cellId?: H5Dataset;
  trainId?: H5Dataset;
  pulseId?: H5Dataset;
}

/** Creates METADATA, INDEX first / count and the empty, final-size chunked datasets of one sequence file. */
function createSequenceDatasets(h5: H5File, layout: RawLayout, paths: RawPaths, trains: number, cpt: number, rows: number, cols: number, gzip: boolean): SequenceDatasets {
  const n = trains * cpt;
  const frameBytes = rows * cols * 2 * (layout.axes === 'frame-analog-digital' ? 2 : 1);
  const chunkFrames = Math.max(1, Math.min(32, Math.floor(MAX_CHUNK_BYTES / frameBytes)));
  const gzipLevel = gzip ? 1 : undefined;
  writeStringDataset(h5, 'METADATA/dataSourceId', [paths.dataSourceId]);
  const trainCell = layout.axes === 'train-cell';
  const first = new BigUint64Array(trains).map((_, t) => BigInt(trainCell ? t : t * cpt));
  const count = new BigUint64Array(trains).fill(BigInt(trainCell ? 1 : cpt));
  writeNumericDataset(h5, paths.indexFirst, first, [trains], 'u8');
  writeNumericDataset(h5, paths.indexCount, count, [trains], 'u8');
  const dtype = layout.dtype;
  if (trainCell) {
    const chunkTrains = Math.max(1, Math.min(trains, Math.round(chunkFrames / cpt)));
    const pixels = { shape: [trains, cpt, rows, cols], chunks: [chunkTrains, cpt, rows, cols], gzipLevel };
    const perCell = { shape: [trains, cpt], chunks: [Math.max(1, Math.min(trains, 256)), cpt] };
    return {
      data: createChunkedDataset(h5, paths.data, { dtype, ...pixels }),
      ...(paths.gain ? { gain: createChunkedDataset(h5, paths.gain, { dtype: 'u1', ...pixels }) } : {}),
      ...(paths.cellId ? { cellId: createChunkedDataset(h5, paths.cellId, { dtype: 'u1', ...perCell }) } : {}),
      ...(paths.pulseId ? { pulseId: createChunkedDataset(h5, paths.pulseId, { dtype: 'u8', ...perCell }) } : {}),
    };
  }
  const inner = layout.axes === 'frame-analog-digital' ? [2, rows, cols] : [rows, cols];
  const chunks = [Math.min(chunkFrames, Math.max(1, n)), ...inner];
  const perFrame = { shape: [n, 1], chunks: [Math.max(1, Math.min(n, 4096)), 1] };
  return {
    data: createChunkedDataset(h5, paths.data, { dtype, shape: [n, ...inner], chunks, gzipLevel }),
    ...(paths.gain && layout.axes === 'frame' ? { gain: createChunkedDataset(h5, paths.gain, { dtype: 'u1', shape: [n, rows, cols], chunks, gzipLevel }) } : {}),
    ...(paths.cellId ? { cellId: createChunkedDataset(h5, paths.cellId, { dtype: 'u2', ...perFrame }) } : {}),
    ...(paths.trainId ? { trainId: createChunkedDataset(h5, paths.trainId, { dtype: 'u8', ...perFrame }) } : {}),
    ...(paths.pulseId ? { pulseId: createChunkedDataset(h5, paths.pulseId, { dtype: 'u8', ...perFrame }) } : {}),
  };
}

function converted(src: ArrayLike<number>, dtype: DType): NumericArray {
  const out = allocate(dtype, src.length);
  if (out instanceof BigUint64Array) return toUint64(src);
  (out as Float64Array).set(src as Float64Array);
  return out;
}

