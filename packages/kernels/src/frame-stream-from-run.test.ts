import { describe, expect, it } from 'vitest';
import { DetcalError, type FrameBlock, type SimulatedRun } from '@detcal/core';
import { frameStreamFromFrames, frameStreamFromRun } from './frame-stream-from-run.js';

/** A 3 x 4 run of `frames` frames whose value at (f, p) is 100 f + p; counts how often blocks() starts. */
function toyRun(frames: number, gain = false): SimulatedRun & { starts: number } {
  const run = {
    run: 7, label: 'dark', gainStage: 0, trains: frames, cellsPerTrain: 1, nFrames: frames, starts: 0,
    *blocks(maxFrames: number): Generator<FrameBlock> {
      run.starts++;
      for (let first = 0; first < frames; first += maxFrames) {
        const n = Math.min(maxFrames, frames - first);
        const data = Uint16Array.from({ length: n * 12 }, (_, i) => 100 * (first + Math.floor(i / 12)) + (i % 12));
        yield { module: 0, firstFrame: first, nFrames: n, rows: 3, cols: 4, data, cellIds: new Uint16Array(n), trainIds: new Float64Array(n), gain: gain ? new Uint8Array(n * 12) : undefined };
      }
    },
  };
  return run;
}

async function collect(blocks: AsyncIterable<FrameBlock>): Promise<FrameBlock[]> {
  const out: FrameBlock[] = [];
  for await (const b of blocks) out.push(b);
  return out;
}

describe('frameStreamFromRun', () => {
  it('reads the frame shape and gain presence from the first frame and restarts on every pass', async () => {
    const run = toyRun(10, true);
    const s = frameStreamFromRun(run, { blockFrames: 4 });
    expect([s.rows, s.cols, s.hasGain, s.nFrames, s.cellsPerTrain, s.run, s.label]).toEqual([3, 4, true, 10, 1, 7, 'simulated run 7 (dark)']);
    const a = await collect(s.blocks()), b = await collect(s.blocks());
    expect(a.map((x) => x.nFrames)).toEqual([4, 4, 2]);
    expect(b.map((x) => x.firstFrame)).toEqual([0, 4, 8]);
    expect(a[2].data[13]).toBe(901);
    expect(run.starts).toBe(3); // one peek, two passes
  });

  it('takes the shape from the options without peeking, and replays from memory with cache', async () => {
    const run = toyRun(5);
    const s = frameStreamFromRun(run, { rows: 3, cols: 4, hasGain: false, cache: true, blockFrames: 2, label: 'toy' });
    expect(run.starts).toBe(0);
    const a = await collect(s.blocks()), b = await collect(s.blocks());
    expect(run.starts).toBe(1);
    expect(b).toEqual(a);
    expect(b[0]).toBe(a[0]);
    expect(s.label).toBe('toy');
  });

  it('refuses a run without frames', () => {
    expect(() => frameStreamFromRun(toyRun(0))).toThrow(DetcalError);
  });
});

describe('frameStreamFromFrames', () => {
  it('streams views of the frames in blocks, again on every pass', async () => {
    const data = Uint16Array.from({ length: 5 * 6 }, (_, i) => i);
    const s = frameStreamFromFrames({ data, nFrames: 5, rows: 2, cols: 3 }, { blockFrames: 2 });
    const a = await collect(s.blocks());
    expect(a.map((b) => [b.firstFrame, b.nFrames, b.data[0]])).toEqual([[0, 2, 0], [2, 2, 12], [4, 1, 24]]);
    expect([...a[1].trainIds]).toEqual([10_002, 10_003]);
    expect((await collect(s.blocks())).length).toBe(3);
    expect(() => frameStreamFromFrames({ data, nFrames: 4, rows: 2, cols: 3 })).toThrow(/30 values are not 4 frames of 2 x 3/);
  });
});
