/**
 * Merging status arrays of one panel (as the LCLS status merge does): every `status_*` calib type of
 * the detector except status_merged, each the newest with time stamp <= the requested time (payload
 * checked), OR-ed pixel by pixel into a uint64 `status_merged` entry.
 */
import path from 'node:path';
import { DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, type ConstantArray, type Validity } from '@detcal/core';
import { addConstants } from './add-constant.js';
import { canonicalDetectorType } from './detector-types.js';
import { findEntry } from './find-constant.js';
import type { StoreEntry } from './index-db.js';
import { readPayloadConstant } from './payload-io.js';
import type { StoreContext } from './store-context.js';
import { parseTime } from './time-parse.js';

/** Calib type of the merged result. */
export const MERGED_CTYPE = 'status_merged';

/** What to merge. */
export interface MergeStatusOptions {
  /** Detector type. */
  detectorType: string;
  /** Detector id or alias. */
  detectorId: string;
  /** Module (default any). */
  module?: number;
  /** Requested time (default now): each input is the newest with time stamp <= it. */
  at?: string;
  /** Validity of the merged entry (default runs 0-end, begin time = the requested time). */
  validity?: Partial<Validity>;
  /** Experiment. */
  exp?: string;
  /** Run. */
  run?: number;
  /** Comment. */
  comment?: string;
}

/** The merged entry and what went into it. */
export interface MergeStatusResult {
  /** The new status_merged entry. */
  entry: StoreEntry;
  /** The status entries OR-ed together. */
  inputs: StoreEntry[];
  /** Pixels with a non-zero merged status. */
  badPixels: number;
  /** The merged array. */
  constant: ConstantArray;
}

/** Merges the status_* constants of a detector into a new status_merged entry. */
export async function mergeStatus(ctx: StoreContext, o: MergeStatusOptions): Promise<MergeStatusResult> {
  const detectorType = canonicalDetectorType(o.detectorType);
  const at = parseTime(o.at ?? new Date(), '--at');
  const ctypes = (ctx.db.prepare(`SELECT DISTINCT ctype FROM constants WHERE detector_type = ? AND (detector_id = ? OR alias = ?) AND is_default = 0
      AND ctype LIKE 'status\\_%' ESCAPE '\\' AND ctype != ? ${o.module !== undefined ? 'AND module = ?' : ''} ORDER BY ctype`)
    .all(detectorType, o.detectorId, o.detectorId, MERGED_CTYPE, ...(o.module !== undefined ? [o.module] : [])) as Array<{ ctype: string }>).map((r) => r.ctype);
  if (ctypes.length === 0) throw new DetcalError('NOT_FOUND', `no status_* constants of ${detectorType} ${o.detectorId} in the store; add status_dark / status_data ... first (see \`detcal constants list\`)`);
  const inputs: StoreEntry[] = [];
  const arrays: ConstantArray[] = [];
  for (const ctype of ctypes) {
    let found;
    try {
      found = findEntry(ctx, { detectorType, detectorId: o.detectorId, module: o.module, ctype, at, strategy: 'prior', useDefaults: false });
    } catch (err) {
      if (err instanceof DetcalError && err.code === 'NOT_FOUND') continue; // every version is newer than the requested time
      throw err;
    }
    inputs.push(found.entry);
    arrays.push((await readPayloadConstant(path.join(ctx.dir, found.entry.path), ctype)).constant);
  }
  if (inputs.length === 0) throw new DetcalError('NOT_FOUND', `no status_* constant of ${detectorType} ${o.detectorId} has a time stamp at or before ${at}; pass a later --at`);
  const first = arrays[0];
  for (let k = 1; k < arrays.length; k++) {
    if (arrays[k].shape.join('x') !== first.shape.join('x')) {
      throw new DetcalError('SHAPE_MISMATCH', `cannot merge ${inputs[k].ctype} (entry ${inputs[k].id}, shape ${arrays[k].shape.join('x')}) with ${inputs[0].ctype} (entry ${inputs[0].id}, shape ${first.shape.join('x')}); fix or remove one`);
    }
  }
  const merged = new BigUint64Array(first.data.length);
  for (const a of arrays) {
    const d = a.data as ArrayLike<number | bigint>;
    for (let i = 0; i < merged.length; i++) {
      const v = d[i];
      if (v) merged[i] |= typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
    }
  }
  let badPixels = 0;
  for (let i = 0; i < merged.length; i++) if (merged[i] !== 0n) badPixels++;
  const constant = makeConstant(MERGED_CTYPE, merged, [...first.shape], [...first.dims], '');
  const base = inputs[0];
  const set = makeConstantSet({
    detectorType,
    detectorId: base.detectorId,
    module: base.module,
    conditions: base.conditions,
    sourceRuns: [...new Set(inputs.flatMap((e) => e.sourceRuns))],
    createdAt: new Date().toISOString(),
    toolVersion: DETCAL_VERSION,
    parameters: { mergedAt: at, merged: inputs.map((e) => ({ ctype: e.ctype, id: e.id, path: e.path })) },
  }, [constant]);
  const [entry] = await addConstants(ctx, set, {
    validity: { beginRun: 0, endRun: null, beginTime: at, endTime: null, ...o.validity },
    exp: o.exp ?? base.exp,
    run: o.run,
    comment: o.comment ?? `OR of ${inputs.map((e) => `${e.ctype}#${e.id}`).join(' ')}`,
    action: 'merge-status',
  });
  return { entry, inputs, badPixels, constant };
}
