/**
 * Adding constants: each constant of a set becomes one payload file and one index row. Payloads are
 * written to `<store>/tmp` first (HDF5 through @detcal/hdf5, flushed, checksummed); then ONE IMMEDIATE
 * transaction assigns the alias, picks a name that no file has yet, renames the payloads into place and
 * inserts the rows. A crash before the commit leaves at most orphan files (reported by verify), never a
 * row without its payload; no payload is ever overwritten.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type ConstantSet, type Validity } from '@detcal/core';
import { aliasFor, writeAliasFile } from './aliases.js';
import { canonicalCtype, canonicalDetectorType } from './detector-types.js';
import { rowToEntry, type EntryRow, type StoreEntry } from './index-db.js';
import { crashPoint, writePayload, type WrittenPayload } from './payload-io.js';
import type { StoreContext } from './store-context.js';
import { appendLog } from './store-log.js';
import { ctypeDir, defaultPath, payloadName, timestampOf, TMP_DIR } from './store-paths.js';
import { parseTime } from './time-parse.js';
import type { Author } from './who.js';

/** Options of adding constants. */
export interface AddOptions {
  /** Constants of the set to add (default: all of them). */
  ctypes?: string | readonly string[];
  /** Validity; missing fields come from the set's metadata, else begin run = `run` (or the first source run, or 0), open ended. */
  validity?: Partial<Validity>;
  /** Experiment name (file name field; default 'none'). */
  exp?: string;
  /** Run the constants come from (file name field; default: begin run). */
  run?: number;
  /** Comment stored with every entry. */
  comment?: string;
  /** Store as the detector type's default (`<dettype>/default/`), used when nothing else matches. */
  isDefault?: boolean;
  /** With isDefault: skip a constant whose detector type already has a default of that type (checked under the write lock). */
  onlyIfNoDefault?: boolean;
  /** Where the constants were imported from (shown by `show`). */
  source?: string;
  /** sha256 of the imported source file (imports skip files already in the store). */
  sourceSha256?: string;
  /** Override of user / host (imports keep the original author). */
  author?: Partial<Author>;
  /** Creation time when the set's metadata has none. */
  createdAt?: string;
  /** Log action name (default 'add'). */
  action?: string;
  /** Extra details for the log line. */
  logDetails?: Record<string, unknown>;
}

/** Adds constants of `set` to the store; returns the new entries in the order of `ctypes`. */
export async function addConstants(ctx: StoreContext, set: ConstantSet, opts: AddOptions = {}): Promise<StoreEntry[]> {
  const m = set.metadata;
  const detectorType = canonicalDetectorType(m.detectorType ?? '');
  if (!detectorType) throw new DetcalError('BAD_INPUT', 'the constants have no detector type (metadata detector_type); set it when producing them or pass --detector');
  const detectorId = opts.isDefault ? 'default' : (m.detectorId ?? '').trim();
  if (!detectorId) throw new DetcalError('BAD_INPUT', `the ${detectorType} constants have no detector id (metadata detector_id); set it when producing them or pass --detector-id`);
  const available = Object.keys(set.constants);
  const wanted = opts.ctypes === undefined ? available : typeof opts.ctypes === 'string' ? [opts.ctypes] : [...opts.ctypes];
  if (wanted.length === 0) throw new DetcalError('BAD_INPUT', 'no constants to add; the set is empty');
  for (const name of wanted) {
    if (!set.constants[name]) throw new DetcalError('BAD_INPUT', `no constant ${name} in the set; it holds ${available.join(', ') || 'nothing'}`);
  }
  const now = new Date();
  const validity = normalizeValidity({ ...definedOnly(m.validity), ...definedOnly(opts.validity) }, opts.run ?? firstRun(m.sourceRuns));
  const createdAt = parseTime(m.createdAt || opts.createdAt || now, 'creation time');
  const run = opts.run ?? validity.beginRun ?? 0;
  const exp = opts.exp ?? '';
  const author = { ...ctx.author, ...opts.author };
  const stamp = timestampOf(new Date(validity.beginTime ?? createdAt));

  const tmpDir = path.join(ctx.dir, TMP_DIR);
  fs.mkdirSync(tmpDir, { recursive: true });
  const written: Array<{ name: string; payload: WrittenPayload }> = [];
  try {
    for (const name of wanted) {
      // The payload names the constant by its canonical type (a constant called 'gain' is stored as pixel_gain).
      const ctype = canonicalCtype(name);
      const one: ConstantSet = { metadata: { ...m, detectorType, detectorId, createdAt, validity }, constants: { [ctype]: { ...set.constants[name], name: ctype } } };
      const tmp = path.join(tmpDir, `${process.pid}-${crypto.randomBytes(6).toString('hex')}.h5`);
      written.push({ name, payload: await writePayload(tmp, one) });
    }
    crashPoint('after-temp');
    const entries = insertEntries(ctx, written, { detectorType, detectorId, module: m.module ?? 0, validity, createdAt, run, exp, stamp, author, set, opts, now });
    if (entries.length === 0) return entries;
    appendLog(ctx.dir, opts.action ?? 'add', ctx.author, {
      ids: entries.map((e) => e.id),
      detector: `${detectorType}/${detectorId}`,
      module: m.module ?? 0,
      ctypes: entries.map((e) => e.ctype),
      runs: `${validity.beginRun}-${validity.endRun ?? 'end'}`,
      paths: entries.map((e) => e.path),
      ...(opts.comment ? { comment: opts.comment } : {}),
      ...opts.logDetails,
    });
    return entries;
  } finally {
    for (const w of written) fs.rmSync(w.payload.tmp, { force: true });
  }
}

interface InsertContext {
  detectorType: string;
  detectorId: string;
  module: number;
  validity: Validity;
  createdAt: string;
  run: number;
  exp: string;
  stamp: string;
  author: Author;
  set: ConstantSet;
  opts: AddOptions;
  now: Date;
}

function insertEntries(ctx: StoreContext, written: Array<{ name: string; payload: WrittenPayload }>, ic: InsertContext): StoreEntry[] {
  const { db } = ctx;
  const moved: string[] = [];
  const insert = db.prepare(`INSERT INTO constants (detector_type, detector_id, alias, module, ctype, conditions, begin_run, end_run,
    begin_time, end_time, created_at, inserted_at, version, sha256, bytes, path, dtype, shape, unit, exp, run, comment, user, host,
    tool_version, parameters, source_runs, is_default, source, source_sha256)
    VALUES (@detector_type, @detector_id, @alias, @module, @ctype, @conditions, @begin_run, @end_run, @begin_time, @end_time,
    @created_at, @inserted_at, @version, @sha256, @bytes, @path, @dtype, @shape, @unit, @exp, @run, @comment, @user, @host,
    @tool_version, @parameters, @source_runs, @is_default, @source, @source_sha256)`);
  const nextVersion = db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM constants WHERE detector_type = ? AND detector_id = ? AND module = ? AND ctype = ?');
  const pathTaken = db.prepare('SELECT 1 FROM constants WHERE path = ?');
  const byId = db.prepare('SELECT * FROM constants WHERE id = ?');
  const hasDefault = db.prepare('SELECT 1 FROM constants WHERE detector_type = ? AND ctype = ? AND is_default = 1');
  const nowIso = ic.now.toISOString();
  const m = ic.set.metadata;
  try {
    return db.transaction(() => {
      const { alias, isNew } = ic.opts.isDefault
        ? { alias: 'default', isNew: false }
        : aliasFor(db, ic.detectorType, ic.detectorId, { exp: ic.exp, run: ic.run, user: ic.author.user, now: nowIso });
      const ids: number[] = [];
      for (const { name, payload } of written) {
        const c = ic.set.constants[name];
        const ctype = canonicalCtype(name);
        if (ic.opts.onlyIfNoDefault && hasDefault.get(ic.detectorType, ctype) !== undefined) continue;
        const rel = freePath(ctx.dir, (copy) => ic.opts.isDefault
          ? defaultPath(ic.detectorType, ctype, copy)
          : `${ctypeDir(ic.detectorType, ic.detectorId, ctype)}/${payloadName({ detectorType: ic.detectorType, alias, timestamp: ic.stamp, exp: ic.exp || 'none', run: ic.run, ctype, copy })}`,
        (p) => pathTaken.get(p) !== undefined);
        const abs = path.join(ctx.dir, rel);
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.renameSync(payload.tmp, abs);
        moved.push(abs);
        crashPoint('after-rename');
        const row: Omit<EntryRow, 'id'> = {
          detector_type: ic.detectorType,
          detector_id: ic.detectorId,
          alias,
          module: ic.module,
          ctype,
          conditions: JSON.stringify(m.conditions ?? {}),
          begin_run: ic.validity.beginRun,
          end_run: ic.validity.endRun,
          begin_time: ic.validity.beginTime,
          end_time: ic.validity.endTime,
          created_at: ic.createdAt,
          inserted_at: nowIso,
          version: (nextVersion.get(ic.detectorType, ic.detectorId, ic.module, ctype) as { v: number }).v,
          sha256: payload.sha256,
          bytes: payload.bytes,
          path: rel,
          dtype: c.dtype,
          shape: JSON.stringify(c.shape),
          unit: c.unit,
          exp: ic.exp,
          run: ic.run,
          comment: ic.opts.comment ?? '',
          user: ic.author.user,
          host: ic.author.host,
          tool_version: m.toolVersion || ic.author.toolVersion,
          parameters: JSON.stringify(m.parameters ?? {}),
          source_runs: JSON.stringify(m.sourceRuns ?? []),
          is_default: ic.opts.isDefault ? 1 : 0,
          source: ic.opts.source ?? '',
          source_sha256: ic.opts.sourceSha256 ?? '',
        };
        ids.push(Number(insert.run(row).lastInsertRowid));
      }
      if (isNew) writeAliasFile(ctx.dir, db, ic.detectorType);
      crashPoint('before-commit');
      return ids.map((id) => rowToEntry(byId.get(id) as EntryRow));
    }).immediate();
  } catch (err) {
    // The transaction rolled back: take the payloads it had moved into place away again.
    for (const abs of moved) fs.rmSync(abs, { force: true });
    if (err instanceof DetcalError) throw err;
    throw new DetcalError('STORE', `adding constants to ${ctx.dir} failed: ${(err as Error).message}; nothing was added, try again`, { cause: err });
  }
}

/** The first name `nameFor(copy)` (copy = 1, 2, ...) that neither a file nor an index row uses. */
function freePath(dir: string, nameFor: (copy: number) => string, taken: (rel: string) => boolean): string {
  for (let copy = 1; ; copy++) {
    const rel = nameFor(copy);
    if (!taken(rel) && !fs.existsSync(path.join(dir, rel))) return rel;
  }
}

/** Validity with ISO times, a numeric begin run and checked order. */
export function normalizeValidity(v: Partial<Validity>, fallbackRun: number | undefined): Validity {
  const beginRun = v.beginRun ?? fallbackRun ?? 0;
  const endRun = v.endRun ?? null;
  const beginTime = v.beginTime ? parseTime(v.beginTime, 'begin time') : null;
  const endTime = v.endTime ? parseTime(v.endTime, 'end time') : null;
  if (!Number.isInteger(beginRun) || beginRun < 0) throw new DetcalError('VALIDITY', `begin run ${beginRun} is not a run number; pass a run range like 10-end`);
  if (endRun !== null && endRun < beginRun) throw new DetcalError('VALIDITY', `run range ${beginRun}-${endRun} ends before it begins; pass the first run first`);
  if (beginTime && endTime && endTime < beginTime) throw new DetcalError('VALIDITY', `validity ends (${endTime}) before it begins (${beginTime}); swap --begin-time and --end-time`);
  return { beginRun, endRun, beginTime, endTime };
}

function firstRun(runs: readonly string[] | undefined): number | undefined {
  for (const r of runs ?? []) {
    const m = /(\d+)\s*$/.exec(String(r));
    if (m) return Number(m[1]);
  }
  return undefined;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
