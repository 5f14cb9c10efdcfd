/**
 * The common-mode noise pass over worker threads, frame-parallel: the main thread reads blocks
 * (h5wasm is single threaded; uncompressed values are left to the workers, each reading the frames it
 * corrects), drops empty frames, and hands every block to all N workers, worker t
 * taking frames [t n / N, (t + 1) n / N) of it (a fixed split, so the result does not depend on
 * timing); each worker corrects its frames with its own CommonModeNoiseContext and accumulators, and
 * at the end the partial results are merged. Up to COMMON_MODE_BLOCKS_QUEUED blocks are at the workers while the
 * next is read, so memory is COMMON_MODE_BLOCKS_QUEUED + 1 blocks whatever N (handing whole blocks to workers
 * round-robin would keep 2 N + 1). Blocks on SharedArrayBuffers (@detcal/hdf5) are posted without a
 * copy; others are copied into shared slots. The workers run the built dist/common-mode-noise-worker.js.
 */
import type { Worker } from 'node:worker_threads';
import { DetcalError, type BlockRing, type FrameBlock, type FrameStream } from '@detcal/core';
import { mergeCommonModeNoisePartial, type CommonModeNoiseInit, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import type { CommonModeNoiseWorkerReply, CommonModeNoiseWorkerRequest } from './common-mode-noise-worker.js';
import type { BlockData } from './compute-backend.js';
import { dropEmptyFrames, noDarkFramesError } from './dark-run.js';
import { builtWorkerUrl } from './built-worker.js';
import { prestartWorkers, returnWorker, takeWorker } from './worker-spares.js';
import { pendingForWorkers, sharedCopy } from './shared-copy.js';

/** Blocks handed to the workers and not yet done, at most: a reader reusing block arrays must keep this + 1. */
export const COMMON_MODE_BLOCKS_QUEUED = 2;

/** The compiled worker script (dist/common-mode-noise-worker.js, also when this module runs from src under a test runner). */
export function commonModeNoiseWorkerUrl(): URL {
  return builtWorkerUrl('common-mode-noise-worker.js', 'common-mode');
}

/**
 * Starts common-mode workers now (a method whose later passes correct the common mode calls this before
 * its first pass, so that they load while that pass runs instead of before the second).
 * @param count - workers wanted (the passes' threads)
 */
export function prestartCommonModeNoiseWorkers(count: number): void {
  if (count > 1) prestartWorkers(commonModeNoiseWorkerUrl(), count);
}

/** Settings of {@link commonModeNoiseOnWorkers}. */
export interface CommonModeNoiseWorkersOptions {
  /** Worker threads (2 or more). */
  threads: number;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress. */
  phase: string;
  /** Block arrays to read into, shared with the method's other passes over the run. */
  ring?: BlockRing;
}

/** The merged result of the workers and the frame counts of the stream. */
export interface CommonModeNoiseWorkersResult {
  /** Merged accumulators (corrected always), max, hit pixels and counters. */
  partial: CommonModeNoisePartial & { corrected: NonNullable<CommonModeNoisePartial['corrected']> };
  /** Frames skipped because every value was zero. */
  emptyFrames: number;
}


/**
 * The non-empty frames of a block of a single-cell run (empty frames are counted, not averaged in).
 * @param stream - the run (its label names it in errors)
 * @param raw - a block as read
 * @param nPixels - pixels per frame
 * @returns the block of non-empty frames and how many frames were dropped
 * @throws DetcalError SHAPE_MISMATCH when a frame has a memory cell other than 0
 */
export function nonEmptySingleCellFrames(stream: FrameStream, raw: FrameBlock, nPixels: number): { block: FrameBlock; dropped: number } {
  // no frame of a pending block is empty (BlockReadOptions.pendingPixels), and its values are not read yet
  const { block, dropped, kept } = raw.pending ? { block: raw, dropped: 0, kept: Array.from({ length: raw.nFrames }, (_, k) => k) } : dropEmptyFrames(raw, nPixels);
  for (let k = 0; k < block.nFrames; k++) {
    const c = block.cellIds[k];
    if (c >= 1) {
      throw new DetcalError('SHAPE_MISMATCH', `${stream.label}: frame ${raw.firstFrame + kept[k]} has memory cell ${c} but the run was opened with 1 cells; pass --cells ${c + 1} or check the cell ids`);
    }
  }
  return { block, dropped };
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
  /** Blocks posted and not yet done: id -> workers still at it. */
  const inFlight = new Map<number, number>();
  const results = new Array<CommonModeNoisePartial | undefined>(threads).fill(undefined);
  const slots: (BlockData | undefined)[] = new Array<BlockData | undefined>(COMMON_MODE_BLOCKS_QUEUED);
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
  const oldestInFlight = (): number => {
    let oldest = Infinity;
    for (const id of inFlight.keys()) oldest = Math.min(oldest, id);
    return oldest;
  };
  const check = (): void => {
    if (failure) throw failure;
  };

  try {
    for (let t = 0; t < threads; t++) {
      const w = takeWorker(url);
      w.on('message', (msg: CommonModeNoiseWorkerReply) => {
        if (msg.type === 'done') {
          const left = (inFlight.get(msg.id) ?? 1) - 1;
          if (left > 0) inFlight.set(msg.id, left);
          else inFlight.delete(msg.id);
        }
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
    // each worker reads the frames it corrects (pending blocks) instead of this thread reading them all
    for await (const raw of stream.blocks({ keep: COMMON_MODE_BLOCKS_QUEUED + 1, ring: opts.ring, pendingPixels: true })) {
      check();
      const bytes = raw.data.byteLength + (raw.gain?.byteLength ?? 0);
      const { block, dropped } = nonEmptySingleCellFrames(stream, raw, nPixels);
      emptyFrames += dropped;
      if (block.nFrames > 0) {
        // Blocks are numbered in read order (empty ones included): before block `id` goes out, block
        // id - COMMON_MODE_BLOCKS_QUEUED and older must be done, so its slot is free and the reader may
        // reuse its arrays for the next block (keep = COMMON_MODE_BLOCKS_QUEUED + 1).
        const id = next;
        while (oldestInFlight() <= id - COMMON_MODE_BLOCKS_QUEUED && !failure) await changed;
        check();
        const pending = pendingForWorkers(block.pending?.runs, block.data, block.gain, block.nFrames);
        const data = sharedCopy(block.data, slots[id % COMMON_MODE_BLOCKS_QUEUED]);
        if (data !== block.data) slots[id % COMMON_MODE_BLOCKS_QUEUED] = data;
        let posted = 0;
        for (let t = 0; t < threads; t++) {
          const f0 = Math.floor((t * block.nFrames) / threads), f1 = Math.floor(((t + 1) * block.nFrames) / threads);
          if (f1 === f0) continue;
          workers[t].postMessage({ type: 'block', id, data, cellIds: block.cellIds.slice(), nFrames: block.nFrames, f0, f1, frameBase: frames, pending } satisfies CommonModeNoiseWorkerRequest);
          posted++;
        }
        inFlight.set(id, posted);
        frames += block.nFrames;
      }
      next++;
      opts.progress?.(raw.nFrames, bytes, opts.phase);
    }
    for (const w of workers) w.postMessage({ type: 'finish' } satisfies CommonModeNoiseWorkerRequest);
    while (results.some((r) => r === undefined) && !failure) await changed;
    check();
    if (frames === 0) {
      throw noDarkFramesError(stream.label, emptyFrames);
    }
    const merged = results[0]!;
    for (let t = 1; t < threads; t++) mergeCommonModeNoisePartial(merged, results[t]!);
    if (!merged.corrected) throw new DetcalError('INTERNAL', 'common-mode workers returned no corrected accumulator');
    // every worker replied with its result and waits for a new init: the next pass takes them
    for (const w of workers.splice(0)) returnWorker(url, w, threads);
    return { partial: merged as CommonModeNoiseWorkersResult['partial'], emptyFrames };
  } finally {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
