/**
 * Deploying a stored constant into a psana calib directory: the payload (checksum verified) written
 * as psana text (text constants verbatim) to `<calib>/<Group>/<source>/<ctype>/<range>.data`, with
 * backup and HISTORY line, and one line in the store log.
 */
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { deployToCalibDir, type CalibDeployResult } from './calib-dir.js';
import { psanaGroupFor } from './detector-types.js';
import type { StoreEntry } from './index-db.js';
import { psanaTextFor } from './export-constant.js';
import { readPayloadConstant } from './payload-io.js';
import { formatRunRange, parseRunRange, type RunRange } from './run-range.js';
import type { StoreContext } from './store-context.js';
import { appendLog } from './store-log.js';

/** Where and how to deploy an entry. */
export interface DeployOptions {
  /** psana calib directory. */
  calibDir: string;
  /** Calib group (default: the group the entry was imported from, else the detector type's, e.g. Epix100a::CalibV1). */
  group?: string;
  /** Source (default: the source the entry was imported from, else its detector id). */
  source?: string;
  /** Run range of the file name: 'A-B', 'A-end' or a RunRange (default: the entry's validity). */
  runRange?: string | RunRange;
  /** Calib type folder (default the entry's ctype; merge-status deploys status_merged as status_extra). */
  ctype?: string;
  /** HISTORY comment (default the entry's comment). */
  comment?: string;
  /** printf format of values (default per calib type). */
  fmt?: string;
}

/** What a deploy did. */
export interface DeployResult extends CalibDeployResult {
  /** The entry deployed. */
  entry: StoreEntry;
}

/** Deploys an entry whose payload has been checked. */
export async function deployEntry(ctx: StoreContext, entry: StoreEntry, o: DeployOptions): Promise<DeployResult> {
  const group = o.group ?? (entry.parameters.psanaGroup as string | undefined) ?? psanaGroupFor(entry.detectorType);
  if (!group) throw new DetcalError('BAD_INPUT', `no psana calib group known for detector type ${entry.detectorType}; pass --group (e.g. Epix100a::CalibV1)`);
  const source = o.source ?? (entry.parameters.psanaSource as string | undefined) ?? entry.detectorId;
  const range = o.runRange === undefined ? { begin: entry.validity.beginRun ?? 0, end: entry.validity.endRun }
    : typeof o.runRange === 'string' ? parseRunRange(o.runRange) : o.runRange;
  const payload = path.join(ctx.dir, entry.path);
  const { constant } = await readPayloadConstant(payload, entry.ctype);
  const ctype = o.ctype ?? entry.ctype;
  const target = path.join(o.calibDir, group, source, ctype, `${formatRunRange(range)}.data`);
  const result = deployToCalibDir({
    calibDir: o.calibDir,
    group,
    source,
    ctype,
    range,
    content: psanaTextFor(entry, constant, { fmt: o.fmt, fileName: target }),
    copyOf: payload,
    exp: entry.exp || 'none',
    run: entry.run ?? range.begin,
    comment: o.comment ?? (entry.comment || 'detcal'),
    user: ctx.author.user,
    host: ctx.author.host,
  });
  appendLog(ctx.dir, 'deploy', ctx.author, { id: entry.id, to: result.file, ...(result.backup ? { backup: result.backup } : {}) });
  return { ...result, entry };
}
