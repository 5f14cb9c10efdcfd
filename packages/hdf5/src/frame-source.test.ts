import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { collect, expectedFrames, range } from './fixtures/collect.js';
import { agipdAnalog, agipdDigital, COLS, FIRST_TRAIN_ID, FIXTURES, genericValue, jungfrauAdc, jungfrauGain, nexusMask, nexusValue, ROWS } from './fixtures/formulas.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { agipdLike, epixLike, jungfrauLike } from './fixtures/test-layouts.js';
import { openFrameSource } from './frame-source.js';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { writeNumericDataset } from './hdf5-write.js';
import { discoverRun } from './run-discovery.js';

const agipdRun = path.join(FIXTURES, 'agipd-r0007');
const jungfrauFile = path.join(FIXTURES, 'RAW-R0012-JNGFR01-S00000.h5');

async function agipdSource(extra: { blockFrames?: number; firstFrame?: number; lastFrame?: number; stride?: number } = {}) {
  const run = await discoverRun(agipdRun, { layout: agipdLike, module: 0 });
  return openFrameSource({ files: run.files, layout: agipdLike, module: 0, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<DetcalError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DetcalError);
  expect((err as DetcalError).message).not.toContain('\n');
  return err as DetcalError;
}

describe('openFrameSource on the h5py AGIPD-like run (frame-analog-digital, 2 sequence files, gzip + shuffle)', () => {
  it('describes the run', async () => {
    const src = await agipdSource();
    expect(src).toMatchObject({ axes: 'frame-analog-digital', dtype: 'u2', rows: ROWS, cols: COLS, totalFrames: 30, nFrames: 30, cellsPerTrain: 5, trains: 6, hasGain: true, blockFrames: 64 });
  });

  it('streams every frame with analog data, digital gain and ids, never more than blockFrames per block', async () => {
    const got = await collect(await agipdSource({ blockFrames: 7 }));
    const frames = range(0, 30);
    expect(got.blockSizes).toEqual([7, 7, 7, 7, 2]);
    expect(got.blockStarts).toEqual([0, 7, 14, 21, 28]);
    expect(got.blocks[0].data).toBeInstanceOf(Uint16Array);
    expect(got.blocks[0].gain).toBeInstanceOf(Uint16Array);
    expect(got.data).toEqual(expectedFrames(agipdAnalog, frames, ROWS, COLS));
    expect(got.gain).toEqual(expectedFrames(agipdDigital, frames, ROWS, COLS));
    expect(got.cellIds).toEqual(frames.map((f) => f % 5));
    expect(got.trainIds).toEqual(frames.map((f) => FIRST_TRAIN_ID + Math.floor(f / 5)));
    expect(got.pulseIds).toEqual(frames.map((f) => (f % 5) * 2));
  });

  it('withBlockFrames re-blocks an opened source without reading its metadata again; a bad size is a one-line error', async () => {
    const src = await agipdSource();
    const seven = src.withBlockFrames(7);
    expect(seven.blockFrames).toBe(7);
    expect(src.blockFrames).toBe(64);
    const got = await collect(seven);
    const direct = await collect(await agipdSource({ blockFrames: 7 }));
    expect(got.blockSizes).toEqual([7, 7, 7, 7, 2]);
    for (const key of ['data', 'gain', 'cellIds', 'trainIds', 'pulseIds'] as const) expect(got[key]).toEqual(direct[key]);
    expect(() => src.withBlockFrames(0)).toThrow(/--block-frames 0: must be a whole number of frames, 1 or more/);
  });

  it('with keep, reuses the arrays of the block `keep` positions earlier and yields the same frames', async () => {
    const fresh = await collect(await agipdSource({ blockFrames: 7 }));
    const got = await collect(await agipdSource({ blockFrames: 7 }), { keep: 2 });
    expect(got.blockSizes).toEqual(fresh.blockSizes);
    expect(got.blockStarts).toEqual(fresh.blockStarts);
    for (const key of ['data', 'gain', 'cellIds', 'trainIds', 'pulseIds'] as const) expect(got[key]).toEqual(fresh[key]);
    const [b0, b1, b2, b3, b4] = got.blocks;
    expect(b2.data.buffer).toBe(b0.data.buffer);
    expect(b2.gain?.buffer).toBe(b0.gain?.buffer);
    expect(b3.data.buffer).toBe(b1.data.buffer);
    expect(b1.data.buffer).not.toBe(b0.data.buffer);
    // the short last block (2 frames) reads into the first frames of its slot's arrays
    expect(b4.data.buffer).toBe(b2.data.buffer);
    expect(b4.data.length).toBe(2 * ROWS * COLS);
    expect(b4.cellIds).toHaveLength(2);
    const look = await collect(await agipdSource({ blockFrames: 7, firstFrame: 2 }), { frames: 3 });
    expect(look.blockSizes).toEqual([3]);
    expect(look.data).toEqual(expectedFrames(agipdAnalog, [2, 3, 4], ROWS, COLS));
    const strided = await collect(await agipdSource({ firstFrame: 3, lastFrame: 27, stride: 4, blockFrames: 2 }), { keep: 1 });
    expect(strided.data).toEqual(expectedFrames(agipdAnalog, range(3, 27, 4), ROWS, COLS));
    expect(strided.cellIds).toEqual(range(3, 27, 4).map((f) => f % 5));
  });

  it('with a ring that lends memory (BlockRing.allocate), reads into it while it has room, then into SharedArrayBuffers', async () => {
    const fresh = await collect(await agipdSource({ blockFrames: 7 }));
    const lent = new SharedArrayBuffer(3 * 7 * ROWS * COLS * 2 + 64); // room for three of the four arrays of two slots
    let next = 0;
    const ring = {
      slots: [],
      allocate: (bytes: number) => {
        if (next + bytes > lent.byteLength) return undefined;
        const byteOffset = next;
        next += bytes;
        return { buffer: lent, byteOffset };
      },
    };
    const got = await collect(await agipdSource({ blockFrames: 7 }), { keep: 2, ring });
    for (const key of ['data', 'gain', 'cellIds', 'trainIds'] as const) expect(got[key]).toEqual(fresh[key]);
    // slot 0: data and gain lent; slot 1: data lent, gain on its own SharedArrayBuffer
    for (const a of [got.blocks[0].data, got.blocks[0].gain, got.blocks[1].data]) expect(a?.buffer).toBe(lent);
    expect(got.blocks[1].gain?.buffer).not.toBe(lent);
    expect(got.blocks[1].gain?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([got.blocks[0].data.byteOffset, got.blocks[0].gain?.byteOffset, got.blocks[1].data.byteOffset]).toEqual([0, 7 * ROWS * COLS * 2, 14 * ROWS * COLS * 2]);
  });

  it('with a ring, passes over runs share the reused arrays and yield the same frames; other shapes get their own', async () => {
    const fresh = await collect(await agipdSource({ blockFrames: 7 }));
    const ring = { slots: [] };
    const first = await collect(await agipdSource({ blockFrames: 7 }), { keep: 2, ring });
    const second = await collect(await agipdSource({ blockFrames: 7, firstFrame: 1 }), { keep: 2, ring });
    for (const key of ['data', 'gain', 'cellIds', 'trainIds', 'pulseIds'] as const) expect(first[key]).toEqual(fresh[key]);
    expect(second.data).toEqual(expectedFrames(agipdAnalog, range(1, 30), ROWS, COLS));
    expect(second.cellIds).toEqual(range(1, 30).map((f) => f % 5));
    // the second pass (29 frames: 7, 7, 7, 7, 1) reads into the first pass's two slots
    expect(second.blocks[0].data.buffer).toBe(first.blocks[0].data.buffer);
    expect(second.blocks[1].gain?.buffer).toBe(first.blocks[3].gain?.buffer);
    expect(second.blocks[4].data.buffer).toBe(first.blocks[4].data.buffer);
    // a run whose frames are another shape (Jungfrau) does not take the AGIPD arrays
    const jf = await collect(await openFrameSource({ files: [jungfrauFile], layout: jungfrauLike, module: 0, blockFrames: 7 }), { keep: 2, ring });
    expect(jf.blocks[0].data.buffer).not.toBe(first.blocks[0].data.buffer);
    expect(ring.slots).toHaveLength(2);
  });

  it('selects a frame range with a stride across the sequence-file boundary', async () => {
    const src = await agipdSource({ firstFrame: 3, lastFrame: 27, stride: 4, blockFrames: 4 });
    expect(src.nFrames).toBe(6);
    const got = await collect(src);
    const frames = range(3, 27, 4);
    expect(got.blockSizes).toEqual([4, 2]);
    expect(got.blockStarts).toEqual([0, 4]);
    expect(got.data).toEqual(expectedFrames(agipdAnalog, frames, ROWS, COLS));
    expect(got.trainIds).toEqual(frames.map((f) => FIRST_TRAIN_ID + Math.floor(f / 5)));
  });

  it('clamps lastFrame to the run and rejects bad selections with one-line errors naming the flag', async () => {
    expect((await agipdSource({ firstFrame: 28, lastFrame: 1000 })).nFrames).toBe(2);
    expect((await rejection(agipdSource({ firstFrame: 30 }))).message).toMatch(/^--first-frame 30 is past the end of the run \(30 frames\)/);
    expect((await rejection(agipdSource({ stride: 0 }))).message).toMatch(/^--stride 0/);
    expect((await rejection(agipdSource({ firstFrame: 5, lastFrame: 5 }))).message).toMatch(/--last-frame 5 must be greater/);
    expect((await rejection(agipdSource({ blockFrames: 0 }))).message).toMatch(/--block-frames/);
  });

  it('reports a truncated file (dataset shorter than INDEX) with the file name', async () => {
    const file = path.join(FIXTURES, 'truncated', 'RAW-R0009-AGIPD00-S00000.h5');
    const err = await rejection(openFrameSource({ files: [file], layout: agipdLike, module: 0 }));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/has 12 entries but INDEX says 15; the file is truncated/);
  });

  it('names the file and the missing module when the layout does not match', async () => {
    const run = await discoverRun(agipdRun, { layout: agipdLike, module: 0 });
    const err = await rejection(openFrameSource({ files: run.files, layout: agipdLike, module: 3 }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('no dataset /INSTRUMENT/SPB_DET_AGIPD1M-1/DET/3CH0:xtdf/image/data');
    expect(err.message).toContain('its sources: INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image');
  });
});

describe('openFrameSource on the h5py Jungfrau-like file (train-cell)', () => {
  const cells = 3;
  const frames = (first: number, last: number, stride: number) => range(first, last, stride);
  const check = async (opts: { firstFrame?: number; lastFrame?: number; stride?: number; blockFrames: number }) => {
    const src = await openFrameSource({ files: [jungfrauFile], layout: jungfrauLike, module: 0, ...opts });
    const want = frames(opts.firstFrame ?? 0, opts.lastFrame ?? 12, opts.stride ?? 1);
    expect(src.nFrames).toBe(want.length);
    const got = await collect(src);
    expect(Math.max(...got.blockSizes)).toBeLessThanOrEqual(opts.blockFrames);
    expect(got.data).toEqual(expectedFrames(jungfrauAdc, want, ROWS, COLS));
    expect(got.gain).toEqual(expectedFrames(jungfrauGain, want, ROWS, COLS));
    expect(got.cellIds).toEqual(want.map((f) => cells - 1 - (f % cells)));
    expect(got.trainIds).toEqual(want.map((f) => FIRST_TRAIN_ID + Math.floor(f / cells)));
    return got;
  };

  it('flattens (trains, cells) in train-major order with u1 gain and memory cells', async () => {
    const src = await openFrameSource({ files: [jungfrauFile], layout: jungfrauLike, module: 0 });
    expect(src).toMatchObject({ axes: 'train-cell', totalFrames: 12, cellsPerTrain: 3, trains: 4, hasGain: true });
    const got = await check({ blockFrames: 5 });
    expect(got.blocks[0].gain).toBeInstanceOf(Uint8Array);
    expect(got.blockSizes).toEqual([5, 5, 2]);
  });

  it.each([
    { firstFrame: 1, stride: 1, blockFrames: 4 },
    { firstFrame: 1, stride: 2, blockFrames: 3 },
    { firstFrame: 2, stride: 3, blockFrames: 2 },
    { firstFrame: 0, stride: 4, blockFrames: 64 },
    { firstFrame: 1, lastFrame: 11, stride: 5, blockFrames: 1 },
  ])('selects frames %o', async (opts) => {
    await check(opts);
  });
});

describe('openFrameSource on plain datasets (--dataset)', () => {
  it('reads a NeXus /entry/data/data float32 stack as Float32Array', async () => {
    const file = path.join(FIXTURES, 'nexus.h5');
    const run = await discoverRun(file, { dataset: '/entry/data/data' });
    expect(run).toEqual({ kind: 'dataset', files: [file], dataset: '/entry/data/data' });
    const src = await openFrameSource({ files: run.files, module: 0, dataset: run.dataset, blockFrames: 3 });
    expect(src).toMatchObject({ axes: 'dataset', dtype: 'f4', nFrames: 7, rows: ROWS, cols: COLS, hasGain: false });
    expect(src.cellsPerTrain).toBeUndefined();
    const got = await collect(src);
    expect(got.blocks[0].data).toBeInstanceOf(Float32Array);
    expect(got.data).toEqual(expectedFrames(nexusValue, range(0, 7), ROWS, COLS));
    expect(got.cellIds).toEqual(new Array(7).fill(0));
    expect(got.trainIds).toEqual(new Array(7).fill(0));
    expect(got.gain).toBeUndefined();
    expect(got.pulseIds).toBeUndefined();
  });

  it('reads a single (rows, cols) frame', async () => {
    const src = await openFrameSource({ files: [path.join(FIXTURES, 'nexus.h5')], module: 0, dataset: 'entry/instrument/detector/pixel_mask' });
    expect(src).toMatchObject({ nFrames: 1, rows: ROWS, cols: COLS, dtype: 'u4' });
    const got = await collect(src);
    expect(got.data).toEqual(expectedFrames((_f, r, c) => nexusMask(r, c), [0], ROWS, COLS));
  });

  it.each(['lzf.h5', 'lz4.h5', 'blosc.h5'])('decodes %s exactly (h5py + hdf5plugin wrote it)', async (name) => {
    const src = await openFrameSource({ files: [path.join(FIXTURES, name)], module: 0, dataset: '/data', blockFrames: 4 });
    const got = await collect(src);
    expect(got.data).toEqual(expectedFrames(genericValue, range(0, 6), ROWS, COLS));
  });

  it('refuses a dataset whose filter cannot be decoded, before reading any value', async () => {
    const file = path.join(FIXTURES, 'unsupported-filter.h5');
    const err = await rejection(openFrameSource({ files: [file], module: 0, dataset: '/data' }));
    expect(err.code).toBe('UNSUPPORTED_FILTER');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: dataset /data uses filter sz \\(id 32017\\) which detcal cannot decode; rewrite it`));
  });

  it('rejects a dataset that is not frames with the expected shapes', async () => {
    const err = await rejection(openFrameSource({ files: [path.join(FIXTURES, 'agipd-r0007', 'RAW-R0007-AGIPD00-S00000.h5')], module: 0, dataset: '/INDEX/trainId' }));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toContain('dataset /INDEX/trainId has shape (3) but (frames, rows, cols) or (rows, cols) is expected');
  });

  it('needs a layout or a dataset', async () => {
    const err = await rejection(openFrameSource({ files: [jungfrauFile], module: 0 }));
    expect(err.message).toMatch(/pass --detector, or --dataset <path>$/);
  });
});

describe('openFrameSource on files without INDEX', () => {
  const tempDir = useTempDirs();

  it('takes (N,) train ids from the dataset, zeros for missing cell ids, and (N, 1, rows, cols) frames', async () => {
    await loadHdf5();
    const file = path.join(tempDir(), 'epix.h5');
    const h5 = new h5wasm.File(file, 'w');
    const group = 'INSTRUMENT/MID_EXP_EPIX-1/DET/RECEIVER:daqOutput/data';
    const values = Uint16Array.from({ length: 5 * 4 * 3 }, (_, i) => i * 3);
    writeNumericDataset(h5, `${group}/image/pixels`, values, [5, 1, 4, 3], 'u2');
    writeNumericDataset(h5, `${group}/trainId`, BigUint64Array.from([11n, 12n, 13n, 14n, 15n]), [5], 'u8');
    h5.close();
    const src = await openFrameSource({ files: [file], layout: epixLike, module: 0, blockFrames: 2, firstFrame: 1 });
    expect(src).toMatchObject({ axes: 'frame', nFrames: 4, rows: 4, cols: 3, hasGain: false });
    expect(src.trains).toBeUndefined();
    expect(src.cellsPerTrain).toBeUndefined();
    const got = await collect(src);
    expect(got.data).toEqual(Array.from(values.subarray(12)));
    expect(got.trainIds).toEqual([12, 13, 14, 15]);
    expect(got.cellIds).toEqual([0, 0, 0, 0]);
    expect(got.blockSizes).toEqual([2, 2]);
  });
});
