import fs from 'node:fs';
import path from 'node:path';
import { readPendingPixels, type FrameBlock, type RawLayout } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { agipdLike, epixLike, formulaRun, jungfrauLike } from './fixtures/test-layouts.js';
import { probeDirectStorage } from './direct-storage.js';
import { rawPaths } from './euxfel-names.js';
import { openFrameSource, type FrameSourceOptions } from './frame-source.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { openHdf5Sync } from './hdf5-file.js';
import { writeRawRun } from './raw-writer.js';
import { discoverRun } from './run-discovery.js';

const tempDir = useTempDirs();

/** Every block of a source, in order; with pendingPixels, the pending values read in three pixel ranges as worker threads would. */
async function blocksOf(opts: FrameSourceOptions, pendingPixels = false): Promise<FrameBlock[]> {
  const src = await openFrameSource(opts);
  const out: FrameBlock[] = [];
  for await (const b of src.blocks({ pendingPixels })) {
    if (b.pending) {
      const n = b.rows * b.cols;
      for (const [p0, p1] of [[0, 1], [1, n >> 1], [n >> 1, n]]) readPendingPixels(b, b.pending.runs, p0, p1);
    }
    out.push(b);
  }
  return out;
}

/** Blocks of a source read with pendingPixels that came unread. */
async function pendingBlocks(opts: FrameSourceOptions): Promise<number> {
  const src = await openFrameSource(opts);
  let n = 0;
  for await (const b of src.blocks({ pendingPixels: true })) if (b.pending) n++;
  return n;
}

const bytes = (a: ArrayBufferView | undefined): Buffer | undefined => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : undefined);

/**
 * The fast path must be invisible: the blocks read with fs.readSync equal h5wasm's byte for byte
 * (pixels, gain values, ids), for whole runs, odd block sizes, partial first entries and strides.
 */
async function expectSameBlocks(base: FrameSourceOptions): Promise<void> {
  const selections = [{ blockFrames: 7 }, { blockFrames: 64 }, { blockFrames: 5, firstFrame: 3, lastFrame: 29, stride: 3 }];
  for (const sel of selections) {
    const slow = await blocksOf({ ...base, ...sel, directRead: false });
    for (const fast of [await blocksOf({ ...base, ...sel, directRead: true }), await blocksOf({ ...base, ...sel, directRead: true }, true)]) expectBlocksEqual(fast, slow);
  }
}

/** Blocks equal byte for byte: pixels, gain values, ids. */
function expectBlocksEqual(fast: FrameBlock[], slow: FrameBlock[]): void {
  expect(fast.length).toBe(slow.length);
  fast.forEach((b, i) => {
    const s = slow[i];
    expect(b.nFrames).toBe(s.nFrames);
    expect(b.data.constructor).toBe(s.data.constructor);
    expect(bytes(b.data)?.equals(bytes(s.data) as Buffer)).toBe(true);
    expect(bytes(b.gain)?.equals(bytes(s.gain) as Buffer) ?? s.gain === undefined).toBe(true);
    expect(Array.from(b.cellIds)).toEqual(Array.from(s.cellIds));
    expect(Array.from(b.trainIds)).toEqual(Array.from(s.trainIds));
  });
}

/** Probes `dataset` of `file`: the storage found, or null. */
async function probeFile(file: string, dataset: string): Promise<ReturnType<typeof probeDirectStorage>> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    return probeDirectStorage(h5, file, dataset);
  } finally {
    h5.close();
  }
}

describe('direct reads of runs written by detcal (h5wasm, chunked, uncompressed)', () => {
  const cases: Array<[string, RawLayout, { trains: number; cells: number; gain: boolean }]> = [
    ['AGIPD-like frame-analog-digital', agipdLike, { trains: 6, cells: 7, gain: true }],
    ['Jungfrau-like train-cell with a u1 gain dataset', jungfrauLike, { trains: 9, cells: 3, gain: true }],
    ['ePix-like frames', epixLike, { trains: 40, cells: 1, gain: false }],
  ];
  for (const [name, layout, shape] of cases) {
    it(`${name}: the probe finds the storage and blocks equal h5wasm's`, async () => {
      const dir = tempDir();
      const run = formulaRun({ run: 5, rows: 16, cols: 8, ...shape });
      await writeRawRun(dir, layout, 0, run, { framesPerSequence: 20 });
      const { files } = await discoverRun(dir, { layout, module: 0 });
      expect(files.length).toBeGreaterThan(1);
      const paths = rawPaths(layout, 0);
      for (const file of files) {
        expect(await probeFile(file, paths.data)).not.toBeNull();
        if (paths.gain) expect(await probeFile(file, paths.gain)).toMatchObject({ dtype: 'u1' });
      }
      const src = await openFrameSource({ files, layout, module: 0 });
      expect(src.nFrames).toBe(shape.trains * shape.cells);
      await expectSameBlocks({ files, layout, module: 0 });
      // consecutive frames readable by position are left to the consumer (u1 gain values into a Uint8Array too)
      expect(await pendingBlocks({ files, layout, module: 0, blockFrames: 7 })).toBe(Math.ceil(src.nFrames / 7));
    });
  }

  it('gzip-compressed runs are never read directly', async () => {
    const dir = tempDir();
    await writeRawRun(dir, epixLike, 0, formulaRun({ run: 5, trains: 10, cells: 1, rows: 16, cols: 8, gain: false }), { compression: 'gzip' });
    const { files } = await discoverRun(dir, { layout: epixLike, module: 0 });
    await loadHdf5();
    expect(await probeFile(files[0], 'INSTRUMENT/MID_EXP_EPIX-1/DET/RECEIVER:daqOutput/data/image/pixels')).toBeNull();
    await expectSameBlocks({ files, layout: epixLike, module: 0 });
    expect(await pendingBlocks({ files, layout: epixLike, module: 0 })).toBe(0);
  });
});

describeWithH5py('direct reads of files written by h5py (libhdf5)', () => {
  // (frames, rows, cols) datasets, value = f * 1000 + r * 10 + c (+ 0.25 for f4, mod 256 for u1), written
  // contiguous, chunked with whole frames per chunk, chunked across rows (not direct), gzip (not direct).
  const write = (file: string): void => {
    runPython(
      `
import sys, json, h5py, numpy as np
f, r, c = np.ogrid[0:30, 0:16, 0:8]
v = f * 1000 + r * 10 + c
with h5py.File(sys.argv[1], 'w') as h:
    h.create_dataset('u2_contiguous', data=v.astype('<u2'))
    h.create_dataset('u2_chunked', data=v.astype('<u2'), chunks=(4, 16, 8))
    h.create_dataset('f4_contiguous', data=(v + 0.25).astype('<f4'))
    h.create_dataset('f4_chunked', data=(v + 0.25).astype('<f4'), chunks=(7, 16, 8))
    h.create_dataset('u1_chunked', data=(v % 256).astype('u1'), chunks=(3, 16, 8))
    h.create_dataset('u2_row_chunks', data=v.astype('<u2'), chunks=(4, 8, 8))
    h.create_dataset('u2_gzip', data=v.astype('<u2'), chunks=(4, 16, 8), compression='gzip')
    h.create_dataset('i4_contiguous', data=v.astype('<i4'))
    e = v.astype('<u2'); e[12] = 0; e[20, :8] = 0
    h.create_dataset('u2_empty_frame', data=e, chunks=(4, 16, 8))
    # 8 KB frames: frame 5 starts with 5 KB of zeros (dead first rows), frame 9 is empty
    b = np.ogrid[0:12, 0:64, 0:64]
    w = (b[0] * 1000 + b[1] * 10 + b[2] + 1).astype('<u2'); w[5, :40] = 0; w[9] = 0
    h.create_dataset('u2_dead_rows', data=w)
    g = h.create_group('INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image')
    ad = np.stack([v, v + 20000], axis=1).astype('<u2')
    g.create_dataset('data', data=ad)
    g.create_dataset('cellId', data=(np.arange(30) % 5).astype('u2').reshape(30, 1))
    g.create_dataset('trainId', data=(10000 + np.arange(30) // 5).astype('u8').reshape(30, 1))
print(json.dumps(True))
`,
      [file],
    );
  };

  it('finds contiguous and whole-frame-chunk storage, refuses the rest, and blocks equal h5wasm\'s', async () => {
    const file = path.join(tempDir(), 'h5py.h5');
    write(file);
    const direct = ['u2_contiguous', 'u2_chunked', 'f4_contiguous', 'f4_chunked', 'u1_chunked', 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/data'];
    for (const ds of direct) expect(await probeFile(file, ds), ds).not.toBeNull();
    for (const ds of ['u2_row_chunks', 'u2_gzip', 'i4_contiguous']) expect(await probeFile(file, ds), ds).toBeNull();
    const st = await probeFile(file, 'u2_contiguous');
    expect(st).toMatchObject({ dtype: 'u2', entryBytes: 16 * 8 * 2, entries: 30, entriesPerChunk: 30 });
    expect(fs.statSync(file).size).toBeGreaterThan((st?.chunkOffsets[0] ?? 0) + 30 * 256);
    for (const ds of [...direct.slice(0, 5), 'u2_row_chunks', 'u2_gzip', 'i4_contiguous']) await expectSameBlocks({ files: [file], dataset: ds, module: 0 });
    // the AGIPD layout: analog / digital halves into data / gain
    const agipd = await blocksOf({ files: [file], layout: { ...agipdLike, pulseIdName: undefined }, module: 0, blockFrames: 64 });
    expect(agipd[0].data[8 * 16 * 8 + 3 * 8 + 2]).toBe(8 * 1000 + 3 * 10 + 2);
    expect(agipd[0].gain?.[8 * 16 * 8 + 3 * 8 + 2]).toBe(8 * 1000 + 3 * 10 + 2 + 20000);
    await expectSameBlocks({ files: [file], layout: { ...agipdLike, pulseIdName: undefined }, module: 0 });
    expect(await pendingBlocks({ files: [file], layout: { ...agipdLike, pulseIdName: undefined }, module: 0, blockFrames: 7 })).toBe(5);
    // a block with an empty frame (12) is read in full; one whose frame 20 only starts with zeros is left pending
    await expectSameBlocks({ files: [file], dataset: 'u2_empty_frame', module: 0 });
    expect(await pendingBlocks({ files: [file], dataset: 'u2_empty_frame', module: 0, blockFrames: 7 })).toBe(4);
    const parts = await blocksOf({ files: [file], dataset: 'u2_empty_frame', module: 0, blockFrames: 7 }, true);
    expect(parts[1].data.subarray(5 * 128, 6 * 128).every((v) => v === 0)).toBe(true);
    // a frame whose first 4 KB are zero is looked at whole: blocks [0, 4) and [4, 8) stay pending, [8, 12) with the empty frame is read
    await expectSameBlocks({ files: [file], dataset: 'u2_dead_rows', module: 0 });
    expect(await pendingBlocks({ files: [file], dataset: 'u2_dead_rows', module: 0, blockFrames: 4 })).toBe(2);
  });
});
