// The frame-parallel common-mode noise pass (worker threads) against the in-process one: the same
// frames, corrections, exclusions and counts; the statistics equal up to float64 summation order.
// Needs the built worker (pnpm run build).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DetcalError, Random, type BlockReadOptions, type BlockRing, type FrameBlock, type FrameStream } from '@detcal/core';
import { createCpuBackend } from './cpu-backend.js';
import { commonModeNoisePass, type CommonModeNoiseOptions } from './dark-single-gain.js';
import { frameStreamFromFrames } from './frame-stream-from-run.js';
import { commonModeNoiseWorkerUrl } from './common-mode-noise-pool.js';
import { dropSpareWorkers, spareWorkerCount } from './worker-spares.js';

const ROWS = 16, COLS = 64, P = ROWS * COLS;
const BANK = { bankRows: 8, bankCols: 32 };

/** Raw u2 frames: offset + common mode per row segment and per column segment + noise, a few cosmic hits, some empty frames. */
function frames(nFrames: number, seed: number) {
  const rng = new Random(seed);
  const offset = Float32Array.from({ length: P }, () => 1000 + 20 * rng.normal());
  const sigma = Float32Array.from({ length: P }, () => 1.5 + rng.uniform());
  sigma[9] = 0; // dead: constant value
  offset[9] = Math.round(offset[9]);
  offset[5] += 400; // hot
  const data = new Uint16Array(nFrames * P);
  for (let f = 0; f < nFrames; f++) {
    if (f % 37 === 11) continue; // an empty frame (all zero) now and then
    const colCm = Float32Array.from({ length: COLS * 2 }, () => 3 * rng.normal());
    for (let r = 0; r < ROWS; r++) {
      const rowCm = [6 * rng.normal(), 6 * rng.normal()];
      for (let c = 0; c < COLS; c++) {
        const p = r * COLS + c;
        const v = offset[p] + rowCm[c >> 5] + colCm[(r >> 3) * COLS + c] + sigma[p] * rng.normal();
        data[f * P + p] = sigma[p] > 0 ? Math.round(v) : offset[p];
      }
    }
    if (f % 13 === 0) data[f * P + ((f * 7) % P)] += 500 + f; // cosmic-ray hit
  }
  const medianMask = new Uint8Array(P);
  medianMask[5] = 1;
  medianMask[9] = 1;
  const frozen = new Uint8Array(P);
  frozen[9] = 1;
  const noiseAdu = Float32Array.from(sigma, (s) => Math.sqrt(s * s + 1 / 12));
  return { data, offset, medianMask, frozen, noiseAdu };
}

/**
 * Largest |a - b| / max(|b|, 1e-3). Corrected values are float32 and every path sums them in float64;
 * the workers' partial sums are re-based and added in another order, which changes the sums by about
 * 1e-16 relative, so mean and std (rounded to float32) differ by at most a few float32 ulps (6e-8 each).
 */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  }
  return worst;
}

describe('commonModeNoisePass on worker threads', () => {
  const n = 300;
  const sim = frames(n, 11);
  const stream = frameStreamFromFrames({ data: sim.data, nFrames: n, rows: ROWS, cols: COLS }, { blockFrames: 16 });
  const base = (): CommonModeNoiseOptions => ({
    backend: createCpuBackend(),
    offsetAdu: sim.offset,
    medianMask: sim.medianMask,
    frozen: sim.frozen,
    commonMode: { bank: BANK, passes: ['row', 'col'], minPixels: 5 },
    cosmic: { sigma: 10, noiseAdu: sim.noiseAdu },
    rawStatistics: true,
    trackMax: true,
  });

  for (const threads of [2, 3]) {
    it(`threads ${threads} gives the in-process result: counts, max and exclusions exactly, mean and std within 1e-6 relative`, async () => {
      const one = await commonModeNoisePass(stream, { ...base(), threads: 1 });
      const progress: number[] = [];
      const par = await commonModeNoisePass(stream, { ...base(), threads, progress: (f) => progress.push(f) });
      const empty = Math.ceil((n - 11) / 37);
      expect([par.corrected.frames, par.corrected.emptyFrames, [...par.corrected.framesPerCell]]).toEqual([n - empty, empty, [n - empty]]);
      expect([par.corrected.frames, par.corrected.emptyFrames]).toEqual([one.corrected.frames, one.corrected.emptyFrames]);
      expect(progress.reduce((a, b) => a + b)).toBe(n);
      expect(one.excludedValues).toBeGreaterThan(10); // the test exercises the exclusions
      for (const k of ['excludedValues', 'framesWithExclusions', 'pixelsWithExclusions', 'groupsCorrected', 'groupsSkipped'] as const) {
        expect(par[k], k).toBe(one[k]);
      }
      expect(par.maxAdu).toEqual(one.maxAdu);
      expect(par.corrected.count).toEqual(one.corrected.count);
      expect(par.raw!.count).toEqual(one.raw!.count);
      expect(par.corrected.rejected).toEqual(one.corrected.rejected);
      expect(maxRelDiff(par.corrected.stdAdu, one.corrected.stdAdu)).toBeLessThan(1e-6);
      expect(maxRelDiff(par.raw!.meanAdu, one.raw!.meanAdu)).toBeLessThan(1e-6);
      expect(maxRelDiff(par.raw!.stdAdu, one.raw!.stdAdu)).toBeLessThan(1e-6);
      // The residual mean of the corrected values is about 0: compare absolutely (float32 ulps of the ~1000 ADU inputs).
      for (let p = 0; p < P; p++) expect(Math.abs(par.corrected.meanAdu[p] - one.corrected.meanAdu[p]), `pixel ${p}`).toBeLessThan(1e-4);
      expect(par.corrected.stdAdu[9]).toBe(0);
    });
  }

  it('works with blocks of fewer frames than workers (some get none of a block) and with row passes only', async () => {
    // Blocks of 3 frames (the last of 2; frame 11 is empty) for 4 workers.
    const short = frameStreamFromFrames({ data: sim.data.subarray(0, 20 * P), nFrames: 20, rows: ROWS, cols: COLS }, { blockFrames: 3 });
    const opts = { ...base(), commonMode: { bank: BANK, passes: ['row'] as const }, cosmic: undefined, rawStatistics: false, trackMax: false };
    const one = await commonModeNoisePass(short, { ...opts, threads: 1 });
    const par = await commonModeNoisePass(short, { ...opts, threads: 4 });
    expect(par.corrected.count).toEqual(one.corrected.count);
    expect([par.corrected.frames, par.corrected.emptyFrames]).toEqual([19, 1]);
    expect(maxRelDiff(par.corrected.stdAdu, one.corrected.stdAdu)).toBeLessThan(1e-6);
    expect([par.raw, par.maxAdu, par.groupsCorrected]).toEqual([undefined, undefined, one.groupsCorrected]);
  });

  it('reports a run without non-empty frames as darkPass does', async () => {
    const empty = frameStreamFromFrames({ data: new Uint16Array(4 * P), nFrames: 4, rows: ROWS, cols: COLS, }, { label: 'r0007' });
    for (const threads of [1, 2]) {
      await expect(commonModeNoisePass(empty, { ...base(), threads })).rejects.toThrow('r0007: no non-empty frames (4 empty frames skipped); a dark run needs data');
    }
  });

  it.each([
    ['row and column passes (JS context)', ['row', 'col'] as const],
    ['one row pass (the SIMD kernels)', ['row'] as const],
  ])('one CPU thread runs a worker\'s context in-process and gives the darkPass transform path: %s', async (_what, passes) => {
    // a backend of another name takes the generic path: correct into a value buffer, accumulate with darkPass
    const generic = { ...createCpuBackend(), name: 'generic' } as unknown as ReturnType<typeof createCpuBackend>;
    const opts = { ...base(), commonMode: { bank: BANK, passes, minPixels: 5 } };
    const ref = await commonModeNoisePass(stream, { ...opts, backend: generic, threads: 1 });
    const one = await commonModeNoisePass(stream, { ...opts, threads: 1 });
    expect([one.corrected.frames, one.corrected.emptyFrames]).toEqual([ref.corrected.frames, ref.corrected.emptyFrames]);
    for (const k of ['excludedValues', 'framesWithExclusions', 'pixelsWithExclusions', 'groupsCorrected', 'groupsSkipped'] as const) expect(one[k], k).toBe(ref[k]);
    expect(one.excludedValues).toBeGreaterThan(10);
    expect(one.maxAdu).toEqual(ref.maxAdu);
    expect(one.corrected.count).toEqual(ref.corrected.count);
    // the same frames in the same order, every value rounded where the darkPass path rounds it: the same statistics
    expect(one.corrected.meanAdu).toEqual(ref.corrected.meanAdu);
    expect(one.corrected.stdAdu).toEqual(ref.corrected.stdAdu);
    expect(one.raw!.stdAdu).toEqual(ref.raw!.stdAdu);
  });

  it('a failure in a worker surfaces as one DetcalError line and stops the pass', async () => {
    // A stream whose second block has fewer values than its frames: the worker that gets it fails.
    const good = stream;
    const broken: FrameStream = {
      ...good,
      label: 'broken run',
      async *blocks() {
        let i = 0;
        for await (const b of good.blocks()) {
          yield i++ === 1 ? ({ ...b, data: b.data.subarray(0, b.data.length - 3) } as FrameBlock) : b;
        }
      },
    };
    const err = await commonModeNoisePass(broken, { ...base(), threads: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetcalError);
    expect((err as DetcalError).code).toBe('SHAPE_MISMATCH');
    expect((err as DetcalError).message).toBe(`commonModeNoisePass: a block has ${16 * P - 3} values, expected 16 frames of ${ROWS} x ${COLS}`);
    expect((err as DetcalError).message).not.toContain('\n');
  });
});

describe('commonModeNoisePass: workers and block arrays kept between passes', () => {
  const n = 120;
  const sim = frames(n, 12);
  const stream = frameStreamFromFrames({ data: sim.data, nFrames: n, rows: ROWS, cols: COLS }, { blockFrames: 16 });
  const passA = (ring?: BlockRing): CommonModeNoiseOptions => ({
    backend: createCpuBackend(), offsetAdu: sim.offset, medianMask: sim.medianMask, frozen: sim.frozen,
    commonMode: { bank: BANK, passes: ['row'], minPixels: 5 }, trackMax: true, threads: 2, ring,
  });
  // the second pass of a method: another mask, cosmic thresholds and raw statistics (another kernel)
  const mask2 = sim.medianMask.slice();
  mask2[100] = 1;
  const passB = (ring?: BlockRing): CommonModeNoiseOptions => ({ ...passA(ring), medianMask: mask2, cosmic: { sigma: 10, noiseAdu: sim.noiseAdu }, rawStatistics: true, trackMax: false });
  const arrays = (r: Awaited<ReturnType<typeof commonModeNoisePass>>) => [r.corrected.count, r.corrected.meanAdu, r.corrected.stdAdu, r.raw?.meanAdu, r.raw?.stdAdu, r.maxAdu, r.excludedValues, r.groupsCorrected];

  it('a pass hands its workers back as spares and the next pass takes them: the same results as fresh workers, bit for bit', async () => {
    const url = commonModeNoiseWorkerUrl();
    await dropSpareWorkers(url);
    const freshB = await commonModeNoisePass(stream, passB());
    await dropSpareWorkers(url);
    const a = await commonModeNoisePass(stream, passA());
    expect(spareWorkerCount(url)).toBe(2);
    const b = await commonModeNoisePass(stream, passB()); // on A's workers, whose contexts were dropped
    expect(spareWorkerCount(url)).toBe(2);
    expect(b.excludedValues).toBeGreaterThan(0);
    expect(arrays(b)).toEqual(arrays(freshB));
    expect(a.maxAdu).toBeDefined();
    await dropSpareWorkers(url);
    expect(spareWorkerCount(url)).toBe(0);
  });

  it('the workers read the frames they correct from pending blocks: the same results bit for bit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-cm-pending-'));
    const file = path.join(dir, 'frames.bin');
    fs.writeFileSync(file, sim.data);
    const kinds: string[] = [];
    // as the HDF5 stream does: blocks left unread when asked, except those with an empty frame
    const pending: FrameStream = {
      ...stream,
      async *blocks(o?: BlockReadOptions): AsyncGenerator<FrameBlock> {
        for await (const b of stream.blocks(o)) {
          const empty = Array.from({ length: b.nFrames }, (_, f) => b.data.subarray(f * P, (f + 1) * P).every((v) => v === 0)).some(Boolean);
          if (!o?.pendingPixels || empty) {
            kinds.push('read');
            yield b;
            continue;
          }
          kinds.push('pending');
          const runs = [{ file, into: 'data' as const, frame: 0, frames: b.nFrames, position: 2 * b.firstFrame * P, strideBytes: 2 * P }];
          yield { ...b, data: new Uint16Array(new SharedArrayBuffer(2 * b.nFrames * P)), pending: { runs } };
        }
      },
    };
    try {
      const fromMemory = await commonModeNoisePass(stream, passB());
      const fromFile = await commonModeNoisePass(pending, passB());
      expect(kinds).toContain('pending');
      expect(kinds).toContain('read');
      expect(arrays(fromFile)).toEqual(arrays(fromMemory));
      expect(fromFile.corrected.emptyFrames).toBe(fromMemory.corrected.emptyFrames);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await dropSpareWorkers(commonModeNoiseWorkerUrl());
    }
  });

  it('a failed pass does not hand its workers back', async () => {
    const url = commonModeNoiseWorkerUrl();
    await dropSpareWorkers(url);
    const broken: FrameStream = {
      ...stream,
      async *blocks() {
        let i = 0;
        for await (const b of stream.blocks()) yield i++ === 1 ? ({ ...b, data: b.data.subarray(0, b.data.length - 3) } as FrameBlock) : b;
      },
    };
    await expect(commonModeNoisePass(broken, passA())).rejects.toThrow('expected 16 frames');
    expect(spareWorkerCount(url)).toBe(0);
  });

  it('hands the block ring to the stream on workers and in-process (the HDF5 stream reads into its arrays: frame-source tests)', async () => {
    const seen: Array<BlockRing | undefined> = [];
    const recording: FrameStream = { ...stream, blocks: (o) => (seen.push(o?.ring), stream.blocks(o)) };
    const ring: BlockRing = { slots: [] };
    const got = [await commonModeNoisePass(recording, passA(ring)), await commonModeNoisePass(recording, passB(ring)), await commonModeNoisePass(recording, { ...passB(ring), threads: 1 })];
    expect(seen).toEqual([ring, ring, ring]);
    seen.forEach((r) => expect(r).toBe(ring));
    const own = [await commonModeNoisePass(stream, passA()), await commonModeNoisePass(stream, passB()), await commonModeNoisePass(stream, { ...passB(), threads: 1 })];
    got.forEach((r, i) => expect(arrays(r)).toEqual(arrays(own[i])));
    await dropSpareWorkers(commonModeNoiseWorkerUrl());
  });
});
