/**
 * A detcal constants file written group of memory cells by group (a ConstantSink for GainStep.runToSink):
 * begin() creates `<file>.tmp` with every dataset at its final shape, dtype and attributes (contiguous,
 * like writeConstantsFile: the values are zero-filled first, one dataset at a time), write() stores one
 * cell group as a hyperslab of each dataset, finish() adds the metadata attributes and renames the file
 * into place; abort() removes the temp file. Only one group's values need to be in memory. The file is the
 * one writeConstantsFile writes for the same set (detcal axis order).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, allocate, cellAxisOf, sizeOf, type ConstantArray, type ConstantLayout, type ConstantMetadata, type ConstantSink, type DType, type NumericArray } from '@detcal/core';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import type { H5Dataset, H5File } from './hdf5-file.js';
import { removeQuietly, setAttribute, tmpPathFor } from './hdf5-write.js';
import { writeMetadataAttrs } from './constants-metadata.js';
import { CONSTANTS_FORMAT, writeConstantArray, type WrittenFile } from './constants-file.js';

/** One preallocated dataset and its cell axis. */
interface Target {
  layout: ConstantLayout;
  axis: number;
  ds: H5Dataset;
}

/** Writes a constants file cell group by cell group; see the file comment. */
export class ConstantsFileWriter implements ConstantSink {
  private h5: H5File | undefined;
  private readonly tmp: string;
  private readonly targets: Target[] = [];

  /** @param file - final path of the constants file (written as `<file>.tmp` until finish()) */
  constructor(readonly file: string) {
    this.tmp = tmpPathFor(file);
  }

  /** Layouts of the datasets begin() created, in order. */
  get layouts(): ConstantLayout[] {
    return this.targets.map((t) => t.layout);
  }

  /** Creates the temp file with the format attributes and every dataset at its final shape (zero-filled). */
  async begin(layouts: readonly ConstantLayout[]): Promise<void> {
    await loadHdf5();
    for (const l of layouts) {
      if (!/^[^/.][^/]*$/.test(l.name)) throw new DetcalError('BAD_INPUT', `constant name "${l.name}" cannot be an HDF5 dataset name (no '/', no leading '.'); rename the constant type`);
    }
    fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const h5 = withHdf5Errors(`${this.tmp}: cannot create`, 'check that the folder exists and is writable', () => new h5wasm.File(path.resolve(this.tmp), 'w'));
    this.h5 = h5;
    try {
      // one zero buffer per dtype, as large as the largest dataset: its pages are never written, so they cost no memory
      const zeros = new Map<DType, NumericArray>();
      for (const l of layouts) {
        const n = sizeOf(l.shape);
        if ((zeros.get(l.dtype)?.length ?? -1) < n) zeros.set(l.dtype, allocate(l.dtype, n));
      }
      withHdf5Errors(`${this.tmp}: writing failed`, 'check free disk space', () => {
        setAttribute(h5, 'format', CONSTANTS_FORMAT);
        setAttribute(h5, 'format_version', 1);
        setAttribute(h5, 'layout', 'detcal');
        for (const l of layouts) {
          const zero = zeros.get(l.dtype) as unknown as { subarray(a: number, b: number): NumericArray };
          const ds = writeConstantArray(h5, l.name, { ...l, data: zero.subarray(0, sizeOf(l.shape)) });
          this.targets.push({ layout: l, axis: cellAxisOf(l), ds });
        }
      });
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Writes cells [cellStart, cellEnd) of every constant (each part: the final shape with the cell axis cut to the range). */
  async write(cellStart: number, cellEnd: number, part: Record<string, ConstantArray>): Promise<void> {
    if (!this.h5) throw new DetcalError('INTERNAL', `${this.tmp}: write before begin (or after finish / abort)`);
    for (const t of this.targets) {
      const p = part[t.layout.name];
      const expected = t.layout.shape.map((n, i) => (i === t.axis ? cellEnd - cellStart : n));
      if (!p || sizeOf(expected) !== p.data.length || p.dtype !== t.layout.dtype) {
        throw new DetcalError('INTERNAL', `cell group ${cellStart}..${cellEnd}: constant ${t.layout.name} must be ${t.layout.dtype} [${expected}], got ${p ? `${p.dtype} of ${p.data.length} values` : 'nothing'}`);
      }
      const ranges = t.layout.shape.map((n, i): [number, number] => (i === t.axis ? [cellStart, cellEnd] : [0, n]));
      withHdf5Errors(`${this.tmp}: writing ${t.layout.name} cells ${cellStart}..${cellEnd} failed`, 'check free disk space', () => t.ds.write_slice(ranges, p.data));
    }
  }

  /** Writes the set's metadata attributes, closes the file and renames it into place. */
  async finish(metadata: ConstantMetadata): Promise<WrittenFile> {
    const h5 = this.h5;
    if (!h5) throw new DetcalError('INTERNAL', `${this.tmp}: finish before begin (or twice)`);
    try {
      withHdf5Errors(`${this.tmp}: writing failed`, 'check free disk space', () => writeMetadataAttrs(h5, metadata));
      h5.close();
      this.h5 = undefined;
      fs.renameSync(this.tmp, this.file);
    } catch (err) {
      this.abort();
      throw err;
    }
    return { file: this.file, bytes: fs.statSync(this.file).size };
  }

  /** Closes the file (if open) and removes the temp file: a failed run leaves nothing behind. */
  abort(): void {
    if (this.h5) {
      try {
        this.h5.close();
      } catch {
        // closing a broken file: removing it is all that is left to do
      }
      this.h5 = undefined;
    }
    removeQuietly([this.tmp]);
  }
}
