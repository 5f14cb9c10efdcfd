import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DetcalError, Random, type BlockReadOptions, type BlockRing, type FrameBlock, type FrameStream } from '@detcal/core';
import { createCpuBackend } from './cpu-backend.js';
import { closeDarkPassReuse, darkPass, type DarkPassReuse } from './dark-run.js';
import { darkBadPixels } from './dark-bad-pixels.js';
import { prestartDarkWorkers } from './worker-spares.js';

/** An AGIPD-like stream: u2 analog and digital values per frame, `nCells` cells per train, blocks of `blockFrames`. */
function stream(nTrains: number, nCells: number, nPixels: number, blockFrames: number): { s: FrameStream; analog: Uint16Array; digital: Uint16Array } {
  const rng = new Random(7);
  const nFrames = nTrains * nCells;
  const analog = new Uint16Array(nFrames * nPixels).map((_, i) => Math.round(4000 + 50 * ((i % nPixels) % 7) + 6 * rng.normal()));
  const digital = new Uint16Array(nFrames * nPixels).map(() => Math.round(5000 + 9 * rng.normal()));
  const s: FrameStream = {
    label: 'test run', nFrames, rows: 1, cols: nPixels, cellsPerTrain: nCells, hasGain: true,
    async *blocks(): AsyncGenerator<FrameBlock> {
      for (let f0 = 0; f0 < nFrames; f0 += blockFrames) {
        const n = Math.min(blockFrames, nFrames - f0);
        yield {
          module: 0, firstFrame: f0, nFrames: n, rows: 1, cols: nPixels,
          data: analog.slice(f0 * nPixels, (f0 + n) * nPixels),
          gain: digital.slice(f0 * nPixels, (f0 + n) * nPixels),
          cellIds: Uint16Array.from({ length: n }, (_, i) => (f0 + i) % nCells),
          trainIds: Float64Array.from({ length: n }, (_, i) => Math.floor((f0 + i) / nCells)),
        };
      }
    },
  };
  return { s, analog, digital };
}

/** Mean and std (ddof 0) per (cell, pixel) straight from the values, in float64. */
function direct(values: Uint16Array, nCells: number, nPixels: number) {
  const nFrames = values.length / nPixels;
  const mean = new Float64Array(nCells * nPixels), std = new Float64Array(nCells * nPixels);
  for (let c = 0; c < nCells; c++) {
    for (let p = 0; p < nPixels; p++) {
      let s = 0, n = 0;
      for (let f = c; f < nFrames; f += nCells) { s += values[f * nPixels + p]; n++; }
      const m = s / n;
      let q = 0;
      for (let f = c; f < nFrames; f += nCells) q += (values[f * nPixels + p] - m) ** 2;
      mean[c * nPixels + p] = m;
      std[c * nPixels + p] = Math.sqrt(q / n);
    }
  }
  return { mean, std };
}

describe('darkPass over analog + digital runs (compact pair accumulator)', () => {
  const nCells = 3, nPixels = 50;
  it('gives the direct float64 statistics, with 1 thread and with 2 workers and up to two queued blocks', async () => {
    const { s, analog, digital } = stream(40, nCells, nPixels, 7);
    const a = direct(analog, nCells, nPixels), d = direct(digital, nCells, nPixels);
    for (const threads of [1, 2]) {
      const r = await darkPass(s, { backend: createCpuBackend(), nCells, digital: true, threads });
      expect(r.frames).toBe(120);
      expect(Array.from(r.framesPerCell)).toEqual([40, 40, 40]);
      expect(r.count.every((v) => v === 40)).toBe(true);
      // float32 outputs: within float32 rounding of the float64 truth
      r.meanAdu.forEach((v, k) => expect(Math.abs(v - a.mean[k])).toBeLessThan(1e-3));
      r.stdAdu.forEach((v, k) => expect(Math.abs(v - a.std[k])).toBeLessThan(1e-4));
      r.digitalMean!.forEach((v, k) => expect(Math.abs(v - d.mean[k])).toBeLessThan(1e-3));
      r.digitalStd!.forEach((v, k) => expect(Math.abs(v - d.std[k])).toBeLessThan(1e-4));
    }
  });

  it('leaves reading to the workers when the stream can (pending blocks): the same statistics bit for bit, and a short file is a one-line error', async () => {
    const { s, analog, digital } = stream(8, 5, nPixels, 10);
    const nFrames = s.nFrames;
    // the run as AGIPD stores it: each frame's analog then digital values, after a header
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-dark-pending-'));
    const file = path.join(dir, 'run.bin');
    const header = 512, frameBytes = 2 * nPixels;
    const bytes = new Uint16Array(header / 2 + 2 * nFrames * nPixels);
    for (let f = 0; f < nFrames; f++) {
      bytes.set(analog.subarray(f * nPixels, (f + 1) * nPixels), header / 2 + 2 * f * nPixels);
      bytes.set(digital.subarray(f * nPixels, (f + 1) * nPixels), header / 2 + (2 * f + 1) * nPixels);
    }
    fs.writeFileSync(file, bytes);
    // the same run cut 3 frames short
    const short = path.join(dir, 'short.bin');
    fs.writeFileSync(short, bytes.subarray(0, bytes.length - 3 * 2 * nPixels));
    const asked: Array<BlockReadOptions | undefined> = [];
    const pendingStream = (from: string): FrameStream => ({
      ...s,
      async *blocks(opts?: BlockReadOptions): AsyncGenerator<FrameBlock> {
        asked.push(opts);
        for await (const b of s.blocks()) {
          if (!opts?.pendingPixels) {
            yield b;
            continue;
          }
          const unread = (): Uint16Array => new Uint16Array(new SharedArrayBuffer(2 * b.nFrames * nPixels));
          const position = header + 2 * b.firstFrame * frameBytes;
          const runs = [
            { file: from, into: 'data' as const, frame: 0, frames: b.nFrames, position, strideBytes: 2 * frameBytes },
            { file: from, into: 'gain' as const, frame: 0, frames: b.nFrames, position: position + frameBytes, strideBytes: 2 * frameBytes },
          ];
          yield { ...b, data: unread(), gain: unread(), pending: { runs } };
        }
      },
    });
    try {
      const inMemory = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 1 });
      for (const threads of [2, 1]) {
        asked.length = 0;
        const r = await darkPass(pendingStream(file), { backend: createCpuBackend(), nCells: 5, digital: true, threads });
        // asked for only by a pair pass with workers, which read their pixel ranges themselves
        expect(asked.map((o) => !!o?.pendingPixels)).toEqual([threads > 1]);
        expect(Array.from(r.meanAdu)).toEqual(Array.from(inMemory.meanAdu));
        expect(Array.from(r.stdAdu)).toEqual(Array.from(inMemory.stdAdu));
        expect(Array.from(r.digitalMean!)).toEqual(Array.from(inMemory.digitalMean!));
        expect(Array.from(r.digitalStd!)).toEqual(Array.from(inMemory.digitalStd!));
      }
      // the workers report the short read; the pass fails with it, naming the file
      const failed = darkPass(pendingStream(short), { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2 });
      await expect(failed).rejects.toThrow(DetcalError);
      await expect(failed).rejects.toThrow(/short\.bin: \d+ bytes at offset \d+ could not be read .*copy the file again/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes workers started ahead (prestartDarkWorkers) and gives the same statistics', async () => {
    const { s } = stream(6, 5, nPixels, 10);
    prestartDarkWorkers(2);
    const r = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2 });
    const one = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 1 });
    expect(Array.from(r.meanAdu)).toEqual(Array.from(one.meanAdu));
    expect(Array.from(r.digitalStd!)).toEqual(Array.from(one.digitalStd!));
  });

  it('writes into given output views and reuses one accumulator across passes', async () => {
    const { s } = stream(10, nCells, nPixels, 4);
    const n = nCells * nPixels;
    const stacked = new Float32Array(2 * n);
    const reuse: DarkPassReuse = {};
    const first = await darkPass(s, { backend: createCpuBackend(), nCells, digital: true, reuse, out: { meanAdu: stacked.subarray(0, n), stdAdu: new Float32Array(n) } });
    const kept = reuse.pair;
    expect(kept).toBeDefined();
    const second = await darkPass(s, { backend: createCpuBackend(), nCells, digital: true, reuse, out: { meanAdu: stacked.subarray(n), stdAdu: new Float32Array(n) } });
    expect(reuse.pair).toBe(kept);
    expect(first.meanAdu.buffer).toBe(stacked.buffer);
    expect(Array.from(stacked.subarray(n))).toEqual(Array.from(stacked.subarray(0, n)));
    expect(Array.from(second.stdAdu)).toEqual(Array.from(first.stdAdu));
  });

  it('with threads, shared outputs and bad-pixel limits: the workers finalize and flag their cells as one call would, and one pool serves every pass', async () => {
    const { s } = stream(12, 5, nPixels, 10);
    const n = 5 * nPixels;
    const limits = { offsetSigma: 1, offsetHardAdu: [0, 0] as const, noiseSigma: 1.5, noiseHardAdu: [4, 7] as const };
    const shared = () => new Float32Array(new SharedArrayBuffer(4 * n));
    const reuse: DarkPassReuse = {};
    const flags = new Uint32Array(new SharedArrayBuffer(4 * n));
    const out = { meanAdu: shared(), stdAdu: shared(), digitalMean: shared(), digitalStd: shared() };
    const r = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2, reuse, out, badPixels: { flags, limits } });
    const pool = reuse.pool;
    expect(pool).toBeDefined();
    // in-process reference on the same statistics
    const one = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 1 });
    expect(Array.from(out.meanAdu)).toEqual(Array.from(one.meanAdu));
    expect(Array.from(out.digitalStd)).toEqual(Array.from(one.digitalStd!));
    const refFlags = new Uint32Array(n);
    const refCounts = darkBadPixels(one.meanAdu, one.stdAdu, refFlags, limits, { nCells: 5, nPixels });
    expect(Array.from(flags)).toEqual(Array.from(refFlags));
    expect(r.flagged).toEqual(refCounts);
    expect(refCounts.offset + refCounts.noise).toBeGreaterThan(0);
    // a second pass of the same shape keeps the workers
    const again = await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2, reuse, out, badPixels: { flags: new Uint32Array(new SharedArrayBuffer(4 * n)), limits } });
    expect(reuse.pool).toBe(pool);
    expect(again.flagged).toEqual(refCounts);
    // zeroed flags (fresh memory) are written by the workers before the rules: the same map
    const fresh = new Uint32Array(new SharedArrayBuffer(4 * n));
    await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2, reuse, out, badPixels: { flags: fresh, limits, zeroed: true } });
    expect(Array.from(fresh)).toEqual(Array.from(refFlags));
    // flags that already hold bits (not zeroed) keep them: the rules OR theirs in
    const held = new Uint32Array(new SharedArrayBuffer(4 * n)).fill(1 << 30);
    await darkPass(s, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2, reuse, out, badPixels: { flags: held, limits } });
    expect(Array.from(held)).toEqual(Array.from(refFlags, (f) => (f | (1 << 30)) >>> 0));
    await closeDarkPassReuse(reuse);
    expect(reuse.pool).toBeUndefined();
  });

  it('deferFinish: the next pass reads while the workers finish this one; both end as two separate passes would', async () => {
    const a = stream(12, 5, nPixels, 10).s;
    const b = stream(7, 5, nPixels, 6).s; // other frames: its first blocks overwrite a state the workers are still finalizing, unless they zero it first
    const n = 5 * nPixels;
    const limits = { offsetSigma: 1, offsetHardAdu: [0, 0] as const, noiseSigma: 1.5, noiseHardAdu: [4, 7] as const };
    const shared = () => new Float32Array(new SharedArrayBuffer(4 * n));
    const outputs = () => ({ meanAdu: shared(), stdAdu: shared(), digitalMean: shared(), digitalStd: shared() });
    const reuse: DarkPassReuse = {};
    const [outA, outB] = [outputs(), outputs()];
    const [flagsA, flagsB] = [new Uint32Array(new SharedArrayBuffer(4 * n)), new Uint32Array(new SharedArrayBuffer(4 * n))];
    const opts = { backend: createCpuBackend(), nCells: 5, digital: true, threads: 2, reuse, deferFinish: true };
    const ra = await darkPass(a, { ...opts, out: outA, badPixels: { flags: flagsA, limits } });
    expect(ra.finished).toBeInstanceOf(Promise);
    const rb = await darkPass(b, { ...opts, out: outB, badPixels: { flags: flagsB, limits } });
    await Promise.all([ra.finished, rb.finished]);
    await closeDarkPassReuse(reuse);
    for (const [st, out, flags, r] of [[a, outA, flagsA, ra], [b, outB, flagsB, rb]] as const) {
      const one = await darkPass(st, { backend: createCpuBackend(), nCells: 5, digital: true, threads: 1 });
      expect(Array.from(out.meanAdu)).toEqual(Array.from(one.meanAdu));
      expect(Array.from(out.stdAdu)).toEqual(Array.from(one.stdAdu));
      expect(Array.from(out.digitalMean)).toEqual(Array.from(one.digitalMean!));
      expect(Array.from(out.digitalStd)).toEqual(Array.from(one.digitalStd!));
      const refFlags = new Uint32Array(n);
      const refCounts = darkBadPixels(one.meanAdu, one.stdAdu, refFlags, limits, { nCells: 5, nPixels });
      expect(Array.from(flags)).toEqual(Array.from(refFlags));
      expect(r.flagged).toEqual(refCounts);
      expect(Array.from(r.framesPerCell)).toEqual(Array.from(one.framesPerCell));
    }
  });
});

describe('darkPass with gain acceptance (general accumulators, Jungfrau-like)', () => {
  const nPixels = 300, nCells = 2;
  /** u2 values with a gain value per value: mostly `gainValue`, 5% others (rejected). */
  function gainStream(nTrains: number, gainValue: number, seed: number): FrameStream {
    const rng = new Random(seed);
    const nFrames = nTrains * nCells;
    const data = new Uint16Array(nFrames * nPixels).map((_, i) => Math.round(3000 + 40 * ((i % nPixels) % 5) + 5 * rng.normal()));
    const gain = new Uint8Array(nFrames * nPixels).map(() => (rng.uniform() < 0.05 ? (gainValue + 1) % 4 : gainValue));
    return {
      label: `gain ${gainValue}`, nFrames, rows: 1, cols: nPixels, cellsPerTrain: nCells, hasGain: true,
      async *blocks(): AsyncGenerator<FrameBlock> {
        for (let f0 = 0; f0 < nFrames; f0 += 8) {
          const n = Math.min(8, nFrames - f0);
          yield {
            module: 0, firstFrame: f0, nFrames: n, rows: 1, cols: nPixels,
            data: data.slice(f0 * nPixels, (f0 + n) * nPixels), gain: gain.slice(f0 * nPixels, (f0 + n) * nPixels),
            cellIds: Uint16Array.from({ length: n }, (_, i) => (f0 + i) % nCells),
            trainIds: Float64Array.from({ length: n }, (_, i) => Math.floor((f0 + i) / nCells)),
          };
        }
      },
    };
  }

  it('the workers read their pixel ranges of pending blocks (values and u1 gain values from two datasets): the same statistics as in memory', async () => {
    const run = gainStream(12, 1, 9);
    const blocks: FrameBlock[] = [];
    for await (const b of run.blocks()) blocks.push(b);
    // the file: all values (u2, frame after frame), then all gain values (u1)
    const nFrames = run.nFrames;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-dark-pending-gain-'));
    const file = path.join(dir, 'run.bin');
    const values = Buffer.concat(blocks.map((b) => Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)));
    const gains = Buffer.concat(blocks.map((b) => Buffer.from((b.gain as Uint8Array).buffer, (b.gain as Uint8Array).byteOffset, (b.gain as Uint8Array).byteLength)));
    fs.writeFileSync(file, Buffer.concat([values, gains]));
    const asked: boolean[] = [];
    const pending: FrameStream = {
      ...run,
      async *blocks(opts?: BlockReadOptions): AsyncGenerator<FrameBlock> {
        asked.push(!!opts?.pendingPixels);
        for (const b of blocks) {
          if (!opts?.pendingPixels) {
            yield b;
            continue;
          }
          yield {
            ...b,
            data: new Uint16Array(new SharedArrayBuffer(2 * b.nFrames * nPixels)),
            gain: new Uint8Array(new SharedArrayBuffer(b.nFrames * nPixels)),
            pending: { runs: [
              { file, into: 'data', frame: 0, frames: b.nFrames, position: 2 * b.firstFrame * nPixels, strideBytes: 2 * nPixels },
              { file, into: 'gain', frame: 0, frames: b.nFrames, position: 2 * nFrames * nPixels + b.firstFrame * nPixels, strideBytes: nPixels },
            ] },
          };
        }
      },
    };
    try {
      const mask = new Uint8Array(nPixels).map((_, p) => (p % 11 === 0 ? 1 : 0));
      const inMemory = await darkPass(run, { backend: createCpuBackend(), nCells, acceptGain: 1, mask, threads: 1 });
      const r = await darkPass(pending, { backend: createCpuBackend(), nCells, acceptGain: 1, mask, threads: 2 });
      expect(asked).toEqual([true]);
      expect(Array.from(r.meanAdu)).toEqual(Array.from(inMemory.meanAdu));
      expect(Array.from(r.stdAdu)).toEqual(Array.from(inMemory.stdAdu));
      expect(Array.from(r.count)).toEqual(Array.from(inMemory.count));
      expect(Array.from(r.rejected)).toEqual(Array.from(inMemory.rejected));
      expect(inMemory.rejected.some((v) => v > 0)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['on this thread (plain outputs)', false],
    ['on the workers (shared outputs)', true],
  ])('deferFinish: each pass is finalized and flagged %s while the next pass accumulates; results equal undeferred passes', async (_how, shared) => {
    const n = nCells * nPixels;
    const limits = { offsetSigma: 1, offsetHardAdu: [0, 0] as const, noiseSigma: 1.5, noiseHardAdu: [0, 0] as const };
    const reuse: DarkPassReuse = {};
    const runs = [gainStream(20, 0, 3), gainStream(15, 1, 4)];
    const deferred = [];
    const f32 = () => new Float32Array(shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
    for (const [s, run] of runs.entries()) {
      const out = { meanAdu: f32(), stdAdu: f32() };
      const flags = new Uint32Array(shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
      const r = await darkPass(run, { backend: createCpuBackend(), nCells, acceptGain: s, threads: 2, reuse, deferFinish: true, out, badPixels: { flags, limits } });
      expect(r.finished).toBeInstanceOf(Promise);
      deferred.push({ r, out, flags });
    }
    await Promise.all(deferred.map((d) => d.r.finished));
    await closeDarkPassReuse(reuse);
    for (const [s, run] of runs.entries()) {
      const flags = new Uint32Array(n);
      const one = await darkPass(run, { backend: createCpuBackend(), nCells, acceptGain: s, threads: 1, badPixels: { flags, limits } });
      const d = deferred[s];
      expect(Array.from(d.out.meanAdu)).toEqual(Array.from(one.meanAdu));
      expect(Array.from(d.out.stdAdu)).toEqual(Array.from(one.stdAdu));
      expect(Array.from(d.r.count)).toEqual(Array.from(one.count));
      expect(Array.from(d.r.rejected)).toEqual(Array.from(one.rejected));
      expect(one.rejected.some((v) => v > 0)).toBe(true);
      expect(Array.from(d.flags)).toEqual(Array.from(flags));
      expect(d.r.flagged).toEqual(one.flagged);
    }
  });
});

describe('darkPass with a block ring and no reuse holder', () => {
  it.each([1, 2])('hands opts.ring to the stream (threads %i) and gives the statistics of a pass without it', async (threads) => {
    const { s } = stream(6, 1, 50, 4);
    const seen: Array<BlockRing | undefined> = [];
    const recording: FrameStream = { ...s, blocks: (o) => (seen.push(o?.ring), s.blocks(o)) };
    const ring: BlockRing = { slots: [] };
    const withRing = await darkPass(recording, { backend: createCpuBackend(), nCells: 1, threads, ring });
    const without = await darkPass(s, { backend: createCpuBackend(), nCells: 1, threads });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(ring);
    expect([withRing.meanAdu, withRing.stdAdu, withRing.count]).toEqual([without.meanAdu, without.stdAdu, without.count]);
  });
});
