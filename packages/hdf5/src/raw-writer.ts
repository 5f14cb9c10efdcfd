/**
 * Writes a SimulatedRun as European XFEL raw sequence files of one module, streaming block by block
 * (never the whole run in memory), split on train boundaries, each file written as <name>.tmp and
 * renamed only when the whole run succeeded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type RawLayout, type SimulatedRun } from '@detcal/core';
import { rawFileName, rawPaths } from './euxfel-names.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { removeQuietly, tmpPathFor } from './hdf5-write.js';
import { SequenceWriter } from './raw-sequence-writer.js';

/** Options of writeRawRun. */
export interface RawWriteOptions {
  /** Most frames per sequence file; files are cut on train boundaries (at least one train each). Default 10000. */
  framesPerSequence?: number;
  /** Compression of the pixel and gain datasets: 'none' (default, like facility raw files) or 'gzip' (level 1). */
  compression?: 'gzip' | 'none';
  /** Frames per block asked from the run (default 64, rounded to whole trains for train-cell layouts). */
  blockFrames?: number;
}

/** What writeRawRun wrote. */
export interface RawWriteResult {
  /** Sequence files in order. */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
}

/** Writes `run` for module `module` of `layout` into `dir` as RAW-R{run}-{AGG}-S{seq}.h5 files. */
export async function writeRawRun(dir: string, layout: RawLayout, module: number, run: SimulatedRun, opts: RawWriteOptions = {}): Promise<RawWriteResult> {
  await loadHdf5();
  const cpt = run.cellsPerTrain;
  const framesPerSequence = opts.framesPerSequence ?? 10_000;
  if (!Number.isInteger(framesPerSequence) || framesPerSequence < 1) throw new DetcalError('BAD_INPUT', `--frames-per-sequence ${framesPerSequence}: must be a whole number of frames, 1 or more`);
  if (!Number.isInteger(cpt) || cpt < 1 || run.trains * cpt !== run.nFrames) {
    throw new DetcalError('INTERNAL', `run ${run.run}: ${run.trains} trains x ${cpt} cells does not make its ${run.nFrames} frames`);
  }
  if (layout.dtype === 'u8') throw new DetcalError('LAYOUT', `layout of ${layout.aggregator(module)}: raw pixel dtype u8 is not supported by the raw writer; use u2, u4 or f4`);
  const trainsPerSeq = Math.max(1, Math.floor(framesPerSequence / cpt));
  const framesPerSeq = trainsPerSeq * cpt;
  const trainCell = layout.axes === 'train-cell';
  const blockFrames = opts.blockFrames ?? (trainCell ? cpt * Math.max(1, Math.round(64 / cpt)) : 64);
  const paths = rawPaths(layout, module);
  const aggregator = layout.aggregator(module);
  fs.mkdirSync(dir, { recursive: true });

  const finals: string[] = [];
  let writer: SequenceWriter | undefined;
  try {
    let frame = 0;
    for (const block of run.blocks(blockFrames)) {
      if (block.firstFrame !== frame || block.nFrames < 1 || block.data.length !== block.nFrames * block.rows * block.cols) {
        throw new DetcalError('INTERNAL', `run ${run.run}: block at frame ${block.firstFrame} (${block.nFrames} frames) does not follow frame ${frame} or has the wrong data length`);
      }
      for (let k = 0; k < block.nFrames; ) {
        const g = frame + k;
        const seq = Math.floor(g / framesPerSeq);
        if (!writer || writer.seq !== seq) {
          if (writer) {
            writer.finish();
            writer = undefined;
          }
          const file = path.join(dir, rawFileName(run.run, aggregator, seq));
          finals.push(file);
          const trains = Math.min(trainsPerSeq, run.trains - seq * trainsPerSeq);
          writer = new SequenceWriter(file, seq, seq * framesPerSeq, trains, cpt, block, layout, paths, opts.compression === 'gzip');
        }
        const m = Math.min(block.nFrames - k, (seq + 1) * framesPerSeq - g);
        writer.write(block, k, m, g - writer.frameStart);
        k += m;
      }
      frame += block.nFrames;
    }
    writer?.finish();
    writer = undefined;
    if (frame !== run.nFrames) throw new DetcalError('INTERNAL', `run ${run.run}: the simulation produced ${frame} frames, ${run.nFrames} announced`);
    for (const f of finals) fs.renameSync(tmpPathFor(f), f);
  } catch (err) {
    writer?.abort();
    removeQuietly(finals.map(tmpPathFor));
    throw err;
  }
  return { files: finals, bytes: finals.reduce((sum, f) => sum + fs.statSync(f).size, 0) };
}

