// The skip plan of a common-mode noise pass (common-mode-skip-plan.ts): which groups are accumulated, and
// that a pass taking the previous passes' statistics for the others gives exactly the numbers of a pass
// that accumulates everything (the promise is bit-identity, so arrays are compared with toEqual, not a
// tolerance): pnCCD-like iterations 1-3 with cosmic-ray hits and a mask that changes in a few segments, on
// one thread and on two workers, with the SIMD kernels and with the JS kernel. Needs the built worker.
import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { CommonModeNoiseContext, createCommonModeNoiseInit, type CommonModeNoiseInitOptions, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import { createCommonModeMedianCache, prepareMedianCache } from './common-mode-median-cache.js';
import { buildSkipPlan, GROUP_FULL, GROUP_SKIP, GROUP_SPARSE, takePrevious } from './common-mode-skip-plan.js';
import { createCpuBackend } from './cpu-backend.js';
import { darkPass } from './dark-run.js';
import { commonModeNoisePass, stdWithoutMax, type CommonModeNoiseOptions, type CommonModeNoiseResult } from './dark-single-gain.js';
import { frameStreamFromFrames } from './frame-stream-from-run.js';

describe('buildSkipPlan and takePrevious', () => {
  // 2 rows of 10 pixels, segments of 4: groups [0,4) [4,8) [8,10) per row, 6 in all
  const rows = 2, cols = 10, len = 4;
  const reuse = Uint8Array.of(1, 0, 1, 1, 1, 0);
  const thr = new Float32Array(20).fill(10);
  const max = new Float32Array(20).fill(5);
  max[9] = 11; // group 2 (row 0, pixels 8-9): a candidate
  max[4] = 50; // group 1 is accumulated anyway
  max[14] = 10; // not above the threshold: no candidate
  max[15] = 12; // group 4 (row 1, pixels 14-17)
  max[17] = 12;

  it('skips kept groups without candidates, accumulates the candidates of the others, and every group without a kept median', () => {
    const plan = buildSkipPlan(reuse, rows, cols, len, thr, max)!;
    expect([...plan.mode]).toEqual([GROUP_SKIP, GROUP_FULL, GROUP_SPARSE, GROUP_SKIP, GROUP_SPARSE, GROUP_FULL]);
    expect([...plan.pixels]).toEqual([9, 15, 17]);
    expect([...plan.start]).toEqual([0, 0, 0, 1, 1, 3, 3]);
    expect(plan.taken).toBe(4 + 1 + 4 + 2); // g0, g2 less its candidate, g3, g4 less its 2
    // without a threshold no pixel is a candidate
    expect([...buildSkipPlan(reuse, rows, cols, len)!.mode]).toEqual([GROUP_SKIP, GROUP_FULL, GROUP_SKIP, GROUP_SKIP, GROUP_SKIP, GROUP_FULL]);
    // a threshold without the previous maxima, or no kept median: no plan
    expect(buildSkipPlan(reuse, rows, cols, len, thr)).toBeUndefined();
    expect(buildSkipPlan(new Uint8Array(6), rows, cols, len, thr, max)).toBeUndefined();
  });

  it('takePrevious copies the taken pixels and nothing else', () => {
    const plan = buildSkipPlan(reuse, rows, cols, len, thr, max)!;
    const into = new Float32Array(20), from = Float32Array.from({ length: 20 }, (_, p) => p + 100);
    const intoCount = new Uint32Array(20), fromCount = Uint32Array.from({ length: 20 }, (_, p) => p + 1);
    takePrevious(plan, rows, cols, len, [[into, from], [intoCount, fromCount]]);
    const taken = [0, 1, 2, 3, 8, 10, 11, 12, 13, 14, 16];
    for (let p = 0; p < 20; p++) {
      expect(into[p], `pixel ${p}`).toBe(taken.includes(p) ? p + 100 : 0);
      expect(intoCount[p], `pixel ${p}`).toBe(taken.includes(p) ? p + 1 : 0);
    }
  });
});

const ROWS = 8, COLS = 128, P = ROWS * COLS, SEG = 32;
const BANK = { bankRows: ROWS, bankCols: SEG };

/** pnCCD-like u2 frames: offsets, a common mode per row segment, noise, a dead and a hot pixel, and cosmic-ray hits in a few frames. */
function simulate(nFrames: number, seed: number) {
  const rng = new Random(seed);
  const offset = Float32Array.from({ length: P }, () => 900 + 25 * rng.normal());
  const sigma = Float32Array.from({ length: P }, () => 3 + rng.uniform());
  sigma[7] = 0;
  offset[7] = Math.round(offset[7]);
  offset[300] += 250;
  const data = new Uint16Array(nFrames * P);
  for (let f = 0; f < nFrames; f++) {
    for (let r = 0; r < ROWS; r++) {
      const cm = Array.from({ length: COLS / SEG }, () => 6 * rng.normal());
      for (let c = 0; c < COLS; c++) {
        const p = r * COLS + c;
        data[f * P + p] = sigma[p] > 0 ? Math.round(offset[p] + cm[Math.floor(c / SEG)] + sigma[p] * rng.normal()) : offset[p];
      }
    }
    if (f % 3 === 0) for (let h = 0; h < 4; h++) data[f * P + rng.int(P)] += 300 + 10 * h; // hits
  }
  return { data, offset, sigma };
}

const N = 48;
const sim = simulate(N, 21);

/** Iterations 1 and 2 of the pnCCD method and the options of iteration 3, with and without the previous passes. */
async function iterations(stream: ReturnType<typeof frameStreamFromFrames>, threads: number) {
  const backend = createCpuBackend();
  const pass1 = await darkPass(stream, { backend, nCells: 1, threads });
  const frozen = Uint8Array.from(pass1.stdAdu, (s) => (s === 0 ? 1 : 0));
  const mask1 = new Uint8Array(P);
  mask1[300] = 1;
  const mask2 = mask1.slice();
  mask2[2 * COLS + 40] = 1; // two segments change: their medians are selected again
  mask2[6 * COLS + 100] = 1;
  const medianCache = createCommonModeMedianCache();
  const common = { backend, offsetAdu: pass1.meanAdu, frozen, commonMode: { bank: BANK, passes: ['row'] as const, minPixels: 10 }, threads };
  const pass2 = await commonModeNoisePass(stream, { ...common, medianMask: mask1, medianCache, trackMax: true });
  const c2 = pass2.corrected;
  const third: CommonModeNoiseOptions = {
    ...common, medianMask: mask2, medianCache, rawStatistics: true,
    cosmic: { sigma: 5, noiseAdu: stdWithoutMax(c2.meanAdu, c2.stdAdu, c2.count, pass2.maxAdu!) },
  };
  return { pass1, pass2, third };
}

function numbers(r: CommonModeNoiseResult) {
  return {
    corrected: [r.corrected.meanAdu, r.corrected.stdAdu, r.corrected.count, r.corrected.rejected],
    raw: [r.raw!.meanAdu, r.raw!.stdAdu, r.raw!.count, r.raw!.rejected],
    counters: [r.excludedValues, r.framesWithExclusions, r.pixelsWithExclusions, r.groupsCorrected, r.groupsSkipped, r.corrected.frames, r.corrected.emptyFrames],
  };
}

describe('a pass with a skip plan (previous / previousRaw)', () => {
  for (const threads of [1, 2]) {
    it(`threads ${threads}: iteration 3 taking iterations 2 and 1 gives the numbers of a full iteration 3 bit for bit`, async () => {
      const stream = frameStreamFromFrames({ data: sim.data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
      const { pass1, pass2, third } = await iterations(stream, threads);
      const full = await commonModeNoisePass(stream, { ...third, medianCache: undefined });
      const planned = await commonModeNoisePass(stream, { ...third, previous: pass2, previousRaw: pass1 });
      expect(full.excludedValues).toBeGreaterThan(20); // hits exercised
      expect(full.takenPixels).toBe(0);
      // every segment but the two changed ones is taken, less the hit candidates
      expect(planned.takenPixels).toBeGreaterThan(P - 2 * SEG - 200);
      expect(planned.takenPixels).toBeLessThan(P - 2 * SEG);
      expect(numbers(planned)).toEqual(numbers(full));
    });
  }

  it('takes the statistics from the previous passes: spoiled ones show up in taken pixels only', async () => {
    const stream = frameStreamFromFrames({ data: sim.data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
    const { pass1, pass2, third } = await iterations(stream, 2);
    const full = await commonModeNoisePass(stream, { ...third, medianCache: undefined });
    const spoiled = { ...pass2, corrected: { ...pass2.corrected, stdAdu: pass2.corrected.stdAdu.map(() => 77) } };
    const planned = await commonModeNoisePass(stream, { ...third, previous: spoiled, previousRaw: pass1 });
    let seventySeven = 0;
    for (let p = 0; p < P; p++) {
      if (planned.corrected.stdAdu[p] === 77) seventySeven++;
      else expect(planned.corrected.stdAdu[p], `pixel ${p}`).toBe(full.corrected.stdAdu[p]);
    }
    expect(seventySeven).toBe(planned.takenPixels);
  });

  it('makes no plan for a run of float values (their raw sums from another pass need not be the same bits)', async () => {
    const f32 = Float32Array.from(sim.data, (x) => x + 0.25);
    const stream = frameStreamFromFrames({ data: f32, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
    const { pass1, pass2, third } = await iterations(stream, 2);
    const planned = await commonModeNoisePass(stream, { ...third, previous: pass2, previousRaw: pass1 });
    expect(planned.takenPixels).toBe(0);
    // without raw statistics the corrected ones come from the previous pass of the same kind: a plan
    const corrOnly = await commonModeNoisePass(stream, { ...third, rawStatistics: false, medianCache: undefined });
    const { pass2: p2, third: t3 } = await iterations(stream, 2);
    const plannedCorr = await commonModeNoisePass(stream, { ...t3, rawStatistics: false, previous: p2 });
    expect(plannedCorr.takenPixels).toBeGreaterThan(0);
    expect([plannedCorr.corrected.meanAdu, plannedCorr.corrected.stdAdu, plannedCorr.corrected.count]).toEqual([corrOnly.corrected.meanAdu, corrOnly.corrected.stdAdu, corrOnly.corrected.count]);
  });

  it('asks a stream that does not say its element type by its first frame', async () => {
    for (const [data, planned] of [[sim.data, true], [Float32Array.from(sim.data), false]] as const) {
      const { u2Values, ...silent } = frameStreamFromFrames({ data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
      expect(u2Values).toBe(planned);
      const { pass1, pass2, third } = await iterations(silent, 1);
      const r = await commonModeNoisePass(silent, { ...third, previous: pass2, previousRaw: pass1 });
      expect(r.takenPixels > 0).toBe(planned);
    }
  });

  it('makes no plan when the previous pass left values out or lacks what this pass needs', async () => {
    const stream = frameStreamFromFrames({ data: sim.data, nFrames: N, rows: ROWS, cols: COLS }, { blockFrames: 8 });
    const { pass1, pass2, third } = await iterations(stream, 1);
    const excluded = await commonModeNoisePass(stream, { ...third, previous: { ...pass2, excludedValues: 3 }, previousRaw: pass1 });
    expect(excluded.takenPixels).toBe(0);
    const noRaw = await commonModeNoisePass(stream, { ...third, previous: pass2 });
    expect(noRaw.takenPixels).toBe(0);
    const noMax = await commonModeNoisePass(stream, { ...third, previous: { ...pass2, maxAdu: undefined }, previousRaw: pass1 });
    expect(noMax.takenPixels).toBe(0);
  });
});

describe('a context with a skip plan: the JS kernel and the SIMD kernels', () => {
  it('give the same partial results byte for byte, candidates and hits included', () => {
    const offset = Float32Array.from({ length: P }, (_, p) => 900 + (p % 13));
    const mask = new Uint8Array(P);
    mask[300] = 1;
    const opts: CommonModeNoiseInitOptions = {
      offsetAdu: offset, medianMask: mask, frozen: new Uint8Array(P), bank: BANK, passes: ['row'], minPixels: 10,
      cosmic: { sigma: 5, noiseAdu: new Float32Array(P).fill(4) }, rawStatistics: true,
    };
    const base = createCommonModeNoiseInit(ROWS, COLS, opts);
    const run = (useSimd: boolean, withPlan: boolean): CommonModeNoisePartial => {
      const c = createCommonModeMedianCache();
      // fill the medians with a first pass, then a second pass with one changed segment takes them
      const first = { ...base, trackMax: true, medianCache: prepareMedianCache(c, ROWS, COLS, SEG, base.mask, offset, 10, N)!, useSimd };
      const ctx1 = new CommonModeNoiseContext(first, undefined, true);
      ctx1.addBlock(sim.data, new Uint16Array(N), N);
      const mask2 = base.mask.slice();
      mask2[COLS + 3] = 1;
      const use = prepareMedianCache(c, ROWS, COLS, SEG, mask2, offset, 10, N)!;
      const max = ctx1.partial.maxAdu!;
      const init = { ...base, mask: mask2, medianCache: use, useSimd, skipPlan: withPlan ? buildSkipPlan(use.reuse, ROWS, COLS, SEG, base.thresholdAdu, max) : undefined };
      const ctx = new CommonModeNoiseContext(init, undefined, true);
      ctx.addBlock(sim.data.subarray(0, 20 * P), new Uint16Array(20), 20);
      ctx.addBlock(sim.data.subarray(20 * P), new Uint16Array(N - 20), N - 20, 0, N - 20, 20);
      return ctx.partial;
    };
    const js = run(false, true), simd = run(true, true);
    expect(js.excludedValues).toBeGreaterThan(0);
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const k of ['count', 'ref', 'sum', 'sumSq'] as const) {
      expect(bytes(simd.corrected![k])).toEqual(bytes(js.corrected![k]));
      expect(bytes(simd.raw![k])).toEqual(bytes(js.raw![k]));
    }
    expect([...simd.hitPixel!]).toEqual([...js.hitPixel!]);
    expect([simd.excludedValues, simd.framesWithExclusions, simd.groupsCorrected, simd.groupsTotal]).toEqual([js.excludedValues, js.framesWithExclusions, js.groupsCorrected, js.groupsTotal]);
    // the plan left pixels out: the accumulated counts differ from a context without one
    const all = run(true, false);
    expect(bytes(simd.corrected!.count)).not.toEqual(bytes(all.corrected!.count));
  });
});
