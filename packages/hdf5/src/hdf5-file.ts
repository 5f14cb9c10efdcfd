/** Opening HDF5 files by path: signature check, one-line errors, always closed. */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm/node';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';

/** h5wasm's File and Dataset classes, as the types this package passes around. */
export type { H5Dataset, H5File };

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the file carries the HDF5 signature (at byte 0, or after a user block at 512, 1024, 2048 ...). */
export function isHdf5File(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (fs.readSync(fd, buf, 0, 8, offset) === 8 && buf.equals(SIGNATURE)) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Throws a one-line NOT_FOUND / BAD_INPUT error unless `file` is an existing HDF5 file. */
export function assertHdf5File(file: string): void {
  if (!fs.existsSync(file)) throw new DetcalError('NOT_FOUND', `${file}: no such file; check the path`);
  if (fs.statSync(file).isDirectory()) throw new DetcalError('BAD_INPUT', `${file}: is a folder, not an HDF5 file; pass a file inside it`);
  if (!isHdf5File(file)) {
    throw new DetcalError('BAD_INPUT', `${file}: not an HDF5 file (no HDF5 signature); pass a .h5 / .hdf5 / .nxs file written by HDF5`);
  }
}

/** Opens an existing HDF5 file read-only (after loadHdf5()); the caller closes it. */
export function openHdf5Sync(file: string): H5File {
  assertHdf5File(file);
  const h5 = withHdf5Errors(`${file}: cannot open as HDF5`, 'check that the file is complete and readable', () => new h5wasm.File(path.resolve(file), 'r'));
  if (h5.file_id < 0n) throw new DetcalError('BAD_INPUT', `${file}: cannot open as HDF5; check that the file is complete and readable`);
  return h5;
}

/** Opens `file` read-only, runs `fn` on it and closes it, whatever happens. */
export async function withHdf5File<T>(file: string, fn: (h5: H5File) => T | Promise<T>): Promise<T> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    return await fn(h5);
  } finally {
    h5.close();
  }
}

/** The dataset at `datasetPath`, or null when the path is missing or not a dataset. */
export function getDataset(h5: H5File, datasetPath: string): H5Dataset | null {
  const entity = h5.get(datasetPath);
  return entity instanceof h5wasm.Dataset ? entity : null;
}

/** The dataset at `datasetPath`; a one-line NOT_FOUND error naming the file otherwise. */
export function requireDataset(h5: H5File, file: string, datasetPath: string, fix: string): H5Dataset {
  const ds = getDataset(h5, datasetPath);
  if (!ds) throw new DetcalError('NOT_FOUND', `${file}: no dataset ${absolutePath(datasetPath)}; ${fix}`);
  return ds;
}

/** Every dataset path in the file, depth first, each with a leading '/'. */
export function listDatasetPaths(h5: H5File): string[] {
  const out: string[] = [];
  const walk = (groupPath: string): void => {
    const group = h5.get(groupPath);
    if (!(group instanceof h5wasm.Group)) return;
    for (const key of group.keys()) {
      const child = groupPath === '/' ? `/${key}` : `${groupPath}/${key}`;
      const entity = h5.get(child);
      if (entity instanceof h5wasm.Dataset) out.push(child);
      else if (entity instanceof h5wasm.Group) walk(child);
    }
  };
  walk('/');
  return out;
}

/** `p` with exactly one leading '/'. */
export function absolutePath(p: string): string {
  return '/' + p.replace(/^\/+/, '');
}
