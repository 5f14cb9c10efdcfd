/**
 * The pieces of float32Ranks that its JS and SIMD passes share: every finite float32 maps to a 32-bit key
 * that sorts like the number; a rank is found from the counts of the keys' upper 16 bits (which bin holds
 * it) and then of the lower 16 bits inside that bin.
 */

/** Bins of 16 key bits. */
export const HALF = 1 << 16;

/** A wanted rank's upper-16 bin and its rank among that bin's values. */
export interface RankInBin {
  /** Upper 16 key bits. */
  bin: number;
  /** Rank inside the bin (0 = its smallest value). */
  inBin: number;
}

/**
 * The ranks wanted, checked.
 * @param wantedRanks - ranks, or a function of the finite count that returns them
 * @param finite - finite values
 * @returns the ranks
 * @throws RangeError for a rank that is not a non-negative integer
 */
export function resolveRanks(wantedRanks: readonly number[] | ((finite: number) => readonly number[]), finite: number): readonly number[] {
  const ranks = typeof wantedRanks === 'function' ? wantedRanks(finite) : wantedRanks;
  for (const r of ranks) if (!(Number.isInteger(r) && r >= 0)) throw new RangeError(`float32Ranks: rank ${r} is not a non-negative integer`);
  return ranks;
}

/**
 * The bin of each rank from the upper-16 counts (null for a rank not below the finite count).
 * @param hiCounts - values per upper-16 bin (at least HALF entries)
 * @param ranks - ranks
 * @param finite - finite values
 * @returns per rank its bin and rank inside it, or null
 */
export function binsOfRanks(hiCounts: Uint32Array, ranks: readonly number[], finite: number): (RankInBin | null)[] {
  return ranks.map((r) => {
    if (r >= finite) return null;
    let below = 0;
    for (let b = 0; b < HALF; b++) {
      if (below + hiCounts[b] > r) return { bin: b, inBin: r - below };
      below += hiCounts[b];
    }
    return null;
  });
}

/**
 * The value of a rank from the lower-16 counts of its bin.
 * @param loCounts - values per lower-16 key of the bin (HALF entries)
 * @param w - the rank's bin and rank inside it
 * @returns the float32 value
 */
export function valueInBin(loCounts: Uint32Array, w: RankInBin): number {
  let below = 0;
  for (let lo = 0; lo < HALF; lo++) {
    if (below + loCounts[lo] > w.inBin) return valueOfKey(((w.bin << 16) | lo) >>> 0);
    below += loCounts[lo];
  }
  return NaN;
}

/** The float32 whose sortable key is `key`. */
function valueOfKey(key: number): number {
  const bits = (key & 0x80000000) !== 0 ? key & 0x7fffffff : ~key >>> 0;
  const u = new Uint32Array([bits >>> 0]);
  return new Float32Array(u.buffer)[0];
}
