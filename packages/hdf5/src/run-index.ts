/** The INDEX section of a EuXFEL raw file: which rows of a source's datasets belong to which train. */
import { DetcalError } from '@detcal/core';
import { asNumeric, toNumberList } from './dtype-map.js';
import { getDataset, type H5File } from './hdf5-file.js';
import type { Segment } from './read-plan.js';

/** Trains of one file that have data for a source, in file order, with their rows. */
export interface TrainTable {
  /** Train ids. */
  ids: number[];
  /** First row of each train in the source's datasets. */
  first: number[];
  /** Rows of each train. */
  count: number[];
}

/** Reads a 1-D integer dataset as numbers (null when missing). */
export function readNumbers(h5: H5File, datasetPath: string): number[] | null {
  const ds = getDataset(h5, datasetPath);
  if (!ds) return null;
  return toNumberList(asNumeric(ds.value, datasetPath));
}

/**
 * The trains with data (count > 0) of a source group from INDEX/<source>/<group>/first|count and
 * INDEX/trainId; null when the file has no INDEX entry for the group.
 */
export function readTrainTable(h5: H5File, file: string, indexFirst: string, indexCount: string, indexTrainId = 'INDEX/trainId'): TrainTable | null {
  const first = readNumbers(h5, indexFirst);
  const count = readNumbers(h5, indexCount);
  if (!first || !count) return null;
  const ids = readNumbers(h5, indexTrainId) ?? first.map(() => 0);
  if (first.length !== count.length || ids.length !== count.length) {
    throw new DetcalError('BAD_INPUT', `${file}: INDEX is inconsistent (${indexTrainId} has ${ids.length} trains, ${indexFirst} ${first.length}, ${indexCount} ${count.length}); the file is damaged, copy it again from the facility`);
  }
  const table: TrainTable = { ids: [], first: [], count: [] };
  for (let i = 0; i < count.length; i++) {
    if (count[i] > 0) {
      table.ids.push(ids[i]);
      table.first.push(first[i]);
      table.count.push(count[i]);
    }
  }
  return table;
}

/** Number of rows the INDEX says a source has (end of its last train). */
export function indexedRows(table: TrainTable): number {
  let end = 0;
  for (let i = 0; i < table.first.length; i++) end = Math.max(end, table.first[i] + table.count[i]);
  return end;
}

/** Merges consecutive trains into segments of contiguous rows, numbering frames from `frameStart`. */
export function trainSegments(table: TrainTable, file: number, framesPerEntry: number, frameStart: number): Segment[] {
  const segments: Segment[] = [];
  let frame = frameStart;
  for (let i = 0; i < table.first.length; i++) {
    const last = segments[segments.length - 1];
    if (last && last.file === file && last.entryStart + last.entryCount === table.first[i]) last.entryCount += table.count[i];
    else segments.push({ file, entryStart: table.first[i], entryCount: table.count[i], frameStart: frame });
    frame += table.count[i] * framesPerEntry;
  }
  return segments;
}

/** Finds the train id of a row through a train table (rows outside every train get 0). */
export function trainIdLookup(table: TrainTable): (row: number) => number {
  const order = table.first.map((_, i) => i).sort((a, b) => table.first[a] - table.first[b]);
  const first = order.map((i) => table.first[i]);
  const count = order.map((i) => table.count[i]);
  const ids = order.map((i) => table.ids[i]);
  return (row: number): number => {
    let lo = 0;
    let hi = first.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (first[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return first.length > 0 && row >= first[lo] && row < first[lo] + count[lo] ? ids[lo] : 0;
  };
}
