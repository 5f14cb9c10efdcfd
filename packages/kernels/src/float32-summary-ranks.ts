/**
 * The ranks a constant's printed summary asks float32Ranks for: the two middle ranks (equal for an
 * odd count; their mean is the median) and floor(q * (n - 1)) for each fraction q (p1, p99 ...).
 */

/**
 * @param n - finite values
 * @param fractions - fractions in [0, 1]
 * @returns [lower middle, upper middle, rank of each fraction], or [] when n is 0
 */
export function summaryRanks(n: number, fractions: readonly number[]): number[] {
  if (n === 0) return [];
  return [n % 2 ? n >>> 1 : (n >>> 1) - 1, n >>> 1, ...fractions.map((q) => Math.min(n - 1, Math.floor(q * (n - 1))))];
}
