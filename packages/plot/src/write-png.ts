/** Writing PNG files atomically (temp name, then rename) into a folder checked to be writable. */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import type { Raster } from './raster.js';

/** Creates `dir` if needed and checks that files can be written in it; a DetcalError naming `what` (e.g. '--plot') otherwise. */
export function ensureWritableDir(dir: string, what = 'plot folder'): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    throw new DetcalError('BAD_INPUT', `${what} ${dir} is not a writable folder (${code}); pass a folder you can write to`, { cause: err });
  }
}

/** Encodes a raster and writes it to `file` through `<file>.tmp-<pid>`, renamed into place when complete. */
export async function writePngAtomically(file: string, raster: Raster): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fs.promises.writeFile(tmp, raster.toPng());
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    const code = (err as { code?: string }).code ?? String(err);
    throw new DetcalError('BAD_INPUT', `cannot write ${path.basename(file)} in ${path.dirname(file)} (${code}); check the folder's permissions and free space`, { cause: err });
  }
}
