import { describe, expect, it } from 'vitest';
import { findSegment, planReads, segmentFrames, type Segment } from './read-plan.js';

describe('planReads', () => {
  // File 0 rows 0..4 and 10..12 (an INDEX gap), file 1 rows 0..3.
  const frames: Segment[] = [
    { file: 0, entryStart: 0, entryCount: 5, frameStart: 0 },
    { file: 0, entryStart: 10, entryCount: 3, frameStart: 5 },
    { file: 1, entryStart: 0, entryCount: 4, frameStart: 8 },
  ];

  it('maps run frames to segments', () => {
    expect(segmentFrames(frames, 1)).toBe(12);
    expect([0, 4, 5, 7, 8, 11].map((f) => findSegment(frames, 1, f))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(() => findSegment(frames, 1, 12)).toThrow();
  });

  it('splits a frame range at segment and file borders (one frame per entry)', () => {
    expect(planReads(frames, 1, 3, 7)).toEqual([
      { file: 0, out: 0, n: 2, entries: [3, 5, 1], nEntries: 2, cellsPerEntry: 1 },
      { file: 0, out: 2, n: 3, entries: [10, 13, 1], nEntries: 3, cellsPerEntry: 1 },
      { file: 1, out: 5, n: 2, entries: [0, 2, 1], nEntries: 2, cellsPerEntry: 1 },
    ]);
  });

  it('reads (trains, cells) entries as head, whole trains and tail', () => {
    const trains: Segment[] = [{ file: 0, entryStart: 0, entryCount: 6, frameStart: 0 }];
    expect(planReads(trains, 4, 2, 11)).toEqual([
      { file: 0, out: 0, n: 2, entries: [0, 1, 1], cells: [2, 4, 1], nEntries: 1, cellsPerEntry: 2 },
      { file: 0, out: 2, n: 8, entries: [1, 3, 1], cells: [0, 4, 1], nEntries: 2, cellsPerEntry: 4 },
      { file: 0, out: 10, n: 1, entries: [3, 4, 1], cells: [0, 1, 1], nEntries: 1, cellsPerEntry: 1 },
    ]);
    expect(planReads(trains, 4, 5, 2)).toEqual([{ file: 0, out: 0, n: 2, entries: [1, 2, 1], cells: [1, 3, 1], nEntries: 1, cellsPerEntry: 2 }]);
  });

  it('never plans more frames than asked', () => {
    for (let first = 0; first < 12; first++) {
      for (let count = 1; first + count <= 12; count++) {
        const pieces = planReads(frames, 1, first, count);
        expect(pieces.reduce((s, p) => s + p.n, 0)).toBe(count);
        expect(pieces.every((p) => p.n === p.nEntries * p.cellsPerEntry)).toBe(true);
      }
    }
  });
});
