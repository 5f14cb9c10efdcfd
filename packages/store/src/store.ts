/**
 * openStore(dir): the constants store as one object. The first write creates the directory, the index
 * (and the built-in defaults); read-only users pass { create: false } and get a one-line error when
 * there is no store. Every operation is a thin call into the module that owns the concept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type ConstantArray, type ConstantSet } from '@detcal/core';
import { loadHdf5 } from '@detcal/hdf5';
import { addConstants, type AddOptions } from './add-constant.js';
import { importCalCatFile, type CalCatImportOptions, type FileImportResult } from './calcat-io.js';
import type { CalibFilter } from './calib-dir.js';
import { importCalibDir, type CalibImportResult } from './calib-import.js';
import { seedDefaults } from './defaults.js';
import { deployEntry, type DeployOptions, type DeployResult } from './deploy-entry.js';
import { canonicalCtype, canonicalDetectorType } from './detector-types.js';
import { exportConstant, type ExportOptions, type ExportResult } from './export-constant.js';
import { importFile, type FileImportOptions } from './file-import.js';
import { findConstant, findEntry, type FindQuery, type FindResult, type LoadedFindResult } from './find-constant.js';
import { openIndex, rowToEntry, type EntryRow, type IndexDb, type StoreEntry } from './index-db.js';
import { mergeStatus, type MergeStatusOptions, type MergeStatusResult } from './merge-status.js';
import { checkPayload, readPayloadConstant } from './payload-io.js';
import type { StoreContext } from './store-context.js';
import { appendLog, readLog, type LogRecord } from './store-log.js';
import { INDEX_FILE } from './store-paths.js';
import { verifyStore, type VerifyOptions, type VerifyReport } from './verify.js';
import { currentAuthor, type Author } from './who.js';

/** Options of openStore. */
export interface OpenStoreOptions {
  /** Create the store when it does not exist (default true; read-only commands pass false). */
  create?: boolean;
  /** Override of the author of changes (user / host). */
  author?: Partial<Author>;
}

/** Which entries list returns. */
export interface ListFilter {
  /** Detector type. */
  detectorType?: string;
  /** Detector id or alias. */
  detectorId?: string;
  /** Module. */
  module?: number;
  /** Constant type. */
  ctype?: string;
  /** Only entries valid for this run. */
  run?: number;
  /** Include defaults (default true). */
  includeDefaults?: boolean;
  /** At most this many, newest first. */
  limit?: number;
}

/** Which log records history returns. */
export interface HistoryFilter {
  /** Only this action (add, import, deploy, merge-status, init, prune). */
  action?: string;
  /** Only records at or after this ISO time. */
  since?: string;
  /** Only records whose details mention this text (a detector id, a ctype, an entry path ...). */
  grep?: string;
  /** The newest N. */
  limit?: number;
}

/** A constant read back from the store. */
export interface LoadedEntry {
  /** The entry. */
  entry: StoreEntry;
  /** The payload's set. */
  set: ConstantSet;
  /** The constant. */
  constant: ConstantArray;
}

/** Constants of several types found for one detector (what `detcal correct` needs). */
export interface FoundSet {
  /** The constants, keyed by ctype, with the first result's metadata. */
  set: ConstantSet;
  /** One result per ctype, in the order asked. */
  results: LoadedFindResult[];
}

/** An open constants store. */
export class ConstantStore {
  private readonly ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.ctx = ctx;
  }

  /** Absolute store directory. */
  get dir(): string {
    return this.ctx.dir;
  }

  /** The open index (for tools and tests). */
  get db(): IndexDb {
    return this.ctx.db;
  }

  /** Adds constants of a set (each constant its own entry and payload); see AddOptions. */
  add(set: ConstantSet, opts: AddOptions = {}): Promise<StoreEntry[]> {
    return addConstants(this.ctx, set, opts);
  }

  /** Finds the applicable entry (payload checksum verified) and reads its constant. */
  find(q: FindQuery): Promise<LoadedFindResult> {
    return findConstant(this.ctx, q);
  }

  /** Finds the applicable entry (payload checksum verified) without reading it. */
  findEntry(q: FindQuery): FindResult {
    return findEntry(this.ctx, q);
  }

  /** Finds several constant types for one detector and returns them as one set. */
  async findSet(q: Omit<FindQuery, 'ctype'> & { ctypes: readonly string[] }): Promise<FoundSet> {
    const results: LoadedFindResult[] = [];
    for (const ctype of q.ctypes) results.push(await this.find({ ...q, ctype }));
    if (results.length === 0) throw new DetcalError('BAD_INPUT', 'no constant types asked for; pass at least one ctype');
    const constants: Record<string, ConstantArray> = {};
    for (const r of results) constants[r.entry.ctype] = r.constant;
    return { set: { metadata: results[0].set.metadata, constants }, results };
  }

  /** The entry with this id. */
  get(id: number): StoreEntry {
    const row = this.ctx.db.prepare('SELECT * FROM constants WHERE id = ?').get(id) as EntryRow | undefined;
    if (!row) throw new DetcalError('NOT_FOUND', `no entry ${id} in the store ${this.ctx.dir}; see \`detcal constants list\``);
    return rowToEntry(row);
  }

  /** Reads an entry's constant after checking its payload. */
  async load(id: number): Promise<LoadedEntry> {
    const entry = this.get(id);
    const file = path.join(this.ctx.dir, entry.path);
    const problem = checkPayload(file, entry.sha256);
    if (problem) throw new DetcalError('STORE', `entry ${id}: payload ${entry.path} is ${problem}; run \`detcal constants verify\` and re-add the constant`);
    const { set, constant } = await readPayloadConstant(file, entry.ctype);
    return { entry, set, constant };
  }

  /** Entries, newest first. */
  list(f: ListFilter = {}): StoreEntry[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.detectorType) {
      where.push('detector_type = @detectorType');
      params.detectorType = canonicalDetectorType(f.detectorType);
    }
    if (f.detectorId) {
      where.push('(detector_id = @detectorId OR alias = @detectorId)');
      params.detectorId = f.detectorId;
    }
    if (f.module !== undefined) {
      where.push('module = @module');
      params.module = f.module;
    }
    if (f.ctype) {
      where.push('ctype = @ctype');
      params.ctype = canonicalCtype(f.ctype);
    }
    if (f.run !== undefined) {
      where.push('COALESCE(begin_run, 0) <= @run AND (end_run IS NULL OR end_run >= @run)');
      params.run = f.run;
    }
    if (f.includeDefaults === false) where.push('is_default = 0');
    const sql = `SELECT * FROM constants ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${f.limit ? `LIMIT ${Math.max(0, Math.trunc(f.limit))}` : ''}`;
    return (this.ctx.db.prepare(sql).all(params) as EntryRow[]).map(rowToEntry);
  }

  /** The store log (every change: add, import, deploy, merge-status, prune), oldest first. */
  history(f: HistoryFilter = {}): LogRecord[] {
    let records = readLog(this.ctx.dir);
    if (f.action) records = records.filter((r) => r.action === f.action);
    if (f.since) records = records.filter((r) => r.time >= (f.since as string));
    if (f.grep) records = records.filter((r) => JSON.stringify(r.details).includes(f.grep as string));
    return f.limit ? records.slice(-f.limit) : records;
  }

  /** Recomputes checksums; reports missing / corrupt payloads, orphans and temp files. */
  verify(opts: VerifyOptions = {}): VerifyReport {
    return verifyStore(this.ctx, opts);
  }

  /** Imports a whole psana calib tree. */
  importCalibDir(calibDir: string, filter: CalibFilter = {}): Promise<CalibImportResult> {
    return importCalibDir(this.ctx, calibDir, filter);
  }

  /** Imports a CalCat constant file. */
  importCalCat(file: string, opts: CalCatImportOptions = {}): Promise<FileImportResult> {
    return importCalCatFile(this.ctx, file, opts);
  }

  /** Imports a psana text, .npy, detcal or CalCat file. */
  importFile(file: string, opts: FileImportOptions = {}): Promise<FileImportResult> {
    return importFile(this.ctx, file, opts);
  }

  /** Writes one entry's constant as HDF5, .npy, psana text or CalCat. */
  async exportEntry(id: number, file: string, opts: ExportOptions = {}): Promise<ExportResult & { entry: StoreEntry }> {
    const { entry, set, constant } = await this.load(id);
    return { ...(await exportConstant(entry, set, constant, file, opts)), entry };
  }

  /** Deploys one entry into a psana calib directory. */
  async deploy(id: number, opts: DeployOptions): Promise<DeployResult> {
    const { entry } = await this.load(id);
    return deployEntry(this.ctx, entry, opts);
  }

  /** ORs the status_* constants of a panel into a new status_merged entry. */
  mergeStatus(opts: MergeStatusOptions): Promise<MergeStatusResult> {
    return mergeStatus(this.ctx, opts);
  }

  /** Appends a line to the store log (for callers that change the store by other means). */
  log(action: string, details: Record<string, unknown>): LogRecord {
    return appendLog(this.ctx.dir, action, this.ctx.author, details);
  }

  /** Closes the index. */
  close(): void {
    if (this.ctx.db.open) this.ctx.db.close();
  }
}

/** Opens the store in `dir`; with create (default) the directory, index and built-in defaults are made when missing. */
export async function openStore(dir: string, opts: OpenStoreOptions = {}): Promise<ConstantStore> {
  const root = path.resolve(dir);
  const create = opts.create ?? true;
  if (!create && !fs.existsSync(path.join(root, INDEX_FILE))) {
    throw new DetcalError('NOT_FOUND', `no constants store at ${root} (no ${INDEX_FILE}); check --store / DETCAL_STORE, or add constants first (the first write creates the store)`);
  }
  if (create) {
    try {
      fs.mkdirSync(root, { recursive: true });
    } catch (err) {
      throw new DetcalError('STORE', `cannot create the store directory ${root}: ${(err as Error).message}; pass a writable --store`, { cause: err });
    }
  }
  await loadHdf5();
  const ctx: StoreContext = { dir: root, db: openIndex(path.join(root, INDEX_FILE), create), author: { ...currentAuthor(), ...opts.author } };
  const store = new ConstantStore(ctx);
  if (create) {
    try {
      await seedDefaults(ctx);
    } catch (err) {
      store.close();
      throw err;
    }
  }
  return store;
}
