import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingFrameReader, Random, type PendingFrameRun } from '@detcal/core';
import { accumulateDarkPairCpu, createDarkPairAccumulator, registerDarkPairFrames, type DarkPairAccumulator } from './dark-pair-accumulator.js';
import { darkPairSimdSupported, pairBlockMemory } from './dark-pair-simd.js';
import { DarkWorkerPool } from './dark-worker-pool.js';

/**
 * A block of `trains` trains (frames cell-major within a train, cells in a shuffled order, cell 2 absent
 * from odd blocks): AGIPD-like 14-bit values, plus pixels that force the exact scalar path of their
 * 8-pixel tile: 0 / 65535 and 0 / 32767 alternating, values at and above 2^14, and a pixel whose
 * reference (first value) is large while later values are small.
 */
function block(nPixels: number, nCells: number, trains: number, rng: Random, blockIndex: number, shared: boolean) {
  const cells: number[] = [];
  for (let c = 0; c < nCells; c++) if (!(c === 2 && blockIndex % 2 === 1)) cells.push(c);
  const nFrames = trains * cells.length;
  const alloc = (n: number) => (shared ? new Uint16Array(new SharedArrayBuffer(2 * n)) : new Uint16Array(n));
  const data = alloc(nFrames * nPixels), gain = alloc(nFrames * nPixels);
  const cellIds = new Uint16Array(nFrames);
  for (let t = 0; t < trains; t++) {
    const order = cells.slice().sort(() => rng.uniform() - 0.5);
    order.forEach((c, k) => (cellIds[t * cells.length + k] = c));
  }
  for (let f = 0; f < nFrames; f++) {
    const o = f * nPixels;
    for (let p = 0; p < nPixels; p++) {
      // offsets spread over the whole 14-bit range, so differences reach +-16383 in some tiles
      data[o + p] = p % 5 === 0 ? Math.floor(rng.uniform() * 16384) : Math.round(5000 + 40 * rng.normal());
      gain[o + p] = p % 7 === 0 ? Math.floor(rng.uniform() * 16384) : Math.round(4500 + 30 * rng.normal());
    }
    data[o + 3] = f % 2 === 0 ? 0 : 65535;
    gain[o + 3] = f % 2 === 0 ? 65535 : 0;
    data[o + 17] = 16384 + Math.floor(rng.uniform() * 49152);
    gain[o + 30] = 16384;
    // below 2^15 but differences of 32767: their squares overflow i32 in 3 frames (scalar path);
    // 16383 / 0: the largest differences the vector path takes (8 squares just below 2^31)
    data[o + 22] = f % 2 === 0 ? 0 : 32767;
    gain[o + 22] = f % 2 === 0 ? 16383 : 0;
    // a reference far above later values: |x - ref| >= 2^15 though every later value is small
    data[o + 40] = blockIndex === 0 && f < cells.length ? 60000 : 100 + (f % 3);
  }
  return { data, gain, cellIds, nFrames };
}

/** Index and values of the first element where two arrays differ (bit for bit), or undefined. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

function expectSameState(simd: DarkPairAccumulator, js: DarkPairAccumulator): void {
  expect(firstDifference(simd.framesPerCell, js.framesPerCell)).toBeUndefined();
  expect(firstDifference(simd.ref, js.ref)).toBeUndefined();
  expect(firstDifference(simd.sum, js.sum)).toBeUndefined();
  expect(firstDifference(simd.sumSq, js.sumSq)).toBeUndefined();
}

describe('dark pair accumulation with WebAssembly SIMD', () => {
  it('runs here (Node >= 20 has fixed-width SIMD), in a WebAssembly memory', () => {
    expect(darkPairSimdSupported()).toBe(true);
    const pair = createDarkPairAccumulator(2, 10);
    expect(pair.wasm).toBeDefined();
    expect(pair.sum.buffer).toBe(pair.wasm?.memory.buffer);
    expect(createDarkPairAccumulator(2, 10, { wasm: false }).wasm).toBeUndefined();
    const shared = createDarkPairAccumulator(2, 10, { shared: true });
    expect(shared.ref.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.wasm?.scratch.buffer).toBe(shared.ref.buffer);
  });

  it('gives the JS kernel state bit for bit: 1..9 frames per cell, references, ranges off the vector width, any u16 value', () => {
    const nPixels = 45, nCells = 3;
    const simd = createDarkPairAccumulator(nCells, nPixels);
    const js = createDarkPairAccumulator(nCells, nPixels, { wasm: false });
    expect(simd.wasm).toBeDefined();
    const rng = new Random(7);
    // ranges per block: whole, split inside a tile, three uneven pieces, one pixel + the rest
    const splits = [[0, 45], [0, 13, 45], [0, 8, 27, 45], [0, 1, 45], [0, 44, 45]];
    for (let b = 0; b < 9; b++) {
      const { data, gain, cellIds, nFrames } = block(nPixels, nCells, b + 1, rng, b, false);
      const first = registerDarkPairFrames(simd, cellIds, nFrames);
      expect(firstDifference(registerDarkPairFrames(js, cellIds, nFrames), first)).toBeUndefined();
      const cuts = splits[b % splits.length];
      for (let r = 0; r + 1 < cuts.length; r++) {
        accumulateDarkPairCpu(simd, data, gain, cellIds, first, nFrames, cuts[r], cuts[r + 1]);
        accumulateDarkPairCpu(js, data, gain, cellIds, first, nFrames, cuts[r], cuts[r + 1]);
      }
      expectSameState(simd, js);
    }
    // the sums are not trivial: pixel 3 of cell 0 has differences of 65535 on every other frame
    expect(js.sumSq[2 * 3]).toBeGreaterThan(2 ** 32);
    expect(simd.framesPerCell[0]).toBe(45);
  });

  it.each([
    ['SIMD', true],
    ['JS', false],
  ])('needs no zeroing between passes (%s): a cell\'s first frame of a pass starts its state over', (_kind, wasm) => {
    const nPixels = 45, nCells = 4;
    const stale = createDarkPairAccumulator(nCells, nPixels, { wasm });
    const fresh = createDarkPairAccumulator(nCells, nPixels, { wasm });
    expect(stale.wasm !== undefined).toBe(wasm);
    const rng = new Random(5);
    const feed = (state: DarkPairAccumulator, blocks: ReturnType<typeof block>[]): void => {
      for (const { data, gain, cellIds, nFrames } of blocks) {
        const first = registerDarkPairFrames(state, cellIds, nFrames);
        accumulateDarkPairCpu(state, data, gain, cellIds, first, nFrames, 0, 21);
        accumulateDarkPairCpu(state, data, gain, cellIds, first, nFrames, 21, nPixels);
      }
    };
    feed(stale, [0, 1, 2].map((b) => block(nPixels, nCells, 3, rng, b, false)));
    expect(stale.sumSq.some((v) => v > 0)).toBe(true);
    // the next pass: frame counts reset (as a reused accumulator is), sums and references left as they are;
    // in its first block cell 3 has only its first frame, so no chunk follows the reference there
    const next = [0, 1, 2].map((b) => block(nPixels, nCells, 3, rng, 2 * b, false));
    next[0].cellIds.set([3, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    stale.framesPerCell.fill(0);
    feed(stale, next);
    feed(fresh, next);
    expect(fresh.framesPerCell[3]).toBe(7);
    expectSameState(stale, fresh);
  });

  it.each([
    ['SIMD: through the scratch, the block untouched', true],
    ['JS: into the block first', false],
  ])('adds pending blocks read from their file frame by frame (%s), as the values in memory', (_kind, wasm) => {
    const nPixels = 45, nCells = 3;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-pair-pending-'));
    try {
      const rng = new Random(11);
      const blocks = [0, 1, 2].map((b) => block(nPixels, nCells, 3, rng, b, false));
      // each block in its own file, frames as AGIPD stores them: analog then digital values, after a header
      const files = blocks.map(({ data, gain, nFrames }, b) => {
        const out = new Uint16Array(8 + 2 * nFrames * nPixels);
        for (let f = 0; f < nFrames; f++) {
          out.set(data.subarray(f * nPixels, (f + 1) * nPixels), 8 + 2 * f * nPixels);
          out.set(gain.subarray(f * nPixels, (f + 1) * nPixels), 8 + (2 * f + 1) * nPixels);
        }
        const file = path.join(dir, `b${b}.bin`);
        fs.writeFileSync(file, out);
        return file;
      });
      const fromMemory = createDarkPairAccumulator(nCells, nPixels, { wasm: false });
      const fromFiles = createDarkPairAccumulator(nCells, nPixels, { wasm });
      blocks.forEach(({ data, gain, cellIds, nFrames }, b) => {
        const stride = 4 * nPixels;
        const runs: PendingFrameRun[] = [
          { file: files[b], into: 'data', frame: 0, frames: nFrames, position: 16, strideBytes: stride },
          { file: files[b], into: 'gain', frame: 0, frames: nFrames, position: 16 + 2 * nPixels, strideBytes: stride },
        ];
        const first = registerDarkPairFrames(fromMemory, cellIds, nFrames);
        registerDarkPairFrames(fromFiles, cellIds, nFrames);
        accumulateDarkPairCpu(fromMemory, data, gain, cellIds, first, nFrames, 0, nPixels);
        const unread = { data: new Uint16Array(data.length), gain: new Uint16Array(gain.length) };
        for (const [p0, p1] of [[0, 13], [13, 45]]) {
          const reader = pendingFrameReader(runs, { data: 2, gain: 2 }, p0, p1);
          accumulateDarkPairCpu(fromFiles, unread.data, unread.gain, cellIds, first, nFrames, p0, p1, undefined, reader);
          reader.close();
        }
        expect(unread.data.some((v) => v !== 0)).toBe(!wasm);
        if (!wasm) expect(Array.from(unread.gain)).toEqual(Array.from(gain));
      });
      expectSameState(fromFiles, fromMemory);
      expect(fromFiles.framesPerCell[0]).toBe(9);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads blocks in place from the accumulator\'s memory (pairBlockMemory), in-process and on two workers, with the JS state', async () => {
    const nPixels = 203, nCells = 3;
    for (const shared of [true, false]) {
      const simd = createDarkPairAccumulator(nCells, nPixels, { shared, blockBytes: 64 * 1024 });
      const js = createDarkPairAccumulator(nCells, nPixels, { wasm: false });
      const pool = shared ? new DarkWorkerPool(2, simd) : undefined;
      let inPlace = 0;
      try {
        const rng = new Random(13);
        for (let b = 0; b < 5; b++) {
          const blk = block(nPixels, nCells, 4, rng, b, false);
          // the block's arrays in the accumulator's memory, as the reader puts them (two per block, room for a few)
          const lend = (src: Uint16Array): Uint16Array => {
            const m = pairBlockMemory(simd, src.byteLength);
            const a = m ? new Uint16Array(m.buffer, m.byteOffset, src.length) : new Uint16Array(new SharedArrayBuffer(src.byteLength));
            if (m) inPlace++;
            a.set(src);
            return a;
          };
          const data = lend(blk.data), gain = lend(blk.gain);
          const first = registerDarkPairFrames(simd, blk.cellIds, blk.nFrames);
          registerDarkPairFrames(js, blk.cellIds, blk.nFrames);
          if (pool) await pool.submitPair(data, gain, blk.cellIds, first, blk.nFrames);
          else accumulateDarkPairCpu(simd, data, gain, blk.cellIds, first, blk.nFrames, 0, nPixels);
          accumulateDarkPairCpu(js, blk.data, blk.gain, blk.cellIds, first, blk.nFrames, 0, nPixels);
        }
        await pool?.drain();
      } finally {
        await pool?.close();
      }
      expect(inPlace, `shared ${shared}`).toBeGreaterThanOrEqual(4); // the room holds the first blocks, the rest are copied
      expectSameState(simd, js);
    }
  });

  it('gives the JS kernel state with a shared memory and two workers accumulating their pixel ranges', async () => {
    const nPixels = 203, nCells = 3;
    const simd = createDarkPairAccumulator(nCells, nPixels, { shared: true });
    const js = createDarkPairAccumulator(nCells, nPixels, { wasm: false });
    expect(simd.wasm?.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const pool = new DarkWorkerPool(2, simd);
    try {
      const rng = new Random(11);
      for (let b = 0; b < 5; b++) {
        const { data, gain, cellIds, nFrames } = block(nPixels, nCells, 4, rng, b, true);
        const first = registerDarkPairFrames(simd, cellIds, nFrames);
        registerDarkPairFrames(js, cellIds, nFrames);
        await pool.submitPair(data, gain, cellIds, first, nFrames);
        accumulateDarkPairCpu(js, data, gain, cellIds, first, nFrames, 0, nPixels);
      }
      await pool.drain();
    } finally {
      await pool.close();
    }
    expectSameState(simd, js);
  });
});
