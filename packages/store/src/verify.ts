/**
 * verify: recomputes every payload's sha256 against the index and reports missing / corrupt payloads,
 * orphan payload files (written by a process killed before its index commit, never indexed) and stale
 * temp files; with prune, deletes orphans and temp files older than a safety age.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rowToEntry, type EntryRow } from './index-db.js';
import { checkPayload, type PayloadProblem } from './payload-io.js';
import type { StoreContext } from './store-context.js';
import { appendLog } from './store-log.js';
import { LOG_DIR, TMP_DIR } from './store-paths.js';

/** A payload that cannot be served. */
export interface VerifyProblem {
  /** Entry id. */
  id: number;
  /** Payload path relative to the store. */
  path: string;
  /** missing, corrupt (checksum differs) or unreadable. */
  problem: PayloadProblem;
  /** Detector type / id and ctype, for the report. */
  what: string;
}

/** What verify found. */
export interface VerifyReport {
  /** Store directory. */
  store: string;
  /** Entries checked. */
  checked: number;
  /** Entries whose payload is intact. */
  ok: number;
  /** Missing / corrupt / unreadable payloads. */
  problems: VerifyProblem[];
  /** Payload files no entry refers to (relative paths). */
  orphans: string[];
  /** Leftover temp files (relative paths). */
  tempFiles: string[];
  /** Files deleted by prune (relative paths). */
  pruned: string[];
  /** Seconds taken. */
  seconds: number;
}

/** Options of verify. */
export interface VerifyOptions {
  /** Delete orphans and temp files older than pruneAgeMs. */
  prune?: boolean;
  /** Minimum age of a file prune deletes (default 15 minutes: a concurrent writer may be about to commit it). */
  pruneAgeMs?: number;
}

/** Checks every entry's payload and looks for orphans and temp files. */
export function verifyStore(ctx: StoreContext, opts: VerifyOptions = {}): VerifyReport {
  const t0 = performance.now();
  const rows = ctx.db.prepare('SELECT * FROM constants ORDER BY id').all() as EntryRow[];
  const problems: VerifyProblem[] = [];
  const known = new Set<string>();
  for (const row of rows) {
    const e = rowToEntry(row);
    known.add(e.path);
    const problem = checkPayload(path.join(ctx.dir, e.path), e.sha256);
    if (problem) problems.push({ id: e.id, path: e.path, problem, what: `${e.detectorType}/${e.detectorId} ${e.ctype}` });
  }
  const orphans: string[] = [];
  const tempFiles: string[] = [];
  walk(ctx.dir, '', (rel) => {
    if (rel.startsWith(`${TMP_DIR}/`) || rel.endsWith('.tmp')) tempFiles.push(rel);
    else if (rel.endsWith('.h5') && !known.has(rel)) orphans.push(rel);
  });
  const pruned: string[] = [];
  if (opts.prune) {
    const cutoff = Date.now() - (opts.pruneAgeMs ?? 15 * 60_000);
    for (const rel of [...orphans, ...tempFiles]) {
      const abs = path.join(ctx.dir, rel);
      try {
        if (fs.statSync(abs).mtimeMs <= cutoff) {
          fs.rmSync(abs, { force: true });
          pruned.push(rel);
        }
      } catch {
        // gone already
      }
    }
    if (pruned.length > 0) appendLog(ctx.dir, 'prune', ctx.author, { deleted: pruned });
  }
  const gone = new Set(pruned);
  return {
    store: ctx.dir,
    checked: rows.length,
    ok: rows.length - problems.length,
    problems,
    orphans: orphans.filter((p) => !gone.has(p)),
    tempFiles: tempFiles.filter((p) => !gone.has(p)),
    pruned,
    seconds: (performance.now() - t0) / 1000,
  };
}

function walk(root: string, rel: string, visit: (rel: string) => void): void {
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (child !== LOG_DIR) walk(root, child, visit);
    } else if (e.isFile() && !/^index\.sqlite(-wal|-shm|-journal)?$/.test(child) && !e.name.startsWith('.aliases')) visit(child);
  }
}
