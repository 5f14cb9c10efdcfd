/**
 * Per-frame truth of a simulated run (light, X-ray) as an HDF5 file: one dataset per truth array,
 * (frames, rows, cols), gzip level 1, written block by block through <file>.tmp. Tests and users
 * compare corrected data with it frame by frame (h5py: f['energyKev'][i]).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TruthBlock } from '@detcal/core';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import type { H5Dataset } from './hdf5-file.js';
import { createChunkedDataset, removeQuietly, tmpPathFor } from './hdf5-write.js';

/** Writes the truth blocks of one run; returns the file and its size. */
export async function writeTruthFrames(file: string, nFrames: number, rows: number, cols: number, blocks: Iterable<TruthBlock>): Promise<{ file: string; bytes: number }> {
  await loadHdf5();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tmpPathFor(file);
  const h5 = withHdf5Errors(`${tmp}: cannot create`, 'check that the folder is writable', () => new h5wasm.File(path.resolve(tmp), 'w'));
  try {
    const datasets: Record<string, H5Dataset> = {};
    withHdf5Errors(`${tmp}: writing the truth failed`, 'check free disk space', () => {
      for (const block of blocks) {
        for (const [name, values] of Object.entries(block.arrays)) {
          datasets[name] ??= createChunkedDataset(h5, name, {
            dtype: values instanceof Float32Array ? 'f4' : values instanceof Uint8Array ? 'u1' : values instanceof Uint16Array ? 'u2' : 'i4',
            shape: [nFrames, rows, cols],
            chunks: [Math.max(1, Math.min(nFrames, 16)), rows, cols],
            gzipLevel: 1,
          });
          datasets[name].write_slice([[block.firstFrame, block.firstFrame + block.nFrames]], values);
        }
      }
    });
    h5.close();
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      h5.close();
    } catch {
      // closed
    }
    removeQuietly([tmp]);
    throw err;
  }
  return { file, bytes: fs.statSync(file).size };
}
