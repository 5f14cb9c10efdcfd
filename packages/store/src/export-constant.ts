/** Writing one stored constant out: detcal HDF5, numpy .npy, psana text, or a CalCat file. Every file is written to a temp name and renamed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DetcalError, dropSingletonAxes, type ConstantArray, type ConstantSet } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { exportCalCat } from './calcat-io.js';
import { localStamp } from './calib-dir.js';
import type { StoreEntry } from './index-db.js';
import { encodeNpy } from './npy.js';
import { formatPsanaText } from './psana-text.js';
import { constantText, isTextConstant } from './text-constant.js';
import { currentAuthor } from './who.js';

/** Output formats of export. */
export const EXPORT_FORMATS = ['h5', 'npy', 'psana', 'calcat'] as const;

/** One output format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The format named, or the one a file extension implies (.h5/.hdf5 -> h5, .npy -> npy, .txt/.data -> psana). */
export function exportFormatFor(file: string, format?: string): ExportFormat {
  if (format) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new DetcalError('BAD_INPUT', `--format ${format} is not one of ${EXPORT_FORMATS.join(', ')}`);
    return format as ExportFormat;
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5') return 'h5';
  if (ext === '.npy') return 'npy';
  if (ext === '.txt' || ext === '.data' || ext === '.dat') return 'psana';
  throw new DetcalError('BAD_INPUT', `cannot tell the format of ${file} from its extension; pass --format ${EXPORT_FORMATS.join('|')}`);
}

/** Options of exportConstant. */
export interface ExportOptions {
  /** Output format (default from the extension). */
  format?: ExportFormat;
  /** PDU name for CalCat files (default: the detector id). */
  pdu?: string;
  /** printf format of values in psana text (default per calib type). */
  fmt?: string;
}

/** A written export. */
export interface ExportResult {
  /** Output file. */
  file: string;
  /** Format written. */
  format: ExportFormat;
  /** Size in bytes. */
  bytes: number;
}

/** Writes one constant of an entry to `file`. */
export async function exportConstant(entry: StoreEntry, set: ConstantSet, constant: ConstantArray, file: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const format = opts.format ?? exportFormatFor(file);
  const one: ConstantSet = { metadata: set.metadata, constants: { [constant.name]: constant } };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  switch (format) {
    case 'h5':
      return { file, format, bytes: (await writeConstantsFile(file, one)).bytes };
    case 'calcat':
      return { file, format, bytes: (await exportCalCat(file, opts.pdu ?? entry.detectorId, one)).bytes };
    case 'npy':
      if (isTextConstant(constant)) throw new DetcalError('BAD_INPUT', `entry ${entry.id} (${entry.ctype}) is a text file, not an array; export it as psana text (.data or .txt)`);
      return { file, format, bytes: writeAtomically(file, encodeNpy(constant)) };
    case 'psana':
      return { file, format, bytes: writeAtomically(file, psanaTextFor(entry, constant, { fmt: opts.fmt, fileName: file })) };
  }
}

/**
 * The psana text of a constant (text constants verbatim), with a header naming where it comes from.
 * Gain and cell axes of length 1 are dropped: psana expects an ePix100 pedestal as (704, 768), not (1, 1, 704, 768).
 */
export function psanaTextFor(entry: StoreEntry, constant: ConstantArray, opts: { fmt?: string; fileName: string }): string | Buffer {
  if (isTextConstant(constant)) return constantText(constant);
  const line = (k: string, v: string | number): string => `${k.toUpperCase().padEnd(11)} ${v}`;
  const comments = [
    line('title', `detcal constants ${entry.ctype} of ${entry.detectorType} ${entry.detectorId}`),
    line('experiment', entry.exp || 'none'),
    line('detector', entry.detectorId),
    line('calib_type', entry.ctype),
    line('run', entry.run ?? entry.validity.beginRun ?? 0),
    line('store_entry', entry.id),
    line('sha256', entry.sha256),
  ];
  const author = currentAuthor();
  return formatPsanaText(dropSingletonAxes(constant), {
    fmt: opts.fmt,
    ctype: entry.ctype,
    unit: constant.unit,
    comments,
    info: { HOST: author.host, WORK_DIR: process.cwd(), FILE_NAME: opts.fileName, DATE_TIME: localStamp(new Date()), UID: author.user || os.userInfo().username },
  });
}

function writeAtomically(file: string, content: string | Buffer): number {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new DetcalError('BAD_INPUT', `cannot write ${file}: ${(err as Error).message}; check the folder exists and is writable`, { cause: err });
  }
  return fs.statSync(file).size;
}
