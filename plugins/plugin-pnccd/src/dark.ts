/**
 * `detcal dark pnccd`. `--method euxfel` (default), the three iterations of the European XFEL
 * pnCCD dark notebook v2.0 on the non-empty frames:
 *   1. Offset and Noise (mean and std over frames), first bad-pixel map;
 *   2. NoiseCM: offset subtracted, per frame the median of the good pixels of each half row
 *      (512 pixels read out together) subtracted; second map from Offset and NoiseCM;
 *   3. the second map's bad pixels left out of the medians and cosmic-ray hits left out of every
 *      statistic: a value is a hit when, after offset and common mode, it exceeds sigma_cosmic x
 *      the pixel's iteration-2 NoiseCM without its largest value (so that one hit in a short run
 *      cannot hide itself by inflating the noise it is compared with); Offset, Noise and NoiseCM
 *      again without the hits, final map from Offset and NoiseCM.
 * Constants are [gain][cell][row][col] with singleton axes kept; the hit counts go into the metadata.
 * `--method psana`: LCLS DarkProc (pedestals, pixel_rms, pixel_status).
 */
import { DetcalError, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters, type BlockRing, type ConstantSet, type DarkRequest } from '@detcal/core';
import {
  commonModeNoisePass, createCommonModeMedianCache, darkPass, prestartCommonModeNoiseWorkers, flaggedMask, psanaDarkConstants, singleGainBadPixels, singleGainRun, stdWithoutMax, zeroNoiseMask,
  type CommonModeSpec, type ComputeBackend,
} from '@detcal/kernels';
import { PNCCD_DARK_PARAMETERS, pnccdLimits } from './dark-parameters.js';
import { pnccdGeometry } from './geometry.js';

/** Runs the pnCCD dark characterization with the request's method. */
export async function pnccdDark(request: DarkRequest): Promise<ConstantSet> {
  const g = pnccdGeometry;
  const rows = g.moduleRows, cols = g.moduleCols;
  if (request.method === 'psana') return psanaDarkConstants(request, { detectorType: 'pnccd', detector: 'pnCCD', rows, cols });
  if (request.method !== 'euxfel') throw new DetcalError('BAD_INPUT', `--method ${request.method} is not available for pnccd: use euxfel or psana`);
  const p = resolveParameters(PNCCD_DARK_PARAMETERS, request.parameters);
  const stream = singleGainRun(request, 'pnCCD', rows, cols);
  const backend = request.backend as ComputeBackend;
  const limits = pnccdLimits(p);
  const sigmaCosmic = numberParam(p, 'sigma_cosmic');
  const commonMode: CommonModeSpec = {
    bank: { bankRows: g.asics.asicRows, bankCols: g.asics.asicCols },
    passes: ['row'],
    minPixels: numberParam(p, 'cm_min_pixels'),
  };
  const { progress, threads } = request;

  // Iteration 1: offset and noise; the common-mode workers of iterations 2 and 3 load meanwhile.
  // The three passes read into the same block arrays (mapped once, not three times).
  if (backend.name === 'cpu') prestartCommonModeNoiseWorkers(threads ?? 1);
  const ring: BlockRing = { slots: [] };
  const pass1 = await darkPass(stream, { backend, nCells: 1, threads, progress, phase: 'offset', ring });
  const map1 = singleGainBadPixels(pass1.meanAdu, pass1.stdAdu, pass1.count, limits);
  const frozen = zeroNoiseMask(pass1.stdAdu);
  // Iteration 2: noise after common-mode correction; its group medians are kept for iteration 3,
  // which takes them where map 2 leaves out the same pixels as map 1 (same offset, same frames). In those
  // segments, iteration 3 takes the statistics of the pixels that cannot have a cosmic-ray hit (their
  // maximum in iteration 2 is not above the threshold) from iterations 2 (corrected) and 1 (raw).
  const medianCache = createCommonModeMedianCache();
  const pass2 = await commonModeNoisePass(stream, {
    backend, offsetAdu: pass1.meanAdu, medianMask: flaggedMask(map1.flags), medianCache, frozen, commonMode, trackMax: sigmaCosmic > 0, threads, progress, phase: 'noise-cm', ring,
  });
  const c2 = pass2.corrected;
  const map2 = singleGainBadPixels(pass1.meanAdu, c2.stdAdu, pass1.count, limits);
  // Iteration 3: bad pixels out of the medians, cosmic-ray hits out of every statistic.
  const pass3 = await commonModeNoisePass(stream, {
    backend,
    offsetAdu: pass1.meanAdu,
    medianMask: flaggedMask(map2.flags),
    medianCache,
    frozen,
    commonMode,
    cosmic: sigmaCosmic > 0 ? { sigma: sigmaCosmic, noiseAdu: stdWithoutMax(c2.meanAdu, c2.stdAdu, c2.count, pass2.maxAdu!) } : undefined,
    rawStatistics: true,
    previous: pass2,
    previousRaw: pass1,
    threads,
    progress,
    phase: 'cosmics',
    ring,
  });
  const raw = pass3.raw!;
  const offset = raw.meanAdu, noise = raw.stdAdu, noiseCM = pass3.corrected.stdAdu;
  const map3 = singleGainBadPixels(offset, noiseCM, raw.count, limits);

  const dims = ['gain', 'cell', 'row', 'col'];
  const shape = [1, 1, rows, cols];
  return makeConstantSet(
    darkMetadata(request, 'pnccd', {
      ...p,
      frames: pass1.frames,
      emptyFrames: pass1.emptyFrames,
      cosmicValuesExcluded: pass3.excludedValues,
      cosmicFramesWithHits: pass3.framesWithExclusions,
      cosmicPixelsWithHits: pass3.pixelsWithExclusions,
      commonModeGroupsSkipped: pass3.groupsSkipped,
      badPixelMaps: [
        { iteration: 1, noise: 'Noise', bad: map1.bad, flagged: map1.counts },
        { iteration: 2, noise: 'NoiseCM', bad: map2.bad, flagged: map2.counts },
        { iteration: 3, noise: 'NoiseCM without cosmics', bad: map3.bad, flagged: map3.counts },
      ],
    }),
    [
      makeConstant('Offset', offset, shape, dims, 'ADU'),
      makeConstant('Noise', noise, shape, dims, 'ADU'),
      makeConstant('NoiseCM', noiseCM, shape, dims, 'ADU'),
      makeConstant('BadPixelsDark', map3.flags, shape, dims, ''),
    ],
  );
}
