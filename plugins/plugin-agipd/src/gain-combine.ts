/**
 * `detcal gain combine agipd` (AGIPD seed combination): the current-source slopes relate the gain
 * stages and memory cells of a pixel, the X-ray photon spacing (ADU per photon, high gain, one cell)
 * gives the absolute scale. Per stage g, cell c, pixel:
 *   gain_HG[c]  = E_photon / (photonSpacing * s_HG[c] / s_HG[xray_cell])   keV/ADU
 *   gain_g[c]   = gain_HG[c] * s_HG[c] / s_g[c]                             (MG, LG)
 * Offsets: HG from the dark (Offset[0]), MG / LG from the scan's line offsets; thresholds from the
 * scan's digital thresholds. Output, laid out [gain|threshold][cell][row][col] as the dark constants:
 * GainKevPerAdu, Offset, ThresholdsDark, BadPixelsGain.
 */
import { BadPixel, DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, numberParam, resolveParameters, toFloat32Array, transpose } from '@detcal/core';
import type { ConstantArray, ConstantSet, GainRequest, GainStep, ParameterSpec } from '@detcal/core';
import { agipdGeometry } from './geometry.js';

/** Photon energy used when neither --photon-energy nor the X-ray constants name one: Cu K-alpha of the lab X-ray tube, keV. */
export const AGIPD_DEFAULT_PHOTON_ENERGY_KEV = 8.04;

/** Tunable parameters of the combination. */
export const AGIPD_COMBINE_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'photon_energy_kev', defaultValue: 0, description: `photon energy of the X-ray measurement, keV (0: from the X-ray constants' metadata, else ${AGIPD_DEFAULT_PHOTON_ENERGY_KEV})` },
  { name: 'xray_cell', defaultValue: 0, description: 'memory cell the X-ray (photon spacing) data was taken with' },
];

/** Input roles of the combination. */
export const AGIPD_COMBINE_INPUTS = ['dark', 'current-source', 'xray'] as const;

/** Returns `c` with its axes in the order of `labels` (by dims label), or a one-line error naming the role. */
export function inOrder(c: ConstantArray | undefined, role: string, name: string, labels: readonly string[]): ConstantArray {
  if (!c) throw new DetcalError('BAD_INPUT', `the ${role} constants have no ${name}; pass the file \`detcal ${role === 'dark' ? 'dark agipd' : `gain ${role} agipd`}\` writes`);
  const order = labels.map((l) => c.dims.indexOf(l));
  if (order.some((i) => i < 0) || c.dims.length !== labels.length) {
    throw new DetcalError('SHAPE_MISMATCH', `${role} ${name}: axes [${c.dims}] but expected the labels ${labels.join(', ')} in any order`);
  }
  return order.every((k, i) => k === i) ? c : transpose(c, order);
}

/** Photon energy: the parameter, else the X-ray set's metadata, else the default. */
function photonEnergyOf(param: number, xray: ConstantSet): { kev: number; source: string } {
  if (param > 0) return { kev: param, source: 'parameter' };
  const meta = { ...xray.metadata.conditions, ...xray.metadata.parameters } as Record<string, unknown>;
  for (const key of ['photonEnergyKev', 'photon_energy_kev', 'photonEnergy']) {
    const v = Number(meta[key]);
    if (Number.isFinite(v) && v > 0) return { kev: v, source: `xray metadata ${key}` };
  }
  return { kev: AGIPD_DEFAULT_PHOTON_ENERGY_KEV, source: 'default (Cu K-alpha)' };
}

/** Combines dark, current-source and X-ray constants into one constant set. */
export async function agipdCombine(request: GainRequest): Promise<ConstantSet> {
  const p = resolveParameters(AGIPD_COMBINE_PARAMETERS, request.parameters);
  for (const role of AGIPD_COMBINE_INPUTS) {
    if (!request.inputs[role]) throw new DetcalError('BAD_INPUT', `gain combine needs the ${role} constants: pass --${role} FILE`);
  }
  const { dark, xray } = request.inputs;
  const cs = request.inputs['current-source'];
  const G4 = ['gain', 'cell', 'row', 'col'];
  const T4 = ['threshold', 'cell', 'row', 'col'];
  const slopes = inOrder(cs.constants.analogGains, 'current-source', 'analogGains', G4);
  const lineOffsets = inOrder(cs.constants.analogLineOffsets, 'current-source', 'analogLineOffsets', G4);
  const thresholds = inOrder(cs.constants.digitalThresholds, 'current-source', 'digitalThresholds', T4);
  const darkOffset = inOrder(dark.constants.Offset, 'dark', 'Offset', G4);
  const spacing = inOrder(xray.constants.photonSpacing, 'xray', 'photonSpacing', ['row', 'col']);
  const [stages, cells, rows, cols] = slopes.shape;
  if (stages !== 3 || rows !== agipdGeometry.moduleRows || cols !== agipdGeometry.moduleCols) {
    throw new DetcalError('SHAPE_MISMATCH', `current-source analogGains has shape [${slopes.shape}] (as [gain, cell, row, col]); expected [3, cells, ${agipdGeometry.moduleRows}, ${agipdGeometry.moduleCols}]`);
  }
  if (darkOffset.shape[1] !== cells || darkOffset.shape[2] !== rows || darkOffset.shape[3] !== cols || darkOffset.shape[0] < 1) {
    throw new DetcalError('SHAPE_MISMATCH', `dark Offset has shape [${darkOffset.shape}] but the current-source scan has ${cells} cells of ${rows}x${cols}; use a dark taken with the same memory cells`);
  }
  if (spacing.shape[0] !== rows || spacing.shape[1] !== cols) {
    throw new DetcalError('SHAPE_MISMATCH', `xray photonSpacing has shape [${spacing.shape}] (as [row, col]); expected [${rows}, ${cols}]`);
  }
  const xc = numberParam(p, 'xray_cell');
  if (!(Number.isInteger(xc) && xc >= 0 && xc < cells)) throw new DetcalError('BAD_INPUT', `parameter xray_cell=${xc}: the scan has cells 0..${cells - 1}`);
  const energy = photonEnergyOf(numberParam(p, 'photon_energy_kev'), xray);
  const pixels = rows * cols;
  const plane = cells * pixels;
  const s = toFloat32Array(slopes.data);
  const ps = toFloat32Array(spacing.data);
  const gain = new Float32Array(3 * plane);
  const offset = new Float32Array(3 * plane);
  const bad = new Uint32Array(3 * plane);
  const lo = toFloat32Array(lineOffsets.data), dOff = toFloat32Array(darkOffset.data);
  let noXray = 0;
  let noScan = 0;
  for (let c = 0; c < cells; c++) {
    for (let q = 0; q < pixels; q++) {
      const i = c * pixels + q;
      const sHG = s[i];
      const sRef = s[xc * pixels + q];
      const aduPerPhoton = ps[q] * (sHG / sRef);
      const gHG = energy.kev / aduPerPhoton;
      const xrayOk = Number.isFinite(aduPerPhoton) && aduPerPhoton > 0 && Number.isFinite(ps[q]) && ps[q] > 0;
      if (!(Number.isFinite(ps[q]) && ps[q] > 0)) noXray++;
      for (let g = 0; g < 3; g++) {
        const j = g * plane + i;
        const ratio = g === 0 ? 1 : sHG / s[j];
        const scanOk = Number.isFinite(sHG) && Number.isFinite(sRef) && sHG > 0 && sRef > 0 && Number.isFinite(s[j]) && s[j] > 0;
        gain[j] = xrayOk && scanOk ? gHG * ratio : NaN;
        offset[j] = g === 0 ? dOff[i] : lo[j];
        if (!scanOk) bad[j] |= BadPixel.CI_EVAL_ERROR;
        if (!xrayOk) bad[j] |= BadPixel.FF_GAIN_EVAL_ERROR;
        if (g === 0 && !scanOk) noScan++;
      }
    }
  }
  const shape = [3, cells, rows, cols];
  return makeConstantSet(
    {
      detectorType: 'agipd',
      detectorId: request.detectorId,
      module: request.module,
      conditions: { ...dark.metadata.conditions, ...request.conditions, memoryCells: cells },
      sourceRuns: [...new Set([...dark.metadata.sourceRuns, ...cs.metadata.sourceRuns, ...xray.metadata.sourceRuns])],
      createdAt: new Date().toISOString(),
      toolVersion: DETCAL_VERSION,
      parameters: {
        method: 'agipd-seed combine',
        photonEnergyKev: energy.kev,
        photonEnergySource: energy.source,
        xrayCell: xc,
        pixelsWithoutPhotonSpacing: noXray,
        pixelCellsWithoutHighGainSlope: noScan,
        gainFormula: 'HG: E / (photonSpacing * sHG[cell] / sHG[xray_cell]); MG, LG: HG * sHG / s_stage',
        offsets: 'HG: dark Offset[0]; MG, LG: current-source analogLineOffsets',
        thresholds: 'current-source digitalThresholds',
      },
    },
    [
      makeConstant('GainKevPerAdu', gain, shape, ['gain', 'cell', 'row', 'col'], 'keV/ADU'),
      makeConstant('Offset', offset, shape, ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('ThresholdsDark', toFloat32Array(thresholds.data), [2, cells, rows, cols], T4, 'ADU'),
      makeConstant('BadPixelsGain', bad, shape, ['gain', 'cell', 'row', 'col'], ''),
    ],
  );
}

/** The combination step of the AGIPD plugin. */
export const agipdCombineStep: GainStep = {
  description: 'combine dark (HG offset), current-source (slopes, MG/LG offsets, thresholds) and X-ray (photon spacing) into gains in keV/ADU per stage, cell and pixel',
  inputs: AGIPD_COMBINE_INPUTS,
  parameters: AGIPD_COMBINE_PARAMETERS,
  run: agipdCombine,
};
