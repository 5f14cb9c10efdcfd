/**
 * Finding the constant that applies: by run with the psana rule (among entries whose run range holds
 * the run, the latest begin wins; for equal begins the narrower range; then the newest entry), by time
 * (CalCat strategies: 'prior' = latest begin time <= the time, 'closest' = begin time nearest to it),
 * and by operating conditions (equal, or within a tolerance per parameter). A payload whose checksum
 * fails is skipped and reported, never returned; when nothing matches, the detector type's default is
 * used and the result says so.
 */
import path from 'node:path';
import { DetcalError, type ConstantArray, type ConstantSet, type Conditions } from '@detcal/core';
import { canonicalCtype, canonicalDetectorType } from './detector-types.js';
import type { Statement } from 'better-sqlite3';
import { rowToEntry, type EntryRow, type StoreEntry } from './index-db.js';
import { checkPayload, readPayloadConstant, type PayloadProblem } from './payload-io.js';
import type { StoreContext } from './store-context.js';
import { parseTime } from './time-parse.js';

/** How --at picks among versions: latest begin at or before the time, or begin nearest to it. */
export type TimeStrategy = 'prior' | 'closest';

/** What to find. */
export interface FindQuery {
  /** Detector type (detcal id or LCLS name, e.g. epix100 / epix100a). */
  detectorType: string;
  /** Detector id or its alias ('0001'); any detector of the type when omitted. */
  detectorId?: string;
  /** Module index; any when omitted. */
  module?: number;
  /** Constant type (Offset, pedestals, pixel_status; gain/rms/status are accepted). */
  ctype: string;
  /** Run the constant must be valid for. */
  run?: number;
  /** Time the constant must be valid at (ISO 8601, YYYYmmddHHMMSS or Unix seconds). */
  at?: string | Date;
  /** Time strategy (default 'prior'). */
  strategy?: TimeStrategy;
  /** Operating conditions that must match (every one given; others are free). */
  conditions?: Conditions;
  /** Allowed absolute difference per numeric condition (default 0 = exact). */
  tolerances?: Record<string, number>;
  /** Fall back to the detector type's default when nothing matches (default true). */
  useDefaults?: boolean;
}

/** A candidate that was passed over because its payload cannot be served. */
export interface SkippedEntry {
  /** The entry. */
  entry: StoreEntry;
  /** Why. */
  problem: PayloadProblem;
}

/** The selected entry, how it was selected, and what was passed over. */
export interface FindResult {
  /** The entry whose payload passed its checksum. */
  entry: StoreEntry;
  /** True when nothing matched and the detector type's default was used. */
  usedDefault: boolean;
  /** Better candidates passed over because their payload is missing or corrupt. */
  skipped: SkippedEntry[];
  /** One line on how the entry was chosen (and that a default was used). */
  note: string;
}

/** A FindResult with the constant read from the payload. */
export interface LoadedFindResult extends FindResult {
  /** The constant array. */
  constant: ConstantArray;
  /** The payload's whole set (metadata included). */
  set: ConstantSet;
}

/** True when every wanted condition is present in `have` and equal (numbers: within `tolerances[key]`, default 0). */
export function conditionsMatch(have: Conditions, want: Conditions = {}, tolerances: Record<string, number> = {}): boolean {
  for (const [key, value] of Object.entries(want)) {
    if (!(key in have)) return false;
    const got = have[key];
    const a = typeof got === 'number' ? got : Number(got);
    const b = typeof value === 'number' ? value : Number(value);
    if (Number.isFinite(a) && Number.isFinite(b) && (typeof got === 'number' || typeof value === 'number')) {
      if (Math.abs(a - b) > (tolerances[key] ?? 0) + 1e-12 * Math.max(Math.abs(a), Math.abs(b))) return false;
    } else if (String(got).toLowerCase() !== String(value).toLowerCase()) return false;
  }
  return true;
}

/** True when the entry's run range holds `run` (a missing begin counts as 0, a missing end as open). */
export function validForRun(e: Pick<StoreEntry, 'validity'>, run: number): boolean {
  return (e.validity.beginRun ?? 0) <= run && (e.validity.endRun === null || run <= e.validity.endRun);
}

/** Begin of validity in time: the begin time, else the creation time. */
export function beginTimeOf(e: Pick<StoreEntry, 'validity' | 'createdAt'>): number {
  return Date.parse(e.validity.beginTime ?? e.createdAt);
}

/**
 * Orders entries best first. With a run: only entries valid for it. With a time: 'prior' keeps entries
 * beginning at or before it (and not ended before it), latest begin first; 'closest' orders by distance
 * of the begin time. With a run only: the psana rule (latest begin run, then narrower range). Without
 * either: newest entry first. Ties go to the newest entry.
 */
export function rankCandidates(entries: readonly StoreEntry[], q: { run?: number; at?: string | Date; strategy?: TimeStrategy }): StoreEntry[] {
  let list = q.run === undefined ? [...entries] : entries.filter((e) => validForRun(e, q.run as number));
  if (q.at !== undefined) {
    const at = Date.parse(parseTime(q.at, '--at'));
    if ((q.strategy ?? 'prior') === 'prior') {
      list = list.filter((e) => beginTimeOf(e) <= at && (e.validity.endTime === null || Date.parse(e.validity.endTime) >= at));
      return list.sort((a, b) => beginTimeOf(b) - beginTimeOf(a) || b.id - a.id);
    }
    return list.sort((a, b) => Math.abs(beginTimeOf(a) - at) - Math.abs(beginTimeOf(b) - at) || beginTimeOf(b) - beginTimeOf(a) || b.id - a.id);
  }
  if (q.run !== undefined) {
    const end = (e: StoreEntry): number => e.validity.endRun ?? Number.POSITIVE_INFINITY;
    return list.sort((a, b) => (b.validity.beginRun ?? 0) - (a.validity.beginRun ?? 0) || end(a) - end(b) || b.id - a.id);
  }
  return list.sort((a, b) => b.id - a.id);
}

/** Finds the entry for a query, checking payload checksums; throws NOT_FOUND when nothing (not even a default) applies. */
export function findEntry(ctx: StoreContext, q: FindQuery): FindResult {
  const detectorType = canonicalDetectorType(q.detectorType);
  const ctype = canonicalCtype(q.ctype);
  const skipped: SkippedEntry[] = [];
  const wantConditions = q.conditions && Object.keys(q.conditions).length > 0;
  const candidates = candidateQuery(ctx, detectorType, ctype, q, false);
  // Rows come best first from SQLite; conditions and checksums are checked until one passes.
  for (const row of candidates.stmt.iterate(candidates.params) as IterableIterator<EntryRow>) {
    if (wantConditions && !conditionsMatch(parseConditions(row.conditions), q.conditions, q.tolerances)) continue;
    const entry = rowToEntry(row);
    const problem = checkPayload(path.join(ctx.dir, entry.path), entry.sha256);
    if (problem) {
      skipped.push({ entry, problem });
      continue;
    }
    return { entry, usedDefault: false, skipped, note: describeChoice(entry, q) };
  }
  const what = describeQuery(detectorType, ctype, q);
  if (q.useDefaults !== false) {
    const defaults = candidateQuery(ctx, detectorType, ctype, {}, true);
    for (const row of defaults.stmt.all(defaults.params) as EntryRow[]) {
      const entry = rowToEntry(row);
      const problem = checkPayload(path.join(ctx.dir, entry.path), entry.sha256);
      if (problem) {
        skipped.push({ entry, problem });
        continue;
      }
      return { entry, usedDefault: true, skipped, note: `no ${what} in the store${skippedNote(skipped)}; using the ${detectorType} default ${entry.path}` };
    }
  }
  throw new DetcalError('NOT_FOUND', `no ${what}${skippedNote(skipped)}: ${notFoundHint(ctx, detectorType, ctype, q)}`);
}

/** Every entry the query selects, best first, before conditions and checksums (the order findEntry tries them in). */
export function orderedCandidates(ctx: StoreContext, q: FindQuery): StoreEntry[] {
  const c = candidateQuery(ctx, canonicalDetectorType(q.detectorType), canonicalCtype(q.ctype), q, false);
  return (c.stmt.all(c.params) as EntryRow[]).map(rowToEntry);
}

/** Finds the entry and reads its constant. */
export async function findConstant(ctx: StoreContext, q: FindQuery): Promise<LoadedFindResult> {
  const found = findEntry(ctx, q);
  const { set, constant } = await readPayloadConstant(path.join(ctx.dir, found.entry.path), found.entry.ctype);
  return { ...found, set, constant };
}

/**
 * The SQL form of rankCandidates: the same filters and order, computed by SQLite with the lookup index
 * (times are stored as normalized ISO 8601 UTC strings, so they compare as text).
 */
function candidateQuery(ctx: StoreContext, detectorType: string, ctype: string, q: Omit<FindQuery, 'detectorType' | 'ctype'>, defaults: boolean): { stmt: Statement; params: Record<string, unknown> } {
  const where = ['detector_type = @detectorType', 'ctype = @ctype', `is_default = ${defaults ? 1 : 0}`];
  const params: Record<string, unknown> = { detectorType, ctype };
  const begin = 'COALESCE(begin_time, created_at)';
  let order = 'id DESC';
  if (!defaults) {
    // Conditions narrow the rows in SQL too (a superset of what conditionsMatch accepts; it has the last word).
    Object.entries(q.conditions ?? {}).forEach(([key, value], i) => {
      if (key.includes('"')) return;
      const field = `json_extract(conditions, '$."${key.replace(/'/g, "''")}"')`;
      const num = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
      if (Number.isFinite(num)) {
        where.push(`ABS(CAST(${field} AS REAL) - @c${i}) <= @t${i}`);
        params[`c${i}`] = num;
        params[`t${i}`] = (q.tolerances?.[key] ?? 0) + 1e-9 * Math.max(1, Math.abs(num));
      } else {
        where.push(`lower(CAST(${field} AS TEXT)) = lower(@c${i})`);
        params[`c${i}`] = String(value);
      }
    });
    if (q.detectorId !== undefined) {
      where.push('(detector_id = @detectorId OR alias = @detectorId)');
      params.detectorId = q.detectorId;
    }
    if (q.module !== undefined) {
      where.push('module = @module');
      params.module = q.module;
    }
    if (q.run !== undefined) {
      where.push('COALESCE(begin_run, 0) <= @run AND (end_run IS NULL OR end_run >= @run)');
      params.run = q.run;
      order = 'COALESCE(begin_run, 0) DESC, end_run IS NULL, end_run ASC, id DESC';
    }
    if (q.at !== undefined) {
      params.at = parseTime(q.at, '--at');
      if ((q.strategy ?? 'prior') === 'prior') {
        where.push(`${begin} <= @at AND (end_time IS NULL OR end_time >= @at)`);
        order = `${begin} DESC, id DESC`;
      } else order = `ABS(julianday(${begin}) - julianday(@at)) ASC, ${begin} DESC, id DESC`;
    }
  }
  return { stmt: ctx.db.prepare(`SELECT * FROM constants WHERE ${where.join(' AND ')} ORDER BY ${order}`), params };
}

/** Why nothing was found, and what to do, for the one-line NOT_FOUND message. */
function notFoundHint(ctx: StoreContext, detectorType: string, ctype: string, q: FindQuery): string {
  const count = (sub: Omit<FindQuery, 'detectorType' | 'ctype'>): number => {
    const c = candidateQuery(ctx, detectorType, ctype, sub, false);
    return (c.stmt.all(c.params) as EntryRow[]).filter((r) => conditionsMatch(parseConditions(r.conditions), sub.conditions, sub.tolerances)).length;
  };
  const plural = (k: number): string => `${k} ${ctype} ${k === 1 ? 'entry' : 'entries'}`;
  const base = { detectorId: q.detectorId, module: q.module };
  const total = count(base);
  if (total === 0) return `the store has no ${ctype} of ${detectorType}${q.detectorId ? ` ${q.detectorId}` : ''}; add one with \`detcal constants add\``;
  const forRun = q.run === undefined ? total : count({ ...base, run: q.run });
  if (forRun === 0) return `${plural(total)} exist but none is valid for run ${q.run}; widen the query (see \`detcal constants list\`)`;
  const matching = count({ ...base, run: q.run, conditions: q.conditions, tolerances: q.tolerances });
  if (matching === 0) return `${plural(forRun)}${q.run === undefined ? '' : ` valid for run ${q.run}`} found but none matches the conditions; widen the query or add --tolerance`;
  if (q.at !== undefined && count({ ...q }) === 0) return `${plural(matching)} match but none is valid at that time; try --strategy closest`;
  return 'every candidate payload is damaged; run `detcal constants verify`';
}

function parseConditions(text: string): Conditions {
  try {
    return JSON.parse(text) as Conditions;
  } catch {
    return {};
  }
}

function describeQuery(detectorType: string, ctype: string, q: FindQuery): string {
  const parts = [`${ctype} of ${detectorType}${q.detectorId ? ` ${q.detectorId}` : ''}${q.module !== undefined ? ` module ${q.module}` : ''}`];
  if (q.run !== undefined) parts.push(`valid for run ${q.run}`);
  if (q.at !== undefined) parts.push(`${q.strategy ?? 'prior'} to ${parseTime(q.at, '--at')}`);
  if (q.conditions && Object.keys(q.conditions).length > 0) parts.push(`at ${Object.entries(q.conditions).map(([k, v]) => `${k}=${v}${q.tolerances?.[k] ? `±${q.tolerances[k]}` : ''}`).join(', ')}`);
  return parts.join(' ');
}

function describeChoice(e: StoreEntry, q: FindQuery): string {
  const range = `${e.validity.beginRun ?? 0}-${e.validity.endRun ?? 'end'}`;
  if (q.at !== undefined) return `entry ${e.id} (begin ${e.validity.beginTime ?? e.createdAt}, runs ${range}): ${q.strategy ?? 'prior'} to ${parseTime(q.at, '--at')}`;
  if (q.run !== undefined) return `entry ${e.id} (runs ${range}): latest begin run valid for run ${q.run}`;
  return `entry ${e.id} (runs ${range}): newest`;
}

function skippedNote(skipped: readonly SkippedEntry[]): string {
  if (skipped.length === 0) return '';
  return ` (${skipped.length} candidate${skipped.length > 1 ? 's' : ''} skipped: ${skipped.map((s) => `entry ${s.entry.id} payload ${s.problem}`).join(', ')}; run \`detcal constants verify\`)`;
}
