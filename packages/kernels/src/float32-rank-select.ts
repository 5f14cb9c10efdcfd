/**
 * Exact order statistics of a Float32Array in two linear passes, without copying or sorting: every
 * finite float32 maps to a 32-bit key that sorts like the number, the first pass counts the upper 16
 * key bits (65536 bins), the second counts the lower 16 bits inside the bins that hold the wanted
 * ranks. Several ranks (median, percentiles) come out of the same two passes. On tens of millions
 * of values (a 352-cell AGIPD constant) this is ~10x faster than a quickselect on a float64 copy.
 */

/** Finite-value statistics and the values at the requested ranks. */
export interface Float32RankResult {
  /** Finite values. */
  finite: number;
  /** Sum of the finite values (float64). */
  sum: number;
  /** Sum of squares of the finite values (float64). */
  sumSq: number;
  /** Value at each requested rank (0 = smallest finite value); NaN when the rank is not below `finite`. */
  values: number[];
}

const HALF = 1 << 16;

/** The float32 whose sortable key is `key`. */
function valueOfKey(key: number): number {
  const bits = (key & 0x80000000) !== 0 ? key & 0x7fffffff : ~key >>> 0;
  const u = new Uint32Array([bits >>> 0]);
  return new Float32Array(u.buffer)[0];
}

/**
 * Values at the given ranks of the finite values of `data` (a rank counts from 0 at the smallest;
 * fractional ranks are not interpolated: pass the two neighbours and average), with count, sum and
 * sum of squares of the finite values.
 * @param data - values; NaN and +-Infinity are skipped
 * @param wantedRanks - ranks, each an integer >= 0 (ranks >= the finite count give NaN), or a function of the finite count that returns them
 * @returns statistics and one value per rank
 */
export function float32Ranks(data: Float32Array, wantedRanks: readonly number[] | ((finite: number) => readonly number[])): Float32RankResult {
  // int32 views and 16-bit halves keep the hot loops in small integers (a uint32 key above 2^31 is a
  // heap number in V8: computing such keys per value made these loops about 2x slower)
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const hiCounts = new Uint32Array(HALF);
  let finite = 0, sum = 0, sumSq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) continue;
    finite++;
    sum += v;
    sumSq += v * v;
    const b = bits[i];
    hiCounts[b < 0 ? ~b >>> 16 : (b >>> 16) | 0x8000]++;
  }
  const ranks = typeof wantedRanks === 'function' ? wantedRanks(finite) : wantedRanks;
  // the upper-16 bin of each rank and the rank inside that bin
  const wanted = ranks.map((r) => {
    if (!(Number.isInteger(r) && r >= 0)) throw new RangeError(`float32Ranks: rank ${r} is not a non-negative integer`);
    if (r >= finite) return null;
    let below = 0;
    for (let b = 0; b < HALF; b++) {
      if (below + hiCounts[b] > r) return { bin: b, inBin: r - below };
      below += hiCounts[b];
    }
    return null;
  });
  const bins = [...new Set(wanted.filter((w) => w !== null).map((w) => w.bin))];
  const loCounts = bins.map(() => new Uint32Array(HALF));
  const slotOfBin = new Int32Array(HALF).fill(-1);
  bins.forEach((b, s) => (slotOfBin[b] = s));
  if (bins.length > 0) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) continue;
      const b = bits[i];
      const s = slotOfBin[b < 0 ? ~b >>> 16 : (b >>> 16) | 0x8000];
      if (s >= 0) loCounts[s][b < 0 ? ~b & 0xffff : b & 0xffff]++;
    }
  }
  const values = wanted.map((w) => {
    if (w === null) return NaN;
    const counts = loCounts[bins.indexOf(w.bin)];
    let below = 0;
    for (let lo = 0; lo < HALF; lo++) {
      if (below + counts[lo] > w.inBin) return valueOfKey(((w.bin << 16) | lo) >>> 0);
      below += counts[lo];
    }
    return NaN;
  });
  return { finite, sum, sumSq, values };
}
