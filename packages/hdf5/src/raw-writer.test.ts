import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, type FrameBlock, type SimulatedRun } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { collect, expectedFrames, range } from './fixtures/collect.js';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { agipdLike, epixLike, formulaRun, jungfrauLike, runGain, runTrainId, runValue } from './fixtures/test-layouts.js';
import { openFrameSource } from './frame-source.js';
import { writeRawRun } from './raw-writer.js';
import { discoverRun } from './run-discovery.js';

const tempDir = useTempDirs();

async function readBack(dir: string, layout: typeof agipdLike, blockFrames = 64) {
  const run = await discoverRun(dir, { layout, module: 0 });
  const src = await openFrameSource({ files: run.files, layout, module: 0, blockFrames });
  return { run, src, got: await collect(src) };
}

describe('writeRawRun -> openFrameSource round trip', () => {
  it('frame-analog-digital (AGIPD-like): sequence files cut on train boundaries, identical values and ids', async () => {
    const dir = tempDir();
    const limit = { maxSeen: 0 };
    const run = formulaRun({ run: 42, trains: 5, cells: 7, rows: 16, cols: 8, gain: true, blockLimit: limit });
    const res = await writeRawRun(dir, agipdLike, 0, run, { framesPerSequence: 15 });
    expect(res.files.map((f) => path.basename(f))).toEqual(['RAW-R0042-AGIPD00-S00000.h5', 'RAW-R0042-AGIPD00-S00001.h5', 'RAW-R0042-AGIPD00-S00002.h5']);
    expect(res.bytes).toBe(res.files.reduce((s, f) => s + fs.statSync(f).size, 0));
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(limit.maxSeen).toBe(64);
    const { run: found, src, got } = await readBack(dir, agipdLike, 9);
    expect(found).toMatchObject({ kind: 'run-folder', run: 42, aggregator: 'AGIPD00' });
    expect(src).toMatchObject({ nFrames: 35, trains: 5, cellsPerTrain: 7, rows: 16, cols: 8 });
    const frames = range(0, 35);
    expect(got.data).toEqual(expectedFrames(runValue, frames, 16, 8));
    expect(got.gain).toEqual(expectedFrames(runGain, frames, 16, 8));
    expect(got.cellIds).toEqual(frames.map((f) => 6 - (f % 7)));
    expect(got.trainIds).toEqual(frames.map((f) => runTrainId(Math.floor(f / 7))));
    expect(got.pulseIds).toEqual(frames.map((f) => (f % 7) * 4));
  });

  it('train-cell (Jungfrau-like), gzip, blocks that split trains', async () => {
    const dir = tempDir();
    const run = formulaRun({ run: 3, trains: 5, cells: 3, rows: 12, cols: 10, gain: true });
    const res = await writeRawRun(dir, jungfrauLike, 0, run, { compression: 'gzip', blockFrames: 4, framesPerSequence: 7 });
    expect(res.files.map((f) => path.basename(f))).toEqual(['RAW-R0003-JNGFR01-S00000.h5', 'RAW-R0003-JNGFR01-S00001.h5', 'RAW-R0003-JNGFR01-S00002.h5']);
    const { src, got } = await readBack(dir, jungfrauLike, 5);
    expect(src).toMatchObject({ axes: 'train-cell', nFrames: 15, trains: 5, cellsPerTrain: 3 });
    const frames = range(0, 15);
    expect(got.blocks[0].gain).toBeInstanceOf(Uint8Array);
    expect(got.data).toEqual(expectedFrames(runValue, frames, 12, 10));
    expect(got.gain).toEqual(expectedFrames(runGain, frames, 12, 10));
    expect(got.cellIds).toEqual(frames.map((f) => 2 - (f % 3)));
    expect(got.trainIds).toEqual(frames.map((f) => runTrainId(Math.floor(f / 3))));
  });

  it('frame axes (ePix-like) under a nested dataset name, with a stride on read back', async () => {
    const dir = tempDir();
    const run = formulaRun({ run: 1, trains: 40, cells: 1, rows: 8, cols: 6, gain: false });
    const res = await writeRawRun(dir, epixLike, 0, run, { framesPerSequence: 16 });
    expect(res.files).toHaveLength(3);
    const found = await discoverRun(dir, { layout: epixLike });
    const src = await openFrameSource({ files: found.files, layout: epixLike, module: 0, firstFrame: 5, stride: 3, blockFrames: 4 });
    const got = await collect(src);
    const frames = range(5, 40, 3);
    expect(got.blockSizes.every((n) => n <= 4)).toBe(true);
    expect(got.data).toEqual(expectedFrames(runValue, frames, 8, 6));
    expect(got.trainIds).toEqual(frames.map((f) => runTrainId(f)));
    expect(got.cellIds).toEqual(frames.map(() => 0));
    expect(got.gain).toBeUndefined();
  });

  it('leaves no file behind when the run fails half way', async () => {
    const dir = tempDir();
    const good = formulaRun({ run: 5, trains: 6, cells: 4, rows: 4, cols: 4, gain: true });
    const failing: SimulatedRun = {
      ...good,
      *blocks(maxFrames: number): Iterable<FrameBlock> {
        let n = 0;
        for (const b of good.blocks(maxFrames)) {
          if (n++ === 2) throw new Error('simulated failure');
          yield b;
        }
      },
    };
    await expect(writeRawRun(dir, agipdLike, 0, failing, { framesPerSequence: 4, blockFrames: 3 })).rejects.toThrow('simulated failure');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('rejects sequence files whose frame shapes differ, naming the odd file', async () => {
    const a = tempDir();
    const b = tempDir();
    await writeRawRun(a, agipdLike, 0, formulaRun({ run: 8, trains: 2, cells: 2, rows: 16, cols: 8, gain: true }));
    const [other] = (await writeRawRun(b, agipdLike, 0, formulaRun({ run: 8, trains: 2, cells: 2, rows: 16, cols: 4, gain: true }))).files;
    const odd = path.join(a, 'RAW-R0008-AGIPD00-S00001.h5');
    fs.copyFileSync(other, odd);
    const found = await discoverRun(a, { layout: agipdLike });
    const err = await openFrameSource({ files: found.files, layout: agipdLike, module: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetcalError);
    expect((err as DetcalError).code).toBe('SHAPE_MISMATCH');
    expect((err as DetcalError).message).toMatch(new RegExp(`^${odd}: dataset /INSTRUMENT/.*/image/data has frames of 16x4 but .*S00000.h5 has frames of 16x8; pass the files of one detector module only$`));
  });
});

describeWithH5py('h5py reads what writeRawRun wrote', () => {
  it('AGIPD-like and Jungfrau-like files: layout, shapes, dtypes, chunks and values', async () => {
    const dir = tempDir();
    const agipd = await writeRawRun(dir, agipdLike, 0, formulaRun({ run: 9, trains: 3, cells: 5, rows: 16, cols: 8, gain: true }), { compression: 'gzip' });
    const jf = await writeRawRun(dir, jungfrauLike, 0, formulaRun({ run: 9, trains: 4, cells: 3, rows: 16, cols: 8, gain: true }));
    const code = `
import sys, json, h5py, numpy as np
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, 'r') as f:
        d = {}
        f.visititems(lambda name, obj: d.__setitem__(name, {'shape': list(obj.shape), 'dtype': obj.dtype.str, 'chunks': obj.chunks and list(obj.chunks), 'compression': obj.compression}) if isinstance(obj, h5py.Dataset) else None)
        src = [s.decode() if isinstance(s, bytes) else s for s in f['METADATA/dataSourceId'][:]]
        grp = src[0]
        name = 'data' if 'image' in grp else 'adc'
        data = f[grp + '/' + name]
        out[p] = {'datasets': d, 'sources': src, 'trainIds': f['INDEX/trainId'][:].tolist(),
                  'frame1': data[1].tolist(), 'last': data[-1].tolist()}
print(json.dumps(out))
`;
    const res = runPython(code, [agipd.files[0], jf.files[0]]) as Record<string, { datasets: Record<string, { shape: number[]; dtype: string; chunks: number[] | null; compression: string | null }>; sources: string[]; trainIds: number[]; frame1: unknown; last: unknown }>;
    const a = res[agipd.files[0]];
    const g = 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image';
    expect(a.sources).toEqual([g]);
    expect(a.trainIds).toEqual([0, 1, 2].map(runTrainId));
    expect(a.datasets[`${g}/data`]).toEqual({ shape: [15, 2, 16, 8], dtype: '<u2', chunks: [15, 2, 16, 8], compression: 'gzip' });
    expect(a.datasets[`${g}/cellId`]).toMatchObject({ shape: [15, 1], dtype: '<u2' });
    expect(a.datasets[`${g}/trainId`]).toMatchObject({ shape: [15, 1], dtype: '<u8' });
    expect(a.datasets[`${g}/pulseId`]).toMatchObject({ shape: [15, 1], dtype: '<u8' });
    expect(a.datasets['INDEX/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/first']).toMatchObject({ shape: [3], dtype: '<u8' });
    expect(a.datasets['INDEX/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/count']).toMatchObject({ shape: [3], dtype: '<u8' });
    const rows2d = (fmt: (r: number, c: number) => number, rows: number, cols: number) => range(0, rows).map((r) => range(0, cols).map((c) => fmt(r, c)));
    expect(a.frame1).toEqual([rows2d((r, c) => runValue(1, r, c), 16, 8), rows2d((r, c) => runGain(1, r, c), 16, 8)]);
    const j = res[jf.files[0]];
    const jg = 'INSTRUMENT/FXE_XAD_JF1M/DET/JNGFR01:daqOutput/data';
    expect(j.datasets[`${jg}/adc`]).toMatchObject({ shape: [4, 3, 16, 8], dtype: '<u2', compression: null });
    expect(j.datasets[`${jg}/gain`]).toMatchObject({ shape: [4, 3, 16, 8], dtype: '|u1' });
    expect(j.datasets[`${jg}/memoryCell`]).toMatchObject({ shape: [4, 3], dtype: '|u1' });
    expect(j.datasets[`${jg}/trainId`]).toMatchObject({ shape: [4], dtype: '<u8' });
    expect(j.last).toEqual([9, 10, 11].map((f) => rows2d((r, c) => runValue(f, r, c), 16, 8)));
  });
});
