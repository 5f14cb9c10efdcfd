/**
 * A detcal-layout constants file rewritten in the EuXFEL axis order (every array's axes reversed:
 * [gain][cell][row][col] -> (col, row, cell, gain)) with bounded memory: the file writeConstantsFile
 * writes with layout 'euxfel' for the same set (same datasets, dtypes, shapes, attributes and bytes),
 * for sets too large to hold (a 352-cell AGIPD module: 1.57 GB) that were streamed in the detcal order.
 *
 * Each constant goes in row slabs: rows [r0, r1) of all the axes before the row axis are read from the
 * source ([a][r0..r1][col]: one run per index of the axes before), transposed in memory and land in the
 * output as one contiguous run per column ([col][r0..r1][reversed a]). Both sides go through fs at the
 * datasets' places (locateReadableOffset; direct-write.ts), each through h5wasm where it cannot be
 * located. A slab holds at most `maxSlabBytes` (at least one row), so memory stays bounded and a
 * 277 MB AGIPD constant takes ~9 slabs of 1,056 reads and 128 writes each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, allocate, sizeOf, type ConstantLayout } from '@detcal/core';
import { asNumeric } from './dtype-map.js';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { readFully } from './direct-storage.js';
import { withHdf5Errors } from './hdf5-errors.js';
import { openHdf5Sync, type H5Dataset, type H5File } from './hdf5-file.js';
import { getAttribute, removeQuietly, setAttribute, tmpPathFor } from './hdf5-write.js';
import { readMetadataAttrs, writeMetadataAttrs } from './constants-metadata.js';
import { CONSTANTS_FORMAT, readConstantLayout, type WrittenFile } from './constants-file.js';
import { createZeroDatasets } from './zero-datasets.js';
import { locateReadableOffset, locateWritableStorage, slabRuns, writeFully, type WritableStorage } from './direct-write.js';

export { locateReadableOffset } from './direct-write.js';

/** Options of transposeToEuxfelFile. */
export interface EuxfelTransposeOptions {
  /** Most bytes of one slab of a constant (input; the transposed copy is as large). Default 32 MiB. */
  maxSlabBytes?: number;
  /** Write with fs where every dataset is located (default true); false: through h5wasm. */
  direct?: boolean;
}

/** Default bound of one slab: 32 MiB in, 32 MiB out. */
export const EUXFEL_SLAB_BYTES = 32 * 1024 * 1024;

/** Element arrays of 1, 2, 4 and 8 bytes: values are moved as bits, never converted (NaN payloads kept). */
type Bits = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function bitsOf(v: ArrayBufferView, elementBytes: number): Bits {
  const n = v.byteLength / elementBytes;
  if (elementBytes === 1) return new Uint8Array(v.buffer, v.byteOffset, n);
  if (elementBytes === 2) return new Uint16Array(v.buffer, v.byteOffset, n);
  if (elementBytes === 4) return new Uint32Array(v.buffer, v.byteOffset, n);
  return new BigUint64Array(v.buffer, v.byteOffset, n);
}

function newBits(elementBytes: number, n: number): Bits {
  return elementBytes === 1 ? new Uint8Array(n) : elementBytes === 2 ? new Uint16Array(n) : elementBytes === 4 ? new Uint32Array(n) : new BigUint64Array(n);
}

/**
 * C-order index, in the reversed shape, of each C-order index of `shape` with its axes reversed.
 * @param shape - the axes before the row axis
 */
export function reversedIndex(shape: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const d = shape.length;
  // stride of axis i in the reversed shape: product of the axes before it in shape
  const revStrides = shape.map((_, i) => sizeOf(shape.slice(0, i)));
  const idx = new Array<number>(d).fill(0);
  let r = 0;
  for (let a = 0; a < n; a++) {
    out[a] = r;
    for (let ax = d - 1; ax >= 0; ax--) {
      idx[ax]++;
      r += revStrides[ax];
      if (idx[ax] < shape[ax]) break;
      r -= revStrides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Transposes one slab: src is [a][l][k] (a over the axes before the row axis, C order; l over the
 * slab's rows; k over the columns), dst becomes [k][l][ra] with a = order[ra], i.e. the slab with all
 * axes reversed when order is the inverse of reversedIndex.
 * @param src - slab values, `order.length * rows * cols` elements
 * @param dst - output, at least as long
 * @param order - for each reversed index ra, the C-order index a it comes from
 * @param rows - rows in the slab
 * @param cols - columns (last axis)
 */
export function transposeSlab(src: Bits, dst: Bits, order: Int32Array, rows: number, cols: number): void {
  const outer = order.length;
  const step = rows * outer;
  const s = src as Uint32Array, d = dst as Uint32Array; // one element type for the engine; bits are copied as they are
  // blocks of 256 consecutive destinations per column: each cache line written is filled in one go (~30% faster than in source order)
  const B = 256;
  for (let r0 = 0; r0 < outer; r0 += B) {
    const r1 = Math.min(outer, r0 + B);
    for (let l = 0; l < rows; l++) {
      for (let ra = r0; ra < r1; ra++) {
        let si = (order[ra] * rows + l) * cols;
        let di = l * outer + ra;
        for (let k = 0; k < cols; k++, si++, di += step) d[di] = s[si];
      }
    }
  }
}

/** The inverse of a permutation of 0..n-1. */
export function inversePermutation(p: Int32Array): Int32Array {
  const out = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) out[p[i]] = i;
  return out;
}

/** One constant's source and target. */
interface Job {
  layout: ConstantLayout;
  src: H5Dataset;
  out: H5Dataset;
  storage?: WritableStorage;
  /** File offset of the source dataset's element 0, when its slabs are read with fs. */
  srcOffset?: number;
}

/**
 * Writes `out` (layout 'euxfel', atomically: `<out>.tmp`, renamed when complete, removed when anything
 * fails) from the detcal-layout constants file `src`, one row slab of one constant at a time.
 * @param src - a constants file in the detcal layout (read only)
 * @param out - the file to write
 * @param opts - slab size bound
 * @returns the written file
 */
export async function transposeToEuxfelFile(src: string, out: string, opts: EuxfelTransposeOptions = {}): Promise<WrittenFile> {
  await loadHdf5();
  const maxSlabBytes = opts.maxSlabBytes ?? EUXFEL_SLAB_BYTES;
  const tmp = tmpPathFor(out);
  const source = openHdf5Sync(src);
  let target: H5File | undefined;
  let fd: number | undefined;
  let srcFd: number | undefined;
  try {
    const layout = String(getAttribute(source, 'layout') ?? 'detcal');
    if (layout !== 'detcal') throw new DetcalError('BAD_INPUT', `${src}: attribute layout is "${layout}"; the EuXFEL transposition reads the detcal layout`);
    const jobs: Job[] = [];
    for (const name of source.keys()) {
      const ds = source.get(name);
      if (ds instanceof h5wasm.Dataset) jobs.push({ layout: readConstantLayout(source, src, `/${name}`, name, ds), src: ds, out: undefined as unknown as H5Dataset });
    }
    if (jobs.length === 0) throw new DetcalError('BAD_INPUT', `${src}: no constant datasets at the root; pass a constants file written by detcal`);
    if (opts.direct !== false) {
      srcFd = fs.openSync(src, 'r');
      for (const jb of jobs) jb.srcOffset = locateReadableOffset(jb.src, srcFd) ?? undefined;
    }
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const h5 = withHdf5Errors(`${tmp}: cannot create`, 'check that the folder exists and is writable', () => new h5wasm.File(path.resolve(tmp), 'w'));
    target = h5;
    withHdf5Errors(`${tmp}: writing failed`, 'check free disk space', () => {
      // the attributes writeConstantsFile gives the file and each dataset, in its order
      setAttribute(h5, 'format', CONSTANTS_FORMAT);
      setAttribute(h5, 'format_version', 1);
      setAttribute(h5, 'layout', 'euxfel');
      writeMetadataAttrs(h5, readMetadataAttrs(source, src));
      const created = createZeroDatasets(h5, jobs.map((j) => ({ name: j.layout.name, dtype: j.layout.dtype, shape: [...j.layout.shape].reverse() })));
      jobs.forEach((j, i) => {
        j.out = created[i];
        if (j.layout.dims.length > 0) setAttribute(j.out, 'dims', [...j.layout.dims].reverse());
        setAttribute(j.out, 'unit', j.layout.unit);
      });
    });
    // every dataset located: h5wasm closes the file and the slabs go to it with fs
    const storages = opts.direct === false ? [] : jobs.map((j) => locateWritableStorage(h5, j.out, tmp));
    if (opts.direct !== false && storages.every((st, i) => st && st.elementBytes === jobs[i].src.metadata.size)) {
      h5.close();
      target = undefined;
      fd = fs.openSync(tmp, 'r+');
      for (const [i, jb] of jobs.entries()) {
        jb.storage = storages[i] as WritableStorage;
        for (const [position, length] of jb.storage.markers) writeFully(fd, new Uint8Array(length), position, `${tmp}: writing failed`);
      }
    }
    for (const jb of jobs) transposeConstant(jb, src, srcFd, tmp, fd, maxSlabBytes);
    if (fd !== undefined) {
      fs.closeSync(fd);
      fd = undefined;
    } else {
      target?.close();
      target = undefined;
    }
    try {
      fs.renameSync(tmp, out);
    } catch (err) {
      throw new DetcalError('BAD_INPUT', `${out}: cannot put the written file in place (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass a file path that is not a folder, in a writable folder`);
    }
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      target?.close();
    } catch {
      // the file is removed below either way
    }
    removeQuietly([tmp]);
    throw err;
  } finally {
    if (srcFd !== undefined) fs.closeSync(srcFd);
    source.close();
  }
  return { file: out, bytes: fs.statSync(out).size };
}

/**
 * Writes one constant reversed: whole when it has fewer than two axes (nothing to transpose), else in
 * slabs of rows (the second-last axis) of at most maxSlabBytes.
 */
function transposeConstant(jb: Job, src: string, srcFd: number | undefined, tmp: string, fd: number | undefined, maxSlabBytes: number): void {
  const { layout, storage } = jb;
  const shape = layout.shape;
  const eb = jb.src.metadata.size;
  /** Values of a hyperslab of the source, with fs (into `into`) where it was located, else through h5wasm. */
  const read = (ranges: Array<[number, number]>, what: string, into?: Bits): ArrayBufferView => {
    const n = sizeOf(ranges.map(([x, y]) => y - x));
    if (srcFd !== undefined && jb.srcOffset !== undefined) {
      const out = into ? (into.subarray(0, n) as Bits) : newBits(eb, n);
      for (const r of slabRuns(shape, ranges)) {
        if (!readFully(srcFd, out, r.from * eb, r.count * eb, jb.srcOffset + r.start * eb)) {
          throw new DetcalError('BAD_INPUT', `${src}: reading ${layout.name}${what} failed: the file is shorter than its datasets; the file may be damaged, check it with \`detcal inspect\``);
        }
      }
      return out;
    }
    return withHdf5Errors(`${src}: reading ${layout.name}${what} failed`, 'the file may be damaged; check it with `detcal inspect`', () => {
      const v = ranges.length === 0 ? jb.src.value : jb.src.slice(ranges);
      const a = asNumeric(v, `/${layout.name}`) as unknown as ArrayBufferView;
      if (a.byteLength !== n * eb) throw new DetcalError('INTERNAL', `${src}: ${layout.name}${what} read ${a.byteLength} bytes`);
      return a;
    });
  };
  const write = (values: ArrayBufferView, ranges: Array<[number, number]>, runs: Array<[number, number, number]>, what: string): void => {
    if (storage && fd !== undefined) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      // [from element of values, to element of the dataset, elements]
      for (const [from, to, count] of runs) writeFully(fd, bytes.subarray(from * eb, (from + count) * eb), storage.offset + to * eb, `${tmp}: writing failed`);
    } else {
      // h5wasm converts by the array's type: hand it the dataset's own
      const typed = allocate(layout.dtype, 0) as unknown as { constructor: new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView };
      const own = new typed.constructor(values.buffer, values.byteOffset, values.byteLength / eb);
      withHdf5Errors(`${tmp}: writing ${layout.name}${what} failed`, 'check free disk space', () => jb.out.write_slice(ranges, own as never));
    }
  };
  const total = sizeOf(shape);
  if (total === 0) return;
  if (shape.length < 2) {
    const whole = shape.map((n): [number, number] => [0, n]);
    write(read(whole, ''), whole, [[0, 0, total]], '');
    return;
  }
  const d = shape.length;
  const rowsAll = shape[d - 2], cols = shape[d - 1];
  const before = shape.slice(0, d - 2);
  const outer = sizeOf(before);
  const order = inversePermutation(reversedIndex(before));
  const rowBytes = outer * cols * eb;
  const rowsPerSlab = Math.max(1, Math.min(rowsAll, Math.floor(maxSlabBytes / rowBytes)));
  const dst = newBits(eb, rowsPerSlab * outer * cols);
  const slabIn = newBits(eb, rowsPerSlab * outer * cols);
  for (let r0 = 0; r0 < rowsAll; r0 += rowsPerSlab) {
    const r1 = Math.min(rowsAll, r0 + rowsPerSlab), rows = r1 - r0;
    const what = ` rows ${r0}..${r1}`;
    const slab = read([...before.map((n): [number, number] => [0, n]), [r0, r1], [0, cols]], what, slabIn);
    transposeSlab(bitsOf(slab, eb), dst, order, rows, cols);
    // column k of the slab: rows*outer elements, at (k*rowsAll + r0)*outer of the reversed dataset
    const runs: Array<[number, number, number]> = [];
    for (let k = 0; k < cols; k++) runs.push([k * rows * outer, (k * rowsAll + r0) * outer, rows * outer]);
    const part = bitsOf(dst, eb).subarray(0, rows * outer * cols) as ArrayBufferView;
    write(part, [[0, cols], [r0, r1], ...[...before].reverse().map((n): [number, number] => [0, n])], runs, what);
  }
}

