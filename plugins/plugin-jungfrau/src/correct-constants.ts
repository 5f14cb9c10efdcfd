/**
 * The constants of a Jungfrau correction, checked against the frames and expanded once into flat
 * per-[stage][cell][pixel] arrays the correction loop reads: offset (ADU), the factor that turns
 * offset-subtracted ADU into the output unit, and the static bad-pixel flags of each stage and cell.
 */
import { BadPixel, DetcalError } from '@detcal/core';
import type { ConstantArray } from '@detcal/core';

/** Axis labels the correction expects, as `detcal dark jungfrau` writes them. */
export const CORRECT_DIMS: readonly string[] = ['gain', 'cell', 'row', 'col'];

/** Unit of the corrected data. */
export type CorrectedUnit = 'keV' | 'photons' | 'ADU';

/** Constants ready for the correction loop, all laid out [stage][cell][pixel] (3 stages). */
export interface JungfrauCorrectionConstants {
  /** Memory cells of the constants (frames may use cells 0 .. cells-1). */
  cells: number;
  /** Offset per stage, cell and pixel, ADU. */
  offsetAdu: Float32Array;
  /** Factor from offset-subtracted ADU to the output unit: 1 / gain (keV), 1 / (gain x photon energy) (photons); null for ADU output. */
  scale: Float32Array | null;
  /** BadPixelsDark | BadPixelsFF per stage, cell and pixel, plus eval-error flags for unusable offsets / gains. */
  badPixels: Uint32Array;
  /** Unit of the corrected data. */
  unit: CorrectedUnit;
}

/** Throws SHAPE_MISMATCH unless c is [3][cells][rows][cols]; cells may be 1 where broadcastCells is true. Returns its cell count. */
function checkShape(c: ConstantArray, rows: number, cols: number, cells: number | null, broadcastCells: boolean): number {
  const expected = `[3, ${cells ?? 'cells'}, ${rows}, ${cols}]${broadcastCells && cells !== null && cells > 1 ? ` (or [3, 1, ${rows}, ${cols}] for every cell)` : ''}`;
  const s = c.shape;
  const cellsOk = cells === null ? s[1] >= 1 : s[1] === cells || (broadcastCells && s[1] === 1);
  if (s.length !== 4 || s[0] !== 3 || !cellsOk || s[2] !== rows || s[3] !== cols) {
    throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name} has shape [${s.join(', ')}], expected ${expected} = [gain, cell, row, col] as detcal dark jungfrau writes it`);
  }
  if (c.dims.length === 4 && c.dims.some((d, i) => d !== CORRECT_DIMS[i])) {
    throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name} has dims [${c.dims.join(', ')}], expected [${CORRECT_DIMS.join(', ')}]`);
  }
  if (c.data.length !== s[0] * s[1] * s[2] * s[3]) {
    throw new DetcalError('SHAPE_MISMATCH', `constant ${c.name}: shape [${s.join(', ')}] but ${c.data.length} values`);
  }
  return s[1];
}

/** Value i of a constant as a number (BigUint64 flags included). */
function valueAt(c: ConstantArray, i: number): number {
  return Number(c.data[i]);
}

/** Copies a [3][1 or cells][P] constant into a full [3][cells][P] plane set through `put`. */
function forEachValue(c: ConstantArray, cells: number, pixels: number, put: (k: number, v: number) => void): void {
  const srcCells = c.shape[1];
  for (let g = 0; g < 3; g++) {
    for (let cell = 0; cell < cells; cell++) {
      const src = (g * srcCells + (srcCells === 1 ? 0 : cell)) * pixels, dst = (g * cells + cell) * pixels;
      for (let p = 0; p < pixels; p++) put(dst + p, valueAt(c, src + p));
    }
  }
}

/**
 * Checks the constants against a rows x cols frame and expands them.
 * @param constants - by name: Offset (required), BadPixelsDark, RelativeGain (signed ADU/keV), BadPixelsFF
 * @param rows - rows of a raw frame
 * @param cols - columns of a raw frame
 * @param photonEnergyKev - > 0: output photons; 0: keV (or ADU without RelativeGain)
 * @returns flat arrays for the correction loop
 */
export function prepareJungfrauConstants(constants: Record<string, ConstantArray>, rows: number, cols: number, photonEnergyKev: number): JungfrauCorrectionConstants {
  const offset = constants.Offset;
  if (!offset) {
    throw new DetcalError('NOT_FOUND', `jungfrau correction needs the Offset constant (made by detcal dark jungfrau); got ${Object.keys(constants).join(', ') || 'no constants'}`);
  }
  const cells = checkShape(offset, rows, cols, null, false);
  const bpd = constants.BadPixelsDark, gain = constants.RelativeGain, bpff = constants.BadPixelsFF;
  if (bpd) checkShape(bpd, rows, cols, cells, false);
  if (gain) checkShape(gain, rows, cols, cells, true);
  if (bpff) checkShape(bpff, rows, cols, cells, true);
  if (photonEnergyKev > 0 && !gain) {
    throw new DetcalError('BAD_INPUT', `photon_energy_kev=${photonEnergyKev} needs the RelativeGain constant (ADU/keV per gain stage and cell), which was not given`);
  }
  const pixels = rows * cols, n = 3 * cells * pixels;
  const offsetAdu = offset.data instanceof Float32Array ? offset.data : Float32Array.from(offset.data as ArrayLike<number>, Number);
  const badPixels = new Uint32Array(n);
  for (let k = 0; k < n; k++) if (!Number.isFinite(offsetAdu[k])) badPixels[k] = BadPixel.OFFSET_NOISE_EVAL_ERROR;
  if (bpd) for (let k = 0; k < n; k++) badPixels[k] |= valueAt(bpd, k);
  if (bpff) forEachValue(bpff, cells, pixels, (k, v) => { badPixels[k] |= v; });
  let scale: Float32Array | null = null;
  if (gain) {
    const s = new Float32Array(n);
    const per = photonEnergyKev > 0 ? photonEnergyKev : 1;
    forEachValue(gain, cells, pixels, (k, v) => {
      if (Number.isFinite(v) && v !== 0) s[k] = 1 / (v * per);
      else badPixels[k] |= BadPixel.FF_GAIN_EVAL_ERROR;
    });
    scale = s;
  }
  return { cells, offsetAdu, scale, badPixels, unit: !gain ? 'ADU' : photonEnergyKev > 0 ? 'photons' : 'keV' };
}
