/**
 * Confidence intervals on constants (AGIPD seed createMask): the values of a constant over the
 * (cell, pixel) pairs not yet masked are histogrammed; pairs whose value lies outside [lo, hi] (or
 * is NaN) in any plane of the constant (gain stage, threshold ...) are masked. A constant maps onto
 * the mask by its dims: 'row' and 'col' (the frame), 'cell' when it has one (else it applies to
 * every cell), any other axis is a plane.
 */
import { BadPixel, DetcalError, type ConstantArray } from '@detcal/core';
import type { MaskExtent } from './mask-shapes.js';

/** How the elements of a constant map onto mask (cell, pixel) indices. */
interface ElementMap {
  /** Element count. */
  n: number;
  /** Mask index of element i. */
  maskIndex(i: number): number;
  /** Cells the constant covers (1 = broadcast to every cell). */
  cells: number;
  /** Whether element i belongs to the selected plane (always true without a selection). */
  inPlane(i: number): boolean;
}

function elementMap(c: ConstantArray, extent: MaskExtent, planeIndex?: number): ElementMap {
  const dims = c.dims;
  const ri = dims.indexOf('row'), ci = dims.indexOf('col'), ki = dims.indexOf('cell');
  if (ri < 0 || ci < 0) throw new DetcalError('BAD_INPUT', `constant ${c.name} has dims [${dims}]: a mask interval needs 'row' and 'col' axes`);
  if (c.shape[ri] !== extent.rows || c.shape[ci] !== extent.cols) {
    throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name}: frame ${c.shape[ri]} x ${c.shape[ci]} (row x col), the mask is ${extent.rows} x ${extent.cols}`);
  }
  const cells = ki < 0 ? 1 : c.shape[ki];
  if (ki >= 0 && cells !== extent.cells) throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name} has ${cells} memory cells, the mask ${extent.cells} (--cells)`);
  const strides = c.shape.map((_, a) => c.shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const plane = extent.rows * extent.cols;
  const n = c.shape.reduce((a, b) => a * b, 1);
  const sr = strides[ri], sc = strides[ci], sk = ki < 0 ? 0 : strides[ki];
  // The plane axis: the first axis that is not row, col or cell (gain, threshold ...).
  const pa = dims.findIndex((d) => d !== 'row' && d !== 'col' && d !== 'cell');
  if (planeIndex !== undefined && (pa < 0 || !(planeIndex >= 0 && planeIndex < c.shape[pa]))) {
    throw new DetcalError('BAD_INPUT', `${c.name}[${planeIndex}]: ${pa < 0 ? `dims [${dims}] have no plane axis (gain ...)` : `axis ${dims[pa]} has ${c.shape[pa]} entries`}`);
  }
  const sp = pa < 0 ? 1 : strides[pa], np = pa < 0 ? 1 : c.shape[pa];
  return {
    n,
    cells,
    inPlane: (i) => planeIndex === undefined || Math.floor(i / sp) % np === planeIndex,
    maskIndex: (i) => {
      const r = Math.floor(i / sr) % extent.rows, col = Math.floor(i / sc) % extent.cols, k = ki < 0 ? 0 : Math.floor(i / sk) % cells;
      return k * plane + r * extent.cols + col;
    },
  };
}

/**
 * Values of the constant at (cell, pixel) pairs not yet masked (finite values only). A constant
 * without a cell axis contributes each pixel once if any of its cells is unmasked.
 * @param c - the constant, detcal axis order
 * @param extent - cells, rows, columns of the mask
 * @param mask - current mask (cells * rows * cols), 1 = masked
 * @param planeIndex - only this index of the plane axis (the first axis other than row, col, cell: gain ...)
 * @returns the values to histogram
 */
export function unmaskedValues(c: ConstantArray, extent: MaskExtent, mask: Uint8Array, planeIndex?: number): Float64Array {
  const m = elementMap(c, extent, planeIndex);
  const plane = extent.rows * extent.cols;
  const data = c.data as ArrayLike<number>;
  const out: number[] = [];
  for (let i = 0; i < m.n; i++) {
    const v = Number(data[i]);
    if (v !== v || !m.inPlane(i)) continue;
    const j = m.maskIndex(i);
    let open = mask[j] === 0;
    if (m.cells === 1 && extent.cells > 1) {
      open = false;
      for (let k = 0; k < extent.cells && !open; k++) open = mask[k * plane + j] === 0;
    }
    if (open) out.push(v);
  }
  return Float64Array.from(out);
}

/**
 * Masks (cell, pixel) pairs not yet masked whose value lies outside [lo, hi] (VALUE_OUT_OF_RANGE) or
 * is NaN (VALUE_IS_NAN) in any plane of the constant.
 * @param c - the constant, detcal axis order
 * @param extent - cells, rows, columns of the mask
 * @param lo - lower limit (inclusive; -Infinity for none)
 * @param hi - upper limit (inclusive; Infinity for none)
 * @param mask - mask (cells * rows * cols), updated
 * @param flags - BadPixels flags per (cell, pixel), updated
 * @param planeIndex - only this index of the plane axis (e.g. gain stage 0); every plane when missing
 * @returns pairs newly masked
 */
export function applyInterval(c: ConstantArray, extent: MaskExtent, lo: number, hi: number, mask: Uint8Array, flags: Uint32Array, planeIndex?: number): number {
  const m = elementMap(c, extent, planeIndex);
  const plane = extent.rows * extent.cols;
  const data = c.data as ArrayLike<number>;
  const hit = new Uint32Array(mask.length);
  for (let i = 0; i < m.n; i++) {
    if (!m.inPlane(i)) continue;
    const v = Number(data[i]);
    const bit = v !== v ? BadPixel.VALUE_IS_NAN : v < lo || v > hi ? BadPixel.VALUE_OUT_OF_RANGE : 0;
    if (!bit) continue;
    const j = m.maskIndex(i);
    if (m.cells === 1) for (let k = 0; k < extent.cells; k++) hit[k * plane + j] |= bit;
    else hit[j] |= bit;
  }
  let set = 0;
  for (let j = 0; j < mask.length; j++) {
    if (hit[j] && !mask[j]) {
      mask[j] = 1;
      flags[j] = (flags[j] | hit[j]) >>> 0;
      set++;
    }
  }
  return set;
}

/**
 * Parses an interval `lo:hi`, `lo:` or `:hi` (numbers; an empty side is open).
 * @param text - the interval
 * @param what - what it is for, in messages (e.g. '--interval Offset')
 * @returns [lo, hi]
 */
export function parseInterval(text: string, what: string): [number, number] {
  const m = /^\s*([^:]*):([^:]*)\s*$/.exec(text);
  const num = (s: string, open: number): number => (s.trim() === '' ? open : Number(s));
  const lo = m ? num(m[1], -Infinity) : NaN, hi = m ? num(m[2], Infinity) : NaN;
  if (!m || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new DetcalError('BAD_INPUT', `${what} ${text}: write LO:HI (numbers, LO <= HI; an empty side is open), e.g. 3000:7000`);
  return [lo, hi];
}

/** Sets mask and flags from a (cells * rows * cols) selection; returns pairs newly masked. */
export function mergeMask(selection: Uint8Array, flag: number, mask: Uint8Array, flags: Uint32Array): number {
  let set = 0;
  for (let j = 0; j < mask.length; j++) {
    if (!selection[j]) continue;
    if (!mask[j]) set++;
    mask[j] = 1;
    flags[j] = (flags[j] | flag) >>> 0;
  }
  return set;
}
