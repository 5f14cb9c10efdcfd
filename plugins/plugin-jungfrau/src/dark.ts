/**
 * `detcal dark jungfrau`: three runs (dynamic = G0, forceswitchg1, forceswitchg2; or the fixed-gain
 * variants) -> Offset, Noise and BadPixelsDark per gain stage, memory cell and pixel. Only values
 * whose raw gain bits match the run's stage (0, 1, 3) are averaged; the others are counted per pixel
 * and flagged WRONG_GAIN_VALUE.
 */
import { BadPixel, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters, type ConstantSet, type DarkRequest } from '@detcal/core';
import { characterizeGainStages } from '@detcal/kernels';
import { JUNGFRAU_DARK_PARAMETERS, jungfrauStageLimits } from './dark-parameters.js';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import { jungfrauGeometry } from './geometry.js';

/** Flags WRONG_GAIN_VALUE where the rejected fraction exceeds `fraction`; returns the pixels flagged. */
export function flagWrongGain(rejected: Uint32Array, accepted: Uint32Array, flags: Uint32Array, fraction: number): number {
  let flagged = 0;
  for (let i = 0; i < rejected.length; i++) {
    const total = rejected[i] + accepted[i];
    if (rejected[i] > 0 && rejected[i] > fraction * total) {
      flags[i] |= BadPixel.WRONG_GAIN_VALUE;
      flagged++;
    }
  }
  return flagged;
}

/** Runs the Jungfrau dark characterization. */
export async function jungfrauDark(request: DarkRequest): Promise<ConstantSet> {
  const p = resolveParameters(JUNGFRAU_DARK_PARAMETERS, request.parameters);
  const g = jungfrauGeometry;
  const r = await characterizeGainStages(request, {
    detector: 'Jungfrau',
    stageNames: ['G0 (dynamic)', 'G1 (forceswitchg1)', 'G2 (forceswitchg2)'],
    rows: g.moduleRows,
    cols: g.moduleCols,
    digital: false,
    acceptGain: (s) => JUNGFRAU_GAIN_BITS[s],
    limits: (s) => jungfrauStageLimits(p, s),
  });
  const n = r.nCells * r.nPixels;
  const wrongGain = r.stages.map((st, s) => ({
    stage: s,
    rejectedValues: st.rejected.reduce((a, b) => a + b, 0),
    pixelsFlagged: flagWrongGain(st.rejected, st.count, r.badPixels.subarray(s * n, (s + 1) * n), numberParam(p, 'wrong_gain_fraction')),
  }));
  const dims = ['gain', 'cell', 'row', 'col'];
  const shape = [3, r.nCells, g.moduleRows, g.moduleCols];
  return makeConstantSet(darkMetadata(request, 'jungfrau', { ...p, wrongGain, gainSignatures: r.gainSignatures }, { memoryCells: r.nCells }), [
    makeConstant('Offset', r.offsetAdu, shape, dims, 'ADU'),
    makeConstant('Noise', r.noiseAdu, shape, dims, 'ADU'),
    makeConstant('BadPixelsDark', r.badPixels, shape, dims, ''),
  ]);
}
