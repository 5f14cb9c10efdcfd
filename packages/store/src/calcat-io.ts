/**
 * European XFEL CalCat constant files (`/<PDU>/<Calibration>/0/data` with `dims`), through the
 * @detcal/hdf5 reader and writer: exporting a stored constant, importing such files into the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type ConstantSet, type Validity } from '@detcal/core';
import { readCalCatFile, writeCalCatFile, type WrittenFile } from '@detcal/hdf5';
import { addConstants } from './add-constant.js';
import { canonicalDetectorType } from './detector-types.js';
import type { StoreEntry } from './index-db.js';
import { sha256File } from './payload-io.js';
import type { StoreContext } from './store-context.js';

/** Writes a set as a CalCat file of one PDU (axes in the facility order). */
export function exportCalCat(file: string, pdu: string, set: ConstantSet): Promise<WrittenFile> {
  return writeCalCatFile(file, pdu, set);
}

/** Options of importing a CalCat file. */
export interface CalCatImportOptions {
  /** PDU to read when the file holds several. */
  pdu?: string;
  /** Detector type when the file does not name one (facility files do not). */
  detectorType?: string;
  /** Detector id (default: the file's, else the PDU name). */
  detectorId?: string;
  /** Module index (default: the file's, else 0). */
  module?: number;
  /** Calibrations to import (default all). */
  ctypes?: string[];
  /** Validity (default: the file's, else runs 0-end). */
  validity?: Partial<Validity>;
  /** Experiment / proposal. */
  exp?: string;
  /** Run. */
  run?: number;
  /** Comment. */
  comment?: string;
}

/** Result of an import of one file. */
export interface FileImportResult {
  /** New entries. */
  imported: StoreEntry[];
  /** Why the file was not imported (already in the store), if it was not. */
  skipped?: string;
}

/** Imports the calibrations of a CalCat file as store entries (skips a file already imported). */
export async function importCalCatFile(ctx: StoreContext, file: string, o: CalCatImportOptions = {}): Promise<FileImportResult> {
  if (!fs.existsSync(file)) throw new DetcalError('NOT_FOUND', `${file} does not exist; pass a CalCat constant file`);
  const { pdu, set } = await readCalCatFile(file, o.pdu);
  const detectorType = canonicalDetectorType(o.detectorType ?? set.metadata.detectorType ?? '');
  if (!detectorType) throw new DetcalError('BAD_INPUT', `${file} does not name its detector type; pass --detector (e.g. agipd)`);
  const sha = sha256File(file);
  const dup = ctx.db.prepare('SELECT id FROM constants WHERE source_sha256 = ? AND detector_type = ? LIMIT 1').get(sha, detectorType) as { id: number } | undefined;
  if (dup) return { imported: [], skipped: `already in the store (entry ${dup.id})` };
  const metadata = { ...set.metadata, detectorType, detectorId: o.detectorId ?? (set.metadata.detectorId || pdu), module: o.module ?? set.metadata.module ?? 0 };
  const imported = await addConstants(ctx, { metadata, constants: set.constants }, {
    ctypes: o.ctypes,
    validity: o.validity,
    exp: o.exp,
    run: o.run,
    comment: o.comment,
    source: `calcat:${path.resolve(file)}#${pdu}`,
    sourceSha256: sha,
    action: 'import',
    logDetails: { from: path.resolve(file), format: 'calcat', pdu },
  });
  return { imported };
}
