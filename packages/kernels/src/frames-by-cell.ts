/** Orders a block's frames by memory cell, so kernels can add several frames of one cell per state load and store. */
import { DetcalError } from '@detcal/core';

/** A block's frames grouped by cell: the frames of cell c are order[start[c]], ..., order[start[c + 1] - 1]. */
export interface CellOrder {
  /** Frame indices, cell by cell (frame order inside a cell). */
  order: Int32Array;
  /** Where each cell's frames begin in order (nCells + 1 entries). */
  start: Int32Array;
}

/**
 * Frame indices of a block sorted by cell (stable: frame order inside a cell), by counting sort.
 * @param cellIds - cell id per frame
 * @param nFrames - frames in the block
 * @param nCells - cells of the accumulator (ids must be below)
 * @returns the frame indices, cell by cell, and where each cell's begin
 */
export function framesByCell(cellIds: Uint16Array, nFrames: number, nCells: number): CellOrder {
  const start = new Int32Array(nCells + 1);
  for (let f = 0; f < nFrames; f++) {
    const c = cellIds[f];
    if (c >= nCells) throw new DetcalError('BAD_INPUT', `dark: frame ${f} has cell id ${c}, the accumulator has ${nCells} cells`);
    start[c + 1]++;
  }
  for (let c = 0; c < nCells; c++) start[c + 1] += start[c];
  const next = start.slice(0, nCells);
  const order = new Int32Array(nFrames);
  for (let f = 0; f < nFrames; f++) order[next[cellIds[f]]++] = f;
  return { order, start };
}
