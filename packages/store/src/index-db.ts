/**
 * The SQLite index of a store (better-sqlite3): schema, migrations (PRAGMA user_version), WAL with a
 * busy timeout so that several processes can write, and the row <-> StoreEntry mapping.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { DetcalError, type Conditions, type DType, type Validity } from '@detcal/core';

/** An open index. */
export type IndexDb = Database.Database;

/** How long a writer waits for another one before giving up, in milliseconds. */
export const BUSY_TIMEOUT_MS = 60_000;

/** Schema changes in order; entry i brings user_version i to i + 1. Never edit a released entry: append one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE constants (
     id            INTEGER PRIMARY KEY,
     detector_type TEXT    NOT NULL,
     detector_id   TEXT    NOT NULL,
     alias         TEXT    NOT NULL,
     module        INTEGER NOT NULL DEFAULT 0,
     ctype         TEXT    NOT NULL,
     conditions    TEXT    NOT NULL DEFAULT '{}',
     begin_run     INTEGER,
     end_run       INTEGER,
     begin_time    TEXT,
     end_time      TEXT,
     created_at    TEXT    NOT NULL,
     inserted_at   TEXT    NOT NULL,
     version       INTEGER NOT NULL,
     sha256        TEXT    NOT NULL,
     bytes         INTEGER NOT NULL,
     path          TEXT    NOT NULL UNIQUE,
     dtype         TEXT    NOT NULL,
     shape         TEXT    NOT NULL,
     unit          TEXT    NOT NULL DEFAULT '',
     exp           TEXT    NOT NULL DEFAULT '',
     run           INTEGER,
     comment       TEXT    NOT NULL DEFAULT '',
     user          TEXT    NOT NULL DEFAULT '',
     host          TEXT    NOT NULL DEFAULT '',
     tool_version  TEXT    NOT NULL DEFAULT '',
     parameters    TEXT    NOT NULL DEFAULT '{}',
     source_runs   TEXT    NOT NULL DEFAULT '[]',
     is_default    INTEGER NOT NULL DEFAULT 0,
     source        TEXT    NOT NULL DEFAULT '',
     source_sha256 TEXT    NOT NULL DEFAULT ''
   );
   CREATE INDEX constants_lookup ON constants (detector_type, ctype, detector_id, module, begin_run);
   CREATE INDEX constants_source ON constants (source_sha256);
   CREATE TABLE aliases (
     detector_type TEXT    NOT NULL,
     detector_id   TEXT    NOT NULL,
     alias         INTEGER NOT NULL,
     created_at    TEXT    NOT NULL,
     exp           TEXT    NOT NULL DEFAULT '',
     run           INTEGER,
     user          TEXT    NOT NULL DEFAULT '',
     PRIMARY KEY (detector_type, detector_id),
     UNIQUE (detector_type, alias)
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** Schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** One constant in the store: what the index knows about one payload. */
export interface StoreEntry {
  /** Index row id (stable, shown by `list`, accepted by `show --id`). */
  id: number;
  /** Canonical detector type (detcal plugin id). */
  detectorType: string;
  /** Detector / panel id ('default' for defaults). */
  detectorId: string;
  /** Short alias of the detector id ('0001'), as in the payload file name. */
  alias: string;
  /** Module index. */
  module: number;
  /** Constant type (Offset, pedestals, pixel_status ...). */
  ctype: string;
  /** Operating conditions the constant was measured at. */
  conditions: Conditions;
  /** Validity: run range and time range (null = open end). */
  validity: Validity;
  /** When the constant was produced (ISO 8601 UTC). */
  createdAt: string;
  /** When the entry entered the store (ISO 8601 UTC). */
  insertedAt: string;
  /** 1 for the first constant of this detector / module / ctype in the store, then 2, 3 ... */
  version: number;
  /** sha256 of the payload file (hex). */
  sha256: string;
  /** Payload size in bytes. */
  bytes: number;
  /** Payload path relative to the store directory. */
  path: string;
  /** Element type of the array. */
  dtype: DType;
  /** Shape of the array. */
  shape: number[];
  /** Physical unit. */
  unit: string;
  /** Experiment the constant comes from ('' if unknown). */
  exp: string;
  /** Run the constant was derived from (null if unknown). */
  run: number | null;
  /** Free-text comment. */
  comment: string;
  /** Who added it. */
  user: string;
  /** Host it was added from. */
  host: string;
  /** detcal version that produced it. */
  toolVersion: string;
  /** Parameters of the algorithms that produced it. */
  parameters: Record<string, unknown>;
  /** Runs the constant was derived from. */
  sourceRuns: string[];
  /** True for a detector type's default (used when nothing else matches). */
  isDefault: boolean;
  /** Where it was imported from ('' when added from detcal). */
  source: string;
}

/** A row of the constants table. */
export interface EntryRow {
  id: number;
  detector_type: string;
  detector_id: string;
  alias: string;
  module: number;
  ctype: string;
  conditions: string;
  begin_run: number | null;
  end_run: number | null;
  begin_time: string | null;
  end_time: string | null;
  created_at: string;
  inserted_at: string;
  version: number;
  sha256: string;
  bytes: number;
  path: string;
  dtype: string;
  shape: string;
  unit: string;
  exp: string;
  run: number | null;
  comment: string;
  user: string;
  host: string;
  tool_version: string;
  parameters: string;
  source_runs: string;
  is_default: number;
  source: string;
  source_sha256: string;
}

/** Opens (and with `create`, creates) the index and brings its schema up to date. */
export function openIndex(file: string, create: boolean): IndexDb {
  if (!create && !fs.existsSync(file)) {
    throw new DetcalError('NOT_FOUND', `no constants store index at ${file}; check --store / DETCAL_STORE, or add constants first (the first write creates the store)`);
  }
  let db: IndexDb;
  try {
    db = new Database(file, { fileMustExist: !create });
  } catch (err) {
    throw new DetcalError('STORE', `cannot open the store index ${file}: ${(err as Error).message}; check the path and its permissions`, { cause: err });
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Processes that create the index at the same moment can each hold a shared lock while asking for an
    // exclusive one (the switch to WAL): SQLite then answers SQLITE_BUSY at once instead of waiting, so the
    // (idempotent) setup is tried again until the busy timeout.
    retryWhileBusy(() => {
      if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
    }, BUSY_TIMEOUT_MS);
  } catch (err) {
    db.close();
    if (err instanceof DetcalError) throw err;
    throw new DetcalError('STORE', `store index ${file} is not usable: ${(err as Error).message}; run \`detcal constants verify\` or restore the file`, { cause: err });
  }
  return db;
}

/**
 * Runs `work` again while it fails with SQLITE_BUSY, sleeping a little longer each time, until `timeoutMs`
 * have passed (then its error is thrown); other errors are thrown at once.
 * @param work - idempotent work on the index
 * @param timeoutMs - how long to keep trying
 * @returns what work returns
 */
export function retryWhileBusy<T>(work: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 2; ; wait = Math.min(2 * wait, 100)) {
    try {
      return work();
    } catch (err) {
      if (!String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY') || Date.now() + wait > deadline) throw err;
      Atomics.wait(sleeper, 0, 0, wait);
    }
  }
}

function migrate(db: IndexDb, file: string): void {
  const current = (): number => Number(db.pragma('user_version', { simple: true }));
  if (current() > SCHEMA_VERSION) {
    throw new DetcalError('STORE', `store index ${file} has schema ${current()}, newer than this detcal understands (${SCHEMA_VERSION}); upgrade detcal`);
  }
  if (current() === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current(); v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** Reads a meta value. */
export function getMeta(db: IndexDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

/** Sets a meta value (inside the caller's transaction when there is one). */
export function setMeta(db: IndexDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** A StoreEntry from a constants row. */
export function rowToEntry(r: EntryRow): StoreEntry {
  return {
    id: r.id,
    detectorType: r.detector_type,
    detectorId: r.detector_id,
    alias: r.alias,
    module: r.module,
    ctype: r.ctype,
    conditions: parseJson(r.conditions, {}),
    validity: { beginRun: r.begin_run, endRun: r.end_run, beginTime: r.begin_time, endTime: r.end_time },
    createdAt: r.created_at,
    insertedAt: r.inserted_at,
    version: r.version,
    sha256: r.sha256,
    bytes: r.bytes,
    path: r.path,
    dtype: r.dtype as DType,
    shape: parseJson(r.shape, []),
    unit: r.unit,
    exp: r.exp,
    run: r.run,
    comment: r.comment,
    user: r.user,
    host: r.host,
    toolVersion: r.tool_version,
    parameters: parseJson(r.parameters, {}),
    sourceRuns: parseJson(r.source_runs, []),
    isDefault: r.is_default === 1,
    source: r.source,
  };
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
