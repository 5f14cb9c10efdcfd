/**
 * Detector id -> short alias ('0001'), as the LCLS repository assigns them (PSCalib UtilsPanelAlias): a new
 * id gets max + 1. The index is the truth; `<dettype>/.aliases.txt` mirrors it in the LCLS text layout
 * (`<alias %04d> <id> <YYYY-mm-ddTHH:MM:SS> <exp %10s> r<run %04d> <user>`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IndexDb } from './index-db.js';
import { pathComponent } from './store-paths.js';

/** An alias and whether this call created it. */
export interface AliasResult {
  /** Four-digit alias. */
  alias: string;
  /** True when the id had no alias before. */
  isNew: boolean;
}

/** Alias of a detector id, assigning max + 1 when it has none. Call inside an IMMEDIATE transaction. */
export function aliasFor(db: IndexDb, detectorType: string, detectorId: string, info: { exp: string; run: number | null; user: string; now: string }): AliasResult {
  const row = db.prepare('SELECT alias FROM aliases WHERE detector_type = ? AND detector_id = ?').get(detectorType, detectorId) as { alias: number } | undefined;
  if (row) return { alias: formatAlias(row.alias), isNew: false };
  const max = db.prepare('SELECT MAX(alias) AS m FROM aliases WHERE detector_type = ?').get(detectorType) as { m: number | null };
  const alias = (max.m ?? 0) + 1;
  db.prepare('INSERT INTO aliases (detector_type, detector_id, alias, created_at, exp, run, user) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(detectorType, detectorId, alias, info.now, info.exp, info.run, info.user);
  return { alias: formatAlias(alias), isNew: true };
}

/** '%04d' of an alias number. */
export function formatAlias(alias: number): string {
  return String(alias).padStart(4, '0');
}

/** Rewrites `<store>/<dettype>/.aliases.txt` from the index (temp file + rename). */
export function writeAliasFile(storeDir: string, db: IndexDb, detectorType: string): void {
  const rows = db.prepare('SELECT detector_id, alias, created_at, exp, run, user FROM aliases WHERE detector_type = ? ORDER BY alias')
    .all(detectorType) as Array<{ detector_id: string; alias: number; created_at: string; exp: string; run: number | null; user: string }>;
  const lines = rows.map((r) => {
    let rec = `${formatAlias(r.alias)} ${r.detector_id} ${r.created_at.slice(0, 19)}`;
    if (r.exp) rec += ` ${r.exp.padStart(10)}`;
    if (r.run !== null) rec += ` r${String(r.run).padStart(4, '0')}`;
    return `${rec} ${r.user}\n`;
  });
  const file = path.join(storeDir, pathComponent(detectorType), '.aliases.txt');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, lines.join(''));
  fs.renameSync(tmp, file);
}
