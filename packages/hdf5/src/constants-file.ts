/**
 * detcal constants files: one root dataset per constant with `dims` and `unit` attributes, the set's
 * metadata as file attributes; written atomically (<file>.tmp, then rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import { allocate, DetcalError, leadsWithGainAxis, makeConstantSet, sizeOf, toEuxfelOrder, type ConstantArray, type ConstantLayout, type ConstantSet, type NumericArray } from '@detcal/core';
import { asNumeric, describeDtype, dtypeOfMetadata } from './dtype-map.js';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import { checkFilters } from './filters.js';
import { openHdf5Sync, type H5Dataset, type H5File } from './hdf5-file.js';
import { getAttribute, removeQuietly, setAttribute, tmpPathFor, writeNumericDataset } from './hdf5-write.js';
import { readMetadataAttrs, writeMetadataAttrs } from './constants-metadata.js';
import { readFully } from './direct-storage.js';
import { locateReadableOffset } from './direct-write.js';

/** Axis order of the arrays in a constants file: detcal's (gain, cell, row, col) or EuXFEL's reversed (col, row, cell, gain). */
export type ConstantsLayout = 'detcal' | 'euxfel';

/** Options of writeConstantsFile. */
export interface WriteConstantsOptions {
  /** Axis order of the stored arrays (default 'detcal'). */
  layout?: ConstantsLayout;
}

/** A file written by a detcal writer. */
export interface WrittenFile {
  /** Path of the file. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
}

/** Value of the file attribute `format` of detcal constants files. */
export const CONSTANTS_FORMAT = 'detcal-constants';

/**
 * Writes `set` to `file`. Each constant is a ROOT dataset /<Name> (not a /<Name>/... group): one
 * constant is one array, so `h5py.File(f)['Offset'][()]`, h5ls and numpy users get it directly and a
 * set cannot hold two arrays of one name; the facility's group layout (/<PDU>/<Name>/0/data) is
 * written by writeCalCatFile instead. With layout 'euxfel' every array is stored with its axes
 * reversed (core's toEuxfelOrder) and `dims` reversed with it.
 */
export async function writeConstantsFile(file: string, set: ConstantSet, opts: WriteConstantsOptions = {}): Promise<WrittenFile> {
  await loadHdf5();
  const layout = opts.layout ?? 'detcal';
  const arrays = Object.values(set.constants);
  for (const c of arrays) {
    if (!/^[^/.][^/]*$/.test(c.name)) throw new DetcalError('BAD_INPUT', `constant name "${c.name}" cannot be an HDF5 dataset name (no '/', no leading '.'); rename the constant type`);
  }
  return writeAtomically(file, (h5) => {
    setAttribute(h5, 'format', CONSTANTS_FORMAT);
    setAttribute(h5, 'format_version', 1);
    setAttribute(h5, 'layout', layout);
    writeMetadataAttrs(h5, set.metadata);
    for (const c of arrays) writeConstantArray(h5, c.name, layout === 'euxfel' ? toEuxfelOrder(c) : c);
  });
}

/**
 * Reads a constants file written by writeConstantsFile (either layout) back into detcal axis order;
 * with `only`, just the datasets of those names (the others are not read at all).
 */
export async function readConstantsFile(file: string, only?: readonly string[]): Promise<ConstantSet> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    const layout = String(getAttribute(h5, 'layout') ?? 'detcal');
    if (layout !== 'detcal' && layout !== 'euxfel') {
      throw new DetcalError('BAD_INPUT', `${file}: attribute layout is "${layout}", expected detcal or euxfel; is this a CalCat file? read it with the CalCat reader`);
    }
    const arrays: ConstantArray[] = [];
    let datasets = 0;
    for (const name of h5.keys()) {
      const ds = h5.get(name);
      if (!(ds instanceof h5wasm.Dataset)) continue;
      datasets++;
      if (only && !only.includes(name)) continue;
      const c = readConstantArray(h5, file, `/${name}`, name, ds);
      arrays.push(layout === 'euxfel' ? toEuxfelOrder(c) : c);
    }
    if (datasets === 0) throw new DetcalError('BAD_INPUT', `${file}: no constant datasets at the root; pass a constants file written by detcal`);
    return makeConstantSet(readMetadataAttrs(h5, file), arrays);
  } finally {
    h5.close();
  }
}

/** Writes one constant array as dataset `datasetPath` with `dims` and `unit` attributes. */
export function writeConstantArray(h5: H5File, datasetPath: string, c: ConstantArray, dims: readonly string[] = c.dims): H5Dataset {
  const ds = writeNumericDataset(h5, datasetPath, c.data, c.shape, c.dtype);
  if (dims.length > 0) setAttribute(ds, 'dims', [...dims]);
  setAttribute(ds, 'unit', c.unit);
  return ds;
}

/** Reads one numeric dataset as a ConstantArray (dims from its `dims` attribute, else axis0, axis1, ...). */
export function readConstantArray(h5: H5File, file: string, datasetPath: string, name: string, ds: H5Dataset): ConstantArray {
  const layout = readConstantLayout(h5, file, datasetPath, name, ds);
  const data = withHdf5Errors(`${file}: reading ${datasetPath} failed`, 'the file may be damaged; check it with `detcal inspect`', () => asNumeric(ds.value, datasetPath));
  return { ...layout, data: data as ConstantArray['data'] };
}

/** Name, dtype, shape, dims and unit of one numeric dataset, without reading its values. */
export function readConstantLayout(h5: H5File, file: string, datasetPath: string, name: string, ds: H5Dataset): ConstantLayout {
  checkFilters(h5, file, datasetPath);
  const dtype = dtypeOfMetadata(ds.metadata);
  if (!dtype) throw new DetcalError('BAD_INPUT', `${file}: dataset ${datasetPath} holds ${describeDtype(ds.metadata)} values, which detcal constants never use (u1, u2, u4, u8, i2, i4, f4, f8); convert it first`);
  const shape = ds.shape ?? [];
  const dimsAttr = getAttribute(ds, 'dims');
  const dims = Array.isArray(dimsAttr) && dimsAttr.length === shape.length ? dimsAttr.map(String) : shape.map((_, i) => `axis${i}`);
  const unit = getAttribute(ds, 'unit');
  return { name, dtype, shape, dims, unit: unit === undefined ? '' : String(unit) };
}

/** Opens a constants file that must be in the detcal axis order (for reading it piece by piece); closes it on refusal. */
async function openDetcalLayout(file: string, purpose: string): Promise<H5File> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  const layout = String(getAttribute(h5, 'layout') ?? 'detcal');
  if (layout !== 'detcal') {
    h5.close();
    throw new DetcalError('BAD_INPUT', `${file}: attribute layout is "${layout}"; ${purpose} needs the detcal layout, read it with readConstantsFile`);
  }
  return h5;
}

/**
 * A constants file as a ConstantSet whose arrays read their values from the file each time `data` is
 * read (in detcal axis order: a file in the euxfel layout is transposed back on each read): one
 * constant in memory at a time, for handing a large written set on (the store adds it constant by
 * constant). The file must stay in place while the set is used.
 */
export async function readConstantsFileLazily(file: string): Promise<ConstantSet> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    const layout = String(getAttribute(h5, 'layout') ?? 'detcal');
    if (layout !== 'detcal' && layout !== 'euxfel') {
      throw new DetcalError('BAD_INPUT', `${file}: attribute layout is "${layout}", expected detcal or euxfel; is this a CalCat file? read it with the CalCat reader`);
    }
    const arrays: ConstantArray[] = [];
    for (const name of h5.keys()) {
      const ds = h5.get(name);
      if (!(ds instanceof h5wasm.Dataset)) continue;
      const stored = readConstantLayout(h5, file, `/${name}`, name, ds);
      // the header in detcal order (toEuxfelOrder of a header without values reverses shape and dims)
      const header = layout === 'euxfel' ? { ...stored, shape: [...stored.shape].reverse(), dims: [...stored.dims].reverse() } : stored;
      arrays.push(
        Object.defineProperty({ ...header }, 'data', {
          enumerable: true,
          get: () => {
            const f = openHdf5Sync(file);
            try {
              const c = readConstantArray(f, file, `/${name}`, name, f.get(name) as H5Dataset);
              return (layout === 'euxfel' ? toEuxfelOrder(c) : c).data;
            } finally {
              f.close();
            }
          },
        }) as ConstantArray,
      );
    }
    if (arrays.length === 0) throw new DetcalError('BAD_INPUT', `${file}: no constant datasets at the root; pass a constants file written by detcal`);
    return makeConstantSet(readMetadataAttrs(h5, file), arrays);
  } finally {
    h5.close();
  }
}

/**
 * Reads a constants file (detcal layout) one slab at a time, for statistics of sets too large to hold:
 * a constant whose first axis is 'gain' or 'threshold' (longer than 1) index by index, any other whole.
 * @param file - the constants file
 * @param visit - gets each constant's layout, the first-axis index (null: whole constant) and the values (the file's own copy: the visitor may keep or hand them on); awaited before the next slab is read
 * @param names - constants to visit, in this order (default: every dataset at the root, in the file's name order)
 */
export async function forEachConstantSlab(file: string, visit: (layout: ConstantLayout, index: number | null, data: NumericArray) => unknown, names?: readonly string[]): Promise<void> {
  const h5 = await openDetcalLayout(file, 'slab reading');
  // contiguous datasets are read with fs at their offset: h5wasm copies every value through its heap
  // (~0.8 GB/s; the printed summary of a 352-cell AGIPD set reads 1.3 GB)
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    fd = null; // h5wasm reads everything
  }
  try {
    for (const name of names ?? h5.keys()) {
      const ds = h5.get(name);
      if (!(ds instanceof h5wasm.Dataset)) {
        if (names) throw new DetcalError('BAD_INPUT', `${file}: no constant dataset ${name}; pass a constants file that holds it`);
        continue;
      }
      const l = readConstantLayout(h5, file, `/${name}`, name, ds);
      const read = (what: string, get: () => unknown): NumericArray =>
        withHdf5Errors(`${file}: reading ${name}${what} failed`, 'the file may be damaged; check it with `detcal inspect`', () => asNumeric(get(), `/${name}`) as NumericArray);
      const at = fd !== null ? locateReadableOffset(ds, fd) : null;
      /** Slab i of n values straight from the file, or null (not contiguous, or a short file: h5wasm then reads it and reports). */
      const direct = (i: number, n: number): NumericArray | null => {
        if (at === null || fd === null) return null;
        const out = allocate(l.dtype, n);
        return readFully(fd, out, 0, out.byteLength, at + i * out.byteLength) ? out : null;
      };
      if (leadsWithGainAxis(l) && l.shape[0] > 1) {
        const n = sizeOf(l.shape.slice(1));
        for (let i = 0; i < l.shape[0]; i++) await visit(l, i, direct(i, n) ?? read(`[${i}]`, () => ds.slice([[i, i + 1]])));
      } else {
        await visit(l, null, direct(0, sizeOf(l.shape)) ?? read('', () => ds.value));
      }
    }
  } finally {
    h5.close();
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Writes an HDF5 file through `<file>.tmp` and renames it into place only when `fill` succeeded. */
export async function writeAtomically(file: string, fill: (h5: H5File) => void): Promise<WrittenFile> {
  await loadHdf5();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tmpPathFor(file);
  try {
    const h5 = withHdf5Errors(`${tmp}: cannot create`, 'check that the folder exists and is writable', () => new h5wasm.File(path.resolve(tmp), 'w'));
    try {
      withHdf5Errors(`${tmp}: writing failed`, 'check free disk space', () => fill(h5));
    } finally {
      h5.close();
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    removeQuietly([tmp]);
    throw err;
  }
  return { file, bytes: fs.statSync(file).size };
}
