import fs from 'node:fs';
import path from 'node:path';
import { makeConstant, makeConstantSet, sizeOf, type ConstantArray, type ConstantSet, type NumericArray } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { forEachConstantSlab, readConstantsFile, readConstantsFileLazily, writeConstantsFile } from './constants-file.js';
import { ConstantsFileWriter } from './constants-file-writer.js';

const tempDir = useTempDirs();
const CELLS = 5, R = 4, K = 6;

/** Constants with the cell axis first, second and after a threshold axis, in three dtypes; every value distinct. */
function cellSet(): ConstantSet {
  const f = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => k + i * 0.25);
  return makeConstantSet(
    { detectorType: 'agipd', detectorId: 'M1', module: 1, conditions: { memoryCells: CELLS }, sourceRuns: ['3'], createdAt: '2025-02-03T04:05:06.000Z', toolVersion: '0.1.0', parameters: { scanSteps: 40 } },
    [
      makeConstant('analogGains', f(3 * CELLS * R * K, 10), [3, CELLS, K, R], ['gain', 'cell', 'col', 'row'], 'ADU/step'),
      makeConstant('digitalMeans', f(CELLS * 3 * R * K, 5000), [CELLS, 3, K, R], ['cell', 'gain', 'col', 'row'], 'ADU'),
      makeConstant('flags', Uint32Array.from({ length: 2 * CELLS * R * K }, (_, i) => i * 7), [2, CELLS, R, K], ['threshold', 'cell', 'row', 'col'], ''),
      makeConstant('levels', Int16Array.from({ length: CELLS * R * K }, (_, i) => i - 60), [CELLS, R, K], ['cell', 'row', 'col'], 'ADU'),
    ],
  );
}

/** Cells [c0, c1) of a whole constant, as a group part. */
function part(c: ConstantArray, c0: number, c1: number): ConstantArray {
  const axis = c.dims.indexOf('cell');
  const outer = sizeOf(c.shape.slice(0, axis)), inner = sizeOf(c.shape.slice(axis + 1)), n = c1 - c0;
  const src = c.data as unknown as { subarray(a: number, b: number): NumericArray; constructor: new (n: number) => NumericArray };
  const out = new src.constructor(outer * n * inner) as unknown as { set(a: NumericArray, o: number): void };
  for (let o = 0; o < outer; o++) out.set(src.subarray((o * c.shape[axis] + c0) * inner, (o * c.shape[axis] + c1) * inner), o * n * inner);
  return { ...c, shape: c.shape.map((s, i) => (i === axis ? n : s)), data: out as unknown as NumericArray };
}

/** Writes `set` through a ConstantsFileWriter in groups of `group` cells. */
async function streamed(file: string, set: ConstantSet, group: number): Promise<void> {
  const w = new ConstantsFileWriter(file);
  await w.begin(Object.values(set.constants).map(({ data: _data, ...layout }) => layout));
  expect(w.writesDirectly).toBe(true); // every dataset located: slabs go to the file with fs
  for (let c0 = 0; c0 < CELLS; c0 += group) {
    const c1 = Math.min(CELLS, c0 + group);
    await w.write(c0, c1, Object.fromEntries(Object.values(set.constants).map((c) => [c.name, part(c, c0, c1)])));
  }
  await w.finish(set.metadata);
}

/** Index `i` of axis 0 of a part, that axis kept with length 1. */
function index0(c: ConstantArray, i: number): ConstantArray {
  const inner = sizeOf(c.shape.slice(1));
  const src = c.data as unknown as { slice(a: number, b: number): NumericArray };
  return { ...c, shape: [1, ...c.shape.slice(1)], data: src.slice(i * inner, (i + 1) * inner) };
}

/** Writes `set` slab by slab: for each index of a leading gain / threshold axis (last first), cell groups of `group`, one constant per call. */
async function streamedSlabs(file: string, set: ConstantSet, group: number): Promise<void> {
  const w = new ConstantsFileWriter(file);
  await w.begin(Object.values(set.constants).map(({ data: _data, ...layout }) => layout));
  for (const c of Object.values(set.constants)) {
    const lead = c.dims[0] === 'gain' || c.dims[0] === 'threshold' ? c.dims[0] : undefined;
    for (let i = (lead ? c.shape[0] : 1) - 1; i >= 0; i--) {
      for (let c0 = 0; c0 < CELLS; c0 += group) {
        const c1 = Math.min(CELLS, c0 + group);
        const p = part(c, c0, c1);
        if (lead) await w.write(c0, c1, { [c.name]: index0(p, i) }, { [lead]: i });
        else await w.write(c0, c1, { [c.name]: p }, {});
      }
    }
  }
  await w.finish(set.metadata);
}

describe('ConstantsFileWriter', () => {
  it('writes, group of cells by group, the set writeConstantsFile writes whole (any group size)', async () => {
    const dir = tempDir();
    const set = cellSet();
    for (const group of [1, 2, 5]) {
      const file = path.join(dir, `streamed-${group}.h5`);
      await streamed(file, set, group);
      expect(fs.existsSync(`${file}.tmp`)).toBe(false);
      const back = await readConstantsFile(file);
      expect(back.metadata).toEqual(set.metadata);
      for (const c of Object.values(set.constants)) {
        const b = back.constants[c.name];
        expect({ dtype: b.dtype, shape: b.shape, dims: b.dims, unit: b.unit }).toEqual({ dtype: c.dtype, shape: c.shape, dims: c.dims, unit: c.unit });
        expect(Array.from(b.data as ArrayLike<number>)).toEqual(Array.from(c.data as ArrayLike<number>));
      }
    }
  });

  it('writes the same set slab by slab (one gain or threshold index and cell group of one constant per call, any order)', async () => {
    const file = path.join(tempDir(), 'slabs.h5');
    const set = cellSet();
    await streamedSlabs(file, set, 2);
    const back = await readConstantsFile(file);
    for (const c of Object.values(set.constants)) expect(Array.from(back.constants[c.name].data as ArrayLike<number>)).toEqual(Array.from(c.data as ArrayLike<number>));
    const w = new ConstantsFileWriter(path.join(tempDir(), 'x.h5'));
    await w.begin([{ name: 'a', dtype: 'f4', shape: [2, CELLS, 3], dims: ['gain', 'cell', 'pix'], unit: '' }]);
    // read gives back a slab as written (and zeros where nothing was written yet)
    await w.write(1, 3, { a: makeConstant('a', Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 3], ['gain', 'cell', 'pix'], '') }, { gain: 1 });
    expect(Array.from((await w.read('a', 2, 4, { gain: 1 })) as Float32Array)).toEqual([4, 5, 6, 0, 0, 0]);
    expect(Array.from((await w.read('a', 0, 1, { gain: 0 })) as Float32Array)).toEqual([0, 0, 0]);
    await expect(w.read('b', 0, 1)).rejects.toThrow(/constant b is not in the file begun/);
    w.abort();
    const w2 = new ConstantsFileWriter(path.join(tempDir(), 'y.h5'));
    await w2.begin([{ name: 'a', dtype: 'f4', shape: [2, CELLS, 3], dims: ['gain', 'cell', 'pix'], unit: '' }]);
    await expect(w2.write(0, 1, { b: makeConstant('b', new Float32Array(3), [1, 1, 3], ['gain', 'cell', 'pix'], '') }, { gain: 0 })).rejects.toThrow(/constant b is not in the file begun/);
    await expect(w2.write(0, 1, { a: { name: 'a', dtype: 'f4', shape: [1, 1, 3], dims: ['gain', 'cell', 'pix'], unit: '', data: new Float32Array(6) } }, { gain: 1 })).rejects.toThrow(/a must be f4 \[1,1,3\], got f4 of 6 values/);
    w2.abort();
  });

  it('writes u1, i2, u8 and f8 constants directly too (markers found and zeroed), with a cell group left unwritten reading zero', async () => {
    const file = path.join(tempDir(), 'dtypes.h5');
    const n = CELLS * R * K;
    const set = makeConstantSet(cellSet().metadata, [
      makeConstant('mask', Uint8Array.from({ length: n }, (_, i) => (i % 3) + 1), [CELLS, R, K], ['cell', 'row', 'col'], ''),
      makeConstant('wide', BigUint64Array.from({ length: n }, (_, i) => BigInt(i) * 3n + 1n), [CELLS, R, K], ['cell', 'row', 'col'], ''),
      makeConstant('precise', Float64Array.from({ length: 2 * n }, (_, i) => i / 3), [2, CELLS, R, K], ['gain', 'cell', 'row', 'col'], 'ADU'),
    ]);
    const w = new ConstantsFileWriter(file);
    await w.begin(Object.values(set.constants).map(({ data: _data, ...layout }) => layout));
    expect(w.writesDirectly).toBe(true);
    // cells 1..CELLS written, cell 0 never: it must read as zeros (the markers were zeroed)
    await w.write(1, CELLS, Object.fromEntries(Object.values(set.constants).map((c) => [c.name, part(c, 1, CELLS)])));
    expect(Array.from((await w.read('precise', 1, 2, { gain: 1 })) as Float64Array)).toEqual(Array.from((set.constants.precise.data as Float64Array).subarray((CELLS + 1) * R * K, (CELLS + 2) * R * K)));
    await w.finish(set.metadata);
    const back = await readConstantsFile(file);
    for (const c of Object.values(set.constants)) {
      const got = Array.from(back.constants[c.name].data as ArrayLike<number | bigint>);
      const want = Array.from(c.data as ArrayLike<number | bigint>);
      const axis = c.dims.indexOf('cell'), inner = sizeOf(c.shape.slice(axis + 1));
      want.forEach((v, i) => {
        const cell = Math.floor(i / inner) % CELLS;
        expect(got[i]).toEqual(cell === 0 ? (typeof v === 'bigint' ? 0n : 0) : v);
      });
    }
  });

  it('creates the datasets unwritten: they read as zeros', async () => {
    const dir = tempDir();
    // created without being written: zeros where nothing was written, also after other values went through the HDF5 heap
    const big = makeConstantSet(cellSet().metadata, [makeConstant('x', new Float32Array(1 << 20).fill(3.5), [1, 1 << 20], ['gain', 'cell'], '')]);
    await writeConstantsFile(path.join(dir, 'big.h5'), big);
    const w = new ConstantsFileWriter(path.join(dir, 'zeros.h5'));
    await w.begin([
      { name: 'f', dtype: 'f4', shape: [3, 1 << 19, 2], dims: ['gain', 'cell', 'pix'], unit: 'ADU' },
      { name: 'u', dtype: 'u4', shape: [1 << 20, 1], dims: ['cell', 'pix'], unit: '' },
    ]);
    await w.finish(cellSet().metadata);
    const back = await readConstantsFile(path.join(dir, 'zeros.h5'));
    expect((back.constants.f.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect((back.constants.u.data as Uint32Array).every((v) => v === 0)).toBe(true);
    expect(back.constants.f.shape).toEqual([3, 1 << 19, 2]);
    expect(back.constants.f.unit).toBe('ADU');
  });

  it('forEachConstantSlab: each gain / threshold index of a constant in turn, other constants whole', async () => {
    const file = path.join(tempDir(), 'slab-read.h5');
    const set = cellSet();
    await writeConstantsFile(file, set);
    const seen: Array<[string, number | null, number[]]> = [];
    await forEachConstantSlab(file, (l, i, data) => seen.push([l.name, i, Array.from(data as ArrayLike<number>)]));
    const whole = (name: string) => Array.from(set.constants[name].data as ArrayLike<number>);
    const n = CELLS * R * K;
    expect(seen.map(([name, i]) => `${name}:${i}`).sort()).toEqual(['analogGains:0', 'analogGains:1', 'analogGains:2', 'digitalMeans:null', 'flags:0', 'flags:1', 'levels:null']);
    for (const [name, i, data] of seen) expect(data).toEqual(i === null ? whole(name) : whole(name).slice(i * n, (i + 1) * n));
    const ordered: string[] = [];
    await forEachConstantSlab(file, (l, i) => ordered.push(`${l.name}:${i}`), ['levels', 'flags']);
    expect(ordered).toEqual(['levels:null', 'flags:0', 'flags:1']);
    await expect(forEachConstantSlab(file, () => undefined, ['missing'])).rejects.toThrow(/no constant dataset missing/);
  });

  describeWithH5py('forEachConstantSlab on datasets fs cannot read directly', () => {
    it('gives the same slabs when h5py stored constants chunked (h5wasm reads those), one of them with gzip', async () => {
      const file = path.join(tempDir(), 'slab-h5py.h5');
      const set = cellSet();
      await writeConstantsFile(file, set);
      runPython(
        `
import sys, json, h5py
with h5py.File(sys.argv[1], 'a') as h:
    for name, kw in (('analogGains', dict(chunks=(1, 2, 3, 4), compression='gzip')), ('flags', dict(chunks=True))):
        d = h[name]; data = d[()]; attrs = dict(d.attrs)
        del h[name]
        n = h.create_dataset(name, data=data, **kw)
        for k, v in attrs.items(): n.attrs[k] = v
print(json.dumps(True))
`,
        [file],
      );
      const seen = new Map<string, number[]>();
      await forEachConstantSlab(file, (l, i, data) => void seen.set(`${l.name}:${i}`, Array.from(data as ArrayLike<number>)));
      const n = CELLS * R * K;
      const whole = (name: string) => Array.from(set.constants[name].data as ArrayLike<number>);
      for (const i of [0, 1, 2]) expect(seen.get(`analogGains:${i}`)).toEqual(whole('analogGains').slice(i * n, (i + 1) * n));
      for (const i of [0, 1]) expect(seen.get(`flags:${i}`)).toEqual(whole('flags').slice(i * n, (i + 1) * n));
      expect(seen.get('levels:null')).toEqual(whole('levels'));
    });
  });

  it('abort() after a failed group leaves neither the file nor its temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.h5');
    const set = cellSet();
    const w = new ConstantsFileWriter(file);
    await w.begin(Object.values(set.constants).map(({ data: _data, ...layout }) => layout));
    await w.write(0, 2, Object.fromEntries(Object.values(set.constants).map((c) => [c.name, part(c, 0, 2)])));
    expect(fs.existsSync(`${file}.tmp`)).toBe(true);
    // a group of the wrong size is refused before anything is written
    await expect(w.write(2, 4, Object.fromEntries(Object.values(set.constants).map((c) => [c.name, part(c, 2, 3)])))).rejects.toThrow(/analogGains must be f4 \[3,2,6,4\], got f4 of 72 values/);
    w.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('readConstantsFileLazily: layouts at once, each constant\'s values read from the file on access', async () => {
    const file = path.join(tempDir(), 'lazy.h5');
    const set = cellSet();
    await writeConstantsFile(file, set);
    const lazy = await readConstantsFileLazily(file);
    expect(lazy.metadata).toEqual(set.metadata);
    expect(lazy.constants.flags.shape).toEqual([2, CELLS, R, K]);
    // a spread (as the store does) reads the values
    const copy = { ...lazy.constants.levels };
    expect(Array.from(copy.data as Int16Array)).toEqual(Array.from(set.constants.levels.data as Int16Array));
    expect(lazy.constants.levels.data).not.toBe(lazy.constants.levels.data);
    // a file in the euxfel layout: the same set, transposed back on access
    await writeConstantsFile(file, set, { layout: 'euxfel' });
    const eux = await readConstantsFileLazily(file);
    for (const c of Object.values(set.constants)) {
      const e = eux.constants[c.name];
      expect([c.name, e.shape, e.dims]).toEqual([c.name, c.shape, c.dims]);
      expect(Array.from(e.data as ArrayLike<number>)).toEqual(Array.from(c.data as ArrayLike<number>));
    }
  });
});

describeWithH5py('h5py: a streamed constants file is the file writeConstantsFile writes', () => {
  it('same datasets (contiguous), dtypes, shapes, attributes and bytes', async () => {
    const dir = tempDir();
    const whole = path.join(dir, 'whole.h5'), groups = path.join(dir, 'groups.h5');
    await writeConstantsFile(whole, cellSet());
    await streamed(groups, cellSet(), 2);
    const slabs = path.join(dir, 'slabs.h5');
    await streamedSlabs(slabs, cellSet(), 3);
    const code = `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
def attrs(o): return {k: (v.tolist() if isinstance(v, np.ndarray) else v if not isinstance(v, np.integer) else int(v)) for k, v in o.attrs.items()}
print(json.dumps({'keys': [sorted(a.keys()), sorted(b.keys())], 'file_attrs_equal': attrs(a) == attrs(b),
  'datasets': {k: [a[k].dtype.str == b[k].dtype.str, a[k].shape == b[k].shape, a[k].chunks is None and b[k].chunks is None, attrs(a[k]) == attrs(b[k]), a[k][()].tobytes() == b[k][()].tobytes()] for k in a.keys()}}))
`;
    const res = runPython(code, [whole, groups]) as { keys: string[][]; file_attrs_equal: boolean; datasets: Record<string, boolean[]> };
    expect(res.keys[0]).toEqual(res.keys[1]);
    expect(res.file_attrs_equal).toBe(true);
    for (const k of res.keys[0]) expect([k, ...res.datasets[k]]).toEqual([k, true, true, true, true, true]);
    const bySlab = runPython(code, [whole, slabs]) as typeof res;
    for (const k of bySlab.keys[0]) expect([k, ...bySlab.datasets[k]]).toEqual([k, true, true, true, true, true]);
  });
});
