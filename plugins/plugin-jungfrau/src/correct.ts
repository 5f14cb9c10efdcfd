/**
 * `detcal correct jungfrau`: raw adc values and gain bits -> energy per pixel (keV, photons, or ADU
 * without RelativeGain), mask (BadPixels flags) and gain stage, frame by frame:
 * stage from the gain bits (0 -> G0, 1 -> G1, 3 -> G2, else WRONG_GAIN_VALUE), E = ((raw & 0x3fff)
 * - Offset[stage][cell]) / RelativeGain[stage][cell], RelativeGain in signed ADU/keV; optional
 * per-bank common mode on G0 pixels. Blocks without a separate gain array take the gain bits from
 * bits 15:14 of the raw word (LCLS packing).
 */
import { DetcalError, numberParam, type CorrectedDataset, type CorrectSetup, type Corrector, type FrameBlock, type NumericArray } from '@detcal/core';
import { JUNGFRAU_BANKS } from '@detcal/kernels';
import { prepareJungfrauConstants, type CorrectedUnit } from './correct-constants.js';
import { bankCommonMode, correctFrameDirect, finishFrame, subtractOffsetFrame, type BankCandidates, type FramePlanes } from './correct-kernel.js';
import { resolveCorrectParameters } from './correct-parameters.js';

/** The datasets the Jungfrau correction writes, 'data' in the given unit. */
export function jungfrauCorrectedDatasets(unit: CorrectedUnit): CorrectedDataset[] {
  const what = unit === 'keV' ? 'deposited energy, keV' : unit === 'photons' ? 'photons (energy / photon_energy_kev)' : 'offset-subtracted signal, ADU (no RelativeGain given)';
  return [
    { name: 'data', dtype: 'f4', compress: false, unit, description: `corrected ${what}; mask_value where masked` },
    { name: 'mask', dtype: 'u4', compress: true, unit: '', description: 'EuXFEL BadPixels flags: BadPixelsDark | BadPixelsFF of the gain stage and cell, WRONG_GAIN_VALUE for invalid gain bits' },
    { name: 'gain', dtype: 'u1', compress: true, unit: '', description: 'gain stage 0 (G0), 1 (G1), 2 (G2); 255 where the gain bits were invalid' },
  ];
}

/** Bank index of every pixel of a rows x cols frame, banks of JUNGFRAU_BANKS numbered row-major. */
function bankMap(rows: number, cols: number): Uint16Array {
  const out = new Uint16Array(rows * cols);
  const perRow = cols / JUNGFRAU_BANKS.bankCols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.floor(r / JUNGFRAU_BANKS.bankRows) * perRow + Math.floor(c / JUNGFRAU_BANKS.bankCols);
  }
  return out;
}

/** Empty per-bank candidate buffers for rows x cols frames. */
function bankCandidates(rows: number, cols: number, thresholdAdu: number): BankCandidates {
  const bankSize = JUNGFRAU_BANKS.bankRows * JUNGFRAU_BANKS.bankCols, nBanks = (rows * cols) / bankSize;
  const all = new Float64Array(rows * cols);
  const values = Array.from({ length: nBanks }, (_, b) => all.subarray(b * bankSize, (b + 1) * bankSize));
  return { bankOf: bankMap(rows, cols), values, counts: new Int32Array(nBanks), thresholdAdu };
}

function checkOutput(out: Record<string, NumericArray>, name: string, type: string, ok: boolean, length: number): void {
  if (!ok) throw new DetcalError('INTERNAL', `jungfrau correction: out.${name} must be a ${type} of ${length} values`);
}

/** Sets up the correction of one module's raw blocks; throws a DetcalError naming the constant that does not fit. */
export function jungfrauCorrect(setup: CorrectSetup): Corrector {
  const p = resolveCorrectParameters(setup.parameters);
  const { rows, cols } = setup;
  const pixels = rows * cols;
  const photonEnergyKev = numberParam(p, 'photon_energy_kev');
  const c = prepareJungfrauConstants(setup.constants, rows, cols, photonEnergyKev);
  const maskValue = numberParam(p, 'mask_value');
  const maskBadPixels = p.mask_bad_pixels as boolean;
  const commonMode = p.common_mode as boolean;
  if (commonMode && (rows % JUNGFRAU_BANKS.bankRows !== 0 || cols % JUNGFRAU_BANKS.bankCols !== 0)) {
    throw new DetcalError('SHAPE_MISMATCH', `common_mode needs frames tiled by banks of ${JUNGFRAU_BANKS.bankRows} x ${JUNGFRAU_BANKS.bankCols} pixels, got ${rows} x ${cols}`);
  }
  const minPixels = numberParam(p, 'cm_npix_min'), maxCorrAdu = numberParam(p, 'cm_cormax_adu');
  const bankSize = JUNGFRAU_BANKS.bankRows * JUNGFRAU_BANKS.bankCols;
  const nBanks = commonMode ? pixels / bankSize : 0;
  const candidates: BankCandidates | null = commonMode ? bankCandidates(rows, cols, numberParam(p, 'cm_threshold_adu')) : null;
  const cmByBank = new Float32Array(nBanks);
  const planes: FramePlanes = { offsetAdu: c.offsetAdu, badPixels: c.badPixels, scale: c.scale, cellBase: 0, stageStride: c.cells * pixels };
  const stageCounts = new Float64Array(4);
  let packedBits: Uint8Array | null = null;
  const totals = { frames: 0, maskedValues: 0, cmBanks: 0, cmBanksCorrected: 0, cmAbsSumAdu: 0 };

  return {
    outputs: jungfrauCorrectedDatasets(c.unit),
    correctBlock(block: FrameBlock, out: Record<string, NumericArray>): void {
      if (block.rows !== rows || block.cols !== cols) {
        throw new DetcalError('SHAPE_MISMATCH', `jungfrau correction: frames of module ${block.module} are ${block.rows} x ${block.cols}, the constants are for ${rows} x ${cols}`);
      }
      const n = block.nFrames * pixels;
      const data = out.data, mask = out.mask, gain = out.gain;
      checkOutput(out, 'data', 'Float32Array', data instanceof Float32Array && data.length >= n, n);
      checkOutput(out, 'mask', 'Uint32Array', mask instanceof Uint32Array && mask.length >= n, n);
      checkOutput(out, 'gain', 'Uint8Array', gain instanceof Uint8Array && gain.length >= n, n);
      let bits = block.gain;
      if (!bits) {
        // LCLS packing: gain bits in bits 15:14 of the raw word.
        if (!packedBits || packedBits.length < n) packedBits = new Uint8Array(n);
        for (let i = 0; i < n; i++) packedBits[i] = (block.data[i] >>> 14) & 3;
        bits = packedBits;
      }
      for (let f = 0; f < block.nFrames; f++) {
        const cell = block.cellIds[f];
        if (cell >= c.cells) {
          throw new DetcalError('SHAPE_MISMATCH', `frame ${block.firstFrame + f} of module ${block.module} is memory cell ${cell}, but the Offset constant has ${c.cells} cell${c.cells === 1 ? '' : 's'}: use constants of a dark taken with the run's memory cells`);
        }
        planes.cellBase = cell * pixels;
        const o = f * pixels;
        if (!candidates) {
          totals.maskedValues += correctFrameDirect(block.data, bits, o, pixels, planes, maskValue, maskBadPixels, data as Float32Array, mask as Uint32Array, gain as Uint8Array, stageCounts);
        } else {
          subtractOffsetFrame(block.data, bits, o, pixels, planes, candidates, data as Float32Array, mask as Uint32Array, gain as Uint8Array, stageCounts);
          totals.cmBanks += nBanks;
          totals.cmBanksCorrected += bankCommonMode(candidates, minPixels, maxCorrAdu, cmByBank);
          for (let b = 0; b < nBanks; b++) totals.cmAbsSumAdu += Math.abs(cmByBank[b]);
          totals.maskedValues += finishFrame(o, pixels, planes, cmByBank, candidates.bankOf, maskValue, maskBadPixels, data as Float32Array, mask as Uint32Array, gain as Uint8Array);
        }
      }
      totals.frames += block.nFrames;
    },
    summary(): Record<string, number> {
      const s: Record<string, number> = {
        frames: totals.frames,
        pixelValues: totals.frames * pixels,
        maskedValues: totals.maskedValues,
        g0Values: stageCounts[0],
        g1Values: stageCounts[1],
        g2Values: stageCounts[2],
        wrongGainValues: stageCounts[3],
      };
      if (commonMode) {
        s.cmBanks = totals.cmBanks;
        s.cmBanksCorrected = totals.cmBanksCorrected;
        s.cmMeanAbsAdu = totals.cmBanksCorrected > 0 ? totals.cmAbsSumAdu / totals.cmBanksCorrected : 0;
      }
      return s;
    },
  };
}
