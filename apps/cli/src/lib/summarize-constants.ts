/** Printed / JSON summary of a ConstantSet: per constant and gain stage the median and spread, per bad-pixel bit the count. */
import { BadPixel, DarkStatus, PixelStatus, countFlags, leadsWithGainAxis, sizeOf, type ConstantArray, type ConstantLayout, type ConstantSet } from '@detcal/core';
import { forEachConstantSlab } from '@detcal/hdf5';
import { Float32RanksPool, float32Ranks, nanMedian, selectInPlace, summaryRanks, type Float32RankResult } from '@detcal/kernels';
import { formatTable } from './format-table.js';

/** Statistics of one slice (one gain stage, or the whole constant). */
export interface SliceSummary {
  /** Constant name. */
  name: string;
  /** Gain stage index, or null when the constant has no gain axis. */
  gain: number | null;
  /** Unit of the values. */
  unit: string;
  /** Median of the finite values. */
  median: number;
  /** Standard deviation of the finite values. */
  std: number;
  /** 1st and 99th percentile of the finite values. */
  p1: number;
  p99: number;
  /** Non-finite values. */
  nonFinite: number;
  /** Values in the slice. */
  values: number;
}

/** Bad-pixel bit counts of one slice. */
export interface FlagSummary {
  /** Constant name. */
  name: string;
  /** Gain stage index, or null. */
  gain: number | null;
  /** Values in the slice. */
  values: number;
  /** Values with any bit set. */
  bad: number;
  /** Per bit that occurs: name, count, percent. */
  bits: Array<{ name: string; value: number; count: number; percent: number }>;
}

/** Summary of a whole ConstantSet. */
export interface ConstantSetSummary {
  /** Statistics of the numeric constants. */
  values: SliceSummary[];
  /** Bit counts of the flag constants. */
  flags: FlagSummary[];
}

function slices(c: ConstantArray): Array<{ gain: number | null; data: ArrayLike<number> }> {
  const gainAxis = leadsWithGainAxis(c) ? 0 : -1;
  const data = c.data as unknown as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
  if (gainAxis < 0 || c.shape[0] === 1) return [{ gain: gainAxis < 0 ? null : 0, data }];
  const n = sizeOf(c.shape.slice(1));
  return Array.from({ length: c.shape[0] }, (_, g) => ({ gain: g, data: data.subarray(g * n, (g + 1) * n) }));
}

function isFlagConstant(c: ConstantLayout): boolean {
  return /^BadPixels|status|mask/i.test(c.name) && (c.dtype === 'u4' || c.dtype === 'u8' || c.dtype === 'u1');
}

/** The value at rank floor(q * (n - 1)) of the finite values, as in a sorted copy; reorders `vals` (quickselect: O(n), no sort). */
function percentile(vals: Float64Array, q: number): number {
  return vals.length ? selectInPlace(vals, Math.min(vals.length - 1, Math.floor(q * (vals.length - 1)))) : NaN;
}

type Stats = Pick<SliceSummary, 'median' | 'std' | 'p1' | 'p99' | 'nonFinite'>;


/** The percentiles of a summary besides the median: p1 and p99. */
const SUMMARY_FRACTIONS = [0.01, 0.99];

/** Statistics of `length` values from their float32Ranks at summaryRanks(n, SUMMARY_FRACTIONS). */
function statsOfRanks(r: Float32RankResult, length: number): Stats {
  const n = r.finite;
  if (n === 0) return { median: NaN, std: NaN, p1: NaN, p99: NaN, nonFinite: length };
  const mean = r.sum / n;
  return { median: (r.values[0] + r.values[1]) / 2, std: Math.sqrt(Math.max(0, r.sumSq / n - mean * mean)), p1: r.values[2], p99: r.values[3], nonFinite: length - n };
}

/** Statistics of a float32 slice by exact two-pass radix selection (no copy, no sort). */
function float32Summary(data: Float32Array): Stats {
  return statsOfRanks(float32Ranks(data, (n) => summaryRanks(n, SUMMARY_FRACTIONS)), data.length);
}

/** Statistics of any other numeric slice through a float64 copy of its finite values (sums in float32Ranks's order: four partial sums by position modulo 4). */
function genericSummary(data: ArrayLike<number>): Stats {
  const finite = new Float64Array(data.length);
  const s = [0, 0, 0, 0], q = [0, 0, 0, 0];
  let k = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      finite[k++] = v;
      s[i & 3] += v;
      q[i & 3] += v * v;
    }
  }
  const sum = (s[0] + s[1]) + (s[2] + s[3]), sum2 = (q[0] + q[1]) + (q[2] + q[3]);
  const vals = finite.subarray(0, k);
  const mean = sum / k;
  const median = nanMedian(vals);
  return { median, std: Math.sqrt(Math.max(0, sum2 / k - mean * mean)), p1: percentile(vals, 0.01), p99: percentile(vals, 0.99), nonFinite: data.length - k };
}

/** Adds one slice of a constant (a gain stage, or the whole constant) to a summary. */
function addSlice(out: ConstantSetSummary, c: ConstantLayout, gain: number | null, data: ArrayLike<number | bigint>): void {
  if (data instanceof BigUint64Array) {
    out.flags.push(flagSummary(c.name, gain, Float64Array.from(data, (v) => Number(v))));
    return;
  }
  const values = data as ArrayLike<number>;
  if (isFlagConstant(c)) {
    out.flags.push(flagSummary(c.name, gain, values));
    return;
  }
  const st = values instanceof Float32Array ? float32Summary(values) : genericSummary(values);
  out.values.push({ name: c.name, gain, unit: c.unit, ...st, values: values.length });
}

/** Summarises every constant of a set. */
export function summarizeConstants(set: ConstantSet): ConstantSetSummary {
  const out: ConstantSetSummary = { values: [], flags: [] };
  for (const c of Object.values(set.constants)) {
    for (const s of slices(c)) addSlice(out, c, s.gain, s.data);
  }
  return out;
}

/** Float32 slabs ranked on the workers at once, at most (each is a gain stage of a constant: 92 MB on a 352-cell module). */
const SLABS_IN_FLIGHT = 2;

/**
 * Summarises the constants of a file (detcal layout; `names` in this order, default all) reading one gain
 * stage of one constant at a time: the summary summarizeConstants gives for the set. With threads > 1 the
 * float32 slabs are ranked on worker threads while the next slab is read (the exact ranks of a 352-cell
 * set took ~2.7 s on the main thread).
 * @param file - the constants file
 * @param names - constants to summarize, in this order (default all)
 * @param threads - worker threads for the float32 ranks (1: this thread)
 * @returns the summary
 */
export async function summarizeConstantsFile(file: string, names?: readonly string[], threads = 1): Promise<ConstantSetSummary> {
  const out: ConstantSetSummary = { values: [], flags: [] };
  const pool = threads > 1 ? new Float32RanksPool(threads) : undefined;
  const ranked: Array<Promise<void>> = [];
  const inFlight = new Set<Promise<void>>();
  try {
    await forEachConstantSlab(
      file,
      async (c, index, data) => {
        const gain = index ?? (leadsWithGainAxis(c) ? 0 : null);
        if (!pool || !(data instanceof Float32Array) || isFlagConstant(c)) {
          addSlice(out, c, gain, data);
          return;
        }
        // keep the summary's order: the slot is taken now, filled when the workers answer
        const slot = out.values.push({ name: c.name, gain, unit: c.unit, median: NaN, std: NaN, p1: NaN, p99: NaN, nonFinite: 0, values: data.length }) - 1;
        const n = data.length;
        const job: Promise<void> = pool.ranks(data, SUMMARY_FRACTIONS).then((r) => {
          Object.assign(out.values[slot], statsOfRanks(r, n));
          inFlight.delete(job);
        });
        job.catch(() => undefined); // a failure surfaces through the race or Promise.all below
        ranked.push(job);
        inFlight.add(job);
        while (inFlight.size >= SLABS_IN_FLIGHT) await Promise.race(inFlight);
      },
      names,
    );
    await Promise.all(ranked);
  } finally {
    await pool?.close();
  }
  return out;
}

/** The flag set a constant's bits belong to: LCLS dark status, det_pixel_status bits, or EuXFEL BadPixels. */
function flagSetOf(name: string): Record<string, string | number> {
  if (name === 'pixel_status') return DarkStatus;
  if (name.startsWith('status_')) return PixelStatus;
  return BadPixel;
}

function flagSummary(name: string, gain: number | null, data: ArrayLike<number>): FlagSummary {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) bad++;
  const bits = countFlags(flagSetOf(name), data)
    .filter((b) => b.count > 0)
    .map((b) => ({ name: b.name, value: b.value, count: b.count, percent: (100 * b.count) / data.length }));
  return { name, gain, values: data.length, bad, bits };
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4)) : String(v));

/** Human text of a summary; gain stages named by the detector. */
export function formatSummary(s: ConstantSetSummary, gainNames: readonly string[]): string {
  const g = (i: number | null): string => (i === null ? '-' : (gainNames[i] ?? String(i)));
  const lines: string[] = [];
  lines.push(
    formatTable(
      ['constant', 'gain', 'median', 'std', 'p1 .. p99', 'unit', 'NaN'],
      s.values.map((v) => [v.name, v.name === 'ThresholdsDark' ? ['HG/MG', 'MG/LG'][v.gain ?? 0] : g(v.gain), fmt(v.median), fmt(v.std), `${fmt(v.p1)} .. ${fmt(v.p99)}`, v.unit, v.nonFinite]),
    ),
  );
  for (const f of s.flags) {
    lines.push('');
    lines.push(`${f.name}${f.gain === null ? '' : ` (${g(f.gain)} gain)`}: ${f.bad} of ${f.values} values flagged (${((100 * f.bad) / f.values).toFixed(3)}%)`);
    for (const b of f.bits) lines.push(`  ${b.name.padEnd(26)} ${String(b.count).padStart(9)}  ${b.percent.toFixed(3)}%`);
  }
  return lines.join('\n');
}
