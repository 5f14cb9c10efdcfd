import { describe, expect, it } from 'vitest';
import { firstTrainIdOf, frameBlocks, framesPerBlock, simulatedRun } from './frame-blocks.js';
import type { RunFrames } from './frame-blocks.js';

const frames: RunFrames = { module: 1, trains: 4, cellsPerTrain: 3, firstTrainId: 500, rows: 2, cols: 2, gain: 'u1', pulseIds: false };

describe('frame blocks', () => {
  it('uses whole trains when one fits, else maxFrames', () => {
    expect(framesPerBlock(7, 3)).toBe(6);
    expect(framesPerBlock(2, 3)).toBe(2);
    expect(framesPerBlock(3, 1)).toBe(3);
    expect(() => framesPerBlock(0, 1)).toThrow(/maxFrames/);
    expect(() => framesPerBlock(1.5, 1)).toThrow(/maxFrames/);
  });

  it('fills ids, allocates gain of the requested type and calls the filler once per block', () => {
    let calls = 0;
    const blocks = [...frameBlocks(frames, 5, (b) => { calls++; b.data.fill(b.firstFrame); })];
    expect(blocks.map((b) => [b.firstFrame, b.nFrames])).toEqual([[0, 3], [3, 3], [6, 3], [9, 3]]);
    expect(calls).toBe(4);
    expect(blocks[1].gain).toBeInstanceOf(Uint8Array);
    expect(blocks[1].pulseIds).toBeUndefined();
    expect([...blocks[1].cellIds]).toEqual([0, 1, 2]);
    expect([...blocks[3].trainIds]).toEqual([503, 503, 503]);
    expect(blocks[2].data[0]).toBe(6);
  });

  it('starts over with a fresh filler on every blocks() call', () => {
    let made = 0;
    const run = simulatedRun({ run: 3, label: 'dark', gainStage: 0 }, frames, () => { made++; return () => undefined; });
    expect([run.run, run.label, run.gainStage, run.trains, run.cellsPerTrain, run.nFrames]).toEqual([3, 'dark', 0, 4, 3, 12]);
    expect([...run.blocks(100)].length).toBe(1);
    expect([...run.blocks(1)].length).toBe(12);
    expect(made).toBe(2);
    expect(() => run.blocks(-1)).toThrow(/maxFrames/);
  });

  it('numbers trains from 10000 with a gap between runs', () => {
    expect(firstTrainIdOf(0, 50)).toBe(10_000);
    expect(firstTrainIdOf(2, 50)).toBe(10_000 + 2 * 1050);
  });
});
