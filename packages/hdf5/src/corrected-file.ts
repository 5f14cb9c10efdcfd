/**
 * Corrected sequence files in the European XFEL corrected layout: CORR-R{run}-{AGG}-S{seq}.h5 with
 * the corrected source (raw source with /DET/ or /CAL/ -> /CORR/, ':xtdf' -> ':output'), per-frame
 * datasets (data f4 named like the raw pixel dataset, mask u4, gain u1, extra outputs), the ids
 * (cellId, trainId, pulseId per frame), INDEX first / count per train and METADATA/dataSourceId.
 * Written as <file>.tmp and renamed only by finish(); abort() deletes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, allocate, bytesPerElement, type CorrectedDataset, type FrameBlock, type NumericArray, type RawLayout } from '@detcal/core';
import { loadHdf5, h5wasm } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import type { H5Dataset, H5File } from './hdf5-file.js';
import { createChunkedDataset, removeQuietly, setAttribute, tmpPathFor, toUint64, writeNumericDataset, writeStringDataset } from './hdf5-write.js';

/** File name of a corrected sequence file: CORR-R0012-AGIPD00-S00000.h5. */
export function correctedFileName(run: number, aggregator: string, sequence: number): string {
  return `CORR-R${String(run).padStart(4, '0')}-${aggregator}-S${String(sequence).padStart(5, '0')}.h5`;
}

/** Corrected source name of a raw source: SPB_DET_AGIPD1M-1/DET/0CH0:xtdf -> SPB_DET_AGIPD1M-1/CORR/0CH0:output. */
export function correctedSource(rawSource: string): string {
  return rawSource.replace(/\/(DET|CAL)\//, '/CORR/').replace(/:xtdf$/, ':output');
}

/** Dataset paths of the corrected file of one module. */
export interface CorrectedPaths {
  /** Corrected source name. */
  source: string;
  /** INSTRUMENT/<source>/<group>. */
  group: string;
  /** Dataset path of each output (output 'data' takes the raw pixel dataset's name). */
  outputs: Record<string, string>;
  /** Per-frame ids. */
  cellId: string;
  trainId: string;
  pulseId: string;
  /** INDEX/<source>/<group>/first and count, INDEX/trainId. */
  indexFirst: string;
  indexCount: string;
  indexTrainId: string;
}

/** Where the corrected datasets of `module` go. */
export function correctedPaths(layout: RawLayout, module: number, outputs: readonly CorrectedDataset[]): CorrectedPaths {
  const source = correctedSource(layout.source(module));
  const group = `INSTRUMENT/${source}/${layout.group}`;
  const names: Record<string, string> = {};
  for (const o of outputs) names[o.name] = `${group}/${o.name === 'data' ? layout.dataName : o.name}`;
  return {
    source,
    group,
    outputs: names,
    cellId: `${group}/cellId`,
    trainId: `${group}/trainId`,
    pulseId: `${group}/pulseId`,
    indexFirst: `INDEX/${source}/${layout.group}/first`,
    indexCount: `INDEX/${source}/${layout.group}/count`,
    indexTrainId: 'INDEX/trainId',
  };
}

/** What a corrected file holds. */
export interface CorrectedFileSpec {
  /** Final path of the file. */
  file: string;
  /** Raw layout of the detector (source and dataset names). */
  layout: RawLayout;
  /** Module index. */
  module: number;
  /** Frames the file will hold. */
  nFrames: number;
  /** Rows and columns of a frame. */
  rows: number;
  cols: number;
  /** The corrector's outputs, 'data' first. */
  outputs: readonly CorrectedDataset[];
  /** Attributes on the corrected group: constants used, parameters, tool version, input file. */
  attributes: Record<string, string | number>;
  /** gzip level of compressed outputs (default 1: fast, most of the gain of higher levels on flags). */
  gzipLevel?: number;
}

/** Largest chunk of a per-frame dataset. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** One corrected sequence file being written block by block. */
export class CorrectedFileWriter {
  readonly tmp: string;
  readonly paths: CorrectedPaths;
  private readonly h5: H5File;
  private readonly datasets: Record<string, H5Dataset> = {};
  private ids!: { cellId: H5Dataset; trainId: H5Dataset; pulseId: H5Dataset };
  private readonly trainIds: Float64Array;
  private written = 0;
  private closed = false;

  private constructor(readonly spec: CorrectedFileSpec) {
    this.tmp = tmpPathFor(spec.file);
    this.paths = correctedPaths(spec.layout, spec.module, spec.outputs);
    this.trainIds = new Float64Array(spec.nFrames);
    fs.mkdirSync(path.dirname(path.resolve(spec.file)), { recursive: true });
    this.h5 = withHdf5Errors(`${this.tmp}: cannot create`, 'check that the output folder is writable', () => new h5wasm.File(path.resolve(this.tmp), 'w'), 'BAD_INPUT');
    try {
      withHdf5Errors(`${this.tmp}: cannot write the file layout`, 'check free disk space', () => {
        const n = spec.nFrames;
        for (const o of spec.outputs) {
          const frameBytes = spec.rows * spec.cols * bytesPerElement(o.dtype);
          const chunkFrames = Math.max(1, Math.min(32, Math.floor(MAX_CHUNK_BYTES / frameBytes), n));
          const ds = createChunkedDataset(this.h5, this.paths.outputs[o.name], {
            dtype: o.dtype,
            shape: [n, spec.rows, spec.cols],
            chunks: [chunkFrames, spec.rows, spec.cols],
            gzipLevel: o.compress ? (spec.gzipLevel ?? 1) : undefined,
          });
          setAttribute(ds, 'unit', o.unit);
          setAttribute(ds, 'description', o.description);
          this.datasets[o.name] = ds;
        }
        const perFrame = { shape: [n], chunks: [Math.max(1, Math.min(n, 4096))] };
        this.ids = {
          cellId: createChunkedDataset(this.h5, this.paths.cellId, { dtype: 'u2', ...perFrame }),
          trainId: createChunkedDataset(this.h5, this.paths.trainId, { dtype: 'u8', ...perFrame }),
          pulseId: createChunkedDataset(this.h5, this.paths.pulseId, { dtype: 'u8', ...perFrame }),
        };
      });
    } catch (err) {
      this.h5.close();
      removeQuietly([this.tmp]);
      throw err;
    }
  }

  /** Creates `<file>.tmp` with empty datasets of the final size. */
  static async create(spec: CorrectedFileSpec): Promise<CorrectedFileWriter> {
    await loadHdf5();
    return new CorrectedFileWriter(spec);
  }

  /** Writes the corrected values of `block` (out[name] holds nFrames * rows * cols values) at frame `at` of this file. */
  write(block: FrameBlock, out: Record<string, NumericArray>, at: number): void {
    const m = block.nFrames;
    if (at !== this.written) throw new DetcalError('INTERNAL', `${this.spec.file}: frames must be written in order (${this.written} written, block at ${at})`);
    if (at + m > this.spec.nFrames) throw new DetcalError('INTERNAL', `${this.spec.file}: ${at + m} frames exceed the ${this.spec.nFrames} the file was made for`);
    const range: [number, number][] = [[at, at + m]];
    withHdf5Errors(`${this.tmp}: writing frames ${at}..${at + m - 1} failed`, 'check free disk space', () => {
      for (const o of this.spec.outputs) {
        const values = out[o.name];
        if (!values || values.length < m * this.spec.rows * this.spec.cols) throw new DetcalError('INTERNAL', `corrector left output '${o.name}' unfilled`);
        this.datasets[o.name].write_slice(range, values.subarray(0, m * this.spec.rows * this.spec.cols));
      }
      this.ids.cellId.write_slice(range, Uint16Array.from(block.cellIds.subarray(0, m)));
      this.ids.trainId.write_slice(range, toUint64(block.trainIds.subarray(0, m)));
      this.ids.pulseId.write_slice(range, toUint64(block.pulseIds?.subarray(0, m) ?? block.cellIds.subarray(0, m)));
    });
    this.trainIds.set(block.trainIds.subarray(0, m), at);
    this.written += m;
  }

  /** Writes INDEX and METADATA and the attributes, closes the file and renames it into place. */
  finish(): { file: string; bytes: number } {
    try {
      if (this.written !== this.spec.nFrames) throw new DetcalError('INTERNAL', `${this.spec.file}: ${this.written} frames written, ${this.spec.nFrames} expected`);
      withHdf5Errors(`${this.tmp}: writing the index failed`, 'check free disk space', () => {
        const { trains, first, count } = trainIndex(this.trainIds);
        writeNumericDataset(this.h5, this.paths.indexTrainId, toUint64(trains), [trains.length], 'u8');
        writeNumericDataset(this.h5, this.paths.indexFirst, toUint64(first), [first.length], 'u8');
        writeNumericDataset(this.h5, this.paths.indexCount, toUint64(count), [count.length], 'u8');
        writeStringDataset(this.h5, 'METADATA/dataSourceId', [this.paths.group]);
        const g = this.h5.get(this.paths.group) as unknown as Parameters<typeof setAttribute>[0];
        for (const [k, v] of Object.entries(this.spec.attributes)) setAttribute(g, k, v);
      });
      this.h5.close();
      this.closed = true;
      fs.renameSync(this.tmp, this.spec.file);
      return { file: this.spec.file, bytes: fs.statSync(this.spec.file).size };
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Closes and deletes the temporary file (after an error). */
  abort(): void {
    if (!this.closed) {
      try {
        this.h5.close();
      } catch {
        // already closed
      }
      this.closed = true;
    }
    removeQuietly([this.tmp]);
  }
}

/** INDEX of frame-major data: distinct train ids in order, first frame and frame count of each. */
export function trainIndex(trainIds: Float64Array): { trains: Float64Array; first: Float64Array; count: Float64Array } {
  const trains: number[] = [], first: number[] = [], count: number[] = [];
  for (let i = 0; i < trainIds.length; i++) {
    if (trains.length === 0 || trainIds[i] !== trains[trains.length - 1]) {
      trains.push(trainIds[i]);
      first.push(i);
      count.push(0);
    }
    count[count.length - 1]++;
  }
  return { trains: Float64Array.from(trains), first: Float64Array.from(first), count: Float64Array.from(count) };
}

/** Buffers for one block of a corrector's outputs. */
export function allocateOutputs(outputs: readonly CorrectedDataset[], values: number): Record<string, NumericArray> {
  const out: Record<string, NumericArray> = {};
  for (const o of outputs) out[o.name] = allocate(o.dtype, values);
  return out;
}

