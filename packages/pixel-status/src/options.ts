/**
 * Options of `detcal pixel-status` with the defaults of LCLS det_pixel_status
 * (lcls-psana/Detector app/det_pixel_status), and the parsers of their text forms
 * ("1,2,3", "15,15", "0o37777").
 */
import { DetcalError } from '@detcal/core';

/** Features det_pixel_status implements: 1 good frames, 2 mean, 3 std, 6 plane-fit residuals, 11 max - pedestals. */
export type Feature = 1 | 2 | 3 | 6 | 11;

/** Every implemented feature, in evaluation order. */
export const FEATURES: readonly Feature[] = [1, 2, 3, 6, 11];

/** Calibration types the status is saved as, by the features that made it. */
export type StatusCtype = 'status_dark' | 'status_light' | 'status_max';

/** Defaults of det_pixel_status. */
export const PIXEL_STATUS_DEFAULTS = {
  /** Most events (frames) read in total, skipped ones included. */
  events: 1000,
  /** Events skipped at the start. */
  evskip: 0,
  /** Most records (frames) held for features 1, 2, 3 and 6. */
  nrecs: 1000,
  /** Segment (module) index. */
  segind: 0,
  /** Window of the feature-6 plane fit, rows x cols. */
  shwind: [15, 15] as readonly [number, number],
  /** Half-width of the good range in spreads. */
  snrmax: 8,
  /** Bits of the raw value that hold the intensity (14 bits). */
  databits: 0o37777,
  /** Bits of the raw value that hold the gain stage (accepted and recorded; det_pixel_status does not use them). */
  gainbits: 0,
  /** Features evaluated. */
  features: [1, 2, 3] as readonly Feature[],
} as const;

/**
 * Parses a feature list: "1,2,3", "1,6", "11," (trailing comma as det_pixel_status accepts), "1 6".
 * @param text - comma or space separated feature numbers
 * @returns the features, sorted, without repeats
 */
export function parseFeatures(text: string): Feature[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new DetcalError('BAD_INPUT', `--features '${text}': give a comma-separated list of features, e.g. 1,2,3 (dark), 1,6 (light) or 11 (max)`);
  const out = new Set<Feature>();
  for (const p of parts) {
    const n = Number(p);
    if (n === 4 || n === 5) throw new DetcalError('BAD_INPUT', `--features ${p}: features 4 and 5 (gain-stage indicator) are not implemented, as in det_pixel_status; use 1,2,3, 6 or 11`);
    if (!FEATURES.includes(n as Feature)) throw new DetcalError('BAD_INPUT', `--features: unknown feature '${p}'; use 1 (good frames), 2 (mean), 3 (std), 6 (plane-fit residuals), 11 (max - pedestals)`);
    out.add(n as Feature);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Parses the feature-6 window "rows,cols" (e.g. "15,15"); both at least 2 (a plane needs 2 points per axis).
 * @param text - two whole numbers separated by a comma
 * @returns [rows, cols] of the window in pixels
 */
export function parseWindow(text: string): [number, number] {
  const parts = text.split(/[\s,x]+/).filter(Boolean).map(Number);
  if (parts.length !== 2 || parts.some((v) => !Number.isInteger(v) || v < 2)) {
    throw new DetcalError('BAD_INPUT', `--shwind '${text}': give the window as rows,cols with both at least 2, e.g. 15,15`);
  }
  return [parts[0], parts[1]];
}

/**
 * Parses a bit mask given as decimal (16383), octal (0o37777) or hex (0x3fff).
 * @param text - the mask
 * @param flag - flag name for the error message
 * @returns the mask, 0 .. 2^32 - 1
 */
export function parseBits(text: string, flag: string): number {
  const t = text.trim();
  const v = /^(0o[0-7]+|0x[0-9a-f]+|0b[01]+|\d+)$/i.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new DetcalError('BAD_INPUT', `${flag ? `${flag} ` : ''}'${text}': give a bit mask as a number, e.g. 16383, 0o37777 or 0x3fff (at most 32 bits)`);
  }
  return v;
}

/** Octal text of a bit or mask as Python's oct() writes it ("0o37777"). */
export function octal(value: number): string {
  return `0o${value.toString(8)}`;
}

/**
 * The ctype det_pixel_status saves under when --ctype is not given: status_light with feature 6,
 * else status_max with feature 11, else status_dark.
 * @param features - requested features
 */
export function defaultCtype(features: readonly number[]): StatusCtype {
  if (features.includes(6)) return 'status_light';
  if (features.includes(11)) return 'status_max';
  return 'status_dark';
}
