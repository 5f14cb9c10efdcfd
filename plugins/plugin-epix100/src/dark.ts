/**
 * `detcal dark epix100`. `--method euxfel` (default), as the European XFEL ePix100 dark notebook:
 * pass 1 gives Offset and Noise (mean and std over frames) and a first bad-pixel map with the
 * n-sigma rules per ASIC; each common-mode pass subtracts the offset and, per frame, the median
 * of the good pixels of each ASIC row (and / or column), accumulates NoiseCM and rebuilds the map
 * from Offset and NoiseCM, whose bad pixels the next pass leaves out of the medians.
 * BadPixelsDark is the last map. Constants are [gain][cell][row][col] with singleton axes kept.
 * `--method psana`: LCLS DarkProc (pedestals, pixel_rms, pixel_status) on the 708 raw rows as they come.
 */
import { DetcalError, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters, type BlockRing, type ConstantSet, type DarkRequest } from '@detcal/core';
import {
  commonModeNoisePass, createCommonModeMedianCache, darkPass, prestartCommonModeNoiseWorkers, flaggedMask, psanaDarkConstants, singleGainBadPixels, singleGainRun, zeroNoiseMask,
  type CommonModeNoiseResult, type ComputeBackend, type DarkBadPixelCounts,
} from '@detcal/kernels';
import { EPIX100_DARK_PARAMETERS, epix100CommonModePasses, epix100Limits } from './dark-parameters.js';
import { epix100Geometry } from './geometry.js';

/** True when two masks leave out the same pixels. */
function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) return false;
  return true;
}

/** Runs the ePix100 dark characterization with the request's method. */
export async function epix100Dark(request: DarkRequest): Promise<ConstantSet> {
  const g = epix100Geometry;
  const rows = g.moduleRows, cols = g.moduleCols;
  if (request.method === 'psana') return psanaDarkConstants(request, { detectorType: 'epix100', detector: 'ePix100', rows, cols });
  if (request.method !== 'euxfel') throw new DetcalError('BAD_INPUT', `--method ${request.method} is not available for epix100: use euxfel or psana`);
  const p = resolveParameters(EPIX100_DARK_PARAMETERS, request.parameters);
  const iterations = numberParam(p, 'cm_iterations');
  if (!(Number.isInteger(iterations) && iterations >= 0)) throw new DetcalError('BAD_INPUT', `parameter cm_iterations=${iterations}: must be an integer >= 0`);
  const passes = epix100CommonModePasses(String(p.cm_axes));
  const stream = singleGainRun(request, 'ePix100', rows, cols);
  const backend = request.backend as ComputeBackend;
  const limits = epix100Limits(p);
  const tiles = { rows, cols, tileRows: g.asics.asicRows, tileCols: g.asics.asicCols };

  const threads = request.threads;
  // the common-mode workers of the iterations load while the first pass runs
  if (iterations > 0 && backend.name === 'cpu') prestartCommonModeNoiseWorkers(threads ?? 1);
  // every pass reads into the same block arrays (mapped once, not once per pass)
  const ring: BlockRing = { slots: [] };
  const pass1 = await darkPass(stream, { backend, nCells: 1, threads, progress: request.progress, phase: 'offset', ring });
  const offset = pass1.meanAdu, noise = pass1.stdAdu;
  let map = singleGainBadPixels(offset, noise, pass1.count, limits, tiles);
  const frozen = zeroNoiseMask(noise);
  const maps: Array<{ noise: string; bad: number; flagged: DarkBadPixelCounts }> = [{ noise: 'Noise', bad: map.bad, flagged: map.counts }];
  let noiseCM: Float32Array | undefined;
  let groupsSkipped = 0;
  // Each pass keeps its group medians; the next takes them where its mask is unchanged. A pass whose
  // mask equals the previous pass's (the map did not change) would repeat it exactly: its result is reused.
  const medianCache = createCommonModeMedianCache();
  let previous: { mask: Uint8Array; r: CommonModeNoiseResult } | undefined;
  for (let it = 1; it <= iterations; it++) {
    const medianMask = flaggedMask(map.flags);
    const r = previous && sameMask(previous.mask, medianMask) ? previous.r : await commonModeNoisePass(stream, {
      backend,
      offsetAdu: offset,
      medianMask,
      medianCache,
      previous: previous?.r,
      frozen,
      commonMode: { bank: { bankRows: g.asics.asicRows, bankCols: g.asics.asicCols }, passes, minPixels: numberParam(p, 'cm_min_pixels') },
      threads,
      progress: request.progress,
      phase: `noise-cm ${it}/${iterations}`,
      ring,
    });
    previous = { mask: medianMask, r };
    noiseCM = r.corrected.stdAdu;
    groupsSkipped = r.groupsSkipped;
    map = singleGainBadPixels(offset, noiseCM, pass1.count, limits, tiles);
    maps.push({ noise: `NoiseCM ${it}`, bad: map.bad, flagged: map.counts });
  }

  const dims = ['gain', 'cell', 'row', 'col'];
  const shape = [1, 1, rows, cols];
  const arrays = [makeConstant('Offset', offset, shape, dims, 'ADU'), makeConstant('Noise', noise, shape, dims, 'ADU')];
  if (noiseCM) arrays.push(makeConstant('NoiseCM', noiseCM, shape, dims, 'ADU'));
  arrays.push(makeConstant('BadPixelsDark', map.flags, shape, dims, ''));
  return makeConstantSet(
    darkMetadata(request, 'epix100', { ...p, frames: pass1.frames, emptyFrames: pass1.emptyFrames, commonModeGroupsSkipped: groupsSkipped, badPixelMaps: maps }),
    arrays,
  );
}
