/**
 * WebAssembly SIMD path of the general dark accumulation on u2 frames (dark-single-simd-wat.ts describes
 * the kernel). The accumulator's arrays then live in one WebAssembly.Memory (shared for worker threads)
 * together with a scratch of 8 value slots and 8 gain slots: per cell, a thread copies a chunk's frames
 * (up to 8) of up to 32768 pixels of its range into the scratch (blocks live on other buffers the module
 * cannot reach) and the kernel adds them to the state, the next 32768 pixels reusing the same scratch
 * (the copies stay in cache, and the scratch pages a thread touches are those at the start of its range). Where WebAssembly SIMD is missing, or the state would not fit in 4 GiB,
 * the accumulator is allocated on plain buffers and the JS kernels run instead; masks, float data and
 * accepted gain values >= 16 always take the JS kernels.
 */
import { alignBytes, instantiateOn, wasmMemoryOf, wasmSimdSupported, type WasmMemory, type WasmModuleCache } from './wasm-simd-support.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { DARK_SINGLE_SIMD_MAX_FRAMES, DARK_SINGLE_SIMD_KINDS, type DarkSingleSimdKind } from './dark-single-simd-wat.js';
import { DARK_SINGLE_SIMD_SHARED_WASM, DARK_SINGLE_SIMD_WASM } from './dark-single-simd-wasm.js';
import type { CellOrder } from './frames-by-cell.js';

/** Where the SIMD kernel finds a general accumulator: its memory and the frame scratch in it. */
export interface DarkSingleWasmState {
  /** The memory holding count, rejected, ref, sum, sumSq and the scratch. */
  readonly memory: WasmMemory;
  /** 8 value slots of nPixels u2 values (slot j: frame j of a chunk); a thread uses up to 32768 pixels at the start of its range of each. */
  readonly values: Uint16Array;
  /** 8 gain slots of 2 * nPixels bytes, right after the value slots (u1 gains use the first nPixels bytes of a slot). */
  readonly gains: Uint8Array;
}

/** Kernel: (cnt, rej, ref, sum, sq, scr, gscr, slot, mask, count), byte addresses of the range's first pixel. */
type Kernel = (cnt: number, rej: number, ref: number, sum: number, sq: number, scr: number, gscr: number, slot: number, mask: number, count: number) => void;

const SLOTS = DARK_SINGLE_SIMD_MAX_FRAMES;
/** Pixels per kernel call (a multiple of 8): 8 frames of values and u1 gains, 768 KiB, stay in L2 cache for the kernel (larger calls are no faster). */
const CHUNK_PIXELS = 32768;

/** Modules compiled by this thread, per memory kind (compiled where an accumulator is first used). */
const modules: WasmModuleCache = {};
/** Kernels of this thread per memory and kind, index = frames of the chunk (a worker instantiates once per memory). */
const instances = new WeakMap<WasmMemory, Record<DarkSingleSimdKind, Kernel[]>>();

/** True when this runtime runs the WebAssembly SIMD kernel (wasmSimdSupported; a module that then fails to compile falls back to JavaScript). */
export function darkSingleSimdSupported(): boolean {
  return wasmSimdSupported();
}

/**
 * The arrays of a general accumulator on one WebAssembly.Memory, or undefined where the SIMD kernel cannot
 * run (no WebAssembly SIMD, more than 4 GiB, or the memory cannot be had).
 * @param nCells - memory cells
 * @param nPixels - pixels per frame
 * @param shared - a shared memory (SharedArrayBuffer views) for worker threads
 * @returns zeroed views and the wasm state
 */
export function allocateDarkSingleWasm(nCells: number, nPixels: number, shared: boolean): Omit<DarkAccumulator, 'nCells' | 'nPixels'> | undefined {
  if (!darkSingleSimdSupported()) return undefined;
  const n = nCells * nPixels;
  // float64 arrays first (8-byte aligned), then the 4-byte arrays and the scratch
  const sumAt = 0, sumSqAt = 8 * n, countAt = 16 * n, rejectedAt = 20 * n, refAt = 24 * n;
  const valuesAt = alignBytes(28 * n, 16);
  const gainsAt = valuesAt + 2 * SLOTS * nPixels;
  const bytes = gainsAt + 2 * SLOTS * nPixels;
  const memory = wasmMemoryOf(bytes, shared);
  if (!memory) return undefined; // over 4 GiB or refused: plain buffers and the JS kernels
  const buf = memory.buffer;
  return {
    count: new Uint32Array(buf, countAt, n),
    rejected: new Uint32Array(buf, rejectedAt, n),
    ref: new Float32Array(buf, refAt, n),
    sum: new Float64Array(buf, sumAt, n),
    sumSq: new Float64Array(buf, sumSqAt, n),
    wasm: { memory, values: new Uint16Array(buf, valuesAt, SLOTS * nPixels), gains: new Uint8Array(buf, gainsAt, 2 * SLOTS * nPixels) },
  };
}

function kernelsFor(wasm: DarkSingleWasmState): Record<DarkSingleSimdKind, Kernel[]> | undefined {
  let inst = instances.get(wasm.memory);
  if (inst) return inst;
  const exports = instantiateOn(wasm.memory, modules, { shared: DARK_SINGLE_SIMD_SHARED_WASM, unshared: DARK_SINGLE_SIMD_WASM });
  if (!exports) return undefined; // the JavaScript kernels take the blocks
  inst = { plain: [], g8: [], g16: [] };
  for (const k of DARK_SINGLE_SIMD_KINDS) {
    for (let f = 1; f <= DARK_SINGLE_SIMD_MAX_FRAMES; f++) inst[k][f] = exports[k === 'plain' ? `plain${f}` : `${k}_${f}`] as Kernel;
  }
  instances.set(wasm.memory, inst);
  return inst;
}

/**
 * The kernels' form of acceptGain: bit g set where gain value g is accepted, or undefined when a value
 * >= 16 is accepted (the kernels then cannot run: the JS kernels take the block).
 * @param acceptGain - accepted gain value(s), validated
 * @returns the 16-bit mask
 */
export function darkSingleSimdGainMask(acceptGain: number | readonly number[]): number | undefined {
  let mask = 0;
  for (const g of typeof acceptGain === 'number' ? [acceptGain] : acceptGain) {
    if (g >= 16) return undefined;
    mask |= 1 << g;
  }
  return mask;
}

/**
 * Accumulates pixels [p0, p1) of one block of u2 values with the SIMD kernel (arguments checked by the
 * caller). Frames of a cell go in chunks of up to 8: the state is loaded and stored once per chunk; each
 * chunk goes 32768 pixels at a time through the scratch at [p0, p0 + 32768) of each slot.
 * @param state - accumulator allocated by allocateDarkSingleWasm
 * @param data - values, frame-major (nFrames * nPixels)
 * @param cells - the block's frames grouped by cell (framesByCell)
 * @param p0 - first pixel (inclusive)
 * @param p1 - end pixel (exclusive)
 * @param gain - per-value gain values, with `mask`; undefined to accept every value
 * @param mask - darkSingleSimdGainMask of acceptGain (ignored without gain)
 * @returns false (nothing done) when the state has no wasm memory or this thread cannot run the kernel
 */
export function accumulateDarkSingleSimd(
  state: DarkAccumulator,
  data: Uint16Array,
  cells: CellOrder,
  p0: number,
  p1: number,
  gain?: Uint8Array | Uint16Array,
  mask = 0,
): boolean {
  const wasm = state.wasm;
  const inst = wasm && kernelsFor(wasm);
  if (!wasm || !inst) return false;
  if (p1 === p0) return true;
  const { nPixels } = state;
  const kernels = gain === undefined ? inst.plain : gain instanceof Uint8Array ? inst.g8 : inst.g16;
  const { values, gains } = wasm;
  const gains16 = gain instanceof Uint16Array ? new Uint16Array(gains.buffer, gains.byteOffset, SLOTS * nPixels) : undefined;
  const slot = 2 * nPixels;
  const scr = values.byteOffset + 2 * p0;
  const gscr = gains.byteOffset + (gain instanceof Uint16Array ? 2 * p0 : p0);
  const cntAt = state.count.byteOffset, rejAt = state.rejected.byteOffset, refAt = state.ref.byteOffset;
  const sumAt = state.sum.byteOffset, sqAt = state.sumSq.byteOffset;
  const { order, start } = cells;
  for (let c = 0; c < state.nCells; c++) {
    const end = start[c + 1];
    for (let i = start[c]; i < end; ) {
      const n = Math.min(DARK_SINGLE_SIMD_MAX_FRAMES, end - i);
      for (let q0 = p0; q0 < p1; q0 += CHUNK_PIXELS) {
        const q1 = Math.min(p1, q0 + CHUNK_PIXELS), count = q1 - q0;
        for (let j = 0; j < n; j++) {
          const off = order[i + j] * nPixels;
          values.set(data.subarray(off + q0, off + q1), j * nPixels + p0);
          if (gain instanceof Uint8Array) gains.set(gain.subarray(off + q0, off + q1), j * slot + p0);
          else if (gain !== undefined && gains16 !== undefined) gains16.set(gain.subarray(off + q0, off + q1), j * nPixels + p0);
        }
        const base = c * nPixels + q0;
        kernels[n](cntAt + 4 * base, rejAt + 4 * base, refAt + 4 * base, sumAt + 8 * base, sqAt + 8 * base, scr, gscr, slot, mask, count);
      }
      i += n;
    }
  }
  return true;
}
