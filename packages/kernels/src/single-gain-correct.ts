/**
 * Correction of single-gain, cell-less detectors (ePix100, pnCCD), frame by frame:
 * offset -> common mode -> relative gain -> split-event pattern classification -> absolute gain,
 * bad pixels set to mask_value. The steps of the European XFEL ePix100 and pnCCD corrections
 * (pycalibration Correction_ePix100_NBC / Correct_pnCCD_NBC), on constants as `detcal dark` writes them.
 *
 * Constants (each [1, 1, rows, cols] or [rows, cols]):
 *   Offset (required, ADU); NoiseCM / Noise (ADU: classification thresholds and the common-mode
 *   signal exclusion; NoiseCM when the common mode is on, else Noise, else the other one);
 *   BadPixelsDark (EuXFEL BadPixels flags, pixels != 0 are masked); RelativeGain (dimensionless
 *   factor per pixel, multiplied onto offset- and common-mode-corrected ADU, 1 = nominal);
 *   pixel_gain (absolute gain, keV/ADU: per pixel, or any shape holding one value everywhere,
 *   e.g. the store's 704 x 768 ePix100 default of 0.06).
 * Without Noise and NoiseCM the classification cannot set thresholds: correct() refuses with
 * classify on; with classify=false the common mode uses the bad-pixel mask only.
 *
 * Common mode (as the dark step's NoiseCM passes): per frame, the median of the good pixels of each
 * readout group (rows and / or columns of each bank) is subtracted (fast-median.ts / common-mode.ts);
 * a group is left alone when fewer than cm_min_frac of its pixels are good. With cm_noise_sigma > 0
 * a second iteration takes the median again without the pixels above cm_noise_sigma x noise (photons)
 * and subtracts that residual from every good pixel of the group.
 */
import { BadPixel, DetcalError, resolveParameters } from '@detcal/core';
import type { ConstantArray, CorrectConstants, CorrectSetup, CorrectedDataset, Corrector, FrameBlock, NumericArray, ParameterSpec } from '@detcal/core';
import { commonModeRowMedian, type BankShape } from './common-mode.js';
import { rowSegmentCommonMode } from './fast-median.js';
import { classifyPatterns, emptyPatternCounts, type PatternThresholds } from './pattern-classify.js';

/** Constants the single-gain correction requires and uses. */
export const SINGLE_GAIN_CORRECT_CONSTANTS: CorrectConstants = {
  required: ['Offset'],
  optional: ['NoiseCM', 'Noise', 'BadPixelsDark', 'RelativeGain', 'pixel_gain'],
};

/** Defaults that differ between detectors. */
export interface SingleGainCorrectDefaults {
  /** split_evt_primary_threshold, noise sigmas. */
  primarySigma: number;
  /** split_evt_secondary_threshold, noise sigmas. */
  secondarySigma: number;
  /** split_evt_mip_threshold, ADU. */
  mipAdu: number;
  /** cm_min_frac: least fraction of good pixels a group needs. */
  cmMinFrac: number;
  /** cm_noise_sigma: second-iteration signal exclusion, noise sigmas (0 = one iteration). */
  cmNoiseSigma: number;
  /** cm_axes: 'row', 'col' or 'row,col' (groups inside each bank). */
  cmAxes: string;
}

/** The correct step's parameters with a detector's defaults (the same names for ePix100 and pnCCD). */
export function singleGainCorrectParameters(d: SingleGainCorrectDefaults): ParameterSpec[] {
  return [
    { name: 'mask_value', defaultValue: NaN, description: 'value written into data for bad pixels (default NaN)' },
    { name: 'common_mode', defaultValue: true, description: 'subtract the per-frame common mode (median of each readout group)' },
    { name: 'cm_axes', defaultValue: d.cmAxes, description: 'common-mode groups inside each bank: row, col or row,col' },
    { name: 'cm_min_frac', defaultValue: d.cmMinFrac, description: 'a group is corrected only when at least this fraction of its pixels is good' },
    { name: 'cm_noise_sigma', defaultValue: d.cmNoiseSigma, description: 'second common-mode iteration without pixels above this many noise sigmas (photons); 0 = one iteration' },
    { name: 'relative_gain', defaultValue: true, description: 'multiply by the RelativeGain constant when it is given' },
    { name: 'classify', defaultValue: true, description: 'classify split events: pixels_classified and patterns outputs (needs Noise or NoiseCM)' },
    { name: 'split_evt_primary_threshold', defaultValue: d.primarySigma, description: 'an event\'s primary pixel is above this many noise sigmas' },
    { name: 'split_evt_secondary_threshold', defaultValue: d.secondarySigma, description: 'a neighbour joins the event above this many noise sigmas' },
    { name: 'split_evt_mip_threshold', defaultValue: d.mipAdu, description: 'a primary above this many ADU (after relative gain) is a MIP, pattern 700' },
    { name: 'gain_kev_per_adu', defaultValue: 0, description: 'absolute gain, keV/ADU; 0 = the pixel_gain constant when given, else data stay in ADU' },
  ];
}

/** What the plugin tells the corrector about its detector. */
export interface SingleGainDetector {
  /** Plugin id, for messages (e.g. 'epix100'). */
  id: string;
  /** Readout banks whose rows / columns are the common-mode groups (ePix100: ASICs of 354 x 384; pnCCD: 512 x 512 halves). */
  bank: BankShape;
  /** The plugin's correctParameters. */
  parameters: readonly ParameterSpec[];
}

/** Common-mode passes of cm_axes: 'row', 'col', 'row,col' or 'col,row'. */
export function commonModeAxes(axes: string): Array<'row' | 'col'> {
  const parts = axes.split(/[,+ ]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0 || parts.length > 2 || new Set(parts).size !== parts.length || parts.some((s) => s !== 'row' && s !== 'col')) {
    throw new DetcalError('BAD_INPUT', `parameter cm_axes=${axes}: use row, col or row,col`);
  }
  return parts as Array<'row' | 'col'>;
}

/** Values of a constant as numbers (BigUint64 flags included). */
function numbers(data: NumericArray): ArrayLike<number> {
  return data instanceof BigUint64Array ? Array.from(data, Number) : data;
}

/** Whether a constant has the frame's shape: [..., rows, cols] with every leading axis 1. */
function fitsFrame(c: ConstantArray, rows: number, cols: number): boolean {
  const s = c.shape;
  return s.length >= 2 && s[s.length - 2] === rows && s[s.length - 1] === cols && s.slice(0, -2).every((n) => n === 1) && c.data.length === rows * cols;
}

function shapeError(id: string, c: ConstantArray, rows: number, cols: number, extra = ''): DetcalError {
  return new DetcalError('SHAPE_MISMATCH', `${id} correct: constant ${c.name} has shape [${c.shape.join(', ')}], expected [1, 1, ${rows}, ${cols}] (or [${rows}, ${cols}])${extra}`);
}

/** A per-pixel constant as float32, checked against the frame shape. */
function pixelMap(setup: CorrectSetup, name: string, id: string): Float32Array | undefined {
  const c = setup.constants[name];
  if (!c) return undefined;
  if (!fitsFrame(c, setup.rows, setup.cols)) throw shapeError(id, c, setup.rows, setup.cols);
  return Float32Array.from(numbers(c.data));
}

/** The absolute gain: parameter, or pixel_gain per pixel, or pixel_gain holding one value everywhere. */
function absoluteGain(setup: CorrectSetup, id: string, parameterKevPerAdu: number): { scalar: number; map?: Float32Array } | undefined {
  if (!(parameterKevPerAdu >= 0)) throw new DetcalError('BAD_INPUT', `parameter gain_kev_per_adu=${parameterKevPerAdu}: must be >= 0 (0 = from the pixel_gain constant)`);
  if (parameterKevPerAdu > 0) return { scalar: parameterKevPerAdu };
  const c = setup.constants.pixel_gain;
  if (!c) return undefined;
  if (fitsFrame(c, setup.rows, setup.cols)) return { scalar: NaN, map: Float32Array.from(numbers(c.data)) };
  const v = numbers(c.data);
  for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) throw shapeError(id, c, setup.rows, setup.cols, ' or one value everywhere (its values vary)');
  if (v.length === 0) throw shapeError(id, c, setup.rows, setup.cols);
  return { scalar: v[0] };
}

/** Row / column groups of one common-mode pass and where each pixel's correction sits. */
interface CmPass {
  axis: 'row' | 'col';
  /** Pixels per group. */
  length: number;
  /** A group needs more good pixels than this. */
  minPixels: number;
  /** Correction per group of the current frame (0 where skipped). */
  out: Float32Array;
}

/**
 * Sets up the correction of one module from its constants and parameters.
 * @param setup - constants ([gain][cell][row][col] as dark writes them, or [row][col]), parameters, frame shape
 * @param detector - plugin id, readout banks and parameter specs
 * @returns the Corrector: outputs data (f4), mask (u4) and, when classifying, pixels_classified (f4) and patterns (i4)
 */
export function createSingleGainCorrector(setup: CorrectSetup, detector: SingleGainDetector): Corrector {
  const { id, bank } = detector;
  const { rows, cols } = setup;
  const nPixels = rows * cols;
  const p = resolveParameters(detector.parameters, setup.parameters);
  const num = (name: string) => p[name] as number;
  const maskValue = num('mask_value');
  const cmOn = p.common_mode === true;
  const classify = p.classify === true;
  const cmMinFrac = num('cm_min_frac'), cmNoiseSigma = num('cm_noise_sigma');
  if (!(cmMinFrac >= 0 && cmMinFrac <= 1)) throw new DetcalError('BAD_INPUT', `parameter cm_min_frac=${cmMinFrac}: must be in [0, 1]`);
  if (!(cmNoiseSigma >= 0)) throw new DetcalError('BAD_INPUT', `parameter cm_noise_sigma=${cmNoiseSigma}: must be >= 0 (0 = one iteration)`);
  const thresholds: PatternThresholds = { primarySigma: num('split_evt_primary_threshold'), secondarySigma: num('split_evt_secondary_threshold'), mipAdu: num('split_evt_mip_threshold') };
  if (!(thresholds.secondarySigma > 0 && thresholds.primarySigma >= thresholds.secondarySigma)) {
    throw new DetcalError('BAD_INPUT', `parameters split_evt_primary_threshold=${thresholds.primarySigma}, split_evt_secondary_threshold=${thresholds.secondarySigma}: need primary >= secondary > 0`);
  }
  if (!(thresholds.mipAdu > 0)) throw new DetcalError('BAD_INPUT', `parameter split_evt_mip_threshold=${thresholds.mipAdu}: must be > 0 ADU`);
  const axes = cmOn ? commonModeAxes(String(p.cm_axes)) : [];
  if (rows % bank.bankRows !== 0 || cols % bank.bankCols !== 0) throw new DetcalError('SHAPE_MISMATCH', `${id} correct: frames of ${rows} x ${cols} are not tiled by banks of ${bank.bankRows} x ${bank.bankCols}`);

  if (!setup.constants.Offset) throw new DetcalError('NOT_FOUND', `${id} correct: constant Offset is missing: run detcal dark ${id} first or give a constants file that has it`);
  const offset = pixelMap(setup, 'Offset', id)!;
  const noiseCM = pixelMap(setup, 'NoiseCM', id), noiseRaw = pixelMap(setup, 'Noise', id);
  const noise = cmOn ? noiseCM ?? noiseRaw : noiseRaw ?? noiseCM;
  if (classify && !noise) {
    throw new DetcalError('NOT_FOUND', `${id} correct: classification needs the Noise or NoiseCM constant for its thresholds: add it or --param classify=false`);
  }
  const flagsIn = pixelMap(setup, 'BadPixelsDark', id);
  const flags = new Uint32Array(nPixels);
  const bad = new Uint8Array(nPixels);
  let maskedPixels = 0;
  for (let i = 0; i < nPixels; i++) {
    let f = flagsIn ? flagsIn[i] >>> 0 : 0;
    if (!Number.isFinite(offset[i])) f |= BadPixel.NO_DARK_DATA;
    flags[i] = f;
    bad[i] = f !== 0 ? 1 : 0;
    maskedPixels += bad[i];
  }
  const relGain = p.relative_gain === true ? pixelMap(setup, 'RelativeGain', id) : undefined;
  const gain = absoluteGain(setup, id, num('gain_kev_per_adu'));
  const unit = gain ? 'keV' : 'ADU';

  // Classification works on relative-gain-corrected ADU: its noise is the dark noise times the relative gain.
  // Pixels without a usable noise value cannot be thresholded and stay out of it.
  let classNoise: Float32Array | undefined, classBad: Uint8Array | undefined;
  if (classify && noise) {
    classNoise = new Float32Array(nPixels);
    classBad = new Uint8Array(nPixels);
    for (let i = 0; i < nPixels; i++) {
      classNoise[i] = relGain ? noise[i] * relGain[i] : noise[i];
      classBad[i] = bad[i] !== 0 || !(classNoise[i] > 0) ? 1 : 0;
    }
  }
  const cmThreshold = cmOn && cmNoiseSigma > 0 && noise ? Float32Array.from(noise, (n) => (n > 0 ? cmNoiseSigma * n : Infinity)) : undefined;

  const passes: CmPass[] = axes.map((axis) => {
    const length = axis === 'row' ? bank.bankCols : bank.bankRows;
    const groups = axis === 'row' ? rows * (cols / length) : (rows / length) * cols;
    return { axis, length, minPixels: Math.max(0, Math.ceil(cmMinFrac * length) - 1), out: new Float32Array(groups) };
  });
  const scratch = new Float64Array(Math.max(rows, cols, 64 * bank.bankRows));
  const cmMask = new Uint8Array(nPixels);
  const excluded = new Int32Array(nPixels);
  const counts = emptyPatternCounts();
  let frames = 0, groupsCorrected = 0, groupsTotal = 0;

  const runPass = (frame: Float32Array, pass: CmPass, mask: Uint8Array): number =>
    pass.axis === 'row'
      ? rowSegmentCommonMode(frame, rows, cols, pass.length, mask, pass.minPixels, scratch, pass.out)
      : commonModeRowMedian(frame, rows, cols, { axis: 'col', length: pass.length }, mask, { minPixels: pass.minPixels, scratch }, pass.out).corrected;

  const commonMode = (frame: Float32Array): void => {
    for (const pass of passes) {
      groupsCorrected += runPass(frame, pass, bad);
      groupsTotal += pass.out.length;
    }
    if (!cmThreshold) return;
    // Second iteration: photons out of the medians, the residual subtracted from every good pixel.
    let nEx = 0;
    for (let i = 0; i < nPixels; i++) {
      const ex = bad[i] | +(frame[i] > cmThreshold[i]);
      cmMask[i] = ex;
      if (ex && !bad[i]) excluded[nEx++] = i;
    }
    for (const pass of passes) {
      runPass(frame, pass, cmMask);
      const out = pass.out;
      if (pass.axis === 'row') {
        const nSeg = cols / pass.length;
        for (let k = 0; k < nEx; k++) {
          const i = excluded[k];
          frame[i] -= out[Math.floor(i / cols) * nSeg + Math.floor((i % cols) / pass.length)];
        }
      } else {
        for (let k = 0; k < nEx; k++) {
          const i = excluded[k];
          frame[i] -= out[Math.floor(Math.floor(i / cols) / pass.length) * cols + (i % cols)];
        }
      }
    }
  };

  const outputs: CorrectedDataset[] = [
    { name: 'data', dtype: 'f4', compress: false, unit, description: `corrected signal (offset${cmOn ? ', common mode' : ''}${relGain ? ', relative gain' : ''}${gain ? ', absolute gain' : ''}); bad pixels = mask_value` },
    { name: 'mask', dtype: 'u4', compress: true, unit: '', description: 'EuXFEL BadPixels flags of each pixel (BadPixelsDark); 0 = good' },
  ];
  if (classify) {
    outputs.push(
      { name: 'pixels_classified', dtype: 'f4', compress: true, unit, description: 'split events: summed signal of each event at its primary pixel, 0 elsewhere' },
      { name: 'patterns', dtype: 'i4', compress: true, unit: '', description: 'split-event pattern: 0 none, 1 member, 100 single, 200-203 double, 300-303 triple, 400-403 quad, 500 multiple, 600 bad neighbour, 700 MIP' },
    );
  }

  return {
    outputs,
    correctBlock(block: FrameBlock, out: Record<string, NumericArray>): void {
      if (block.rows !== rows || block.cols !== cols) {
        throw new DetcalError('SHAPE_MISMATCH', `${id} correct: frames of ${block.rows} x ${block.cols}, the constants are for ${rows} x ${cols}`);
      }
      const n = block.nFrames * nPixels;
      const data = out.data, mask = out.mask, classified = out.pixels_classified, patterns = out.patterns;
      if (!(data instanceof Float32Array && data.length >= n && mask instanceof Uint32Array && mask.length >= n)) {
        throw new DetcalError('INTERNAL', `${id} correct: out.data (f4) and out.mask (u4) need ${n} values`);
      }
      if (classify && !(classified instanceof Float32Array && classified.length >= n && patterns instanceof Int32Array && patterns.length >= n)) {
        throw new DetcalError('INTERNAL', `${id} correct: out.pixels_classified (f4) and out.patterns (i4) need ${n} values`);
      }
      const raw = block.data;
      for (let f = 0; f < block.nFrames; f++) {
        const o = f * nPixels;
        const frame = data.subarray(o, o + nPixels);
        if (raw instanceof Uint16Array) subtractOffsetU16(raw, o, offset, frame);
        else subtractOffsetF32(raw, o, offset, frame);
        if (passes.length) commonMode(frame);
        if (relGain) for (let i = 0; i < nPixels; i++) frame[i] *= relGain[i];
        if (classNoise && classBad) classifyPatterns(frame, rows, cols, classNoise, classBad, thresholds, classified as Float32Array, patterns as Int32Array, o, counts);
        if (gain?.map) {
          const g = gain.map;
          for (let i = 0; i < nPixels; i++) frame[i] = bad[i] ? maskValue : frame[i] * g[i];
          if (classify) for (let i = o; i < o + nPixels; i++) if ((classified as Float32Array)[i] !== 0) (classified as Float32Array)[i] *= g[i - o];
        } else {
          const g = gain ? gain.scalar : 1;
          for (let i = 0; i < nPixels; i++) frame[i] = bad[i] ? maskValue : frame[i] * g;
          if (classify && g !== 1) for (let i = o; i < o + nPixels; i++) if ((classified as Float32Array)[i] !== 0) (classified as Float32Array)[i] *= g;
        }
        mask.set(flags, o);
      }
      frames += block.nFrames;
    },
    summary(): Record<string, number> {
      return {
        frames,
        maskedPixels,
        maskedValues: maskedPixels * frames,
        commonModeGroups: groupsTotal,
        commonModeGroupsSkipped: groupsTotal - groupsCorrected,
        ...(classify ? { ...counts, events: counts.singles + counts.doubles + counts.triples + counts.quads + counts.multiples + counts.badNeighbour + counts.mips } : {}),
        ...(gain && !gain.map ? { gainKevPerAdu: gain.scalar } : {}),
      };
    },
  };
}

function subtractOffsetU16(raw: Uint16Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let i = 0; i < frame.length; i++) frame[i] = raw[o + i] - offset[i];
}

function subtractOffsetF32(raw: Float32Array, o: number, offset: Float32Array, frame: Float32Array): void {
  for (let i = 0; i < frame.length; i++) frame[i] = raw[o + i] - offset[i];
}
