import fs from 'node:fs';
import path from 'node:path';
import { makeConstant, makeConstantSet, toEuxfelOrder, type ConstantSet } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { readConstantsFile, writeConstantsFile } from './constants-file.js';
import { loadHdf5 } from './h5wasm-runtime.js';
import { openHdf5Sync, type H5Dataset } from './hdf5-file.js';
import { inversePermutation, locateReadableOffset, reversedIndex, transposeSlab, transposeToEuxfelFile } from './euxfel-transpose.js';

const tempDir = useTempDirs();
const G = 3, CELLS = 5, R = 7, K = 6;

/** Constants of every shape class: 4-D in three dtypes (one with NaN payloads), 3-D i2, 2-D f8, 1-D u8; every value distinct. */
function set(): ConstantSet {
  const n = G * CELLS * R * K;
  const nan = new Float32Array(n);
  const bits = new Uint32Array(nan.buffer);
  // quiet NaNs with distinct payloads: a transposition that converted values could lose them
  for (let i = 0; i < n; i++) {
    nan[i] = i * 0.5;
    if (i % 3 === 0) bits[i] = 0x7fc00000 + i;
  }
  return makeConstantSet(
    { detectorType: 'agipd', detectorId: 'M1', module: 1, conditions: { memoryCells: CELLS, bias: 300.5 }, sourceRuns: ['3', '4'], createdAt: '2025-02-03T04:05:06.000Z', toolVersion: '0.1.0', parameters: { method: 'euxfel', sigma: 1.25 } },
    [
      makeConstant('Offset', Float32Array.from({ length: n }, (_, i) => 1000 + i * 0.25), [G, CELLS, R, K], ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('Odd', nan, [G, CELLS, R, K], ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('BadPixelsDark', Uint32Array.from({ length: n }, (_, i) => i * 7), [G, CELLS, R, K], ['gain', 'cell', 'row', 'col'], ''),
      makeConstant('Levels', Int16Array.from({ length: CELLS * R * K }, (_, i) => i - 60), [CELLS, R, K], ['cell', 'row', 'col'], 'ADU'),
      makeConstant('Map', Float64Array.from({ length: R * K }, (_, i) => i / 3), [R, K], ['row', 'col'], 'keV'),
      makeConstant('Ids', BigUint64Array.from({ length: 4 }, (_, i) => BigInt(i) * 2n ** 40n), [4], ['entry'], ''),
    ],
  );
}

describe('transposeSlab', () => {
  it('reverses every axis of a slab, as core\'s toEuxfelOrder does', () => {
    const shape = [2, 3, 4, 5];
    const data = Uint32Array.from({ length: 120 }, (_, i) => i);
    const expected = toEuxfelOrder(makeConstant('x', data, shape, ['a', 'b', 'c', 'd'], '')).data;
    const out = new Uint32Array(120);
    transposeSlab(data, out, inversePermutation(reversedIndex([2, 3])), 4, 5);
    expect(Array.from(out)).toEqual(Array.from(expected as Uint32Array));
    expect(Array.from(reversedIndex([2, 3]))).toEqual([0, 2, 4, 1, 3, 5]);
  });
});

describe('transposeToEuxfelFile', () => {
  it('writes the set in the EuXFEL order, slab by slab, read back as the set', async () => {
    const dir = tempDir();
    const src = path.join(dir, 'detcal.h5'), out = path.join(dir, 'euxfel.h5');
    const s = set();
    await writeConstantsFile(src, s);
    // 200 bytes: 1 row of the 4-D f4 constants per slab (a row is 360 bytes: the one-row minimum), 3 of Map
    const written = await transposeToEuxfelFile(src, out, { maxSlabBytes: 200 });
    expect(written.file).toBe(out);
    expect(fs.readdirSync(dir).sort()).toEqual(['detcal.h5', 'euxfel.h5']);
    const back = await readConstantsFile(out);
    expect(back.metadata).toEqual(s.metadata);
    for (const c of Object.values(s.constants)) {
      const b = back.constants[c.name];
      expect([c.name, b.shape, b.dims, b.dtype, b.unit]).toEqual([c.name, c.shape, c.dims, c.dtype, c.unit]);
      const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(bytes(b.data as ArrayBufferView).equals(bytes(c.data as ArrayBufferView)), c.name).toBe(true);
    }
  });

  it('finds where each dataset of a written file lies, for reading its slabs with fs', async () => {
    const file = path.join(tempDir(), 'detcal.h5');
    const s = set();
    await writeConstantsFile(file, s);
    await loadHdf5();
    const h5 = openHdf5Sync(file);
    const fd = fs.openSync(file, 'r');
    try {
      for (const c of Object.values(s.constants)) {
        const at = locateReadableOffset(h5.get(c.name) as H5Dataset, fd);
        expect(at, c.name).not.toBeNull();
        const v = c.data as ArrayBufferView;
        const got = Buffer.alloc(v.byteLength);
        fs.readSync(fd, got, 0, got.length, at as number);
        expect(got.equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength)), c.name).toBe(true);
      }
    } finally {
      fs.closeSync(fd);
      h5.close();
    }
  });

  it('refuses a file that is not in the detcal layout, and a failure leaves neither the file nor its temp file', async () => {
    const dir = tempDir();
    const eux = path.join(dir, 'eux.h5'), out = path.join(dir, 'out.h5');
    await writeConstantsFile(eux, set(), { layout: 'euxfel' });
    await expect(transposeToEuxfelFile(eux, out)).rejects.toThrow(/layout is "euxfel"; the EuXFEL transposition reads the detcal layout/);
    const src = path.join(dir, 'detcal.h5');
    await writeConstantsFile(src, set());
    // the rename into place fails: the output path is a folder
    fs.mkdirSync(out);
    await expect(transposeToEuxfelFile(src, out)).rejects.toThrow(/out.h5: cannot put the written file in place \(EISDIR\); pass a file path that is not a folder/);
    expect(fs.readdirSync(dir).sort()).toEqual(['detcal.h5', 'eux.h5', 'out.h5']);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describeWithH5py('h5py: a transposed file is the file writeConstantsFile writes with layout euxfel', () => {
  it('same datasets (contiguous), dtypes, shapes, attributes and bytes', async () => {
    const dir = tempDir();
    const src = path.join(dir, 'detcal.h5'), memory = path.join(dir, 'memory.h5'), transposed = path.join(dir, 'transposed.h5');
    await writeConstantsFile(src, set());
    await writeConstantsFile(memory, set(), { layout: 'euxfel' });
    await transposeToEuxfelFile(src, transposed, { maxSlabBytes: 1000 });
    const viaH5wasm = path.join(dir, 'h5wasm.h5');
    await transposeToEuxfelFile(src, viaH5wasm, { maxSlabBytes: 1000, direct: false });
    const code = `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
def attrs(o): return {k: (v.tolist() if isinstance(v, np.ndarray) else v if not isinstance(v, np.integer) else int(v)) for k, v in o.attrs.items()}
print(json.dumps({'keys': [sorted(a.keys()), sorted(b.keys())], 'file_attrs': attrs(a) == attrs(b), 'layout': attrs(b)['layout'],
  'datasets': {k: [a[k].dtype.str == b[k].dtype.str, a[k].shape == b[k].shape, a[k].chunks is None and b[k].chunks is None, attrs(a[k]) == attrs(b[k]), a[k][()].tobytes() == b[k][()].tobytes()] for k in a.keys()},
  'offset_dims': attrs(b['Offset'])['dims'], 'offset_shape': list(b['Offset'].shape)}))
`;
    const res = runPython(code, [memory, transposed]) as { keys: string[][]; file_attrs: boolean; layout: string; datasets: Record<string, boolean[]>; offset_dims: string[]; offset_shape: number[] };
    expect(res.keys[1]).toEqual(res.keys[0]);
    expect(res.keys[0]).toHaveLength(6);
    expect(res.file_attrs).toBe(true);
    expect(res.layout).toBe('euxfel');
    for (const k of res.keys[0]) expect([k, ...res.datasets[k]]).toEqual([k, true, true, true, true, true]);
    expect([res.offset_dims, res.offset_shape]).toEqual([['col', 'row', 'cell', 'gain'], [K, R, CELLS, G]]);
    // where a dataset cannot be located the slabs go through h5wasm: the same file
    const slow = runPython(code, [memory, viaH5wasm]) as typeof res;
    for (const k of slow.keys[0]) expect([k, ...slow.datasets[k]]).toEqual([k, true, true, true, true, true]);
  });
});
