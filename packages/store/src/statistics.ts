/** Summary statistics of a constant for `show`: range, mean, spread, NaNs, zeros, and value counts of flag arrays. */
import type { ConstantArray } from '@detcal/core';

/** Statistics of one constant. */
export interface ConstantStatistics {
  /** Number of values. */
  count: number;
  /** Smallest finite value (null when none). */
  min: number | null;
  /** Largest finite value (null when none). */
  max: number | null;
  /** Mean of finite values (null when none). */
  mean: number | null;
  /** Standard deviation of finite values (null when none). */
  std: number | null;
  /** NaN or infinite values. */
  nonFinite: number;
  /** Values equal to 0. */
  zeros: number;
  /** For integer arrays with at most 64 distinct values: each value and how often it occurs, most frequent first. */
  valueCounts?: Array<{ value: string; count: number }>;
}

const MAX_DISTINCT = 64;

/** Computes the statistics in one pass (two for integer value counts). */
export function constantStatistics(c: Pick<ConstantArray, 'dtype' | 'data'>): ConstantStatistics {
  const data = c.data as ArrayLike<number | bigint>;
  const n = data.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let finite = 0;
  let zeros = 0;
  // Shifted sums around the first finite value keep the variance accurate for large offsets.
  let shift: number | null = null;
  for (let i = 0; i < n; i++) {
    const v = Number(data[i]);
    if (!Number.isFinite(v)) continue;
    shift ??= v;
    const d = v - shift;
    finite++;
    sum += d;
    sumSq += d * d;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  const stats: ConstantStatistics = {
    count: n,
    min: finite ? min : null,
    max: finite ? max : null,
    mean: finite ? (shift as number) + sum / finite : null,
    std: finite ? Math.sqrt(Math.max(0, sumSq / finite - (sum / finite) ** 2)) : null,
    nonFinite: n - finite,
    zeros,
  };
  if (c.dtype[0] !== 'f') {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = String(data[i]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.size > MAX_DISTINCT) break;
    }
    if (counts.size <= MAX_DISTINCT) {
      stats.valueCounts = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || Number(a.value) - Number(b.value));
    }
  }
  return stats;
}
