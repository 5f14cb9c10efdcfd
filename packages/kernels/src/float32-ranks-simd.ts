/**
 * WebAssembly SIMD path of float32Ranks (float32-ranks-simd-wat.ts describes the kernels): the values are
 * copied into this thread's memory a chunk at a time for each of the two passes (once when they fit one
 * chunk). The counts, sums and ranks are bit for bit those of the JS passes; ~4x faster on the constants
 * of an AGIPD module, whose printed summary ranks every value of every constant.
 */
import { binsOfRanks, HALF, resolveRanks, valueInBin } from './float32-rank-keys.js';
import type { Float32RankResult } from './float32-rank-select.js';
import { F32R_CHUNK_AT, F32R_CHUNK_VALUES, F32R_HI_AT, F32R_LO_AT, F32R_MAX_SLOTS, F32R_MEMORY_BYTES, F32R_RESULT_AT, F32R_SLOT_AT } from './float32-ranks-simd-wat.js';
import { FLOAT32_RANKS_SIMD_WASM } from './float32-ranks-simd-wasm.js';
import { instantiateOn, wasmMemoryOf, type WasmModuleCache } from './wasm-simd-support.js';

type Pass = (src: number, n4: number) => void;

/** This thread's memory and kernels. */
interface Context {
  pass1: Pass;
  pass2: Pass;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  slots: Int8Array;
  hi: Uint32Array;
  lo: Uint32Array[];
}

const modules: WasmModuleCache = {};
let context: Context | undefined;
let unavailable = false;

function contextOf(): Context | undefined {
  if (context || unavailable) return context;
  const memory = wasmMemoryOf(F32R_MEMORY_BYTES, false);
  const e = memory && instantiateOn(memory, modules, { shared: FLOAT32_RANKS_SIMD_WASM, unshared: FLOAT32_RANKS_SIMD_WASM });
  if (!memory || !e) {
    unavailable = true;
    return undefined;
  }
  const buf = memory.buffer;
  context = {
    pass1: e.pass1 as Pass,
    pass2: e.pass2 as Pass,
    f32: new Float32Array(buf),
    f64: new Float64Array(buf, F32R_RESULT_AT, 8),
    i32: new Int32Array(buf, F32R_RESULT_AT, 32),
    slots: new Int8Array(buf, F32R_SLOT_AT, HALF + 1),
    hi: new Uint32Array(buf, F32R_HI_AT, HALF + 1),
    lo: Array.from({ length: F32R_MAX_SLOTS }, (_, s) => new Uint32Array(buf, F32R_LO_AT + 4 * HALF * s, HALF)),
  };
  return context;
}

/** Runs a pass over `data` chunk by chunk (the last chunk padded with NaN); `resident`: the data is the chunk already. */
function sweep(x: Context, data: Float32Array, pass: Pass, resident: boolean): void {
  const at = F32R_CHUNK_AT >> 2;
  for (let c0 = 0; c0 < data.length; c0 += F32R_CHUNK_VALUES) {
    const n = Math.min(F32R_CHUNK_VALUES, data.length - c0), n4 = (n + 3) & ~3;
    if (!resident) {
      x.f32.set(data.subarray(c0, c0 + n), at);
      x.f32.fill(NaN, at + n, at + n4);
    }
    pass(F32R_CHUNK_AT, n4);
  }
}

/**
 * float32Ranks with the SIMD kernels.
 * @param data - values; NaN and +-Infinity are skipped
 * @param wantedRanks - ranks, or a function of the finite count that returns them
 * @returns the statistics and values at the ranks, or undefined where the kernels cannot run (no SIMD)
 */
export function float32RanksSimd(data: Float32Array, wantedRanks: readonly number[] | ((finite: number) => readonly number[])): Float32RankResult | undefined {
  const x = contextOf();
  if (!x) return undefined;
  x.f64.fill(0);
  x.i32[16] = 0;
  x.hi.fill(0);
  sweep(x, data, x.pass1, false);
  const f = x.f64;
  const sum = (f[0] + f[1]) + (f[2] + f[3]), sumSq = (f[4] + f[5]) + (f[6] + f[7]);
  const finite = x.i32[16];
  const ranks = resolveRanks(wantedRanks, finite);
  const wanted = binsOfRanks(x.hi, ranks, finite);
  const bins = [...new Set(wanted.filter((w) => w !== null).map((w) => w.bin))];
  const values = new Array<number>(ranks.length).fill(NaN);
  // up to F32R_MAX_SLOTS bins per sweep of the second pass
  for (let b0 = 0; b0 < bins.length; b0 += F32R_MAX_SLOTS) {
    const group = bins.slice(b0, b0 + F32R_MAX_SLOTS);
    x.slots.fill(-1);
    group.forEach((bin, s) => {
      x.slots[bin] = s;
      x.lo[s].fill(0);
    });
    sweep(x, data, x.pass2, data.length <= F32R_CHUNK_VALUES);
    wanted.forEach((w, k) => {
      const s = w === null ? -1 : group.indexOf(w.bin);
      if (w !== null && s >= 0) values[k] = valueInBin(x.lo[s], w);
    });
  }
  return { finite, sum, sumSq, values };
}
