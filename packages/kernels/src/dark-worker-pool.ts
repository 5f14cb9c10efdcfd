/**
 * Worker threads for the dark pass: the main thread reads blocks (h5wasm is single threaded) while
 * N workers accumulate disjoint pixel ranges into shared accumulators. Up to two blocks are queued at
 * the workers while the next is read, so reading and accumulating overlap without bubbles (a consumer
 * reading into reused buffers needs keep >= BLOCKS_QUEUED + 1). Memory: two block slots on top of the state.
 */
import type { Worker } from 'node:worker_threads';
import { DetcalError, type DetcalErrorCode, type PendingFrameRun } from '@detcal/core';
import type { BlockData, GainData } from './compute-backend.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { darkWorkerUrl, takeWorker } from './worker-spares.js';
import { pendingForWorkers, sharedCopy } from './shared-copy.js';
import type { DarkPairAccumulator } from './dark-pair-accumulator.js';
import { pairBlockOffsets } from './dark-pair-simd.js';
import { addBadPixelCounts, type DarkBadPixelCounts, type DarkBadPixelTarget } from './dark-bad-pixels.js';
import type { DarkPairFinalizeOutput } from './dark-pair-accumulator.js';
import type { DarkWorkerBlock, DarkWorkerFinishReply, DarkWorkerInit, DarkWorkerPairBlock, DarkWorkerPairFinalizeRange, DarkWorkerPairFinish, DarkWorkerRules, DarkWorkerSingleFinalizeRange, RuleInputs } from './dark-worker.js';

export { darkWorkerUrl } from './worker-spares.js';

type Slot = { data?: BlockData; gain?: GainData; mask?: Uint8Array };

/** Blocks queued at the workers at most; block buffers a reader reuses must outlive this many newer blocks. */
export const BLOCKS_QUEUED = 2;


/** A message every worker handles: a block (counted against BLOCKS_QUEUED) or a finishing step. */
interface InFlight {
  left: number;
  block: boolean;
  resolve(): void;
  reject(err: Error): void;
  done: Promise<void>;
  counts?: DarkBadPixelCounts[];
}

/** A pool of dark-accumulation workers bound to shared accumulators (two DarkAccumulators, or one DarkPairAccumulator). */
export class DarkWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly slots: Slot[] = Array.from({ length: BLOCKS_QUEUED }, () => ({}));
  /** Blocks (and finishing steps) posted and not yet done by every worker: id -> workers left and how to settle. */
  private readonly inFlight = new Map<number, InFlight>();
  private nCells: number;
  /** The pair accumulator the workers are bound to, if any. */
  private pair: DarkPairAccumulator | undefined;
  /** Worker threads in the pool. */
  readonly threads: number;
  private nextId = 0;
  /** Blocks submitted (picks the copy slot: alternates between blocks, whatever other messages go between). */
  private nextBlock = 0;
  private failure: Error | undefined;

  /**
   * @param threads - workers to start (pixel ranges split evenly)
   * @param analog - shared accumulator of the values (createDarkAccumulator(..., { shared: true })), or a shared pair accumulator;
   *   general accumulators must be zero (new or cleared): each worker zeroes its range again, which faults fresh pages in once
   *   (a pair accumulator needs no zeroing: a cell's first frame of a pass stores its state)
   * @param digital - shared accumulator of the gain values, if wanted (not with a pair accumulator)
   */
  constructor(threads: number, analog: DarkAccumulator | DarkPairAccumulator, digital?: DarkAccumulator) {
    this.nCells = analog.nCells;
    this.threads = threads;
    for (let t = 0; t < threads; t++) {
      const w = takeWorker(darkWorkerUrl());
      w.on('error', (err) => this.fail(err));
      w.on('message', (m: number | DarkWorkerFinishReply) => {
        if (typeof m === 'number') this.finished(m);
        else if (m.failure) this.fail(new DetcalError(m.failure.code as DetcalErrorCode, m.failure.message));
        else this.finished(m.id, m.counts);
      });
      this.workers.push(w);
    }
    this.bind(analog, digital);
  }

  /**
   * Binds the (started, idle) workers to other shared accumulators: a later pass reuses the warmed-up
   * threads instead of starting new ones. Call only when no block is in flight (a deferred finish of
   * the last pass may be: the workers finish it with the accumulators bound before).
   * @param analog - as in the constructor
   * @param digital - as in the constructor
   */
  rebind(analog: DarkAccumulator | DarkPairAccumulator, digital?: DarkAccumulator): void {
    // finishing steps of the last pass may still be queued: they run before the new binding (FIFO)
    if ([...this.inFlight.values()].some((e) => e.block)) throw new Error('dark worker pool: rebind while blocks are in flight');
    this.bind(analog, digital);
  }

  private bind(analog: DarkAccumulator | DarkPairAccumulator, digital?: DarkAccumulator): void {
    const n = analog.nPixels;
    this.pair = 'framesPerCell' in analog ? analog : undefined;
    this.nCells = analog.nCells;
    const threads = this.workers.length;
    this.workers.forEach((w, t) => {
      const range = { p0: Math.floor((t * n) / threads), p1: Math.floor(((t + 1) * n) / threads) };
      const init: DarkWorkerInit = 'framesPerCell' in analog ? { type: 'init', pair: analog, ...range } : { type: 'init', analog, digital, ...range };
      w.postMessage(init);
    });
  }

  /** Waits for the block in flight, then hands this block to every worker (returns before they finish); with opts.pending each worker first reads its pixel range of the values. */
  async submit(data: BlockData, cellIds: Uint16Array, nFrames: number, opts: { gain?: GainData; acceptGain?: number | readonly number[]; mask?: Uint8Array; pending?: readonly PendingFrameRun[] }): Promise<void> {
    await this.room();
    const pending = pendingForWorkers(opts.pending, data, opts.gain, nFrames);
    const slot = this.slots[this.nextBlock++ % BLOCKS_QUEUED];
    // Shared inputs are posted as they are (the reader allocates a new block each time, so nothing
    // overwrites them while the workers read); others are copied into this slot, which is free again
    // because the block that used it two submits ago has been accumulated (awaited above).
    const sharedData = sharedCopy(data, slot.data);
    if (sharedData !== data) slot.data = sharedData;
    const sharedGain = opts.gain ? sharedCopy(opts.gain, slot.gain) : undefined;
    if (sharedGain && sharedGain !== opts.gain) slot.gain = sharedGain;
    let mask = opts.mask;
    if (mask && mask.length > data.length / nFrames) {
      mask = sharedCopy(mask, slot.mask);
      if (mask !== opts.mask) slot.mask = mask;
    }
    this.post({ type: 'block', data: sharedData, gain: sharedGain, cellIds: cellIds.slice(), nFrames, acceptGain: opts.acceptGain, mask, pending });
  }

  /**
   * Waits for the block in flight, then hands a block of analog and digital values to every worker of a pair pool.
   * @param data - analog values (u2), frame-major
   * @param gain - digital values (u2), same layout
   * @param cellIds - cell id per frame
   * @param first - registerDarkPairFrames of this block (called on this thread)
   * @param nFrames - frames in the block
   * @param pendingRuns - the block's values are not read yet (FrameBlock.pending): each worker reads its pixel range of them first
   */
  async submitPair(data: Uint16Array, gain: Uint16Array, cellIds: Uint16Array, first: Uint8Array, nFrames: number, pendingRuns?: readonly PendingFrameRun[]): Promise<void> {
    await this.room();
    const pending = pendingForWorkers(pendingRuns, data, gain, nFrames);
    const slot = this.slots[this.nextBlock++ % BLOCKS_QUEUED];
    const sharedData = sharedCopy(data, slot.data as Uint16Array | undefined);
    if (sharedData !== data) slot.data = sharedData;
    const sharedGain = sharedCopy(gain, slot.gain as Uint16Array | undefined);
    if (sharedGain !== gain) slot.gain = sharedGain;
    // a block read into the accumulator's memory: the workers are told where (their views of it are other objects)
    const at = this.pair ? pairBlockOffsets(this.pair, sharedData, sharedGain) : undefined;
    this.post({ type: 'pair-block', data: sharedData, gain: sharedGain, cellIds: cellIds.slice(), first, nFrames, at, pending });
  }

  /** Waits until fewer than BLOCKS_QUEUED blocks are in flight (so the slot of the block two submits ago is free again). */
  private async room(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      let queued = 0;
      let oldest: InFlight | undefined;
      for (const e of this.inFlight.values()) {
        if (!e.block) continue;
        queued++;
        oldest ??= e;
      }
      if (queued < BLOCKS_QUEUED || !oldest) return;
      await oldest.done;
    }
  }

  /** A new in-flight entry under a fresh id (settled when every worker has replied). */
  private track(block: boolean): { id: number; entry: InFlight } {
    let resolve!: () => void, reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    done.catch(() => undefined); // failures surface through room() / drain() or the awaited entry
    const entry: InFlight = { left: this.workers.length, block, resolve, reject, done, counts: [] };
    const id = this.nextId++;
    this.inFlight.set(id, entry);
    return { id, entry };
  }

  private post(msg: Omit<DarkWorkerBlock, 'id'> | Omit<DarkWorkerPairBlock, 'id'>): void {
    const { id } = this.track(true);
    for (const w of this.workers) w.postMessage({ ...msg, id });
  }

  private finished(id: number, counts?: DarkBadPixelCounts): void {
    const entry = this.inFlight.get(id);
    if (entry && counts) entry.counts?.push(counts);
    if (!entry || --entry.left > 0) return;
    this.inFlight.delete(id);
    entry.resolve();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const entry of this.inFlight.values()) entry.reject(err);
    this.inFlight.clear();
  }

  /**
   * After the last block of a pair pass: each worker finalizes its share of the cells into the shared
   * outputs and, with badPixels, applies the dark bad-pixel rules to them (statistics per cell, so the
   * flags equal those of one call over all cells).
   * @param out - shared outputs: nCells * nPixels values each, or, with `cells`, (c1 - c0) * nPixels values holding cells c0..c1
   * @param badPixels - shared flags of the stage (laid out like `out`) and its limits
   * @param cells - finalize only cells [c0, c1) (a group), into outputs that start at cell c0; default all cells into full outputs
   * @returns the flagged counts summed over the workers (evalError: the sum of each share's larger NaN count), when badPixels was given
   */
  async finishPair(out: DarkPairFinalizeOutput, badPixels?: DarkBadPixelTarget, cells?: { c0: number; c1: number }): Promise<DarkBadPixelCounts | undefined> {
    await this.drain();
    const { id, entry } = this.track(false);
    const T = this.workers.length;
    const first = cells?.c0 ?? 0;
    const n = (cells?.c1 ?? this.nCells) - first;
    this.workers.forEach((w, t) => {
      const c0 = first + Math.floor((t * n) / T), c1 = first + Math.floor(((t + 1) * n) / T);
      const msg: DarkWorkerPairFinish = { type: 'pair-finish', id, out, c0, c1, outCell0: cells ? first : 0, badPixels };
      w.postMessage(msg);
    });
    await entry.done;
    if (this.failure) throw this.failure;
    if (!badPixels) return undefined;
    return (entry.counts ?? []).reduce(addBadPixelCounts, { offset: 0, noise: 0, evalError: 0, stdZero: 0 });
  }

  /**
   * After the last block of a pair pass whose state the next pass reuses: like finishPair over all
   * cells, but returns as soon as the work is posted, so the next pass's blocks can be read and
   * submitted while the workers finish. Each worker finalizes its own pixel range (blocks submitted
   * afterwards queue behind that); once every worker has, the bad-pixel rules run per cell, between
   * the next pass's blocks. A cell's first frame of the next pass starts its state over.
   * @param out - shared outputs of all cells
   * @param badPixels - shared flags of the stage and its limits
   * @returns `settled`: the flagged counts (undefined without badPixels), once outputs and flags are complete
   */
  async finishPairDeferred(out: DarkPairFinalizeOutput, badPixels?: DarkBadPixelTarget): Promise<{ settled: Promise<DarkBadPixelCounts | undefined> }> {
    await this.drain();
    const pair = this.pair;
    if (!pair) throw new Error('dark worker pool: finishPairDeferred without a pair accumulator');
    const fin = this.track(false);
    const msg: DarkWorkerPairFinalizeRange = { type: 'pair-finalize-range', id: fin.id, out, framesPerCell: pair.framesPerCell.slice() };
    for (const w of this.workers) w.postMessage(msg);
    return { settled: this.rulesAfter(fin.entry, out, pair.nCells, pair.nPixels, badPixels) };
  }

  /**
   * After the last block of a pass on general accumulators: each worker finalizes its pixel range of
   * the bound accumulators into shared outputs, then the bad-pixel rules run per cell; returns as soon
   * as the work is posted. Call before the workers are rebound to the next pass's accumulators (the
   * finalize messages queue ahead of the new binding), so the next pass can start at once.
   * @param out - shared outputs of all cells (digital ones when the pool has a digital accumulator)
   * @param nCells - cells of the bound accumulators
   * @param nPixels - pixels per frame
   * @param badPixels - shared flags of the pass and its limits
   * @returns `settled`: the flagged counts (undefined without badPixels), once outputs and flags are complete
   */
  async finishSingleDeferred(
    out: DarkWorkerSingleFinalizeRange['out'], nCells: number, nPixels: number, badPixels?: DarkBadPixelTarget,
  ): Promise<{ settled: Promise<DarkBadPixelCounts | undefined> }> {
    await this.drain();
    const fin = this.track(false);
    const msg: DarkWorkerSingleFinalizeRange = { type: 'single-finalize-range', id: fin.id, out };
    for (const w of this.workers) w.postMessage(msg);
    return { settled: this.rulesAfter(fin.entry, out, nCells, nPixels, badPixels) };
  }

  /** Once `finalized` is done by every worker, the bad-pixel rules on the workers, cells split between them; their summed counts. */
  private async rulesAfter(
    finalized: InFlight, out: RuleInputs, nCells: number, nPixels: number, badPixels?: DarkBadPixelTarget,
  ): Promise<DarkBadPixelCounts | undefined> {
    const run = async (): Promise<DarkBadPixelCounts | undefined> => {
      await finalized.done;
      if (!badPixels) return undefined;
      const rules = this.track(false);
      const T = this.workers.length;
      this.workers.forEach((w, t) => {
        const c0 = Math.floor((t * nCells) / T), c1 = Math.floor(((t + 1) * nCells) / T);
        const m: DarkWorkerRules = { type: 'rules', id: rules.id, out, c0, c1, nPixels, badPixels };
        w.postMessage(m);
      });
      await rules.entry.done;
      return (rules.entry.counts ?? []).reduce(addBadPixelCounts, { offset: 0, noise: 0, evalError: 0, stdZero: 0 });
    };
    const settled = run();
    settled.catch(() => undefined); // the caller awaits it; a pass that fails first never does
    return settled;
  }

  /** Waits until every submitted block is accumulated (and every finishing step posted before it is done). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      let last: InFlight | undefined;
      for (const e of this.inFlight.values()) if (e.block) last = e;
      if (!last) return;
      await last.done;
    }
  }

  /** Stops the workers (anything still in flight is rejected). */
  async close(): Promise<void> {
    this.fail(new Error('dark worker pool: closed before the work finished'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
