/**
 * Importing single files of other tools into the store: psana text arrays (.data/.txt), numpy .npy, and
 * detcal constants files; CalCat files go through calcat-io. The caller names what the file lacks
 * (detector type / id, calib type, validity).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, type ConstantArray, type ConstantSet, type Validity } from '@detcal/core';
import { isHdf5File, readConstantsFile } from '@detcal/hdf5';
import { addConstants } from './add-constant.js';
import { importCalCatFile, type FileImportResult } from './calcat-io.js';
import { canonicalCtype, canonicalDetectorType } from './detector-types.js';
import { decodeNpy } from './npy.js';
import { sha256File } from './payload-io.js';
import { parsePsanaText } from './psana-text.js';
import type { StoreContext } from './store-context.js';
import { textConstant, TEXT_CTYPES } from './text-constant.js';

/** Formats import understands. */
export const IMPORT_FORMATS = ['detcal', 'calcat', 'psana', 'npy'] as const;

/** One import format. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Options of importing a file. */
export interface FileImportOptions {
  /** Format (default from the extension: .npy -> npy, .data/.txt -> psana, HDF5 -> detcal or calcat by content). */
  format?: ImportFormat;
  /** Detector type (required for psana / npy; CalCat files from the facility do not name it). */
  detectorType?: string;
  /** Detector id (required for psana / npy). */
  detectorId?: string;
  /** Module index. */
  module?: number;
  /** Calib type (required for psana / npy). */
  ctype?: string;
  /** Constants to take from an HDF5 file (default all). */
  ctypes?: string[];
  /** Unit of an npy / psana array. */
  unit?: string;
  /** CalCat PDU. */
  pdu?: string;
  /** Validity. */
  validity?: Partial<Validity>;
  /** Experiment. */
  exp?: string;
  /** Run. */
  run?: number;
  /** Comment. */
  comment?: string;
}

/** The format of a file from its name and first bytes. */
export async function detectImportFormat(file: string): Promise<ImportFormat> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.data' || ext === '.txt' || ext === '.dat') return 'psana';
  if (isHdf5File(file)) {
    try {
      await readConstantsFile(file);
      return 'detcal';
    } catch {
      return 'calcat';
    }
  }
  throw new DetcalError('BAD_INPUT', `cannot tell the format of ${file}; pass --format ${IMPORT_FORMATS.join('|')}`);
}

/** Imports one file. */
export async function importFile(ctx: StoreContext, file: string, o: FileImportOptions = {}): Promise<FileImportResult> {
  if (!fs.existsSync(file)) throw new DetcalError('NOT_FOUND', `${file} does not exist; check the path`);
  const format = o.format ?? (await detectImportFormat(file));
  if (format === 'calcat') return importCalCatFile(ctx, file, o);
  const sha = sha256File(file);
  let set: ConstantSet;
  if (format === 'detcal') {
    set = await readConstantsFile(file);
    if (o.detectorType) set.metadata.detectorType = o.detectorType;
    if (o.detectorId) set.metadata.detectorId = o.detectorId;
    if (o.module !== undefined) set.metadata.module = o.module;
  } else {
    const need = (v: string | undefined, flag: string): string => {
      if (!v) throw new DetcalError('BAD_INPUT', `${file} is a bare ${format} array; pass ${flag}`);
      return v;
    };
    const ctype = canonicalCtype(need(o.ctype, '--ctype'));
    const detectorType = canonicalDetectorType(need(o.detectorType, '--detector'));
    const detectorId = need(o.detectorId, '--detector-id');
    let constant: ConstantArray;
    if (format === 'npy') {
      const a = decodeNpy(fs.readFileSync(file), file);
      constant = makeConstant(ctype, a.data, a.shape, dimsFor(a.shape), o.unit ?? '');
    } else if (TEXT_CTYPES.includes(ctype)) constant = textConstant(ctype, fs.readFileSync(file));
    else {
      const a = parsePsanaText(fs.readFileSync(file, 'utf8'), file, ctype);
      constant = makeConstant(ctype, a.data, a.shape, dimsFor(a.shape), o.unit ?? '');
    }
    set = makeConstantSet({ detectorType, detectorId, module: o.module ?? 0, conditions: {}, sourceRuns: o.run !== undefined ? [String(o.run)] : [], createdAt: fs.statSync(file).mtime.toISOString(), toolVersion: DETCAL_VERSION, parameters: {} }, [constant]);
  }
  const imported = await addConstants(ctx, set, {
    ctypes: format === 'detcal' ? o.ctypes : undefined,
    validity: o.validity,
    exp: o.exp,
    run: o.run,
    comment: o.comment,
    source: `${format}:${path.resolve(file)}`,
    sourceSha256: sha,
    action: 'import',
    logDetails: { from: path.resolve(file), format },
  });
  return { imported };
}

function dimsFor(shape: readonly number[]): string[] {
  const names = ['gain', 'cell', 'row', 'col'];
  return shape.length <= 4 ? names.slice(4 - shape.length) : shape.map((_, i) => `axis${i}`);
}
