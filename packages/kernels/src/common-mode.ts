/**
 * Median common-mode correction (psana UtilsCommonMode / ImgAlgos CommonModeCorrection algorithms
 * 3, 4, 7, 8): for each group of pixels read out together (a row segment, a column segment or a
 * whole bank), the median of the good pixels is the common mode; it is subtracted from the good
 * pixels only. A group is left alone (correction 0) when it has no more than `minPixels` good
 * pixels (psana: npix > npix_min) or when |cm| >= maxCorrAdu (psana: |cm| < cormax).
 * Good = mask 0 and not NaN. Detector plugins pass their bank geometry; presets below.
 */
import { DetcalError, ensure } from '@detcal/core';
import type { FloatArray } from './compute-backend.js';
import { medianInPlace } from './quickselect.js';

/** Pixels of a frame read out together, along one axis. */
export interface CommonModeGroups {
  /** 'row': segments of a row (group image rows x ceil(cols / length)); 'col': segments of a column (ceil(rows / length) x cols). */
  axis: 'row' | 'col';
  /** Pixels per segment (default: the whole row / column); a last shorter segment is its own group. */
  length?: number;
}

/** Limits of the median common mode. */
export interface CommonModeOptions {
  /** A group needs more than this many good pixels to be corrected (psana npix_min; default 10). */
  minPixels?: number;
  /** Skip a group when |cm| >= this, ADU (psana cormax; default Infinity = no limit). */
  maxCorrAdu?: number;
  /** Work buffer, overwritten (avoids an allocation per call): at least the largest group; column groups use up to 64 x their length. */
  scratch?: Float64Array;
}

/** Result of one common-mode pass. */
export interface CommonModeResult {
  /** Groups in the pass. */
  groups: number;
  /** Groups whose common mode was subtracted. */
  corrected: number;
}

/**
 * Number of groups commonModeRowMedian produces for a frame (the length `out` must have).
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param groups - axis and segment length (pixels)
 * @returns rows * ceil(cols / length) for 'row', ceil(rows / length) * cols for 'col'
 */
export function commonModeGroupCount(rows: number, cols: number, groups: CommonModeGroups): number {
  const length = groups.length ?? (groups.axis === 'row' ? cols : rows);
  return groups.axis === 'row' ? rows * Math.ceil(cols / length) : Math.ceil(rows / length) * cols;
}

function checkFrame(frame: FloatArray, rows: number, cols: number, mask: Uint8Array | undefined, what: string): void {
  ensure(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0, `${what}: rows and cols must be positive integers, got ${rows} x ${cols}`);
  if (frame.length !== rows * cols) throw new DetcalError('SHAPE_MISMATCH', `${what}: frame has ${frame.length} values, expected ${rows} x ${cols}`);
  if (mask && mask.length !== rows * cols) throw new DetcalError('SHAPE_MISMATCH', `${what}: mask has ${mask.length} values, expected ${rows} x ${cols}`);
}

/**
 * Gathers the good pixels of the strided group, takes their median, subtracts it from them.
 * @returns the correction applied, NaN when the group was skipped
 */
function correctGroup(
  frame: FloatArray, mask: Uint8Array | undefined, start: number, n: number, stride: number,
  minPixels: number, maxCorr: number, scratch: Float64Array,
): number {
  let good = 0;
  for (let i = 0, k = start; i < n; i++, k += stride) {
    const v = frame[k];
    if (v === v && (mask === undefined || mask[k] === 0)) scratch[good++] = v;
  }
  if (good <= minPixels) return NaN;
  const cm = medianInPlace(scratch, 0, good);
  if (!(Math.abs(cm) < maxCorr)) return NaN;
  for (let i = 0, k = start; i < n; i++, k += stride) {
    if (mask === undefined || mask[k] === 0) frame[k] -= cm;
  }
  return cm;
}

/** Columns corrected together: their segments are gathered row by row (contiguous reads) into the scratch. */
const COLUMN_TILE = 64;

/**
 * Column-segment medians, COLUMN_TILE columns at a time so the frame is read and written along rows.
 * @returns the number of groups corrected
 */
function correctColumns(
  frame: FloatArray, rows: number, cols: number, length: number, mask: Uint8Array | undefined,
  minPixels: number, maxCorr: number, scratchIn: Float64Array | undefined, out: FloatArray | undefined,
): number {
  const len = Math.min(length, rows);
  const tile = scratchIn && scratchIn.length >= len ? Math.min(COLUMN_TILE, Math.floor(scratchIn.length / len)) : COLUMN_TILE;
  const scratch = scratchIn && scratchIn.length >= len ? scratchIn : new Float64Array(len * tile);
  const good = new Int32Array(tile);
  const cm = new Float64Array(tile);
  let corrected = 0;
  for (let r0 = 0, s = 0; r0 < rows; r0 += length, s++) {
    const r1 = Math.min(rows, r0 + length);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const w = Math.min(tile, cols - c0);
      good.fill(0);
      for (let r = r0; r < r1; r++) {
        for (let t = 0, k = r * cols + c0; t < w; t++, k++) {
          const v = frame[k];
          if (v === v && (mask === undefined || mask[k] === 0)) scratch[t * len + good[t]++] = v;
        }
      }
      for (let t = 0; t < w; t++) {
        let c = NaN;
        if (good[t] > minPixels) {
          c = medianInPlace(scratch, t * len, t * len + good[t]);
          if (!(Math.abs(c) < maxCorr)) c = NaN;
        }
        cm[t] = c;
        if (c === c) corrected++;
        if (out) out[s * cols + c0 + t] = c === c ? c : 0;
      }
      for (let r = r0; r < r1; r++) {
        for (let t = 0, k = r * cols + c0; t < w; t++, k++) {
          const c = cm[t];
          if (c === c && (mask === undefined || mask[k] === 0)) frame[k] -= c;
        }
      }
    }
  }
  return corrected;
}

/**
 * Row / column median common mode, subtracted in place from the good pixels.
 * @param frame - one frame, row-major (rows * cols), ADU after offset subtraction; corrected in place
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param groups - axis and segment length of the groups (e.g. { axis: 'row', length: 96 } = rows of one ePix100 bank)
 * @param mask - 1 = exclude from the median and from the correction (same shape as frame); NaN pixels are always excluded
 * @param opts - minPixels (default 10), maxCorrAdu (default Infinity), scratch
 * @param out - common mode applied per group, ADU (0 where skipped), length commonModeGroupCount(); group image row-major
 * @returns number of groups and of groups corrected
 */
export function commonModeRowMedian(
  frame: FloatArray,
  rows: number,
  cols: number,
  groups: CommonModeGroups,
  mask?: Uint8Array,
  opts: CommonModeOptions = {},
  out?: FloatArray,
): CommonModeResult {
  checkFrame(frame, rows, cols, mask, 'commonModeRowMedian');
  const along = groups.axis === 'row' ? cols : rows;
  const length = groups.length ?? along;
  ensure(Number.isInteger(length) && length > 0, `commonModeRowMedian: group length must be a positive integer, got ${length}`);
  const nGroups = commonModeGroupCount(rows, cols, groups);
  if (out && out.length !== nGroups) throw new DetcalError('SHAPE_MISMATCH', `commonModeRowMedian: out has ${out.length} values, expected ${nGroups} groups`);
  const minPixels = opts.minPixels ?? 10;
  const maxCorr = opts.maxCorrAdu ?? Infinity;
  const nSeg = Math.ceil(along / length);
  let corrected = 0;
  if (groups.axis === 'row') {
    const scratch = opts.scratch && opts.scratch.length >= Math.min(length, along) ? opts.scratch : new Float64Array(Math.min(length, along));
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < nSeg; s++) {
        const c0 = s * length;
        const cm = correctGroup(frame, mask, r * cols + c0, Math.min(length, cols - c0), 1, minPixels, maxCorr, scratch);
        if (cm === cm) corrected++;
        if (out) out[r * nSeg + s] = cm === cm ? cm : 0;
      }
    }
  } else {
    corrected = correctColumns(frame, rows, cols, length, mask, minPixels, maxCorr, opts.scratch, out);
  }
  return { groups: nGroups, corrected };
}

/** Bank (ASIC / readout block) shape of a detector, in pixels; banks tile the frame. */
export interface BankShape {
  /** Rows of one bank. */
  bankRows: number;
  /** Columns of one bank. */
  bankCols: number;
}

/**
 * One pass of a banked correction: 'bank' = median of each whole bank; 'row' = each row inside a
 * bank (bankCols pixels); 'col' = each column inside a bank (bankRows pixels); or explicit groups.
 */
export type CommonModePass = 'bank' | 'row' | 'col' | CommonModeGroups;

/** ePix100: 704 x 768 frame, 16 banks of 352 x 96 (psana algorithm 4: bits 1 banks, 2 rows, 4 columns). */
export const EPIX100_BANKS: BankShape = { bankRows: 352, bankCols: 96 };

/** Jungfrau: 512 x 1024 module, banks of 256 x 64 (psana algorithm 7). */
export const JUNGFRAU_BANKS: BankShape = { bankRows: 256, bankCols: 64 };

/** ePix10ka: banks of 176 x 48 (psana algorithm 7). */
export const EPIX10KA_BANKS: BankShape = { bankRows: 176, bankCols: 48 };

/** pnCCD: 1024 x 1024, banks of 512 x 128 (psana algorithm 8: rows of 128 px = 'row'; full rows of a half = { axis: 'row', length: 512 }). */
export const PNCCD_BANKS: BankShape = { bankRows: 512, bankCols: 128 };

/**
 * Median of each whole bank, subtracted from its good pixels.
 * @returns the correction applied, NaN when the bank was skipped
 */
function correctBank(
  frame: FloatArray, mask: Uint8Array | undefined, cols: number, r0: number, c0: number, bank: BankShape,
  minPixels: number, maxCorr: number, scratch: Float64Array,
): number {
  let good = 0;
  for (let r = r0; r < r0 + bank.bankRows; r++) {
    for (let k = r * cols + c0, end = k + bank.bankCols; k < end; k++) {
      const v = frame[k];
      if (v === v && (mask === undefined || mask[k] === 0)) scratch[good++] = v;
    }
  }
  if (good <= minPixels) return NaN;
  const cm = medianInPlace(scratch, 0, good);
  if (!(Math.abs(cm) < maxCorr)) return NaN;
  for (let r = r0; r < r0 + bank.bankRows; r++) {
    for (let k = r * cols + c0, end = k + bank.bankCols; k < end; k++) {
      if (mask === undefined || mask[k] === 0) frame[k] -= cm;
    }
  }
  return cm;
}

/**
 * Banked median common mode: the passes run in order on the same frame (e.g. ['bank', 'row'] or
 * ePix100 mode 6 = ['row', 'col']), each subtracting its medians from the good pixels in place.
 * @param frame - one frame, row-major (rows * cols), ADU after offset subtraction; corrected in place
 * @param rows - rows of the frame (a multiple of bank.bankRows)
 * @param cols - columns of the frame (a multiple of bank.bankCols)
 * @param bank - bank shape of the detector (EPIX100_BANKS, PNCCD_BANKS, ... or the plugin's own)
 * @param passes - the passes, in order
 * @param mask - 1 = exclude (same shape as frame); NaN pixels are always excluded
 * @param opts - minPixels (default 10), maxCorrAdu (default Infinity), scratch
 * @param out - per pass, the common mode applied per group, ADU (bank pass: banks row-major; others as commonModeRowMedian)
 * @returns per pass, the number of groups and of groups corrected
 */
export function commonModeBanked(
  frame: FloatArray,
  rows: number,
  cols: number,
  bank: BankShape,
  passes: readonly CommonModePass[],
  mask?: Uint8Array,
  opts: CommonModeOptions = {},
  out?: Array<FloatArray | undefined>,
): CommonModeResult[] {
  checkFrame(frame, rows, cols, mask, 'commonModeBanked');
  ensure(
    Number.isInteger(bank.bankRows) && Number.isInteger(bank.bankCols) && bank.bankRows > 0 && bank.bankCols > 0 &&
      rows % bank.bankRows === 0 && cols % bank.bankCols === 0,
    `commonModeBanked: banks of ${bank.bankRows} x ${bank.bankCols} do not tile a ${rows} x ${cols} frame`,
    'SHAPE_MISMATCH',
  );
  const minPixels = opts.minPixels ?? 10;
  const maxCorr = opts.maxCorrAdu ?? Infinity;
  const need = Math.max(bank.bankRows * bank.bankCols, rows, cols);
  const scratch = opts.scratch && opts.scratch.length >= need ? opts.scratch : new Float64Array(need);
  const results: CommonModeResult[] = [];
  passes.forEach((pass, i) => {
    const o = out?.[i];
    if (pass === 'bank') {
      const nbr = rows / bank.bankRows, nbc = cols / bank.bankCols;
      if (o && o.length !== nbr * nbc) throw new DetcalError('SHAPE_MISMATCH', `commonModeBanked: out[${i}] has ${o.length} values, expected ${nbr * nbc} banks`);
      let corrected = 0;
      for (let br = 0; br < nbr; br++) {
        for (let bc = 0; bc < nbc; bc++) {
          const cm = correctBank(frame, mask, cols, br * bank.bankRows, bc * bank.bankCols, bank, minPixels, maxCorr, scratch);
          if (cm === cm) corrected++;
          if (o) o[br * nbc + bc] = cm === cm ? cm : 0;
        }
      }
      results.push({ groups: nbr * nbc, corrected });
    } else {
      const groups: CommonModeGroups =
        pass === 'row' ? { axis: 'row', length: bank.bankCols } : pass === 'col' ? { axis: 'col', length: bank.bankRows } : pass;
      results.push(commonModeRowMedian(frame, rows, cols, groups, mask, { minPixels, maxCorrAdu: maxCorr, scratch }, o));
    }
  });
  return results;
}
