/**
 * psana calib directories: `<calib>/<Group>::CalibV1/<source>/<ctype>/<begin>-<end>.data`.
 * Listing skips HISTORY, non-.data files and malformed names (as PSCalib CalibFileFinder); the run rule
 * sorts by begin ascending (equal begin: larger end first) and takes, walking backwards, the first file
 * whose range holds the run. Deploying keeps a copy `<file>-<YYYY-mm-ddTHH:MM:SS>` of a file it replaces
 * and appends a HISTORY line as the LCLS deploy tools write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { formatRunRange, type RunRange } from './run-range.js';

/** One constants file of a calib tree. */
export interface CalibFile {
  /** Absolute path. */
  path: string;
  /** Calib group, e.g. Epix100a::CalibV1. */
  group: string;
  /** Source, e.g. XppGon.0:Epix100a.1. */
  source: string;
  /** Calib type (folder name), e.g. pixel_status. */
  ctype: string;
  /** File name, e.g. 0-end.data. */
  name: string;
  /** First run. */
  begin: number;
  /** Last run, null for 'end'. */
  end: number | null;
}

/** Which part of a tree to list. */
export interface CalibFilter {
  /** Only this group. */
  group?: string;
  /** Only this source. */
  source?: string;
  /** Only this calib type. */
  ctype?: string;
}

/** Parses `<begin>-<end>.data`; null for any other name. */
export function parseCalibFileName(name: string): RunRange | null {
  const m = /^(\d+)-(\d+|end)\.data$/.exec(name);
  if (!m) return null;
  const begin = Number(m[1]);
  const end = m[2] === 'end' ? null : Number(m[2]);
  return { begin, end };
}

/** Every valid constants file of a calib tree (sorted by group, source, ctype, name). */
export function listCalibFiles(calibDir: string, filter: CalibFilter = {}): CalibFile[] {
  if (!fs.existsSync(calibDir) || !fs.statSync(calibDir).isDirectory()) {
    throw new DetcalError('NOT_FOUND', `calib directory ${calibDir} does not exist; pass the psana calib folder (the one holding <Group>::CalibV1 folders)`);
  }
  const out: CalibFile[] = [];
  const dirs = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const group of dirs(calibDir)) {
    if (!group.includes('::') || (filter.group && group !== filter.group)) continue;
    for (const source of dirs(path.join(calibDir, group))) {
      if (filter.source && source !== filter.source) continue;
      for (const ctype of dirs(path.join(calibDir, group, source))) {
        if (filter.ctype && ctype !== filter.ctype) continue;
        const dir = path.join(calibDir, group, source, ctype);
        for (const name of fs.readdirSync(dir).sort()) {
          const range = parseCalibFileName(name);
          if (!range || !fs.statSync(path.join(dir, name)).isFile()) continue;
          out.push({ path: path.join(dir, name), group, source, ctype, name, ...range });
        }
      }
    }
  }
  return out;
}

/** The psana run rule: the file with the latest begin whose range holds `run`; for equal begins the narrower range. */
export function selectCalibFile<T extends { begin: number; end: number | null }>(files: readonly T[], run: number): T | null {
  const end = (f: T): number => f.end ?? Number.POSITIVE_INFINITY;
  const sorted = [...files].sort((a, b) => a.begin - b.begin || end(b) - end(a));
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i].begin <= run && run <= end(sorted[i])) return sorted[i];
  }
  return null;
}

/** The calib file for a run, or null (searches every group holding the source when no group is given). */
export function findCalibFile(calibDir: string, q: { source: string; ctype: string; run: number; group?: string }): CalibFile | null {
  return selectCalibFile(listCalibFiles(calibDir, { group: q.group, source: q.source, ctype: q.ctype }), q.run);
}

/** One record of a HISTORY file. */
export interface HistoryRecord {
  /** The whole line. */
  line: string;
  /** key -> value of its `key:value` fields (file, copy_of, exp, run, comment, user, host, cptime, zone ...). */
  fields: Record<string, string>;
}

/** Parses HISTORY lines (`key:value` fields separated by spaces). */
export function parseHistory(text: string): HistoryRecord[] {
  return text.split('\n').filter((l) => l.trim()).map((line) => {
    const fields: Record<string, string> = {};
    for (const m of line.matchAll(/(?:^|\s)([A-Za-z_]+):(\S*)/g)) fields[m[1]] = m[2];
    return { line, fields };
  });
}

/** What a deploy records in HISTORY. */
export interface DeployRecord {
  /** Where the deployed content comes from (a store payload path). */
  copyOf: string;
  /** Experiment. */
  exp: string;
  /** Run (written %04d). */
  run: number | null;
  /** Comment. */
  comment: string;
  /** Login name. */
  user: string;
  /** Host name. */
  host: string;
}

/** Options of deployToCalibDir. */
export interface CalibDeployOptions extends DeployRecord {
  /** Calib directory. */
  calibDir: string;
  /** Calib group (Epix100a::CalibV1). */
  group: string;
  /** Source (XppGon.0:Epix100a.1). */
  source: string;
  /** Calib type folder (pedestals, pixel_status, status_extra, geometry ...). */
  ctype: string;
  /** Run range of the file name. */
  range: RunRange;
  /** File content. */
  content: string | Buffer;
  /** Time of the deploy (default now). */
  now?: Date;
}

/** What a deploy did. */
export interface CalibDeployResult {
  /** The file written. */
  file: string;
  /** Copy of the file it replaced, if there was one. */
  backup: string | null;
  /** The HISTORY file appended. */
  historyFile: string;
  /** The line appended. */
  historyLine: string;
}

/** Writes `<calib>/<group>/<source>/<ctype>/<range>.data` (temp + rename), backing up a file it replaces and appending HISTORY. */
export function deployToCalibDir(o: CalibDeployOptions): CalibDeployResult {
  if (!/^[^/]+::[^/]+$/.test(o.group)) throw new DetcalError('BAD_INPUT', `--group "${o.group}" is not a psana calib group; write it like Epix100a::CalibV1`);
  if (!o.source || o.source.includes('/')) throw new DetcalError('BAD_INPUT', `--source "${o.source}" is not a psana source; write it like XppGon.0:Epix100a.1`);
  if (!fs.existsSync(o.calibDir)) throw new DetcalError('NOT_FOUND', `calib directory ${o.calibDir} does not exist; create it or pass the experiment's calib folder`);
  const now = o.now ?? new Date();
  const dir = path.join(o.calibDir, o.group, o.source, o.ctype);
  fs.mkdirSync(dir, { recursive: true });
  const name = `${formatRunRange(o.range)}.data`;
  const file = path.join(dir, name);
  let backup: string | null = null;
  if (fs.existsSync(file)) {
    const base = `${file}-${localStamp(now)}`;
    backup = base;
    for (let i = 1; fs.existsSync(backup); i++) backup = `${base}.${i}`;
    fs.copyFileSync(file, backup, fs.constants.COPYFILE_EXCL);
  }
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, o.content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new DetcalError('STORE', `cannot write ${file}: ${(err as Error).message}; check that the calib directory is writable`, { cause: err });
  }
  const historyFile = path.join(dir, 'HISTORY');
  const historyLine = historyRecord(name, o, now);
  fs.appendFileSync(historyFile, historyLine);
  return { file, backup, historyFile, historyLine };
}

/** A HISTORY line as the LCLS deploy tools write it (fields padded as they pad them, two spaces apart). */
export function historyRecord(fileName: string, r: DeployRecord, now: Date): string {
  const run = r.run === null ? '' : String(r.run).padStart(4, '0');
  const cptime = `${localStamp(now)}  zone:${zoneName(now)}`;
  return `file:${fileName.padEnd(14)}  copy_of:${r.copyOf}  exp:${r.exp.padEnd(8)}  run:${run.padEnd(4)}  comment:${r.comment.replace(/\s+/g, '-').padEnd(10)}  user:${r.user}  host:${r.host}  cptime:${cptime.padEnd(29)}\n`;
}

/** Local time YYYY-mm-ddTHH:MM:SS (the reference tools stamp backups and HISTORY in local time). */
export function localStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Short name of the local time zone (PDT, CET, UTC ...), as strftime %Z. */
export function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}
