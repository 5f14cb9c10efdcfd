/**
 * WebAssembly SIMD path of the pair accumulation (dark-pair-simd-wat.ts describes the kernel). The
 * accumulator's arrays then live in one WebAssembly.Memory (shared for worker threads) together with
 * a scratch of 16 frame slots: per cell, a thread copies the chunk's frames of its pixel range into
 * the scratch (blocks live on other buffers the module cannot reach), or reads them there from the
 * run's files (pending blocks), and the kernel adds them to the state; blocks read into the memory
 * itself (pairBlockMemory) are added where they lie. Where WebAssembly SIMD is missing, or the state would not fit in 4 GiB, the accumulator is
 * allocated on plain buffers and the JS kernel runs instead.
 * Finalizing also runs in the module: the outputs (float32 arrays on buffers the module cannot reach)
 * are written in chunks into four of the scratch slots, each chunk then copied out with
 * TypedArray.set; a thread only uses the scratch part it owns (see finalizeDarkPairSimd).
 */
import { alignBytes, instantiateOn, wasmMemoryOf, wasmSimdSupported, type WasmMemory, type WasmModuleCache } from './wasm-simd-support.js';

export type { WasmMemory } from './wasm-simd-support.js';
import type { DarkPairAccumulator, DarkPairFinalizeOutput } from './dark-pair-accumulator.js';
import { DARK_PAIR_SIMD_MAX_FRAMES } from './dark-pair-simd-wat.js';
import type { CellOrder } from './frames-by-cell.js';
import type { PendingFrameReader } from '@detcal/core';
import { DARK_PAIR_SIMD_SHARED_WASM, DARK_PAIR_SIMD_WASM } from './dark-pair-simd-wasm.js';

/** Where the SIMD kernel finds a pair accumulator: its memory and the frame scratch in it. */
export interface DarkPairWasmState {
  /** The memory holding ref, sum, sumSq, framesPerCell and scratch. */
  readonly memory: WasmMemory;
  /** 16 slots of nPixels values (slot 2j: analog of chunk frame j, 2j + 1: digital); threads use their own pixel range of each. */
  readonly scratch: Uint16Array;
  /** Room for the reader's blocks (pairBlockMemory hands it out, never back): [next, end) is still free. */
  readonly blocks: { next: number; readonly end: number };
}

type Kernel = (ref: number, sum: number, sq: number, count: number, fresh: number, ...frames: number[]) => void;
type SetRef = (ref: number, a: number, g: number, count: number) => void;
type Finalize = (ref: number, sum: number, sq: number, count: number, inv: number, om: number, os: number, odm: number, ods: number) => void;
/** The kernels of one instance. */
interface Kernels {
  setRef: SetRef;
  add: Kernel[];
  finalize: Finalize;
}

/** Byte offsets of a block's analog and digital arrays in the accumulator's WebAssembly memory. */
export interface PairBlockOffsets {
  /** Offset of the analog values. */
  data: number;
  /** Offset of the digital values. */
  gain: number;
}

/** Frame slots of the scratch (two per frame of a chunk). */
const SCRATCH_SLOTS = 2 * DARK_PAIR_SIMD_MAX_FRAMES;

/** Modules compiled by this thread, per memory kind (compiled where an accumulator is first used). */
const modules: WasmModuleCache = {};
/** Instances of this thread per memory (a worker instantiates once for the memory it was given). */
const instances = new WeakMap<WasmMemory, Kernels>();

/** True when this runtime runs the WebAssembly SIMD kernel (wasmSimdSupported; a module that then fails to compile falls back to JavaScript). */
export function darkPairSimdSupported(): boolean {
  return wasmSimdSupported();
}

/**
 * The arrays of a pair accumulator on one WebAssembly.Memory, or undefined where the SIMD kernel cannot
 * run (no WebAssembly SIMD, more than 4 GiB, or the memory cannot be had).
 * @param nCells - memory cells
 * @param nPixels - pixels per frame
 * @param shared - a shared memory (SharedArrayBuffer views) for worker threads
 * @returns zeroed views and the wasm state
 */
export function allocateDarkPairWasm(nCells: number, nPixels: number, shared: boolean, blockBytes = 0): Pick<DarkPairAccumulator, 'ref' | 'sum' | 'sumSq' | 'framesPerCell' | 'wasm'> | undefined {
  if (!darkPairSimdSupported()) return undefined;
  const n = 2 * nCells * nPixels;
  // float64 arrays first (8-byte aligned), then the u16 reference, the counts, the scratch and the blocks' room
  const sumAt = 0, sumSqAt = 8 * n, refAt = 16 * n;
  const framesAt = alignBytes(refAt + 2 * n, 16);
  const scratchAt = alignBytes(framesAt + 4 * nCells, 16);
  const blocksAt = alignBytes(scratchAt + 2 * SCRATCH_SLOTS * nPixels, 64);
  const bytes = blocksAt + blockBytes;
  const memory = wasmMemoryOf(bytes, shared);
  if (!memory) return undefined; // over 4 GiB or refused: plain buffers and the JS kernel
  const buf = memory.buffer;
  return {
    sum: new Float64Array(buf, sumAt, n),
    sumSq: new Float64Array(buf, sumSqAt, n),
    ref: new Uint16Array(buf, refAt, n),
    framesPerCell: new Uint32Array(buf, framesAt, nCells),
    wasm: { memory, scratch: new Uint16Array(buf, scratchAt, SCRATCH_SLOTS * nPixels), blocks: { next: blocksAt, end: blocksAt + blockBytes } },
  };
}

/**
 * Zeroed memory for a block's pixel array in the accumulator's WebAssembly memory (BlockRing.allocate), so
 * that the kernel reads the frames where the reader put them instead of copying each into its scratch.
 * @param state - the accumulator
 * @param bytes - bytes wanted
 * @returns the buffer and offset, or undefined when the state has no such room left (a SharedArrayBuffer then)
 */
export function pairBlockMemory(state: DarkPairAccumulator, bytes: number): { buffer: ArrayBuffer | SharedArrayBuffer; byteOffset: number } | undefined {
  const room = state.wasm?.blocks;
  if (!room || room.next + bytes > room.end) return undefined;
  const byteOffset = room.next;
  room.next = alignBytes(room.next + bytes, 64);
  return { buffer: state.wasm.memory.buffer, byteOffset };
}

/**
 * Where a block's analog and digital arrays lie in the accumulator's WebAssembly memory, when both were
 * read there (pairBlockMemory); undefined otherwise. Only the thread that allocated the state can tell
 * from the arrays (other threads' views of the memory are other objects): the pool posts the offsets.
 * @param state - the accumulator
 * @param data - analog values
 * @param gain - digital values
 * @returns the offsets, or undefined
 */
export function pairBlockOffsets(state: DarkPairAccumulator, data: Uint16Array, gain: Uint16Array): PairBlockOffsets | undefined {
  const memory = state.wasm?.memory.buffer;
  return memory !== undefined && data.buffer === memory && gain.buffer === memory ? { data: data.byteOffset, gain: gain.byteOffset } : undefined;
}

function instanceFor(wasm: DarkPairWasmState): Kernels | undefined {
  let inst = instances.get(wasm.memory);
  if (inst) return inst;
  const exports = instantiateOn(wasm.memory, modules, { shared: DARK_PAIR_SIMD_SHARED_WASM, unshared: DARK_PAIR_SIMD_WASM });
  if (!exports) return undefined; // the JavaScript kernel takes the blocks
  const add: Kernel[] = [];
  for (let f = 1; f <= DARK_PAIR_SIMD_MAX_FRAMES; f++) add[f] = exports[`add${f}`] as Kernel;
  inst = { setRef: exports.set_ref as SetRef, add, finalize: exports.finalize as Finalize };
  instances.set(wasm.memory, inst);
  return inst;
}

/**
 * Accumulates pixels [p0, p1) of one block with the SIMD kernel (arguments checked by the caller).
 * Frames of a cell go in chunks of up to 8: the state is loaded and stored once per chunk.
 * @param state - accumulator allocated by allocateDarkPairWasm
 * @param data - analog values, frame-major
 * @param gain - digital values, same layout
 * @param first - 1 for frames that set their cell's reference
 * @param cells - the block's frames grouped by cell (framesByCell)
 * @param p0 - first pixel (inclusive)
 * @param p1 - end pixel (exclusive)
 * @param at - where data and gain lie in the state's memory (pairBlockOffsets of the allocating thread; default: found from the arrays)
 * @param pending - the block is not read (FrameBlock.pending): each chunk's frames are read from the files into the scratch (data and gain are not used)
 * @returns false (nothing done) when the state has no wasm memory or this thread cannot run the kernel
 */
export function accumulateDarkPairSimd(
  state: DarkPairAccumulator,
  data: Uint16Array,
  gain: Uint16Array,
  first: Uint8Array,
  cells: CellOrder,
  p0: number,
  p1: number,
  at?: PairBlockOffsets,
  pending?: PendingFrameReader,
): boolean {
  const wasm = state.wasm;
  const inst = wasm && instanceFor(wasm);
  if (!wasm || !inst) return false;
  const count = p1 - p0;
  if (count === 0) return true;
  const { nPixels } = state;
  const scratch = wasm.scratch;
  const slotBytes = 2 * nPixels;
  const scr = scratch.byteOffset + 2 * p0;
  // blocks read into this memory are added where they lie; others are copied into the scratch first, and the
  // frames of a pending block are read there (a few hundred kB, still in the cache when the kernel adds them)
  const lies = pending ? undefined : (at ?? pairBlockOffsets(state, data, gain));
  const inPlace = lies !== undefined;
  const memory = pending && new Uint8Array(wasm.memory.buffer);
  const toScratch = (f: number, j: number): void => {
    if (pending && memory) pending.read(f, memory, scr + 2 * j * slotBytes, memory, scr + (2 * j + 1) * slotBytes);
    else copyFrame(scratch, data, gain, f * nPixels, j, nPixels, p0, p1);
  };
  const dataAt = (lies?.data ?? 0) + 2 * p0, gainAt = (lies?.gain ?? 0) + 2 * p0;
  const refAt = state.ref.byteOffset, sumAt = state.sum.byteOffset, sqAt = state.sumSq.byteOffset;
  const { order, start } = cells;
  const args = new Array<number>(5 + 2 * DARK_PAIR_SIMD_MAX_FRAMES);
  for (let c = 0; c < state.nCells; c++) {
    let i = start[c];
    const end = start[c + 1];
    if (i === end) continue;
    const base = c * nPixels + p0;
    // the first frame of a cell in the pass sets its reference, and the next chunk stores the sums: the state
    // needs no zeroing between passes and its fresh pages are written before they are read
    let fresh = 0;
    if (first[order[i]] === 1) {
      const f = order[i++];
      if (inPlace) inst.setRef(refAt + 4 * base, dataAt + f * slotBytes, gainAt + f * slotBytes, count);
      else {
        toScratch(f, 0);
        inst.setRef(refAt + 4 * base, scr, scr + slotBytes, count);
      }
      fresh = 1;
      if (i === end) {
        state.sum.fill(0, 2 * base, 2 * (base + count));
        state.sumSq.fill(0, 2 * base, 2 * (base + count));
      }
    }
    while (i < end) {
      const n = Math.min(DARK_PAIR_SIMD_MAX_FRAMES, end - i);
      args[0] = refAt + 4 * base;
      args[1] = sumAt + 16 * base;
      args[2] = sqAt + 16 * base;
      args[3] = count;
      args[4] = fresh;
      for (let j = 0; j < n; j++) {
        const f = order[i + j];
        if (inPlace) {
          args[5 + 2 * j] = dataAt + f * slotBytes;
          args[6 + 2 * j] = gainAt + f * slotBytes;
        } else {
          toScratch(f, j);
          args[5 + 2 * j] = scr + 2 * j * slotBytes;
          args[6 + 2 * j] = scr + (2 * j + 1) * slotBytes;
        }
      }
      args.length = 5 + 2 * n;
      inst.add[n](...(args as [number, number, number, number, number, ...number[]]));
      fresh = 0;
      i += n;
    }
  }
  return true;
}

/** Copies pixels [p0, p1) of the frame at `off` into scratch slots 2j (analog) and 2j + 1 (digital). */
function copyFrame(scratch: Uint16Array, data: Uint16Array, gain: Uint16Array, off: number, j: number, nPixels: number, p0: number, p1: number): void {
  scratch.set(data.subarray(off + p0, off + p1), 2 * j * nPixels + p0);
  scratch.set(gain.subarray(off + p0, off + p1), (2 * j + 1) * nPixels + p0);
}

/** Where a thread's finalize chunks go: scratch slots 0..3 hold the mean, std, digital mean and digital std chunk. */
const FINALIZE_SLOTS = 4;

/**
 * Mean and std of analog and digital values of pixels [p0, p1) of cells [c0, c1) with the SIMD kernel,
 * bit for bit those of the JS finalizeCell of dark-pair-accumulator.ts (arguments checked by the caller).
 * Per cell, the range goes in chunks through the thread's own part [s0, s1) of scratch slots 0..3
 * (each chunk's f32 area starts 16-byte aligned inside that part, so a chunk holds about (s1 - s0) / 2
 * pixels) and is copied into the outputs: threads with disjoint scratch parts may finalize at once.
 * @param state - accumulator allocated by allocateDarkPairWasm (unchanged; its scratch slots 0..3 in [s0, s1) are overwritten)
 * @param out - four float32 outputs; cell c, pixel p goes to index (c - outCell0) * nPixels + p
 * @param c0 - first cell
 * @param c1 - end of the cell range
 * @param p0 - first pixel
 * @param p1 - end of the pixel range
 * @param outCell0 - cell at index 0 of the outputs
 * @param framesPerCell - frames per cell of the pass
 * @param s0 - first pixel of this thread's part of each scratch slot
 * @param s1 - end of that part
 * @returns false (nothing done) without a wasm memory, an instance in this thread, four Float32Array outputs, or room for a chunk
 */
export function finalizeDarkPairSimd(
  state: DarkPairAccumulator,
  out: DarkPairFinalizeOutput,
  c0: number,
  c1: number,
  p0: number,
  p1: number,
  outCell0: number,
  framesPerCell: Uint32Array,
  s0: number,
  s1: number,
): boolean {
  const wasm = state.wasm;
  const { meanAdu, stdAdu, digitalMean, digitalStd } = out;
  if (!(meanAdu instanceof Float32Array && stdAdu instanceof Float32Array && digitalMean instanceof Float32Array && digitalStd instanceof Float32Array)) return false;
  const inst = wasm && instanceFor(wasm);
  if (!wasm || !inst) return false;
  const { nPixels } = state;
  const buf = wasm.memory.buffer;
  const at: number[] = [];
  let chunk = Infinity;
  for (let o = 0; o < FINALIZE_SLOTS; o++) {
    const slotAt = wasm.scratch.byteOffset + 2 * o * nPixels;
    at[o] = alignBytes(slotAt + 2 * s0, 16);
    chunk = Math.min(chunk, Math.floor((slotAt + 2 * s1 - at[o]) / 4));
  }
  if (!(chunk >= 1)) return false; // a part of a few pixels: the JS loop
  const dst = [meanAdu, stdAdu, digitalMean, digitalStd];
  const src = at.map((a) => new Float32Array(buf, a, chunk));
  const refAt = state.ref.byteOffset, sumAt = state.sum.byteOffset, sqAt = state.sumSq.byteOffset;
  for (let c = c0; c < c1; c++) {
    const n = framesPerCell[c];
    const o0 = (c - outCell0) * nPixels;
    if (n === 0) {
      for (const d of dst) d.fill(NaN, o0 + p0, o0 + p1);
      continue;
    }
    const inv = 1 / n;
    for (let p = p0; p < p1; p += chunk) {
      const len = Math.min(chunk, p1 - p);
      const k = c * nPixels + p;
      inst.finalize(refAt + 4 * k, sumAt + 16 * k, sqAt + 16 * k, len, inv, at[0], at[1], at[2], at[3]);
      for (let o = 0; o < FINALIZE_SLOTS; o++) dst[o].set(len === chunk ? src[o] : src[o].subarray(0, len), o0 + p);
    }
  }
  return true;
}
