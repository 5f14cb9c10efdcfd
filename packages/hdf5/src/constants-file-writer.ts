/**
 * A detcal constants file written group of memory cells by group (a ConstantSink for GainStep.runToSink):
 * begin() creates `<file>.tmp` with every dataset at its final shape, dtype and attributes (contiguous,
 * like writeConstantsFile; created unwritten, reading zero until written: createZeroDatasets), write() stores one
 * cell group as a hyperslab of each dataset (or, with `at`, a cell group of one gain / threshold index of
 * some datasets), finish() adds the metadata attributes and renames the file into place; abort() removes
 * the temp file. Only one group's values need to be in memory. The file is the one writeConstantsFile
 * writes for the same set (detcal axis order).
 *
 * Where every dataset's place in the file can be found (direct-write.ts), begin() closes h5wasm and the
 * slabs are written and read back with fs at those offsets (about 3x faster than through h5wasm, and the
 * WASM heap does not grow by a slab's size); finish() reopens the file with h5wasm for the metadata.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, allocate, bytesPerElement, cellAxisOf, sinkSlab, sizeOf, type ConstantArray, type ConstantLayout, type ConstantMetadata, type ConstantSink, type NumericArray } from '@detcal/core';
import { asNumeric } from './dtype-map.js';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5Errors } from './hdf5-errors.js';
import type { H5Dataset, H5File } from './hdf5-file.js';
import { removeQuietly, setAttribute, tmpPathFor } from './hdf5-write.js';
import { readFully } from './direct-storage.js';
import { writeMetadataAttrs } from './constants-metadata.js';
import { CONSTANTS_FORMAT, type WrittenFile } from './constants-file.js';
import { createZeroDatasets } from './zero-datasets.js';
import { locateWritableStorage, slabRuns, writeFully, type WritableStorage } from './direct-write.js';

/** One preallocated dataset and its cell axis. */
interface Target {
  layout: ConstantLayout;
  axis: number;
  ds: H5Dataset;
  /** Where its bytes lie, when slabs are written with fs. */
  storage?: WritableStorage;
}

/** Writes a constants file cell group by cell group; see the file comment. */
export class ConstantsFileWriter implements ConstantSink {
  private h5: H5File | undefined;
  /** The temp file open with fs, when every dataset is written directly (h5wasm has closed it until finish). */
  private fd: number | undefined;
  private readonly tmp: string;
  private readonly targets: Target[] = [];

  /** @param file - final path of the constants file (written as `<file>.tmp` until finish()) */
  constructor(readonly file: string) {
    this.tmp = tmpPathFor(file);
  }

  /** True once begin() found every dataset's place in the file: slabs are written and read with fs. */
  get writesDirectly(): boolean {
    return this.fd !== undefined;
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
      withHdf5Errors(`${this.tmp}: writing failed`, 'check free disk space', () => {
        setAttribute(h5, 'format', CONSTANTS_FORMAT);
        setAttribute(h5, 'format_version', 1);
        setAttribute(h5, 'layout', 'detcal');
        const datasets = createZeroDatasets(h5, layouts);
        layouts.forEach((l, i) => {
          const ds = datasets[i];
          // the attributes writeConstantArray gives a dataset
          if (l.dims.length > 0) setAttribute(ds, 'dims', [...l.dims]);
          setAttribute(ds, 'unit', l.unit);
          this.targets.push({ layout: l, axis: cellAxisOf(l), ds });
        });
      });
      this.goDirect(h5);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Locates every dataset; when all are found, closes h5wasm, zeroes the markers and keeps the file open with fs. */
  private goDirect(h5: H5File): void {
    const storages = this.targets.map((t) => locateWritableStorage(h5, t.ds, this.tmp));
    if (storages.some((st, i) => !st || st.elementBytes !== bytesPerElement(this.targets[i].layout.dtype))) return;
    h5.close();
    this.h5 = undefined;
    this.fd = fs.openSync(this.tmp, 'r+');
    this.targets.forEach((t, i) => {
      const st = storages[i] as WritableStorage;
      t.storage = st;
      for (const [position, length] of st.markers) writeFully(this.fd as number, new Uint8Array(length), position, `${this.tmp}: writing failed`);
    });
  }

  private checkOpen(what: string): void {
    if (!this.h5 && this.fd === undefined) throw new DetcalError('INTERNAL', `${this.tmp}: ${what} before begin (or after finish / abort)`);
  }

  /**
   * Writes cells [cellStart, cellEnd) of every constant (each part: the final shape with the cell axis cut
   * to the range), or, with `at` (axis name -> index), of the constants in part, with those axes cut to the index.
   */
  async write(cellStart: number, cellEnd: number, part: Record<string, ConstantArray>, at?: Readonly<Record<string, number>>): Promise<void> {
    this.checkOpen('write');
    const targets = at ? Object.keys(part).map((name) => this.targets.find((t) => t.layout.name === name) ?? name) : this.targets;
    for (const t of targets) {
      if (typeof t === 'string') throw new DetcalError('INTERNAL', `cell group ${cellStart}..${cellEnd}: constant ${t} is not in the file begun`);
      const ranges = sinkSlab(t.layout, cellStart, cellEnd, at);
      const expected = ranges.map(([a, b]) => b - a);
      const p = part[t.layout.name];
      if (!p || sizeOf(expected) !== p.data.length || p.dtype !== t.layout.dtype) {
        throw new DetcalError('INTERNAL', `cell group ${cellStart}..${cellEnd}: constant ${t.layout.name} must be ${t.layout.dtype} [${expected}], got ${p ? `${p.dtype} of ${p.data.length} values` : 'nothing'}`);
      }
      const failed = `${this.tmp}: writing ${t.layout.name} cells ${cellStart}..${cellEnd} failed`;
      if (t.storage && this.fd !== undefined) {
        const st = t.storage, v = p.data as ArrayBufferView, eb = st.elementBytes;
        for (const r of slabRuns(t.layout.shape, ranges)) {
          writeFully(this.fd, new Uint8Array(v.buffer, v.byteOffset + r.from * eb, r.count * eb), st.offset + r.start * eb, failed);
        }
      } else withHdf5Errors(failed, 'check free disk space', () => t.ds.write_slice(ranges, p.data));
    }
  }

  /** Reads back the values written so far of one constant's slab, addressed like write (cells [cellStart, cellEnd), axes in `at` cut to their index). */
  async read(name: string, cellStart: number, cellEnd: number, at?: Readonly<Record<string, number>>): Promise<NumericArray> {
    this.checkOpen('read');
    const t = this.targets.find((x) => x.layout.name === name);
    if (!t) throw new DetcalError('INTERNAL', `read of cells ${cellStart}..${cellEnd}: constant ${name} is not in the file begun`);
    const ranges = sinkSlab(t.layout, cellStart, cellEnd, at);
    if (t.storage && this.fd !== undefined) {
      const st = t.storage;
      const out = allocate(t.layout.dtype, ranges.reduce((n, [a, b]) => n * (b - a), 1));
      for (const r of slabRuns(t.layout.shape, ranges)) {
        if (!readFully(this.fd, out, r.from * st.elementBytes, r.count * st.elementBytes, st.offset + r.start * st.elementBytes)) {
          throw new DetcalError('BAD_INPUT', `${this.tmp}: reading back ${name} cells ${cellStart}..${cellEnd} failed: the file is shorter than its datasets; run again`);
        }
      }
      return out;
    }
    return withHdf5Errors(`${this.tmp}: reading back ${name} cells ${cellStart}..${cellEnd} failed`, 'the temp file may be damaged; run again', () => asNumeric(t.ds.slice(ranges), name) as NumericArray);
  }

  /** Writes the set's metadata attributes, closes the file and renames it into place. */
  async finish(metadata: ConstantMetadata): Promise<WrittenFile> {
    if (!this.h5 && this.fd === undefined) throw new DetcalError('INTERNAL', `${this.tmp}: finish before begin (or twice)`);
    try {
      if (this.fd !== undefined) {
        fs.closeSync(this.fd);
        this.fd = undefined;
        this.h5 = withHdf5Errors(`${this.tmp}: cannot reopen`, 'check that the folder is writable', () => new h5wasm.File(path.resolve(this.tmp), 'a'));
      }
      const h5 = this.h5 as H5File;
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
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // the file is removed below either way
      }
      this.fd = undefined;
    }
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
