import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { accumulateDarkRangeCpu } from './cpu-dark.js';
import { createDarkAccumulator, zeroDarkRange, type DarkAccumulator } from './dark-accumulator.js';
import { darkSingleSimdGainMask, darkSingleSimdSupported } from './dark-single-simd.js';
import { DarkWorkerPool } from './dark-worker-pool.js';

type GainKind = 'u8' | 'u16';

/**
 * A block with `perCell[c]` frames of cell c, trains interleaved (cell order shuffled per train). Values:
 * Jungfrau-like 14-bit offsets with noise, plus pixels that force the exact scalar path of their 8-pixel
 * tile (0 / 65535 alternating, values >= 2^14, 16383 / 0 alternating: the largest differences the vector
 * path takes). Gains: mostly the accepted value, rejected at random, on the first frames of some pixels
 * (their reference is a later value), always on others; u2 gains also take values whose low byte is
 * accepted (256, 259) and u1 gains values >= 16, which must be rejected. `accepted`: the gain value of
 * the special pixels' accepted values.
 */
function block(nPixels: number, perCell: number[], rng: Random, gainKind: GainKind, shared: boolean, accepted = 0) {
  const trains = Math.max(...perCell);
  const cellIds: number[] = [];
  for (let t = 0; t < trains; t++) {
    const cells = perCell.map((n, c) => (t < n ? c : -1)).filter((c) => c >= 0).sort(() => rng.uniform() - 0.5);
    cellIds.push(...cells);
  }
  const nFrames = cellIds.length;
  const alloc16 = (n: number) => (shared ? new Uint16Array(new SharedArrayBuffer(2 * n)) : new Uint16Array(n));
  const data = alloc16(nFrames * nPixels);
  const gain = gainKind === 'u8' ? (shared ? new Uint8Array(new SharedArrayBuffer(nFrames * nPixels)) : new Uint8Array(nFrames * nPixels)) : alloc16(nFrames * nPixels);
  const seen = new Map<number, number>();
  for (let f = 0; f < nFrames; f++) {
    const o = f * nPixels;
    const k = seen.get(cellIds[f]) ?? 0;
    seen.set(cellIds[f], k + 1);
    for (let p = 0; p < nPixels; p++) {
      data[o + p] = p % 11 === 0 ? Math.floor(rng.uniform() * 16384) : Math.round(3000 + 7 * p + 25 * rng.normal());
      const u = rng.uniform();
      gain[o + p] = u < 0.8 ? 0 : u < 0.9 ? 1 : u < 0.95 ? 3 : gainKind === 'u8' ? (u < 0.975 ? 17 : 255) : u < 0.975 ? 256 : 259;
    }
    data[o + 3] = f % 2 === 0 ? 0 : 65535;
    data[o + 9] = 16384 + Math.floor(rng.uniform() * 49152);
    data[o + 22] = f % 2 === 0 ? 0 : 16383;
    data[o + 5] = 1;
    gain[o + 3] = accepted;
    gain[o + 22] = accepted;
    // pixel 30: its first two values of every cell rejected; pixel 31: never accepted; pixel 35: always accepted
    gain[o + 30] = k < 2 ? 2 : accepted;
    gain[o + 31] = 2;
    gain[o + 35] = accepted;
  }
  return { data, gain, cellIds: Uint16Array.from(cellIds), nFrames };
}

/** Index and values of the first element where two arrays differ (bit for bit), or undefined. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

function expectSameState(simd: DarkAccumulator, js: DarkAccumulator): void {
  expect(firstDifference(simd.count, js.count)).toBeUndefined();
  expect(firstDifference(simd.rejected, js.rejected)).toBeUndefined();
  expect(firstDifference(simd.ref, js.ref)).toBeUndefined();
  expect(firstDifference(simd.sum, js.sum)).toBeUndefined();
  expect(firstDifference(simd.sumSq, js.sumSq)).toBeUndefined();
}

describe('general dark accumulation with WebAssembly SIMD', () => {
  it('runs here (Node >= 20 has fixed-width SIMD), in a WebAssembly memory', () => {
    expect(darkSingleSimdSupported()).toBe(true);
    const acc = createDarkAccumulator(2, 10, { wasm: true });
    expect(acc.wasm).toBeDefined();
    expect(acc.count.buffer).toBe(acc.wasm?.memory.buffer);
    // unshared states stay plain (cloneable) unless asked for; shared ones (worker threads) take the memory
    expect(createDarkAccumulator(2, 10).wasm).toBeUndefined();
    expect(createDarkAccumulator(2, 10, { shared: true, wasm: false }).wasm).toBeUndefined();
    const shared = createDarkAccumulator(2, 10, { shared: true });
    expect(shared.sum.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.wasm?.values.buffer).toBe(shared.sum.buffer);
    expect(darkSingleSimdGainMask([0, 1, 3])).toBe(0b1011);
    expect(darkSingleSimdGainMask(16)).toBeUndefined();
  });

  // ranges per block: whole, split inside a tile, three uneven pieces, one pixel + the rest, all but one + one
  const splits = [[0, 61], [0, 13, 61], [0, 8, 27, 61], [0, 1, 61], [0, 60, 61]];
  const cases: { name: string; gainKind: GainKind; acceptGain?: number | number[]; accepted?: number }[] = [
    { name: 'u1 gains, accept 0', gainKind: 'u8', acceptGain: 0 },
    { name: 'u1 gains, accept 1 (most values rejected)', gainKind: 'u8', acceptGain: 1, accepted: 1 },
    { name: 'u2 gains, accept [0, 3]', gainKind: 'u16', acceptGain: [0, 3] },
    { name: 'no gain selection', gainKind: 'u8' },
  ];
  for (const { name, gainKind, acceptGain, accepted } of cases) {
    it(`gives the JS kernels' state bit for bit (${name}): 1..9 frames per cell, ranges off the vector width, any u16 value`, () => {
      const nPixels = 61, nCells = 3;
      const simd = createDarkAccumulator(nCells, nPixels, { wasm: true });
      const js = createDarkAccumulator(nCells, nPixels);
      expect(simd.wasm).toBeDefined();
      expect(js.wasm).toBeUndefined();
      const rng = new Random(17);
      for (let b = 0; b < 10; b++) {
        // frames per cell: 1..9 across blocks and cells, a cell absent from some blocks, one-frame blocks
        const perCell = b === 4 ? [1, 0, 0] : [((b + 0) % 9) + 1, b % 3 === 1 ? 0 : ((b + 4) % 9) + 1, ((2 * b + 7) % 9) + 1];
        const { data, gain, cellIds, nFrames } = block(nPixels, perCell, rng, gainKind, false, accepted);
        const opts = acceptGain !== undefined ? { gain, acceptGain } : {};
        const cuts = splits[b % splits.length];
        for (let r = 0; r + 1 < cuts.length; r++) {
          accumulateDarkRangeCpu(simd, data, cellIds, nFrames, nPixels, cuts[r], cuts[r + 1], opts);
          accumulateDarkRangeCpu(js, data, cellIds, nFrames, nPixels, cuts[r], cuts[r + 1], opts);
        }
        expectSameState(simd, js);
      }
      // the cases are not trivial: big sums, rejections, a reference set after rejected values, a pixel without values
      expect(js.sumSq[3]).toBeGreaterThan(2 ** 32);
      if (acceptGain !== undefined) {
        expect(js.rejected.reduce((a, x) => a + x, 0)).toBeGreaterThan(0);
        expect(js.count[31]).toBe(0);
        expect(js.rejected[31]).toBeGreaterThan(0);
      }
      if (acceptGain === 0) expect(js.ref[5]).toBe(1);
      // pixel 30 of a cell: its reference is its third value (the first two were rejected)
      if (acceptGain !== undefined) expect(js.ref[30]).not.toBe(0);
    });
  }

  it('gives the JS kernels\' state over ranges of several 32768-pixel scratch chunks', () => {
    const nPixels = 2 * 32768 + 45, nCells = 2;
    const simd = createDarkAccumulator(nCells, nPixels, { wasm: true });
    const js = createDarkAccumulator(nCells, nPixels);
    const rng = new Random(23);
    const splits = [[0, nPixels], [0, 32773, nPixels], [0, 13, 65544, nPixels]];
    for (let b = 0; b < 3; b++) {
      const { data, gain, cellIds, nFrames } = block(nPixels, [b + 3, 9 - b], rng, 'u8', false);
      const cuts = splits[b];
      for (let r = 0; r + 1 < cuts.length; r++) {
        for (const acc of [simd, js]) accumulateDarkRangeCpu(acc, data, cellIds, nFrames, nPixels, cuts[r], cuts[r + 1], { gain, acceptGain: [0, 1] });
      }
    }
    expectSameState(simd, js);
  });

  it('leaves masks and float data to the JS kernels on a state in WebAssembly memory (same state as plain buffers)', () => {
    const nPixels = 37, nCells = 2;
    const simd = createDarkAccumulator(nCells, nPixels, { wasm: true });
    const js = createDarkAccumulator(nCells, nPixels);
    // a fresh state: the mask leaves pixels p % 5 == 0 without values for the SIMD kernel's first block
    const rng = new Random(3);
    for (let b = 0; b < 4; b++) {
      const { data, gain, cellIds, nFrames } = block(nPixels, [3, 2], rng, 'u8', false);
      const mask = new Uint8Array(nPixels).map((_, p) => (p % 5 === 0 ? 1 : 0));
      for (const acc of [simd, js]) {
        accumulateDarkRangeCpu(acc, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: 0, mask });
        // SIMD kernel (plain, then gain selection) on counts that differ from pixel to pixel
        accumulateDarkRangeCpu(acc, data, cellIds, nFrames, nPixels, 0, nPixels);
        accumulateDarkRangeCpu(acc, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: 1 });
        accumulateDarkRangeCpu(acc, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: [0, 17] });
      }
      expectSameState(simd, js);
    }
    for (const acc of [simd, js]) {
      const { data, cellIds, nFrames } = block(nPixels, [2, 3], new Random(5), 'u8', false);
      accumulateDarkRangeCpu(acc, Float32Array.from(data, (x) => x + 0.25), cellIds, nFrames, nPixels, 0, nPixels);
    }
    expectSameState(simd, js);
    // non-integer references from the float blocks: the SIMD kernel's tiles take the exact scalar path
    const { data, gain, cellIds, nFrames } = block(nPixels, [4, 4], rng, 'u8', false);
    accumulateDarkRangeCpu(simd, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: 0 });
    accumulateDarkRangeCpu(js, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: 0 });
    expectSameState(simd, js);
  });

  it('gives the JS kernels\' state with a shared memory and two workers accumulating their pixel ranges', async () => {
    const nPixels = 203, nCells = 3;
    const simd = createDarkAccumulator(nCells, nPixels, { shared: true });
    const js = createDarkAccumulator(nCells, nPixels);
    expect(simd.wasm?.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const pool = new DarkWorkerPool(2, simd);
    try {
      const rng = new Random(11);
      for (let b = 0; b < 5; b++) {
        const { data, gain, cellIds, nFrames } = block(nPixels, [4, 5, b + 1], rng, 'u8', true);
        await pool.submit(data, cellIds, nFrames, { gain, acceptGain: 1 });
        accumulateDarkRangeCpu(js, data, cellIds, nFrames, nPixels, 0, nPixels, { gain, acceptGain: 1 });
      }
      await pool.drain();
    } finally {
      await pool.close();
    }
    expectSameState(simd, js);
    zeroDarkRange(simd, 0, nPixels);
    expect(simd.count.every((x) => x === 0) && simd.sum.every((x) => x === 0)).toBe(true);
  });
});
