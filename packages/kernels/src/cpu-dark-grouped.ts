/**
 * Dark accumulation of integer (u2) frames, four frames of one memory cell per pass over the state:
 * each (cell, pixel)'s count, reference, sums (and rejected count) are loaded and stored once per four
 * values instead of once per value. The per-frame loops of cpu-dark.ts move 28+ bytes of state per
 * value and are memory-bound (~6 ns a value on a 2-core VM, Jungfrau gain-stage runs); this is 3-4x
 * less traffic. Values and references are integers, so the float64 sums of (x - ref) are exact in any
 * grouping: the state ends bit for bit as the per-frame loops leave it.
 */
import type { DarkAccumulator } from './dark-accumulator.js';
import { framesByCell } from './frames-by-cell.js';

/**
 * Accumulates pixels [p0, p1) of a block of u2 frames (no mask), frames grouped by cell.
 * @param state - accumulator updated in place
 * @param data - values, frame-major (nFrames * nPixels)
 * @param cellIds - cell id per frame (checked by the caller: < state.nCells)
 * @param nFrames - frames in the block
 * @param nPixels - pixels per frame
 * @param p0 - first pixel (inclusive)
 * @param p1 - end pixel (exclusive)
 * @param gain - per-value gain values with lut (1 = accept): rejected values are counted, not added
 * @param lut - acceptance table indexed by gain value, or null to accept every value
 */
export function accumulateGroupedU16(
  state: DarkAccumulator, data: Uint16Array, cellIds: Uint16Array, nFrames: number, nPixels: number,
  p0: number, p1: number, gain: Uint8Array | Uint16Array | undefined, lut: Uint8Array | null,
): void {
  const { order, start } = framesByCell(cellIds, nFrames, state.nCells);
  const { count, rejected, ref, sum, sumSq } = state;
  for (let c = 0; c < state.nCells; c++) {
    const end = start[c + 1];
    const base = c * nPixels;
    for (let i = start[c]; i < end; ) {
      const k = Math.min(4, end - i);
      // up to four frames of the cell; a shorter group passes its last frame for the unused slots (k tells how many count)
      const a = order[i] * nPixels, b = order[i + Math.min(1, k - 1)] * nPixels, d = order[i + Math.min(2, k - 1)] * nPixels, e = order[i + k - 1] * nPixels;
      if (lut !== null && gain !== undefined) gain4(count, rejected, ref, sum, sumSq, data, gain, lut, a, b, d, e, k, base, p0, p1);
      else plain4(count, ref, sum, sumSq, data, a, b, d, e, k, base, p0, p1);
      i += k;
    }
  }
}

function plain4(
  count: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array, data: Uint16Array,
  a: number, b: number, c: number, d: number, k: number, base: number, p0: number, p1: number,
): void {
  for (let p = p0; p < p1; p++) {
    const j = base + p;
    const n = count[j];
    const x1 = data[a + p];
    const r = n === 0 ? x1 : ref[j];
    if (n === 0) ref[j] = x1;
    let s = x1 - r, q = s * s;
    if (k > 1) { const v = data[b + p] - r; s += v; q += v * v; }
    if (k > 2) { const v = data[c + p] - r; s += v; q += v * v; }
    if (k > 3) { const v = data[d + p] - r; s += v; q += v * v; }
    count[j] = n + k;
    sum[j] += s;
    sumSq[j] += q;
  }
}

function gain4(
  count: Uint32Array, rejected: Uint32Array, ref: Float32Array, sum: Float64Array, sumSq: Float64Array,
  data: Uint16Array, gain: Uint8Array | Uint16Array, lut: Uint8Array,
  a: number, b: number, c: number, d: number, k: number, base: number, p0: number, p1: number,
): void {
  // frames in order; the first accepted value of a pixel that had none sets its reference (written back at the end)
  for (let p = p0; p < p1; p++) {
    const j = base + p;
    const n0 = count[j];
    let n = n0, r = ref[j], s = 0, q = 0;
    if (lut[gain[a + p]] !== 0) {
      const x = data[a + p];
      if (n === 0) r = x;
      const v = x - r;
      s += v; q += v * v; n++;
    }
    if (k > 1 && lut[gain[b + p]] !== 0) {
      const x = data[b + p];
      if (n === 0) r = x;
      const v = x - r;
      s += v; q += v * v; n++;
    }
    if (k > 2 && lut[gain[c + p]] !== 0) {
      const x = data[c + p];
      if (n === 0) r = x;
      const v = x - r;
      s += v; q += v * v; n++;
    }
    if (k > 3 && lut[gain[d + p]] !== 0) {
      const x = data[d + p];
      if (n === 0) r = x;
      const v = x - r;
      s += v; q += v * v; n++;
    }
    const accepted = n - n0;
    if (n0 === 0 && accepted !== 0) ref[j] = r;
    if (accepted !== k) rejected[j] += k - accepted;
    count[j] = n;
    sum[j] += s;
    sumSq[j] += q;
  }
}
