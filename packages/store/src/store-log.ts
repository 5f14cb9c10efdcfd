/**
 * The store's log: every store-changing command appends one line to `<store>/logs/<YEAR>_log_detcal.txt`
 * (the LCLS repository keeps `<repo>/logs/<YEAR>_log_<app>.txt`): `<ISO time>  <action>  <user>@<host>  <JSON>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Author } from './who.js';
import { LOG_DIR } from './store-paths.js';

/** One log line. */
export interface LogRecord {
  /** When (ISO 8601 UTC). */
  time: string;
  /** What: add, import, deploy, merge-status, init, prune ... */
  action: string;
  /** Login name. */
  user: string;
  /** Host name. */
  host: string;
  /** What changed (entry ids, paths, counts ...). */
  details: Record<string, unknown>;
}

/** Appends one line (a single write with O_APPEND, so concurrent writers do not interleave). */
export function appendLog(storeDir: string, action: string, author: Author, details: Record<string, unknown>, now = new Date()): LogRecord {
  const rec: LogRecord = { time: now.toISOString(), action, user: author.user, host: author.host, details };
  const dir = path.join(storeDir, LOG_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const line = `${rec.time}  ${action}  ${author.user}@${author.host}  ${JSON.stringify(details)}\n`;
  fs.appendFileSync(path.join(dir, `${now.getUTCFullYear()}_log_detcal.txt`), line);
  return rec;
}

/** Every log record of the store, oldest first. */
export function readLog(storeDir: string): LogRecord[] {
  const dir = path.join(storeDir, LOG_DIR);
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}_log_detcal\.txt$/.test(f)).sort();
  const records: LogRecord[] = [];
  for (const f of files) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /^(\S+) {2}(\S+) {2}([^@\s]*)@(\S*) {2}(.*)$/.exec(line);
      if (!m) continue;
      let details: Record<string, unknown> = {};
      try {
        details = JSON.parse(m[5]) as Record<string, unknown>;
      } catch {
        details = { text: m[5] };
      }
      records.push({ time: m[1], action: m[2], user: m[3], host: m[4], details });
    }
  }
  return records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
