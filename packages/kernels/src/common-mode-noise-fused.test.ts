// The one-sweep row-segment kernel (workers' CommonModeNoiseContext.addBlock) and the kept group
// medians (common-mode-median-cache.ts) against the step-by-step in-process pass. Both promise the
// same numbers, not merely close ones: a single context that takes every frame in order sums the
// same float32 values in the same order as the in-process pass, so its constants must be
// bit-identical; a pass that takes kept medians must be bit-identical to one that selects again.
// The worker case needs the built worker (pnpm run build).
import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { CommonModeNoiseContext, createCommonModeNoiseInit, type CommonModeNoiseInitOptions } from './common-mode-noise-context.js';
import { createCommonModeMedianCache, prepareMedianCache, rowSegmentCommonModeKept, type CommonModeMedianCache } from './common-mode-median-cache.js';
import { createCpuBackend } from './cpu-backend.js';
import { finalizeDarkCpu } from './cpu-dark.js';
import type { DarkAccumulator } from './dark-accumulator.js';
import { commonModeNoisePass, type CommonModeNoiseOptions } from './dark-single-gain.js';
import { rowSegmentCommonMode } from './fast-median.js';
import { frameStreamFromFrames } from './frame-stream-from-run.js';

const ROWS = 12, COLS = 96, P = ROWS * COLS, SEG = 32;
const BANK = { bankRows: ROWS, bankCols: SEG };

/**
 * Raw u2 frames: offset + level + a common mode per row segment + noise, cosmic hits, a dead, a hot and a
 * nearly all-bad segment. With offsets of ~1000 ADU every offset-subtracted value is a multiple of the
 * offsets' float32 step, so a median of two of them is a float32 too; offsets below 1 ADU under a level of
 * 12 ADU make medians that are not, where rounding the correction to float32 first matters.
 */
function simulate(nFrames: number, seed: number, offsetAdu = 1200, spreadAdu = 30, levelAdu = 0) {
  const rng = new Random(seed);
  const offset = Float32Array.from({ length: P }, () => offsetAdu + spreadAdu * rng.normal());
  const sigma = Float32Array.from({ length: P }, () => 2 + rng.uniform());
  sigma[7] = 0; // dead: constant value
  offset[7] = Math.round(Math.abs(offset[7]));
  offset[40] += 300; // hot
  const data = new Uint16Array(nFrames * P);
  for (let f = 0; f < nFrames; f++) {
    for (let r = 0; r < ROWS; r++) {
      const cm = [8 * rng.normal(), 8 * rng.normal(), 8 * rng.normal()];
      for (let c = 0; c < COLS; c++) {
        const p = r * COLS + c;
        data[f * P + p] = sigma[p] > 0 ? Math.max(0, Math.round(offset[p] + levelAdu + cm[Math.floor(c / SEG)] + sigma[p] * rng.normal())) : offset[p];
      }
    }
    if (f % 5 === 0) data[f * P + ((f * 13) % P)] += 400 + f; // cosmic-ray hit
  }
  const medianMask = new Uint8Array(P);
  medianMask[7] = 1;
  medianMask[40] = 1;
  for (let c = 0; c < 25; c++) medianMask[5 * COLS + 32 + c] = 1; // row 5, segment 1: 7 good pixels <= minPixels: skipped
  // masked but responding pixels get their group's correction as a float32 (as rowSegmentCommonMode writes it out):
  // enough of them that rounding the correction first changes some float32 results
  for (let p = 3; p < P; p += 17) if (p < 5 * COLS || p >= 6 * COLS) medianMask[p] = 1;
  const frozen = new Uint8Array(P);
  frozen[7] = 1;
  const noiseAdu = Float32Array.from(sigma, (s) => Math.sqrt(s * s + 1 / 12));
  return { data, offset, medianMask, frozen, noiseAdu };
}

const N = 60;
const sim = simulate(N, 5);
const stream = frameStreamFromFrames({ data: sim.data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
const initOptions = (s: typeof sim): CommonModeNoiseInitOptions => ({
  offsetAdu: s.offset, medianMask: s.medianMask, frozen: s.frozen, bank: BANK, passes: ['row'], minPixels: 10,
  cosmic: { sigma: 8, noiseAdu: s.noiseAdu }, trackMax: true, rawStatistics: true,
});
const passOptions = (s: typeof sim): CommonModeNoiseOptions => ({
  backend: createCpuBackend(), offsetAdu: s.offset, medianMask: s.medianMask, frozen: s.frozen,
  commonMode: { bank: BANK, passes: ['row'], minPixels: 10 }, cosmic: { sigma: 8, noiseAdu: s.noiseAdu }, trackMax: true, rawStatistics: true,
});
const passOpts = () => passOptions(sim);

function finalized(acc: DarkAccumulator) {
  const meanAdu = new Float32Array(acc.nPixels), stdAdu = new Float32Array(acc.nPixels);
  finalizeDarkCpu(acc, { meanAdu, stdAdu });
  return { meanAdu, stdAdu, count: acc.count };
}

describe('fused row-segment kernel (one context, every frame in order)', () => {
  const cases = [
    ['offsets of ~1200 ADU', sim],
    ['offsets below 1 ADU (medians that are not float32)', simulate(N, 6, 0.5, 0.3, 12)],
  ] as const;
  for (const [label, s] of cases) {
    it(`gives the in-process pass bit for bit (${label}): corrected and raw statistics, max, hits and group counts`, async () => {
      const st0 = frameStreamFromFrames({ data: s.data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
      const one = await commonModeNoisePass(st0, { ...passOptions(s), threads: 1 });
      const ctx = new CommonModeNoiseContext(createCommonModeNoiseInit(ROWS, COLS, initOptions(s)), undefined, true);
      // two uneven blocks, the second taken in two frame ranges (as two workers would, but by one context in order)
      ctx.addBlock(s.data.subarray(0, 23 * P), new Uint16Array(23), 23);
      const rest = s.data.subarray(23 * P);
      ctx.addBlock(rest, new Uint16Array(N - 23), N - 23, 0, 10, 23);
      ctx.addBlock(rest, new Uint16Array(N - 23), N - 23, 10, N - 23, 23);
      const st = ctx.partial;
      expect(one.excludedValues).toBeGreaterThan(5); // the hits are exercised
      expect(one.groupsSkipped).toBe(N); // the nearly all-bad segment, in every frame
      expect([st.frames, st.excludedValues, st.framesWithExclusions, st.groupsCorrected, st.groupsTotal - st.groupsCorrected])
        .toEqual([N, one.excludedValues, one.framesWithExclusions, one.groupsCorrected, one.groupsSkipped]);
      expect(st.maxAdu).toEqual(one.maxAdu);
      const c = finalized(st.corrected!), r = finalized(st.raw!);
      expect(c.count).toEqual(one.corrected.count);
      expect(c.meanAdu).toEqual(one.corrected.meanAdu);
      expect(c.stdAdu).toEqual(one.corrected.stdAdu);
      expect(r.meanAdu).toEqual(one.raw!.meanAdu);
      expect(r.stdAdu).toEqual(one.raw!.stdAdu);
      expect(c.stdAdu[7]).toBe(0); // dead pixel: not corrected
    });
  }
});

describe('kept group medians', () => {
  it('prepareMedianCache takes only groups whose mask, offset, length and minPixels are unchanged', () => {
    const cache: CommonModeMedianCache = createCommonModeMedianCache();
    const mask = new Uint8Array(P);
    const first = prepareMedianCache(cache, ROWS, COLS, SEG, mask, sim.offset, 10, N)!;
    expect([first.groups, first.reuse.every((x) => x === 0), first.medians.length]).toEqual([ROWS * 3, true, ROWS * 3 * N]);
    const mask2 = mask.slice();
    mask2[2 * COLS + 70] = 1; // row 2, segment 2
    const second = prepareMedianCache(cache, ROWS, COLS, SEG, mask2, sim.offset, 10, N)!;
    expect(second.medians).toBe(first.medians);
    expect([...second.reuse].map((x, g) => (x ? -1 : g)).filter((g) => g >= 0)).toEqual([2 * 3 + 2]);
    expect(prepareMedianCache(cache, ROWS, COLS, SEG, mask2, sim.offset.slice(), 10, N)!.reuse.some((x) => x === 1)).toBe(false);
    expect(prepareMedianCache(cache, ROWS, COLS, SEG, mask2, sim.offset, 11, N)!.reuse.some((x) => x === 1)).toBe(false);
    expect(prepareMedianCache(createCommonModeMedianCache(), 4096, 4096, 64, new Uint8Array(4096 * 4096), new Float32Array(4096 * 4096), 10, 1000)).toBeUndefined();
  });

  it('rowSegmentCommonModeKept keeps and takes the medians of rowSegmentCommonMode', () => {
    const frame = Float32Array.from(sim.data.subarray(0, P), (x, p) => x - sim.offset[p]);
    const mask = sim.medianMask;
    const ref = frame.slice(), refOut = new Float32Array(ROWS * 3);
    const n = rowSegmentCommonMode(ref, ROWS, COLS, SEG, mask, 10, new Float64Array(SEG), refOut);
    const use = prepareMedianCache(createCommonModeMedianCache(), ROWS, COLS, SEG, mask, sim.offset, 10, 2)!;
    const a = frame.slice(), out = new Float32Array(ROWS * 3);
    expect(rowSegmentCommonModeKept(a, ROWS, COLS, SEG, mask, 10, new Float64Array(SEG), out, use, 1)).toBe(n);
    expect([a, out]).toEqual([ref, refOut]);
    // taken, not selected again: a changed kept median changes the correction of that group only
    use.reuse.fill(1);
    use.medians[use.groups + 4] += 1;
    const b = frame.slice();
    rowSegmentCommonModeKept(b, ROWS, COLS, SEG, mask, 10, new Float64Array(SEG), out, use, 1);
    const changed = [...b].map((v, p) => (v !== ref[p] ? Math.floor(p / SEG) : -1)).filter((g) => g >= 0);
    expect(new Set(changed)).toEqual(new Set([4]));
    expect(() => rowSegmentCommonModeKept(b, ROWS, COLS, SEG, mask, 10, new Float64Array(SEG), out, use, 2)).toThrow('beyond the 2 frames');
  });

  for (const threads of [1, 2]) {
    it(`threads ${threads}: a second pass with a partly changed mask is bit-identical with and without the kept medians`, async () => {
      const mask2 = sim.medianMask.slice();
      mask2[3 * COLS + 10] = 1; // one more bad pixel: its group selects again
      mask2[5 * COLS + 40] = 0; // the skipped segment gets one more good pixel (still skipped)
      const cache = createCommonModeMedianCache();
      const opts = { ...passOpts(), threads };
      await commonModeNoisePass(stream, { ...opts, medianCache: cache });
      const kept = await commonModeNoisePass(stream, { ...opts, medianMask: mask2, medianCache: cache });
      const fresh = await commonModeNoisePass(stream, { ...opts, medianMask: mask2 });
      expect(kept.corrected.stdAdu).toEqual(fresh.corrected.stdAdu);
      expect(kept.corrected.meanAdu).toEqual(fresh.corrected.meanAdu);
      expect(kept.raw!.meanAdu).toEqual(fresh.raw!.meanAdu);
      expect(kept.raw!.stdAdu).toEqual(fresh.raw!.stdAdu);
      expect(kept.maxAdu).toEqual(fresh.maxAdu);
      expect([kept.excludedValues, kept.groupsCorrected, kept.groupsSkipped]).toEqual([fresh.excludedValues, fresh.groupsCorrected, fresh.groupsSkipped]);
      // the kept medians were used: spoil those of an unchanged group and the second pass changes
      cache.medians!.fill(1e3, 0, 1);
      const spoiled = await commonModeNoisePass(stream, { ...opts, medianMask: mask2, medianCache: cache });
      expect(spoiled.corrected.stdAdu).not.toEqual(fresh.corrected.stdAdu);
    });
  }
});
