/**
 * `detcal correct agipd`: gain stage from the digital value against ThresholdsDark (with EuXFEL's
 * force-mg/hg-if-below), offset per stage and cell, common mode per ASIC on high-gain pixels,
 * gain (GainKevPerAdu -> keV, or RelativeGain -> high-gain ADU, else ADU of each stage), bad
 * pixels masked with the mask value. Outputs the EuXFEL corrected datasets data / mask / gain.
 */
import { DetcalError, resolveParameters, numberParam, rangeParam, toFloat32Array } from '@detcal/core';
import type { ConstantArray, CorrectSetup, CorrectedDataset, Corrector, FrameBlock, NumericArray, ParameterValue } from '@detcal/core';
import { asicCommonModeCpu, correctGainStagesFusedCpu, createCpuBackend, scaleAndMaskCpu, type ComputeBackend, type GainStageConstants } from '@detcal/kernels';
import { AGIPD_CORRECT_PARAMETERS } from './correct-parameters.js';
import { agipdGeometry } from './geometry.js';

/** Constants the AGIPD correction needs and uses. */
export const AGIPD_CORRECT_CONSTANTS = {
  required: ['Offset', 'ThresholdsDark'],
  optional: ['BadPixelsDark', 'BadPixelsPC', 'BadPixelsFF', 'BadPixelsMask', 'RelativeGain', 'GainKevPerAdu'],
} as const;

/** The labels a constant's axes may carry for the stage / threshold axis. */
const STAGE_LABELS = new Set(['gain', 'threshold', 'stage']);

/**
 * Checks a constant against [planes][cells][rows][cols] (singleton stage / cell axes may be dropped)
 * and returns its values as planes x cells x pixels, plus its cell count.
 */
export function agipdPlanes(c: ConstantArray, planes: number, what: string, broadcast = false): { cells: number; values: NumericArray } {
  const { moduleRows: rows, moduleCols: cols } = agipdGeometry;
  const expected = `[${planes}][cells][${rows}][${cols}] (dims gain, cell, row, col)`;
  const shape = c.shape, dims = c.dims;
  const fail = (why: string) => new DetcalError('BAD_INPUT', `constant ${c.name} has shape [${shape.join(', ')}] (dims ${dims.join(', ')}): ${why}; ${what} needs ${expected} for AGIPD`);
  if (shape.length < 2 || shape[shape.length - 2] !== rows || shape[shape.length - 1] !== cols) throw fail(`frames are ${rows} x ${cols}`);
  let nPlanes = 1, cells = 1;
  const lead = shape.length - 2;
  if (lead === 2) {
    nPlanes = shape[0];
    cells = shape[1];
  } else if (lead === 1) {
    if (STAGE_LABELS.has(dims[0])) nPlanes = shape[0];
    else cells = shape[0];
  } else if (lead !== 0) throw fail('too many axes');
  if (nPlanes === 1 && broadcast && planes > 1) {
    // one plane for every stage (a mask without a gain axis, e.g. detcal mask's BadPixelsMask)
    const n = cells * rows * cols;
    const out = new Uint32Array(planes * n);
    for (let s = 0; s < planes; s++) for (let i = 0; i < n; i++) out[s * n + i] = Number(c.data[i]);
    return { cells, values: out };
  }
  if (nPlanes < planes) throw fail(`${planes} stage planes are needed, it has ${nPlanes}`);
  if (nPlanes === planes) return { cells, values: c.data };
  // EuXFEL ThresholdsDark carries 5 planes (2 thresholds + 3 digital means): keep the first ones.
  return { cells, values: c.data.subarray(0, planes * cells * rows * cols) as NumericArray };
}

/** ASIC of each pixel, numbered as asicCommonModeCpu numbers its groups (row of ASICs, then column). */
function asicGroupOf(rows: number, cols: number, asicRows: number, asicCols: number): Uint16Array {
  const across = Math.ceil(cols / asicCols);
  const out = new Uint16Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = Math.floor(r / asicRows) * across + Math.floor(c / asicCols);
  return out;
}

/** The module's constants as the kernels want them, with the output unit and the bad-pixel sources. */
interface PreparedConstants {
  constants: GainStageConstants;
  unit: string;
  badSources: string[];
}

/** Prepared constants per constants record and parameter set: sequence files of a run share them. */
const prepared = new WeakMap<object, Map<string, PreparedConstants>>();

/** Checks the constants against the AGIPD layout and converts them once per constants record and parameters. */
function prepareConstants(constantsIn: Record<string, ConstantArray>, p: Record<string, ParameterValue>): PreparedConstants {
  const key = JSON.stringify(p);
  const hit = prepared.get(constantsIn)?.get(key);
  if (hit) return hit;
  const g = agipdGeometry;
  const k = constantsIn;
  for (const name of AGIPD_CORRECT_CONSTANTS.required) {
    if (!k[name]) throw new DetcalError('BAD_INPUT', `no ${name} constant for the AGIPD module: run \`detcal dark agipd\` on the module's dark runs and pass its file with --constants or --store`);
  }
  const offset = agipdPlanes(k.Offset, 3, 'the correction');
  const nCells = offset.cells;
  const nPixels = g.moduleRows * g.moduleCols;
  const plane = nCells * nPixels;
  const take = (name: string, planes: number, broadcast = false): NumericArray | undefined => {
    if (!k[name]) return undefined;
    const r = agipdPlanes(k[name], planes, 'the correction', broadcast);
    if (r.cells !== nCells) throw new DetcalError('BAD_INPUT', `constant ${name} has ${r.cells} memory cells but Offset has ${nCells}: use constants from the same characterization`);
    return r.values;
  };
  const thresholds = take('ThresholdsDark', 2) as NumericArray;
  const badPixels = new Uint32Array(3 * plane);
  const badSources: string[] = [];
  for (const name of ['BadPixelsDark', 'BadPixelsPC', 'BadPixelsFF', 'BadPixelsMask']) {
    const b = take(name, 3, true);
    if (!b) continue;
    // typed fast paths: the first Uint32 source is a copy (tens of ms less per run and worker)
    if (b instanceof Uint32Array && badSources.length === 0) badPixels.set(b);
    else if (b instanceof Uint32Array) for (let i = 0; i < b.length; i++) badPixels[i] |= b[i];
    else for (let i = 0; i < b.length; i++) badPixels[i] |= Number(b[i]);
    badSources.push(name);
  }
  const kev = take('GainKevPerAdu', 3);
  const rel = p.rel_gain ? take('RelativeGain', 3) : undefined;
  const photonEnergyKev = numberParam(p, 'photon_energy_kev');
  const scale = new Float32Array(3 * plane).fill(1);
  let unit = 'ADU';
  if (kev) {
    const perPhoton = photonEnergyKev > 0 ? 1 / photonEnergyKev : 1;
    for (let i = 0; i < scale.length; i++) scale[i] = Number(kev[i]) * perPhoton;
    unit = photonEnergyKev > 0 ? 'photons' : 'keV';
  } else if (rel) {
    for (let i = 0; i < scale.length; i++) scale[i] = Number(rel[i]);
    unit = 'ADU (high-gain equivalent)';
  }
  const constants: GainStageConstants = {
    nCells,
    nPixels,
    offsetAdu: toFloat32Array(offset.values),
    thresholdsAdu: toFloat32Array(thresholds),
    scale,
    unitScale: !kev && !rel,
    badPixels,
    hgHardThresholdAdu: p.force_hg_if_below ? numberParam(p, 'hg_hard_threshold') : -Infinity,
    mgHardThresholdAdu: p.force_mg_if_below ? numberParam(p, 'mg_hard_threshold') : -Infinity,
    maskValue: numberParam(p, 'mask_value'),
  };
  const result = { constants, unit, badSources };
  if (!prepared.has(constantsIn)) prepared.set(constantsIn, new Map());
  prepared.get(constantsIn)?.set(key, result);
  return result;
}

/** The AGIPD correction of one module; throws when the constants do not fit. */
export function agipdCorrect(setup: CorrectSetup): Corrector {
  const p = resolveParameters(AGIPD_CORRECT_PARAMETERS, setup.parameters);
  const g = agipdGeometry;
  if (setup.rows !== g.moduleRows || setup.cols !== g.moduleCols) {
    throw new DetcalError('BAD_INPUT', `AGIPD frames are ${g.moduleRows} x ${g.moduleCols}, the run has ${setup.rows} x ${setup.cols}: is this an AGIPD run?`);
  }
  const { constants, unit, badSources } = prepareConstants(setup.constants, p);
  const backend = (setup.backend as ComputeBackend | undefined) ?? createCpuBackend();
  const commonMode = p.common_mode === true;
  const cm = {
    rows: g.moduleRows,
    cols: g.moduleCols,
    asicRows: g.asics.asicRows,
    asicCols: g.asics.asicCols,
    darkRangeAdu: rangeParam(p, 'cm_dark_range'),
    darkFraction: numberParam(p, 'cm_dark_fraction'),
    iterations: numberParam(p, 'cm_n_itr'),
  };
  const outputs: CorrectedDataset[] = [
    { name: 'data', dtype: 'f4', compress: false, unit, description: `corrected signal in ${unit}; masked pixels hold the mask value` },
    { name: 'mask', dtype: 'u4', compress: true, unit: '', description: `bad-pixel flags (European XFEL BadPixels bits) of the pixel's stage and cell, from ${badSources.join(', ') || 'no bad-pixel constant'}` },
    { name: 'gain', dtype: 'u1', compress: true, unit: '', description: 'gain stage: 0 high, 1 medium, 2 low' },
  ];
  const totals = { frames: 0 };
  const asicGroups = { groupOf: asicGroupOf(g.moduleRows, g.moduleCols, g.asics.asicRows, g.asics.asicCols), groups: (g.moduleRows / g.asics.asicRows) * (g.moduleCols / g.asics.asicCols) };
  let cmPerFrame = new Float32Array(0);
  const counts = new Float64Array(4);
  return {
    outputs,
    correctBlock(block: FrameBlock, out: Record<string, NumericArray>): void {
      if (!block.gain) throw new DetcalError('BAD_INPUT', `AGIPD frames at ${block.firstFrame} carry no digital (gain) values: the raw data must be (frames, 2, ${g.moduleRows}, ${g.moduleCols})`);
      const o = { data: out.data as Float32Array, mask: out.mask as Uint32Array, gain: out.gain as Uint8Array };
      if (backend.name === 'cpu') {
        // One pass over memory: stage, common mode and scale per strip of ASICs (same results as the three kernels).
        correctGainStagesFusedCpu(block.data, block.gain as Uint16Array, block.cellIds, block.nFrames, constants, o, counts, commonMode ? cm : undefined);
        totals.frames += block.nFrames;
        return;
      }
      backend.correctGainStages(block.data, block.gain as Uint16Array, block.cellIds, block.nFrames, constants, o);
      if (commonMode) {
        // The common mode per (frame, ASIC) is subtracted in the scale pass: one pass less over the block.
        if (cmPerFrame.length < block.nFrames * asicGroups.groups) cmPerFrame = new Float32Array(block.nFrames * asicGroups.groups);
        asicCommonModeCpu(o.data, o.gain, o.mask, block.nFrames, cm, cmPerFrame, false);
        scaleAndMaskCpu(block.cellIds, block.nFrames, constants, o, counts, { perFrameAdu: cmPerFrame, ...asicGroups });
      } else scaleAndMaskCpu(block.cellIds, block.nFrames, constants, o, counts);
      totals.frames += block.nFrames;
    },
    summary: () => ({ frames: totals.frames, highGain: counts[0], mediumGain: counts[1], lowGain: counts[2], maskedValues: counts[3] }),
  };
}
