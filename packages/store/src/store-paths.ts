/**
 * Where things live in a store directory: the SQLite index, temp files, logs, and payload files named as
 * the LCLS constants repository names them:
 * `<dettype>/<detector-id>/<ctype>/<dettype>_<alias>_<YYYYmmddHHMMSS>_<exp>_r<run>_<ctype>.h5`.
 */
import path from 'node:path';
import { DetcalError } from '@detcal/core';

/** File name of the SQLite index inside a store directory. */
export const INDEX_FILE = 'index.sqlite';
/** Folder of payloads being written (same filesystem as the payloads, so rename is atomic). */
export const TMP_DIR = 'tmp';
/** Folder of the store's log files. */
export const LOG_DIR = 'logs';
/** Folder name (below `<dettype>/`) of a detector type's default constants. */
export const DEFAULT_DIR = 'default';

/** Fields that make up a payload file name. */
export interface PayloadNameFields {
  /** Canonical detector type (e.g. 'epix100'). */
  detectorType: string;
  /** Alias of the detector id ('0001'). */
  alias: string;
  /** UTC time stamp YYYYmmddHHMMSS. */
  timestamp: string;
  /** Experiment name ('none' when unknown). */
  exp: string;
  /** Run number used in the name. */
  run: number;
  /** Constant type (may contain '_', e.g. pixel_status). */
  ctype: string;
  /** 1 for the first file of this name; 2, 3, ... when an earlier payload already has the name. */
  copy?: number;
}

/** A name usable as one path component: characters other than letters, digits, '.', '-', '+', '=' and '_' become '-'. */
export function pathComponent(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._+=-]/g, '-');
  if (safe === '' || safe === '.' || safe === '..') throw new DetcalError('BAD_INPUT', `"${name}" cannot name a folder of the store; use letters, digits, '.', '-' or '_'`);
  return safe;
}

/** A file-name field without '_' (the separator of the LCLS name fields). */
export function nameField(value: string): string {
  return pathComponent(value).replace(/_/g, '-');
}

/** YYYYmmddHHMMSS of a date, in UTC. */
export function timestampOf(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** ISO 8601 UTC (seconds) of a YYYYmmddHHMMSS time stamp. */
export function isoOfTimestamp(ts: string): string {
  return `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}.000Z`;
}

/** Payload file name: `<dettype>_<alias>_<ts>_<exp>_r<run %04d>_<ctype>.h5` (`.v<copy>.h5` for copy > 1). */
export function payloadName(f: PayloadNameFields): string {
  const base = `${nameField(f.detectorType)}_${f.alias}_${f.timestamp}_${nameField(f.exp)}_r${String(f.run).padStart(4, '0')}_${pathComponent(f.ctype)}`;
  return f.copy && f.copy > 1 ? `${base}.v${f.copy}.h5` : `${base}.h5`;
}

/** Parses a payload file name; null when it is not one. */
export function parsePayloadName(name: string): PayloadNameFields | null {
  const m = /^([^_]+)_(\d+|default)_(\d{14})_([^_]+)_r(\d+)_(.+?)(?:\.v(\d+))?\.h5$/.exec(name);
  if (!m) return null;
  return { detectorType: m[1], alias: m[2], timestamp: m[3], exp: m[4], run: Number(m[5]), ctype: m[6], copy: m[7] ? Number(m[7]) : 1 };
}

/** Folder of a detector's constants of one type, relative to the store: `<dettype>/<detector-id>/<ctype>`. */
export function ctypeDir(detectorType: string, detectorId: string, ctype: string): string {
  return path.posix.join(pathComponent(detectorType), pathComponent(detectorId), pathComponent(ctype));
}

/** Relative path of a default payload: `<dettype>/default/<dettype>_default_<ctype>.h5` (`.v<copy>.h5` for later ones). */
export function defaultPath(detectorType: string, ctype: string, copy = 1): string {
  const t = pathComponent(detectorType);
  return path.posix.join(t, DEFAULT_DIR, `${t}_default_${pathComponent(ctype)}${copy > 1 ? `.v${copy}` : ''}.h5`);
}
