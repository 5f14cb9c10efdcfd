/**
 * The status as a ConstantSet (one uint64 constant named by the ctype, as LCLS pixel_status), ready
 * for writeConstantsFile or the store (`detcal constants merge-status` ORs the status_* entries of a
 * panel into status_merged there).
 */
import { DetcalError, DETCAL_VERSION, makeConstant, makeConstantSet, type ConstantSet, type Conditions, type Validity } from '@detcal/core';
import type { PixelStatusResult } from './pixel-status.js';

/** Where the status came from, for the constants metadata. */
export interface PixelStatusMeta {
  /** Plugin id of the detector type (e.g. 'epix100'). */
  detectorType: string;
  /** Identifier of the detector / panel (serial, PDU or source name). */
  detectorId: string;
  /** Module (segment) index; with several results, the first segment's. */
  module: number;
  /** Runs (or paths) the status was derived from. */
  sourceRuns: string[];
  /** Operating conditions (e.g. { gmode: 'AHL-H' }). */
  conditions?: Conditions;
  /** Extra parameters merged over the result's. */
  parameters?: Record<string, unknown>;
  /** Creation time, ISO 8601 UTC (default now). */
  createdAt?: string;
  /** Validity, if already decided. */
  validity?: Validity;
}

/** Converts status bits to the uint64 array LCLS stores. */
function toUint64(status: Uint32Array): BigUint64Array {
  const out = new BigUint64Array(status.length);
  for (let i = 0; i < status.length; i++) out[i] = BigInt(status[i]);
  return out;
}

/**
 * The status of one segment (dims row, col) or of several segments stacked (dims segment, row, col)
 * as a ConstantSet with one uint64 constant named by the ctype.
 * @param result - one result, or one per segment (same ctype and shape)
 * @param meta - detector, runs, conditions
 */
export function pixelStatusToConstantSet(result: PixelStatusResult | readonly PixelStatusResult[], meta: PixelStatusMeta): ConstantSet {
  const list = Array.isArray(result) ? (result as readonly PixelStatusResult[]) : [result as PixelStatusResult];
  if (list.length === 0) throw new DetcalError('BAD_INPUT', 'pixelStatusToConstantSet: no results');
  const first = list[0].summary;
  for (const r of list) {
    if (r.summary.ctype !== first.ctype || r.summary.rows !== first.rows || r.summary.cols !== first.cols) {
      throw new DetcalError('SHAPE_MISMATCH', `pixelStatusToConstantSet: segments differ (${r.summary.ctype} ${r.summary.rows}x${r.summary.cols} vs ${first.ctype} ${first.rows}x${first.cols})`);
    }
  }
  const pixels = first.rows * first.cols;
  const stacked = new Uint32Array(pixels * list.length);
  list.forEach((r, i) => stacked.set(r.status, i * pixels));
  const single = !Array.isArray(result);
  const constant = makeConstant(
    first.ctype,
    toUint64(stacked),
    single ? [first.rows, first.cols] : [list.length, first.rows, first.cols],
    single ? ['row', 'col'] : ['segment', 'row', 'col'],
    '',
  );
  return makeConstantSet(
    {
      detectorType: meta.detectorType,
      detectorId: meta.detectorId,
      module: meta.module,
      conditions: meta.conditions ?? {},
      sourceRuns: meta.sourceRuns,
      createdAt: meta.createdAt ?? new Date().toISOString(),
      toolVersion: DETCAL_VERSION,
      parameters: { ...list[0].parameters, ctype: first.ctype, ...(meta.parameters ?? {}) },
      ...(meta.validity ? { validity: meta.validity } : {}),
    },
    [constant],
  );
}
