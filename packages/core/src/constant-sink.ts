/**
 * Helpers of streamed constant sets (GainStep.runToSink): the cell axis of a layout, and a ConstantSink
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
    async write(cellStart, _cellEnd, part) {
      for (const a of arrays) {
        const p = part[a.name];
        if (!p) throw new DetcalError('INTERNAL', `cell group ${cellStart}..${_cellEnd} lacks constant ${a.name}`);
        copyCellSlab(a.data, a.shape, cellAxisOf(a), cellStart, p.data);
      }
    },
  };
  return { sink, set: (metadata) => makeConstantSet(metadata, arrays) };
}
