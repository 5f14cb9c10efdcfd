/**
 * One pass of a dark characterization over one run: streams the run's frame blocks through a
 * backend's accumulateDark into per-(cell, pixel) sums and finalizes mean and std. Used by every
 * detector plugin's dark step, once per gain-stage run and once per common-mode iteration.
 * Memory: the accumulator (28 bytes per cell and pixel, twice with digital values) plus one block.
 */
import { DetcalError, readPendingPixels, type BlockRing, type FrameBlock, type FrameStream, type PendingFrameRun } from '@detcal/core';
import type { BlockData, ComputeBackend } from './compute-backend.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { accumulateDarkPairCpu, createDarkPairAccumulator, finalizeDarkPairCpu, registerDarkPairFrames, type DarkPairAccumulator } from './dark-pair-accumulator.js';
import { pairBlockMemory } from './dark-pair-simd.js';
import { BLOCKS_QUEUED, DarkWorkerPool } from './dark-worker-pool.js';
import { addBadPixelCounts, darkBadPixels, type DarkBadPixelCounts, type DarkBadPixelLimits, type DarkBadPixelTarget } from './dark-bad-pixels.js';

/** Settings of one pass over a run. */
export interface DarkPassOptions {
  /** Backend whose kernels accumulate. */
  backend: ComputeBackend;
  /** Memory cells to allocate; frames with a larger cell id are an error naming the run. */
  nCells: number;
  /** Accept only values whose gain value is one of these (Jungfrau gain bits); others are counted as rejected. */
  acceptGain?: number | readonly number[];
  /** Also accumulate the per-pixel gain values (AGIPD digital values) into a second accumulator. */
  digital?: boolean;
  /** Skip frames whose values are all zero (empty frames) and count them. Default true. */
  skipEmptyFrames?: boolean;
  /** Per-pixel exclusion (1 = exclude), e.g. masked bad pixels in a later iteration. */
  mask?: Uint8Array;
  /**
   * Replaces a block's values before accumulation (offset and common-mode subtraction): fills `values`
   * (float ADU) and returns it. With excludeValues, `exclude` (one byte per value, pre-filled from
   * `mask`) may be set to 1 to leave single values out (cosmic-ray hits).
   */
  transform?(block: FrameBlock, values: Float32Array, exclude?: Uint8Array): Float32Array;
  /** Give transform a per-value exclusion buffer. */
  excludeValues?: boolean;
  /** Progress callback: frames and raw bytes of each block. */
  progress?(frames: number, bytes: number, phase: string): void;
  /** Label of the pass for progress ('offset', 'noise-cm' ...). */
  phase?: string;
  /** Worker threads accumulating pixel ranges while the main thread reads (CPU backend; 1 = in-process). */
  threads?: number;
  /** Write the statistics into these arrays (nCells * nPixels each, e.g. views of a stacked constant) instead of new ones. */
  out?: DarkPassOutput;
  /** Keeps the accumulator between passes of the same shape (reset for reuse) instead of allocating one per pass. */
  reuse?: DarkPassReuse;
  /** Without reuse: the block arrays to read into, shared with the other passes over the same run (one ring for a method's passes instead of fresh memory for each). */
  ring?: BlockRing;
  /** Apply the dark bad-pixel rules (per memory cell) to the pass's mean and std, OR-ing into these flags; on the workers when they hold the state and the outputs are shared. */
  badPixels?: DarkBadPixelTarget;
  /**
   * With worker threads and opts.out (pair accumulator: also reuse and shared outputs): return once the
   * run is read, so the next pass can read while this one is finalized and flagged (pair: by the
   * workers, between the next pass's blocks; general accumulators: by this thread while it waits for
   * the workers); the result's `finished` settles when its outputs and `flagged` are complete (await it
   * before reading them).
   */
  deferFinish?: boolean;
}

/** Preallocated outputs of a pass, nCells * nPixels each. */
export interface DarkPassOutput {
  /** Mean per (cell, pixel), ADU. */
  meanAdu: Float32Array;
  /** Std per (cell, pixel), ADU. */
  stdAdu: Float32Array;
  /** Mean of the gain values, with digital. */
  digitalMean?: Float32Array;
  /** Std of the gain values, with digital. */
  digitalStd?: Float32Array;
}

/** Holder of a pair accumulator and its worker pool that successive passes share (one large allocation and one set of warmed-up workers instead of one per gain stage); close it with closeDarkPassReuse. */
export interface DarkPassReuse {
  /** The accumulator of the last pass (set by darkPass). */
  pair?: DarkPairAccumulator;
  /** Workers bound to `pair` (set by darkPass when it ran with threads). */
  pool?: DarkWorkerPool;
  /** Workers of the general accumulators, rebound to each pass's new accumulators (Jungfrau's gain stages). */
  singlePool?: DarkWorkerPool;
  /** General accumulators allocated by prepareDarkPass for the next pass (taken by it). */
  prepared?: { analog: DarkAccumulator; digital?: DarkAccumulator };
  /** Block arrays the passes' reads share (one ring instead of one per pass: released ones linger in worker heaps). */
  ring?: BlockRing;
  /** Output buffers of grouped passes (darkPassInGroups), two sets for finishing one group while the previous is delivered. */
  groupBuffers?: GroupBuffers[];
}

/**
 * Stops the workers a reuse holder keeps and drops its accumulator.
 * @param reuse - the holder passed to darkPass
 */
export async function closeDarkPassReuse(reuse: DarkPassReuse): Promise<void> {
  const pool = reuse.pool;
  const singlePool = reuse.singlePool;
  reuse.pool = undefined;
  reuse.singlePool = undefined;
  reuse.pair = undefined;
  reuse.prepared = undefined;
  reuse.groupBuffers = undefined;
  reuse.ring = undefined;
  await Promise.all([pool?.close(), singlePool?.close()]);
}

/** Mean and std per (cell, pixel) of one pass, cell-major. */
export interface DarkPassResult {
  /** Memory cells. */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** Mean per (cell, pixel), ADU (NaN where no value was accepted). */
  meanAdu: Float32Array;
  /** Standard deviation (ddof 0) per (cell, pixel), ADU. */
  stdAdu: Float32Array;
  /** Accepted values per (cell, pixel). */
  count: Uint32Array;
  /** Values rejected by acceptGain per (cell, pixel). */
  rejected: Uint32Array;
  /** Mean of the gain values per (cell, pixel), when digital was asked for. */
  digitalMean?: Float32Array;
  /** Std of the gain values per (cell, pixel), when digital was asked for. */
  digitalStd?: Float32Array;
  /** Frames accumulated. */
  frames: number;
  /** Frames skipped because every value was zero. */
  emptyFrames: number;
  /** Frames per cell id (index = cell). */
  framesPerCell: Uint32Array;
  /** Every pixel of cell c has framesPerCell[c] accepted values and none rejected (nothing masked or rejected in this pass). */
  uniformCount?: boolean;
  /** What the bad-pixel rules flagged, when opts.badPixels was given. */
  flagged?: DarkBadPixelCounts;
  /** With opts.deferFinish: settles when the outputs and `flagged` are complete (rejects if the workers failed). */
  finished?: Promise<void>;
}

/** Statistics of cells [c0, c1) of a grouped pass: (c1 - c0) * nPixels values each, cell-major; valid until onGroup resolves. */
export interface DarkPassGroup {
  /** Mean per (cell, pixel), ADU. */
  meanAdu: Float32Array;
  /** Std per (cell, pixel), ADU. */
  stdAdu: Float32Array;
  /** Mean of the gain values, with digital. */
  digitalMean?: Float32Array;
  /** Std of the gain values, with digital. */
  digitalStd?: Float32Array;
  /** Dark bad-pixel flags of the group (zero before the rules; only with limits). */
  flags?: Uint32Array;
  /** Accepted values per (cell, pixel) of the group, when they differ between the pixels of a cell (uniformCount false). */
  count?: Uint32Array;
  /** Frames of each memory cell in the whole pass (index = cell id); every pixel of a cell has that many values when count is absent. */
  framesPerCell: Uint32Array;
}

/** How a grouped pass hands its statistics on: group of memory cells by group, so only a group's outputs are in memory. */
export interface DarkPassGroups {
  /** Memory cells per group (the last group may be smaller). */
  cellsPerGroup: number;
  /** Apply the dark bad-pixel rules (per memory cell) with these limits; the group's flags hold the result. */
  limits?: DarkBadPixelLimits;
  /** Receives cells [c0, c1), in cell order; the next group is finalized while this promise is pending. */
  onGroup(c0: number, c1: number, group: DarkPassGroup): Promise<void>;
}

/** What a grouped pass returns: the counts of a DarkPassResult, the statistics having gone to onGroup. */
export type DarkPassSummary = Omit<DarkPassResult, 'meanAdu' | 'stdAdu' | 'digitalMean' | 'digitalStd' | 'count' | 'rejected'>;

/** count per (cell, pixel) from a count per cell. */
function broadcastPerCell(perCell: Uint32Array, nPixels: number): Uint32Array {
  const out = new Uint32Array(perCell.length * nPixels);
  for (let c = 0; c < perCell.length; c++) out.fill(perCell[c], c * nPixels, (c + 1) * nPixels);
  return out;
}

/**
 * The error of a dark run without non-empty frames.
 * @param label - the run
 * @param emptyFrames - empty frames skipped
 * @returns the one-line BAD_INPUT error
 */
export function noDarkFramesError(label: string, emptyFrames: number): DetcalError {
  return new DetcalError('BAD_INPUT', `${label}: no non-empty frames${emptyFrames ? ` (${emptyFrames} empty frames skipped)` : ''}; a dark run needs data`);
}

/** True when every value of frame f of the block is zero. */
function isEmptyFrame(data: BlockData, f: number, nPixels: number): boolean {
  const end = (f + 1) * nPixels;
  for (let i = f * nPixels; i < end; i++) if (data[i] !== 0) return false;
  return true;
}

/**
 * Keeps the non-empty frames of a block (copying only when some frame is empty).
 * @param block - a block as read
 * @param nPixels - pixels per frame
 * @returns the block of non-empty frames, how many were dropped, and the kept frames' indices in `block`
 */
export function dropEmptyFrames(block: FrameBlock, nPixels: number): { block: FrameBlock; dropped: number; kept: number[] } {
  const keep: number[] = [];
  for (let f = 0; f < block.nFrames; f++) if (!isEmptyFrame(block.data, f, nPixels)) keep.push(f);
  if (keep.length === block.nFrames) return { block, dropped: 0, kept: keep };
  const pick = <T extends Uint16Array | Uint8Array | Float32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length * nPixels);
    keep.forEach((f, k) => out.set(a.subarray(f * nPixels, (f + 1) * nPixels), k * nPixels));
    return out;
  };
  return {
    block: {
      ...block,
      nFrames: keep.length,
      data: pick(block.data),
      gain: block.gain ? pick(block.gain) : undefined,
      cellIds: Uint16Array.from(keep, (f) => block.cellIds[f]),
      trainIds: Float64Array.from(keep, (f) => block.trainIds[f]),
    },
    dropped: block.nFrames - keep.length,
    kept: keep,
  };
}

function finalize(backend: ComputeBackend, acc: DarkAccumulator, mean: Float32Array = new Float32Array(acc.nCells * acc.nPixels), std: Float32Array = new Float32Array(acc.nCells * acc.nPixels)): { mean: Float32Array; std: Float32Array } {
  backend.finalizeDark(acc, { meanAdu: mean, stdAdu: std });
  return { mean, std };
}

/** A pair accumulator of this shape: the reused one (its frame counts zeroed) when it fits, else a new one (kept in `reuse`). */
function pairAccumulator(opts: DarkPassOptions, nPixels: number, shared: boolean): DarkPairAccumulator {
  const old = opts.reuse?.pair;
  const fits = old && old.nCells === opts.nCells && old.nPixels === nPixels && (old.sum.buffer instanceof SharedArrayBuffer) === shared;
  if (fits) {
    // the sums need no zeroing: a cell's first frame of the pass starts its state over (accumulateDarkPairCpu)
    old.framesPerCell.fill(0);
    return old;
  }
  if (opts.reuse) {
    opts.reuse.pair = undefined;
    void opts.reuse.pool?.close(); // bound to the old accumulator
    opts.reuse.pool = undefined;
  }
  // room for the reader's block ring (BLOCKS_IN_FLIGHT blocks of analog and digital values) in the state's memory
  const pair = createDarkPairAccumulator(opts.nCells, nPixels, { shared, blockBytes: PAIR_BLOCK_BYTES });
  if (opts.reuse) {
    opts.reuse.pair = pair;
  }
  return pair;
}

/** The accumulation state of one pass: the compact pair accumulator (raw u2 analog + digital, nothing excluded) or the general one. */
type PassState =
  | { kind: 'pair'; pair: DarkPairAccumulator; pool?: DarkWorkerPool }
  | { kind: 'single'; analog: DarkAccumulator; digital?: DarkAccumulator; pool?: DarkWorkerPool };

/** Worker threads of a pass (CPU backend only; 1 = in-process). */
function passThreads(opts: DarkPassOptions): number {
  return opts.backend.name === 'cpu' ? Math.max(1, opts.threads ?? 1) : 1;
}

/** True when the options allow the compact pair accumulator (raw u2 analog and digital values, nothing excluded). */
function pairOptions(opts: DarkPassOptions): boolean {
  return opts.backend.name === 'cpu' && opts.digital === true && opts.acceptGain === undefined && !opts.mask && !opts.transform;
}

/** True when the pass can use the compact pair accumulator for blocks like this one. */
function pairPath(opts: DarkPassOptions, block: FrameBlock): boolean {
  return pairOptions(opts) && block.data instanceof Uint16Array && block.gain instanceof Uint16Array;
}

/** The pair accumulator and its workers: the ones opts.reuse keeps when they fit, else new ones (kept there). */
function pairState(opts: DarkPassOptions, nPixels: number, threads: number): Extract<PassState, { kind: 'pair' }> {
  const pair = pairAccumulator(opts, nPixels, threads > 1);
  if (threads <= 1) return { kind: 'pair', pair };
  const reuse = opts.reuse;
  if (reuse?.pool && reuse.pool.threads === threads) return { kind: 'pair', pair, pool: reuse.pool };
  const pool = new DarkWorkerPool(threads, pair);
  if (reuse) {
    void reuse.pool?.close();
    reuse.pool = pool;
  }
  return { kind: 'pair', pair, pool };
}

/**
 * General accumulators, new for each pass (results keep their count / rejected arrays) unless
 * prepareDarkPass allocated them, and warmed-up workers rebound to them when opts.reuse keeps some.
 */
function singleState(opts: DarkPassOptions, nPixels: number, threads: number): Extract<PassState, { kind: 'single' }> {
  // a WebAssembly memory (the SIMD kernel) also in-process: these accumulators are never posted to another thread
  const shared = { shared: threads > 1, wasm: true };
  const ready = opts.reuse?.prepared;
  if (opts.reuse) opts.reuse.prepared = undefined;
  const fits = ready && ready.analog.nCells === opts.nCells && ready.analog.nPixels === nPixels && !!ready.digital === !!opts.digital && (ready.analog.sum.buffer instanceof SharedArrayBuffer) === threads > 1;
  const analog = fits ? ready.analog : createDarkAccumulator(opts.nCells, nPixels, shared);
  const digital = fits ? ready.digital : opts.digital ? createDarkAccumulator(opts.nCells, nPixels, shared) : undefined;
  if (threads <= 1) return { kind: 'single', analog, digital };
  const kept = opts.reuse?.singlePool;
  if (kept && kept.threads === threads) {
    kept.rebind(analog, digital);
    return { kind: 'single', analog, digital, pool: kept };
  }
  const pool = new DarkWorkerPool(threads, analog, digital);
  if (opts.reuse) {
    void kept?.close();
    opts.reuse.singlePool = pool;
  }
  return { kind: 'single', analog, digital, pool };
}

function createPassState(opts: DarkPassOptions, nPixels: number, first: FrameBlock): PassState {
  const threads = passThreads(opts);
  return pairPath(opts, first) ? pairState(opts, nPixels, threads) : singleState(opts, nPixels, threads);
}

/**
 * Starts the worker threads and allocates the accumulator that a pass with these options will use
 * (kept in opts.reuse), so that their start-up (~0.1 s) overlaps what the caller does before the pass,
 * such as reading the runs' first frames. Assumes raw u2 blocks; a pass whose blocks differ sets up
 * its own. Does nothing without opts.reuse or worker threads.
 * @param opts - the options the pass will get (with reuse)
 * @param nPixels - pixels per frame
 */
export function prepareDarkPass(opts: DarkPassOptions, nPixels: number): void {
  const threads = passThreads(opts);
  const reuse = opts.reuse;
  if (!reuse || threads <= 1) return;
  if (pairOptions(opts)) {
    pairState(opts, nPixels, threads);
  } else {
    const { analog, digital } = singleState(opts, nPixels, threads);
    reuse.prepared = { analog, digital };
  }
}

/**
 * Streams a run once and returns mean / std per (cell, pixel).
 * @param stream - the run's frames (blocks of raw ADU, with gain values where the detector has them)
 * @param opts - backend, cells, gain acceptance, digital values, mask, transform, progress
 * @returns statistics per (cell, pixel) and frame counts
 */
export async function darkPass(stream: FrameStream, opts: DarkPassOptions): Promise<DarkPassResult> {
  return withPassState(opts, async (state) => finishFull(await streamPass(stream, opts, state), opts));
}

/**
 * Streams a run once and hands mean / std (and the dark bad-pixel flags) on group of memory cells by
 * group: with the CPU pair accumulator only one or two groups of outputs exist at a time (the workers
 * finalize the next group while onGroup handles the last), instead of nCells * nPixels values per
 * statistic. Other accumulators finalize all cells and hand on views. opts.out and opts.badPixels
 * are not used (the groups carry the outputs; groups.limits the rules).
 * @param stream - the run's frames
 * @param opts - as darkPass
 * @param groups - cells per group, bad-pixel limits, the receiver
 * @returns frame counts and flagged pixels of the pass
 */
export async function darkPassInGroups(stream: FrameStream, opts: DarkPassOptions, groups: DarkPassGroups): Promise<DarkPassSummary> {
  if (!(Number.isInteger(groups.cellsPerGroup) && groups.cellsPerGroup > 0)) {
    throw new DetcalError('BAD_INPUT', `dark pass: cellsPerGroup must be a positive integer, got ${groups.cellsPerGroup}`);
  }
  const plain = { ...opts, out: undefined, badPixels: undefined };
  return withPassState(plain, async (state) => finishInGroups(await streamPass(stream, plain, state), plain, groups));
}

/** Runs a pass with its state, stopping a worker pool the pass started (one kept by opts.reuse outlives it). */
async function withPassState<T>(opts: DarkPassOptions, run: (state: { current?: PassState }) => Promise<T>): Promise<T> {
  const state: { current?: PassState } = {};
  try {
    return await run(state);
  } finally {
    const pool = state.current?.pool;
    if (pool && opts.reuse?.pool !== pool && opts.reuse?.singlePool !== pool) await pool.close();
  }
}

/**
 * Accumulates one block. `pending`: the block's pixel values are not read yet (BlockReadOptions.pendingPixels);
 * workers read their pixel ranges themselves, in-process they are read here first.
 */
async function accumulateBlock(st: PassState, opts: DarkPassOptions, block: FrameBlock, values: BlockData, mask: Uint8Array | undefined, nPixels: number, pending?: PendingFrameRun[]): Promise<void> {
  const n = block.nFrames;
  if (pending && !st.pool) readPendingPixels(block, pending);
  if (st.kind === 'pair') {
    if (!(values instanceof Uint16Array) || !(block.gain instanceof Uint16Array)) {
      throw new DetcalError('BAD_INPUT', `frames ${block.firstFrame}..${block.firstFrame + n - 1}: the values changed element type within the run (u2 expected); give files written the same way`);
    }
    const first = registerDarkPairFrames(st.pair, block.cellIds, n);
    if (st.pool) await st.pool.submitPair(values, block.gain, block.cellIds, first, n, pending);
    else accumulateDarkPairCpu(st.pair, values, block.gain, block.cellIds, first, n, 0, nPixels);
    return;
  }
  if (st.pool) {
    await st.pool.submit(values, block.cellIds, n, { gain: block.gain, acceptGain: opts.acceptGain, mask, pending });
    return;
  }
  const common = { mask, gain: opts.acceptGain !== undefined ? block.gain : undefined, acceptGain: opts.acceptGain };
  opts.backend.accumulateDark(st.analog, values, block.cellIds, n, nPixels, common);
  if (st.digital && block.gain) opts.backend.accumulateDark(st.digital, block.gain, block.cellIds, n, nPixels, { mask });
}

/** Blocks a pass keeps alive at once: those queued at the workers and the one being read. */
const BLOCKS_IN_FLIGHT = BLOCKS_QUEUED + 1;
/**
 * Room for the block ring in a pair accumulator's WebAssembly memory: BLOCKS_IN_FLIGHT blocks of analog and
 * digital values of at most 16 MiB each (four trains of 32 AGIPD cells); blocks that do not fit live on
 * SharedArrayBuffers and are copied into the kernel's scratch frame by frame. Pages are only mapped when read into.
 */
const PAIR_BLOCK_BYTES = BLOCKS_IN_FLIGHT * 2 * (16 << 20) + 1024;

/** A run accumulated: the pass state (drained) and its frame counts. */
interface Accumulated {
  st: PassState;
  base: { nCells: number; nPixels: number; frames: number; emptyFrames: number; framesPerCell: Uint32Array };
}

async function streamPass(stream: FrameStream, opts: DarkPassOptions, state: { current?: PassState }): Promise<Accumulated> {
  const { nCells } = opts;
  const nPixels = stream.rows * stream.cols;
  if (opts.digital && !stream.hasGain) throw new DetcalError('BAD_INPUT', `${stream.label}: no per-pixel gain values in this run; the digital statistics need them`);
  const framesPerCell = new Uint32Array(nCells);
  const skipEmpty = opts.skipEmptyFrames ?? true;
  const phase = opts.phase ?? 'dark';
  let frames = 0;
  let emptyFrames = 0;
  let scratch = new Float32Array(0);
  let exclude = new Uint8Array(0);
  if (opts.reuse) {
    // blocks of a pair pass are read into the accumulator's memory, where the kernel reads them in place
    const reuse = opts.reuse;
    reuse.ring ??= { slots: [], allocate: (bytes) => (reuse.pair ? pairBlockMemory(reuse.pair, bytes) : undefined) };
  }
  // the workers read their pixel ranges of each block themselves: the reading is split between them
  // instead of done by this thread alone (not when a transform needs the values here)
  const pendingPixels = passThreads(opts) > 1 && !opts.transform;
  for await (const raw of stream.blocks({ keep: BLOCKS_IN_FLIGHT, ring: opts.reuse?.ring ?? opts.ring, pendingPixels })) {
    const bytes = raw.data.byteLength + (raw.gain?.byteLength ?? 0);
    // no frame of a pending block is empty (BlockReadOptions.pendingPixels); one not asked for is read here
    let pending = raw.pending?.runs;
    if (pending && !pendingPixels) {
      readPendingPixels(raw, pending);
      pending = undefined;
    }
    let block = raw;
    if (skipEmpty && !pending) {
      const r = dropEmptyFrames(raw, nPixels);
      block = r.block;
      emptyFrames += r.dropped;
    }
    const n = block.nFrames;
    for (let f = 0; f < n; f++) {
      const c = block.cellIds[f];
      if (c >= nCells) {
        throw new DetcalError('SHAPE_MISMATCH', `${stream.label}: frame ${block.firstFrame + f} has memory cell ${c} but the run was opened with ${nCells} cells; pass --cells ${c + 1} or check the cell ids`);
      }
      framesPerCell[c]++;
    }
    if (n > 0) {
      state.current ??= createPassState(opts, nPixels, block);
      let values: BlockData = block.data;
      let mask = opts.mask;
      if (opts.transform) {
        if (scratch.length < n * nPixels) scratch = new Float32Array(n * nPixels);
        if (opts.excludeValues) {
          if (exclude.length < n * nPixels) exclude = new Uint8Array(n * nPixels);
          mask = exclude.subarray(0, n * nPixels);
          if (opts.mask) for (let f = 0; f < n; f++) mask.set(opts.mask, f * nPixels);
          else mask.fill(0);
        }
        values = opts.transform(block, scratch.subarray(0, n * nPixels), opts.excludeValues ? mask : undefined);
      }
      await accumulateBlock(state.current, opts, block, values, mask, nPixels, pending);
      frames += n;
    }
    opts.progress?.(raw.nFrames, bytes, phase);
  }
  const st = state.current;
  await st?.pool?.drain();
  if (frames === 0 || !st) {
    throw noDarkFramesError(stream.label, emptyFrames);
  }
  return { st, base: { nCells, nPixels, frames, emptyFrames, framesPerCell } };
}

/** Finalizes all cells into opts.out (or new arrays) and applies opts.badPixels. */
async function finishFull({ st, base }: Accumulated, opts: DarkPassOptions): Promise<DarkPassResult> {
  const { nCells, nPixels, framesPerCell } = base;
  if (st.kind === 'pair') {
    const size = nCells * nPixels;
    const given = opts.out;
    const out = {
      meanAdu: given?.meanAdu ?? new Float32Array(size),
      stdAdu: given?.stdAdu ?? new Float32Array(size),
      digitalMean: given?.digitalMean ?? new Float32Array(size),
      digitalStd: given?.digitalStd ?? new Float32Array(size),
    };
    const shared = Object.values(out).every((a) => a.buffer instanceof SharedArrayBuffer);
    let flagged: DarkBadPixelCounts | undefined;
    let pending: Promise<DarkBadPixelCounts | undefined> | undefined;
    if (st.pool && shared && opts.deferFinish && opts.reuse) {
      // the next pass reads while the workers finalize and flag this one (each finalizes its pixel range first)
      pending = (await st.pool.finishPairDeferred(out, opts.badPixels)).settled;
    } else if (st.pool && shared) {
      // the workers finalize and flag their share of the cells (both cores instead of the main thread alone)
      flagged = await st.pool.finishPair(out, opts.badPixels);
    } else {
      finalizeDarkPairCpu(st.pair, out);
      if (opts.badPixels) flagged = darkBadPixels(out.meanAdu, out.stdAdu, opts.badPixels.flags, opts.badPixels.limits, { nCells, nPixels });
    }
    // Every pixel of a cell has framesPerCell[c] values: the per-pixel arrays are only built when read
    // (fresh memory costs page faults: ~0.2 s per 92 MB array on a 352-cell module).
    let count: Uint32Array | undefined, rejected: Uint32Array | undefined;
    const result = { ...base, ...out, uniformCount: true, flagged } as DarkPassResult;
    if (pending) {
      result.finished = pending.then((counts) => {
        result.flagged = counts;
      });
      result.finished.catch(() => undefined); // surfaces where the caller awaits it
    }
    Object.defineProperty(result, 'count', {
      enumerable: true,
      get: () => (count ??= broadcastPerCell(framesPerCell, nPixels)),
    });
    Object.defineProperty(result, 'rejected', { enumerable: true, get: () => (rejected ??= new Uint32Array(size)) });
    return result;
  }
  const out = opts.out;
  const finishSingle = (): { mean: Float32Array; std: Float32Array; digital?: { mean: Float32Array; std: Float32Array }; flagged?: DarkBadPixelCounts } => {
    const a = finalize(opts.backend, st.analog, out?.meanAdu, out?.stdAdu);
    const d = st.digital ? finalize(opts.backend, st.digital, out?.digitalMean, out?.digitalStd) : undefined;
    const flagged = opts.badPixels ? darkBadPixels(a.mean, a.std, opts.badPixels.flags, opts.badPixels.limits, { nCells, nPixels }) : undefined;
    return { ...a, digital: d, flagged };
  };
  if (opts.deferFinish && st.pool && out && (!st.digital || (out.digitalMean && out.digitalStd))) {
    // Each pass has its own accumulators, so this one can be finalized and flagged while the next pass's
    // blocks are read and accumulated: on the workers (each its pixel range, then the rules per cell)
    // when the outputs are shared, else on this thread once it waits for the workers.
    const result: DarkPassResult = {
      ...base, meanAdu: out.meanAdu, stdAdu: out.stdAdu, count: st.analog.count, rejected: st.analog.rejected,
      digitalMean: st.digital ? out.digitalMean : undefined, digitalStd: st.digital ? out.digitalStd : undefined,
    };
    const onShared = [out.meanAdu, out.stdAdu, ...(st.digital ? [out.digitalMean, out.digitalStd] : []), opts.badPixels?.flags].every((a) => !a || a.buffer instanceof SharedArrayBuffer);
    if (onShared) {
      const digital = st.digital ? { digitalMean: out.digitalMean, digitalStd: out.digitalStd } : {};
      const { settled } = await st.pool.finishSingleDeferred({ meanAdu: out.meanAdu, stdAdu: out.stdAdu, ...digital }, nCells, nPixels, opts.badPixels);
      result.finished = settled.then((counts) => {
        result.flagged = counts;
      });
    } else {
      result.finished = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        result.flagged = finishSingle().flagged;
      });
    }
    result.finished.catch(() => undefined); // surfaces where the caller awaits it
    return result;
  }
  const r = finishSingle();
  return {
    flagged: r.flagged, ...base, meanAdu: r.mean, stdAdu: r.std, count: st.analog.count, rejected: st.analog.rejected, digitalMean: r.digital?.mean, digitalStd: r.digital?.std };
}

/** Output buffers of one group. */
type GroupBuffers = Omit<DarkPassGroup, 'framesPerCell' | 'count'>;

/** Two sets of group outputs of `values` values: kept in opts.reuse across passes, shared memory when workers finalize. */
function groupBuffers(opts: DarkPassOptions, values: number, shared: boolean, digital: boolean): GroupBuffers[] {
  const old = opts.reuse?.groupBuffers;
  if (old && old[0].meanAdu.length >= values && (old[0].meanAdu.buffer instanceof SharedArrayBuffer) === shared && !!old[0].digitalMean === digital) return old;
  const make = (): GroupBuffers => {
    const f32 = (): Float32Array => new Float32Array(shared ? new SharedArrayBuffer(4 * values) : new ArrayBuffer(4 * values));
    return {
      meanAdu: f32(),
      stdAdu: f32(),
      digitalMean: digital ? f32() : undefined,
      digitalStd: digital ? f32() : undefined,
      flags: new Uint32Array(shared ? new SharedArrayBuffer(4 * values) : new ArrayBuffer(4 * values)),
    };
  };
  const sets = [make(), make()];
  if (opts.reuse) opts.reuse.groupBuffers = sets;
  return sets;
}

/** Views of the first `values` values of a buffer set, flags zeroed when the rules run. */
function groupViews(b: GroupBuffers, values: number, withFlags: boolean, framesPerCell: Uint32Array): DarkPassGroup {
  const flags = withFlags ? (b.flags as Uint32Array).subarray(0, values) : undefined;
  flags?.fill(0);
  return {
    meanAdu: b.meanAdu.subarray(0, values),
    stdAdu: b.stdAdu.subarray(0, values),
    digitalMean: b.digitalMean?.subarray(0, values),
    digitalStd: b.digitalStd?.subarray(0, values),
    flags,
    framesPerCell,
  };
}

async function finishInGroups({ st, base }: Accumulated, opts: DarkPassOptions, groups: DarkPassGroups): Promise<DarkPassSummary> {
  const { nCells, nPixels } = base;
  const G = Math.min(groups.cellsPerGroup, nCells);
  const starts = Array.from({ length: Math.ceil(nCells / G) }, (_, i) => i * G);
  const limits = groups.limits;
  let flagged: DarkBadPixelCounts | undefined;
  if (st.kind === 'pair') {
    const sets = groupBuffers(opts, G * nPixels, !!st.pool, true);
    // cells [c0, c0 + G) into buffer set i: on the workers, or here
    const finish = async (c0: number, i: number): Promise<DarkPassGroup> => {
      const c1 = Math.min(nCells, c0 + G);
      const v = groupViews(sets[i], (c1 - c0) * nPixels, !!limits, base.framesPerCell);
      const out = { meanAdu: v.meanAdu, stdAdu: v.stdAdu, digitalMean: v.digitalMean as Float32Array, digitalStd: v.digitalStd as Float32Array };
      let counts: DarkBadPixelCounts | undefined;
      if (st.pool) {
        counts = await st.pool.finishPair(out, limits ? { flags: v.flags as Uint32Array, limits } : undefined, { c0, c1 });
      } else {
        finalizeDarkPairCpu(st.pair, out, c0, c1, c0);
        if (limits) counts = darkBadPixels(v.meanAdu, v.stdAdu, v.flags as Uint32Array, limits, { nCells: c1 - c0, nPixels });
      }
      if (counts) flagged = flagged ? addBadPixelCounts(flagged, counts) : counts;
      return v;
    };
    let next = finish(starts[0], 0);
    for (let g = 0; g < starts.length; g++) {
      const view = await next;
      // the workers finalize the next group into the other buffer set while this one is handed on
      if (g + 1 < starts.length) {
        next = finish(starts[g + 1], (g + 1) % 2);
        next.catch(() => undefined); // a failure surfaces when the group is awaited
      }
      try {
        await groups.onGroup(starts[g], Math.min(nCells, starts[g] + G), view);
      } catch (err) {
        if (g + 1 < starts.length) await next.catch(() => undefined);
        throw err;
      }
    }
    return { ...base, uniformCount: true, flagged: limits ? flagged : undefined };
  }
  // general accumulators: finalize every cell, then hand on views
  const a = finalize(opts.backend, st.analog);
  const d = st.digital ? finalize(opts.backend, st.digital) : undefined;
  const flags = limits ? new Uint32Array(nCells * nPixels) : undefined;
  if (limits) flagged = darkBadPixels(a.mean, a.std, flags as Uint32Array, limits, { nCells, nPixels });
  for (const c0 of starts) {
    const c1 = Math.min(nCells, c0 + G);
    const [k0, k1] = [c0 * nPixels, c1 * nPixels];
    await groups.onGroup(c0, c1, {
      meanAdu: a.mean.subarray(k0, k1),
      stdAdu: a.std.subarray(k0, k1),
      digitalMean: d?.mean.subarray(k0, k1),
      digitalStd: d?.std.subarray(k0, k1),
      flags: flags?.subarray(k0, k1),
      count: st.analog.count.subarray(k0, k1),
      framesPerCell: base.framesPerCell,
    });
  }
  return { ...base, uniformCount: false, flagged };
}
