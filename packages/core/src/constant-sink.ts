/**
 * Helpers of streamed constant sets (GainStep.runToSink, DetectorSteps.darkToSink): the cell axis and
 * written slab of a layout, and a ConstantSink
 * that assembles the groups into one whole in-memory ConstantSet (the run() form of a streamed step).
 */
import { DetcalError } from './errors.js';
import { allocate, makeConstantSet, sizeOf } from './constant-set.js';
import type { ConstantArray, ConstantLayout, ConstantMetadata, ConstantSet, ConstantSink, NumericArray } from './plugin-types.js';

/** Index of the axis labelled 'cell' of a constant; throws when it has none. */
export function cellAxisOf(c: ConstantLayout): number {
  const axis = c.dims.indexOf('cell');
  if (axis < 0) throw new DetcalError('INTERNAL', `constant ${c.name} has no 'cell' axis (dims ${c.dims.join(', ')}); it cannot be streamed by cell groups`);
  return axis;
}

/**
 * Copies `part` (the values of cells [cellStart, cellStart + n) in C order, n = part length / slab size)
 * into `whole` of `shape`, whose cell axis is `axis`.
 */
export function copyCellSlab(whole: NumericArray, shape: readonly number[], axis: number, cellStart: number, part: NumericArray): void {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const n = part.length / (outer * inner);
  if (!Number.isInteger(n) || cellStart < 0 || cellStart + n > shape[axis]) throw new DetcalError('INTERNAL', `cell slab of ${part.length} values at cell ${cellStart} does not fit shape [${shape}]`);
  const dst = whole as unknown as { set(src: ArrayLike<number | bigint>, offset: number): void };
  const src = part as unknown as { subarray(a: number, b: number): ArrayLike<number | bigint> };
  for (let o = 0; o < outer; o++) dst.set(src.subarray(o * n * inner, (o + 1) * n * inner), (o * shape[axis] + cellStart) * inner);
}

/**
 * Copies `part` (a hyperslab in C order) into `whole` of `shape`: ranges[i] = [start, end) along axis i,
 * or, with `toPart`, the hyperslab of `whole` into `part`. Runs along the innermost axes that the slab
 * covers whole are copied at once.
 */
export function copySlab(whole: NumericArray, shape: readonly number[], ranges: ReadonlyArray<readonly [number, number]>, part: NumericArray, toPart = false): void {
  const lengths = ranges.map(([a, b]) => b - a);
  if (ranges.length !== shape.length || ranges.some(([a, b], i) => !(0 <= a && a <= b && b <= shape[i])) || sizeOf(lengths) !== part.length) {
    throw new DetcalError('INTERNAL', `slab ${ranges.map(([a, b]) => `${a}:${b}`).join(',')} of ${part.length} values does not fit shape [${shape}]`);
  }
  // k: outermost axis of the contiguous run (every axis after it is whole)
  let k = shape.length - 1;
  while (k > 0 && lengths[k] === shape[k]) k--;
  const run = sizeOf(lengths.slice(k));
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  type Typed = { set(src: ArrayLike<number | bigint>, offset: number): void; subarray(a: number, b: number): ArrayLike<number | bigint> };
  const w = whole as unknown as Typed, p = part as unknown as Typed;
  const idx = ranges.slice(0, k).map(([a]) => a);
  for (let from = 0; from < part.length; from += run) {
    let at = ranges[k][0] * strides[k];
    for (let i = 0; i < k; i++) at += idx[i] * strides[i];
    if (toPart) p.set(w.subarray(at, at + run), from);
    else w.set(p.subarray(from, from + run), at);
    for (let i = k - 1; i >= 0; i--) {
      if (++idx[i] < ranges[i][1]) break;
      idx[i] = ranges[i][0];
    }
  }
}

/**
 * The hyperslab of a constant that ConstantSink.write(cellStart, cellEnd, part, at) addresses: the cell axis
 * cut to [cellStart, cellEnd), each axis named in `at` to its one index, other axes whole.
 */
export function sinkSlab(c: ConstantLayout, cellStart: number, cellEnd: number, at?: Readonly<Record<string, number>>): Array<[number, number]> {
  const axis = cellAxisOf(c);
  for (const [name, i] of Object.entries(at ?? {})) {
    const a = c.dims.indexOf(name);
    if (a < 0 || a === axis || !Number.isInteger(i) || i < 0 || i >= c.shape[a]) {
      throw new DetcalError('INTERNAL', `constant ${c.name} [${c.dims.join(', ')}] = [${c.shape}] has no ${name} index ${i} to write`);
    }
  }
  return c.shape.map((n, a): [number, number] => {
    if (a === axis) return [cellStart, cellEnd];
    const i = at?.[c.dims[a]];
    return i === undefined ? [0, n] : [i, i + 1];
  });
}

/** A ConstantSink that copies every group into whole arrays; set(metadata) returns the assembled ConstantSet. */
export function collectingSink(): { sink: ConstantSink; set(metadata: ConstantMetadata): ConstantSet } {
  const arrays: ConstantArray[] = [];
  const sink: ConstantSink = {
    async begin(layouts) {
      for (const l of layouts) {
        cellAxisOf(l);
        arrays.push({ ...l, shape: [...l.shape], dims: [...l.dims], data: allocate(l.dtype, sizeOf(l.shape)) });
      }
    },
    async write(cellStart, cellEnd, part, at) {
      if (at) {
        for (const [name, p] of Object.entries(part)) {
          const a = arrays.find((x) => x.name === name);
          if (!a) throw new DetcalError('INTERNAL', `cell group ${cellStart}..${cellEnd}: no constant ${name} was begun`);
          copySlab(a.data, a.shape, sinkSlab(a, cellStart, cellEnd, at), p.data);
        }
        return;
      }
      for (const a of arrays) {
        const p = part[a.name];
        if (!p) throw new DetcalError('INTERNAL', `cell group ${cellStart}..${cellEnd} lacks constant ${a.name}`);
        copyCellSlab(a.data, a.shape, cellAxisOf(a), cellStart, p.data);
      }
    },
    async read(name, cellStart, cellEnd, at) {
      const a = arrays.find((x) => x.name === name);
      if (!a) throw new DetcalError('INTERNAL', `read of cells ${cellStart}..${cellEnd}: no constant ${name} was begun`);
      const ranges = sinkSlab(a, cellStart, cellEnd, at);
      const out = allocate(a.dtype, sizeOf(ranges.map(([x, y]) => y - x)));
      copySlab(a.data, a.shape, ranges, out, true);
      return out;
    },
  };
  return { sink, set: (metadata) => makeConstantSet(metadata, arrays) };
}
