/**
 * The common-mode noise pass over worker threads, frame-parallel: the main thread reads blocks
 * (h5wasm is single threaded), drops empty frames, and hands whole blocks round-robin to N workers
 * (block i to worker i mod N, so the result does not depend on timing); each worker corrects its
 * blocks with its own CommonModeNoiseContext and accumulators, and at the end the partial results
 * are merged. Up to QUEUE_PER_WORKER blocks wait at each worker, so the reader keeps
 * N * QUEUE_PER_WORKER + 1 blocks alive. Blocks on SharedArrayBuffers (@detcal/hdf5) are posted
 * without a copy; others are copied into per-worker shared slots. The workers run the built
 * dist/common-mode-noise-worker.js.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DetcalError, type FrameBlock, type FrameStream } from '@detcal/core';
import { mergeCommonModeNoisePartial, type CommonModeNoiseInit, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import type { CommonModeNoiseWorkerReply, CommonModeNoiseWorkerRequest } from './common-mode-noise-worker.js';
import type { BlockData } from './compute-backend.js';
import { builtExecArgv } from './worker-exec-argv.js';

/** Blocks queued at one worker at most (one being corrected, one waiting). */
export const QUEUE_PER_WORKER = 2;

/** The compiled worker script (dist/common-mode-noise-worker.js, also when this module runs from src under a test runner). */
export function commonModeNoiseWorkerUrl(): URL {
  const here = new URL('./common-mode-noise-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../dist/common-mode-noise-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new DetcalError('INTERNAL', 'common-mode worker script not found: build @detcal/kernels (pnpm run build) or use --threads 1');
}

/** Settings of {@link commonModeNoiseOnWorkers}. */
export interface CommonModeNoiseWorkersOptions {
  /** Worker threads (2 or more). */
  threads: number;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress. */
  phase: string;
}

/** The merged result of the workers and the frame counts of the stream. */
export interface CommonModeNoiseWorkersResult {
  /** Merged accumulators (corrected always), max, hit pixels and counters. */
  partial: CommonModeNoisePartial & { corrected: NonNullable<CommonModeNoisePartial['corrected']> };
  /** Frames skipped because every value was zero. */
  emptyFrames: number;
}

/** True when every value of frame f of the block is zero. */
function isEmptyFrame(data: BlockData, f: number, nPixels: number): boolean {
  const end = (f + 1) * nPixels;
  for (let i = f * nPixels; i < end; i++) if (data[i] !== 0) return false;
  return true;
}

/** The non-empty frames of a block: the block itself when none is empty, else a copy of the others (as darkPass). */
function nonEmptyFrames(block: FrameBlock, nPixels: number): { data: BlockData; cellIds: Uint16Array; nFrames: number; firstFrames: number[] } {
  const keep: number[] = [];
  for (let f = 0; f < block.nFrames; f++) if (!isEmptyFrame(block.data, f, nPixels)) keep.push(f);
  if (keep.length === block.nFrames) return { data: block.data, cellIds: block.cellIds, nFrames: block.nFrames, firstFrames: keep };
  const data = new (block.data.constructor as new (n: number) => BlockData)(keep.length * nPixels);
  keep.forEach((f, k) => data.set(block.data.subarray(f * nPixels, (f + 1) * nPixels), k * nPixels));
  return { data, cellIds: Uint16Array.from(keep, (f) => block.cellIds[f]), nFrames: keep.length, firstFrames: keep };
}

/** `src` when it lives on shared memory, else a copy in `slot` (grown when too small). */
function sharedView(src: BlockData, slot: { buf?: SharedArrayBuffer }): BlockData {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  if (!slot.buf || slot.buf.byteLength < src.byteLength) slot.buf = new SharedArrayBuffer(src.byteLength);
  const Ctor = src.constructor as new (buf: SharedArrayBuffer, off: number, len: number) => BlockData;
  const view = new Ctor(slot.buf, 0, src.length);
  view.set(src);
  return view;
}

/** First line of a message (worker errors carry stacks). */
function firstLine(s: string): string {
  return s.split('\n', 1)[0];
}

/**
 * Streams the run once through N workers that each correct and accumulate whole blocks.
 * @param stream - the dark run (single gain, one memory cell)
 * @param init - the context's init data (createCommonModeNoiseInit)
 * @param opts - threads, progress
 * @returns merged accumulators and counters, and the empty frames skipped
 */
export async function commonModeNoiseOnWorkers(stream: FrameStream, init: CommonModeNoiseInit, opts: CommonModeNoiseWorkersOptions): Promise<CommonModeNoiseWorkersResult> {
  const nPixels = stream.rows * stream.cols;
  const threads = Math.max(2, Math.floor(opts.threads));
  const url = commonModeNoiseWorkerUrl();
  const workers: Worker[] = [];
  const queued = new Array<number>(threads).fill(0);
  const results = new Array<CommonModeNoisePartial | undefined>(threads).fill(undefined);
  const slots = Array.from({ length: threads }, () => Array.from({ length: QUEUE_PER_WORKER }, () => ({}) as { buf?: SharedArrayBuffer }));
  const submitted = new Array<number>(threads).fill(0);
  let failure: DetcalError | undefined;
  let closing = false;
  // Every worker event resolves `changed` and arms a new one: waits are loops over a condition.
  let notify!: () => void;
  let changed = new Promise<void>((r) => (notify = r));
  const signal = (): void => {
    const n = notify;
    changed = new Promise<void>((r) => (notify = r));
    n();
  };
  const fail = (err: DetcalError): void => {
    failure ??= err;
    signal();
  };
  const check = (): void => {
    if (failure) throw failure;
  };

  try {
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url, { execArgv: builtExecArgv() });
      w.on('message', (msg: CommonModeNoiseWorkerReply) => {
        if (msg.type === 'done') queued[t]--;
        else if (msg.type === 'result') results[t] = msg.partial;
        else fail(new DetcalError(msg.code, msg.message));
        signal();
      });
      w.on('error', (err) => fail(new DetcalError('INTERNAL', `common-mode worker ${t}: ${firstLine(err.message)}`)));
      w.on('exit', (code) => {
        if (!closing && results[t] === undefined) fail(new DetcalError('INTERNAL', `common-mode worker ${t} stopped (exit code ${code}) before the end of ${stream.label}; try --threads 1`));
      });
      w.postMessage({ type: 'init', init } satisfies CommonModeNoiseWorkerRequest);
      workers.push(w);
    }

    let emptyFrames = 0, frames = 0, next = 0;
    for await (const raw of stream.blocks({ keep: threads * QUEUE_PER_WORKER + 1 })) {
      check();
      const bytes = raw.data.byteLength + (raw.gain?.byteLength ?? 0);
      const block = nonEmptyFrames(raw, nPixels);
      emptyFrames += raw.nFrames - block.nFrames;
      for (let k = 0; k < block.nFrames; k++) {
        const c = block.cellIds[k];
        if (c >= 1) {
          throw new DetcalError('SHAPE_MISMATCH', `${stream.label}: frame ${raw.firstFrame + block.firstFrames[k]} has memory cell ${c} but the run was opened with 1 cells; pass --cells ${c + 1} or check the cell ids`);
        }
      }
      if (block.nFrames > 0) {
        const t = next++ % threads;
        while (queued[t] >= QUEUE_PER_WORKER && !failure) await changed;
        check();
        // The slot of the block QUEUE_PER_WORKER submits ago at this worker is free again (awaited above).
        const data = sharedView(block.data, slots[t][submitted[t]++ % QUEUE_PER_WORKER]);
        queued[t]++;
        workers[t].postMessage({ type: 'block', id: next, data, cellIds: block.cellIds.slice(), nFrames: block.nFrames } satisfies CommonModeNoiseWorkerRequest);
        frames += block.nFrames;
      }
      opts.progress?.(raw.nFrames, bytes, opts.phase);
    }
    for (const w of workers) w.postMessage({ type: 'finish' } satisfies CommonModeNoiseWorkerRequest);
    while (results.some((r) => r === undefined) && !failure) await changed;
    check();
    if (frames === 0) {
      throw new DetcalError('BAD_INPUT', `${stream.label}: no non-empty frames${emptyFrames ? ` (${emptyFrames} empty frames skipped)` : ''}; a dark run needs data`);
    }
    const merged = results[0]!;
    for (let t = 1; t < threads; t++) mergeCommonModeNoisePartial(merged, results[t]!);
    if (!merged.corrected) throw new DetcalError('INTERNAL', 'common-mode workers returned no corrected accumulator');
    return { partial: merged as CommonModeNoiseWorkersResult['partial'], emptyFrames };
  } finally {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
