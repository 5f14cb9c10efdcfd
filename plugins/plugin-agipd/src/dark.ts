/**
 * `detcal dark agipd`: three dark runs (high, medium, low gain) -> Offset, Noise per gain, cell and
 * pixel; ThresholdsDark (HG/MG and MG/LG: mean of adjacent stages' digital means) with the
 * digital means and stds; BadPixelsDark with the EuXFEL bits, GAIN_THRESHOLDING_ERROR where the
 * digital levels of adjacent stages are not separated by thresholds_gain_sigma summed stds.
 */
import { BadPixel, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters, type ConstantSet, type DarkRequest } from '@detcal/core';
import { characterizeGainStages } from '@detcal/kernels';
import { AGIPD_DARK_PARAMETERS, agipdStageLimits } from './dark-parameters.js';
import { agipdGeometry } from './geometry.js';

/** Thresholds [2][cell][pixel] and GAIN_THRESHOLDING_ERROR flags from the digital statistics of the three stages. */
export function agipdThresholds(
  digitalMean: readonly Float32Array[],
  digitalStd: readonly Float32Array[],
  gainSigma: number,
  badPixels: Uint32Array,
): { thresholds: Float32Array; flagged: number } {
  const n = digitalMean[0].length;
  const thresholds = new Float32Array(2 * n);
  let flagged = 0;
  for (let t = 0; t < 2; t++) {
    const lo = digitalMean[t], hi = digitalMean[t + 1], slo = digitalStd[t], shi = digitalStd[t + 1];
    for (let i = 0; i < n; i++) {
      thresholds[t * n + i] = (lo[i] + hi[i]) / 2;
      const separation = hi[i] - lo[i];
      // NaN separations fail the comparison too, so they are flagged.
      if (!(separation > gainSigma * (slo[i] + shi[i]))) {
        if ((badPixels[t * n + i] & BadPixel.GAIN_THRESHOLDING_ERROR) === 0 && (badPixels[(t + 1) * n + i] & BadPixel.GAIN_THRESHOLDING_ERROR) === 0) flagged++;
        badPixels[t * n + i] |= BadPixel.GAIN_THRESHOLDING_ERROR;
        badPixels[(t + 1) * n + i] |= BadPixel.GAIN_THRESHOLDING_ERROR;
      }
    }
  }
  return { thresholds, flagged };
}

/** Runs the AGIPD dark characterization. */
export async function agipdDark(request: DarkRequest): Promise<ConstantSet> {
  const p = resolveParameters(AGIPD_DARK_PARAMETERS, request.parameters);
  const g = agipdGeometry;
  const r = await characterizeGainStages(request, {
    detector: 'AGIPD',
    stageNames: g.gainStageNames,
    rows: g.moduleRows,
    cols: g.moduleCols,
    digital: true,
    limits: (s) => agipdStageLimits(p, s),
  });
  const digitalMean = r.stages.map((s) => s.digitalMean as Float32Array);
  const digitalStd = r.stages.map((s) => s.digitalStd as Float32Array);
  const th = agipdThresholds(digitalMean, digitalStd, numberParam(p, 'thresholds_gain_sigma'), r.badPixels);
  const dims = ['gain', 'cell', 'row', 'col'];
  const shape = [3, r.nCells, g.moduleRows, g.moduleCols];
  return makeConstantSet(
    darkMetadata(request, 'agipd', { ...p, gainThresholdingErrors: th.flagged, gainSignatures: r.gainSignatures }, { memoryCells: r.nCells }),
    [
      makeConstant('Offset', r.offsetAdu, shape, dims, 'ADU'),
      makeConstant('Noise', r.noiseAdu, shape, dims, 'ADU'),
      makeConstant('ThresholdsDark', th.thresholds, [2, r.nCells, g.moduleRows, g.moduleCols], ['threshold', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('DigitalMean', r.digitalMeanAdu as Float32Array, shape, dims, 'ADU'),
      makeConstant('DigitalStd', r.digitalStdAdu as Float32Array, shape, dims, 'ADU'),
      makeConstant('BadPixelsDark', r.badPixels, shape, dims, ''),
    ],
  );
}
