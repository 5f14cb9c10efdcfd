/** Axis ticks at "nice" numbers (1, 2, 5 x 10^k) and their labels. */

/** Ticks of an axis: positions and the labels printed at them. */
export interface Ticks {
  /** Tick values, ascending, all inside [min, max]. */
  values: number[];
  /** Distance between ticks. */
  step: number;
  /** Printed labels, one per value. */
  labels: string[];
}

/** The nice step (1, 2, 2.5 or 5 x 10^k) that splits a span into at most maxCount intervals. */
export function niceStep(span: number, maxCount: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxCount);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** Ticks at multiples of a nice step inside [min, max], at most about maxCount + 1 of them. */
export function niceTicks(min: number, max: number, maxCount = 5, integer = false): Ticks {
  let step = niceStep(max - min, maxCount);
  if (integer) step = Math.max(1, Math.round(step));
  const values: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let k = first; k * step <= max + step * 1e-9; k++) values.push(k * step === 0 ? 0 : k * step);
  return { values, step, labels: values.map((v) => formatTick(v, step)) };
}

/** Ticks at powers of ten in [min, max] (min > 0) for a logarithmic axis. */
export function decadeTicks(min: number, max: number): Ticks {
  const values: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); 10 ** e <= max * (1 + 1e-9); e++) values.push(10 ** e);
  return { values, step: 10, labels: values.map((v) => formatTick(v, v)) };
}

/** A tick label: as many decimals as the step needs; 1e6-style exponents for very large or small values. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = value / 10 ** e;
    const digits = Math.max(0, Math.min(3, Math.ceil(-Math.log10(Math.abs(step / 10 ** e)) + 1e-9)));
    return `${m.toFixed(digits).replace(/\.?0+$/, '')}e${e}`;
  }
  return value.toFixed(stepDecimals(step));
}

/** Decimals that print every multiple of a step exactly (2.5 -> 1, 0.02 -> 2, 50 -> 0), at most 6. */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 6; d++) {
    const scaled = Math.abs(step) * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 6;
}

/** A value with about `digits` significant digits for legends and subtitles (no exponent between 1e-3 and 1e6). */
export function formatValue(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-3) return value.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  const text = value.toFixed(Math.min(decimals, 6));
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
