/**
 * Fits the cells of a regrouped scan in groups of memory cells with bounded memory: the outputs of one
 * group live in a slot of float32 arrays sized for the group, two slots alternate, and a finished group
 * is handed to `onGroup` (which writes it out) while the workers already fit the first cell of the next
 * group into the other slot. Reading cell c + 1 overlaps the fit of cell c.
 */
import type { GainRequest } from '@detcal/core';
import { GainScanPool, sharedFloat32, sharedScanBuffer, type GainScanFitCounts, type GainScanFitSettings, type GainScanOutputs, type GainScanPlacement } from '@detcal/kernels';
import type { ScanStore } from './gain-current-source-cells.js';

/** Float32 values the fit writes per pixel-cell: 3 x 3 analog, 2 x 3 digital, 2 thresholds, 2 safety factors. */
export const CS_OUTPUTS_PER_PIXEL_CELL = 19;

/** The output arrays of one group of cells, laid out as the constants of that group. */
export type CsGroupArrays = Pick<GainScanOutputs, 'analogGains' | 'analogLineOffsets' | 'analogFitStdDevs' | 'digitalMeans' | 'digitalStdDeviations' | 'digitalThresholds' | 'digitalSpacingsSafetyFactors'>;

/** Arrays for up to `cells` cells of `pixels` pixels (shared, so worker threads write them in place). */
function groupArrays(cells: number, pixels: number): CsGroupArrays {
  const n = cells * pixels;
  return {
    analogGains: sharedFloat32(3 * n),
    analogLineOffsets: sharedFloat32(3 * n),
    analogFitStdDevs: sharedFloat32(3 * n),
    digitalMeans: sharedFloat32(3 * n),
    digitalStdDeviations: sharedFloat32(3 * n),
    digitalThresholds: sharedFloat32(2 * n),
    digitalSpacingsSafetyFactors: sharedFloat32(2 * n),
  };
}

/**
 * Where cell `local` of a group of `n` cells goes: stage-major arrays [stage][cell][pixel] have stage
 * stride n * pixels; the transposed (reference) digital means / stds and safety factors are cell-major
 * [cell][stage][pixel].
 */
function placementOf(local: number, n: number, pixels: number, transposed: boolean): Pick<GainScanPlacement, 'analog' | 'digital' | 'thresholds' | 'safety'> {
  const stageMajor = { base: local * pixels, stride: n * pixels };
  return {
    analog: stageMajor,
    digital: transposed ? { base: local * 3 * pixels, stride: pixels } : stageMajor,
    thresholds: stageMajor,
    safety: transposed ? { base: local * 2 * pixels, stride: pixels } : stageMajor,
  };
}

/**
 * Fits every cell of the store, group by group of `groupCells` cells.
 * @param store - the scan regrouped by cell
 * @param settings - fit settings
 * @param pixelOut - output position of each input pixel (transposed frame), or undefined for the identity
 * @param groupCells - cells per group (the last group may be smaller)
 * @param request - threads and progress
 * @param onGroup - receives cells [c0, c1) as arrays of exactly that group's size; the arrays are reused after it resolves
 * @returns the summed counts
 */
export async function fitCellGroups(
  store: ScanStore,
  settings: GainScanFitSettings,
  pixelOut: Int32Array | undefined,
  groupCells: number,
  request: Pick<GainRequest, 'threads' | 'progress'>,
  onGroup: (c0: number, c1: number, arrays: CsGroupArrays) => Promise<void>,
): Promise<GainScanFitCounts> {
  const { cells, steps, pixels } = store;
  const transposed = pixelOut !== undefined;
  const slots = [groupArrays(groupCells, pixels)];
  if (cells > groupCells) slots.push(groupArrays(groupCells, pixels));
  const nOf = (c0: number): number => Math.min(groupCells, cells - c0);
  // the arrays of group g as its constants: each array cut to the group's own size
  const groupView = (g: number): CsGroupArrays => {
    const s = slots[g % slots.length], n = nOf(g * groupCells) * pixels;
    return {
      analogGains: s.analogGains.subarray(0, 3 * n),
      analogLineOffsets: s.analogLineOffsets.subarray(0, 3 * n),
      analogFitStdDevs: s.analogFitStdDevs.subarray(0, 3 * n),
      digitalMeans: s.digitalMeans.subarray(0, 3 * n),
      digitalStdDeviations: s.digitalStdDeviations.subarray(0, 3 * n),
      digitalThresholds: s.digitalThresholds.subarray(0, 2 * n),
      digitalSpacingsSafetyFactors: s.digitalSpacingsSafetyFactors.subarray(0, 2 * n),
    };
  };
  const threads = Math.max(1, request.threads ?? 1);
  const pool = new GainScanPool(threads, pixels, steps, settings, { ...slots[0], ...placementOf(0, nOf(0), pixels, transposed), pixelOut });
  const buffers = [sharedScanBuffer(steps * 2 * pixels), sharedScanBuffer(steps * 2 * pixels)];
  const counts: GainScanFitCounts = { noSwitching: 0, stageFitsMissing: 0, spikes: 0 };
  const add = (c: GainScanFitCounts): void => {
    counts.noSwitching += c.noSwitching;
    counts.stageFitsMissing += c.stageFitsMissing;
    counts.spikes += c.spikes;
  };
  try {
    let pending: Promise<GainScanFitCounts> | undefined;
    for (let c = 0; c < cells; c++) {
      const data = buffers[c % 2];
      store.readCell(c, data);
      if (pending) {
        add(await pending);
        request.progress?.(pixels, 0, 'fit');
      }
      const g = Math.floor(c / groupCells), c0 = g * groupCells;
      pending = pool.fitCell(
        { data, nSteps: steps, frameStride: 2 * pixels, analogOffset: 0, digitalOffset: pixels },
        // slot 0 is the pool's own arrays; only the second slot's travel with the cell
        { ...(g % 2 === 1 ? slots[1] : {}), ...placementOf(c - c0, nOf(c0), pixels, transposed) },
      );
      // the previous group is complete (its last cell was awaited above): write it while cell c is fitted
      if (c === c0 && g > 0) await onGroup(c0 - groupCells, c0, groupView(g - 1));
    }
    if (pending) {
      add(await pending);
      request.progress?.(pixels, 0, 'fit');
    }
    if (cells > 0) {
      const last = Math.floor((cells - 1) / groupCells);
      await onGroup(last * groupCells, cells, groupView(last));
    }
  } finally {
    await pool.close();
  }
  return counts;
}
