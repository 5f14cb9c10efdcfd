/** A histogram printed in the terminal: bin edges, counts and bars, for choosing an interval by eye. */

/**
 * Formats values as a text histogram between their 0.5th and 99.5th percentiles (values beyond are
 * counted in an underflow and an overflow line).
 * @param values - finite values
 * @param bins - number of bins (default 20)
 * @param width - characters of the longest bar (default 50)
 * @returns the lines to print
 */
export function formatTextHistogram(values: Float64Array, bins = 20, width = 50): string[] {
  if (values.length === 0) return ['(no values left to histogram)'];
  const s = Float64Array.from(values).sort();
  const q = (f: number): number => s[Math.min(s.length - 1, Math.max(0, Math.round(f * (s.length - 1))))];
  let lo = q(0.005), hi = q(0.995);
  if (!(hi > lo)) {
    lo = s[0];
    hi = s[s.length - 1] > lo ? s[s.length - 1] : lo + 1;
  }
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let under = 0, over = 0;
  for (const v of s) {
    if (v < lo) under++;
    else if (v > hi) over++;
    else counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  const max = Math.max(...counts, 1);
  const fmt = (v: number): string => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(3) : v.toFixed(Math.abs(v) >= 100 ? 1 : 4));
  const edges = counts.map((_, i) => `[${fmt(lo + i * w)}, ${fmt(lo + (i + 1) * w)}${i === bins - 1 ? ']' : ')'}`);
  const pad = Math.max(...edges.map((e) => e.length));
  const cpad = String(Math.max(max, under, over)).length;
  const lines = [`${s.length} values, median ${fmt(q(0.5))}, min ${fmt(s[0])}, max ${fmt(s[s.length - 1])}`];
  if (under) lines.push(`${`< ${fmt(lo)}`.padEnd(pad)}  ${String(under).padStart(cpad)}`);
  counts.forEach((c, i) => lines.push(`${edges[i].padEnd(pad)}  ${String(c).padStart(cpad)} ${'#'.repeat(Math.round((c / max) * width))}`));
  if (over) lines.push(`${`> ${fmt(hi)}`.padEnd(pad)}  ${String(over).padStart(cpad)}`);
  return lines;
}
