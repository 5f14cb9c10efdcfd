import fs from 'node:fs';
import path from 'node:path';
import { DetcalError, makeConstant, makeConstantSet } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { C, G, K, R, sampleSet } from './fixtures/constant-sets.js';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { readConstantsFile, writeConstantsFile } from './constants-file.js';

const tempDir = useTempDirs();

describe('writeConstantsFile / readConstantsFile', () => {
  it.each(['detcal', 'euxfel'] as const)('round-trips every dtype, dims, units and metadata (%s layout)', async (layout) => {
    const file = path.join(tempDir(), `constants-${layout}.h5`);
    const set = sampleSet();
    const written = await writeConstantsFile(file, set, { layout });
    expect(written).toEqual({ file, bytes: fs.statSync(file).size });
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    const back = await readConstantsFile(file);
    expect(back.metadata).toEqual(set.metadata);
    expect(Object.keys(back.constants).sort()).toEqual(Object.keys(set.constants).sort());
    for (const [name, c] of Object.entries(set.constants)) {
      const b = back.constants[name];
      expect({ name: b.name, dtype: b.dtype, shape: b.shape, dims: b.dims, unit: b.unit }).toEqual({ name: c.name, dtype: c.dtype, shape: c.shape, dims: c.dims, unit: c.unit });
      expect(b.data.constructor).toBe(c.data.constructor);
      expect(Array.from(b.data as ArrayLike<number | bigint>)).toEqual(Array.from(c.data as ArrayLike<number | bigint>));
    }
  });

  it('reads only the named datasets when asked, with the metadata', async () => {
    const file = path.join(tempDir(), 'subset.h5');
    const set = sampleSet();
    await writeConstantsFile(file, set);
    const [first, ...rest] = Object.keys(set.constants).sort();
    const back = await readConstantsFile(file, [first, 'NotThere']);
    expect(Object.keys(back.constants)).toEqual([first]);
    expect(Array.from(back.constants[first].data as ArrayLike<number | bigint>)).toEqual(Array.from(set.constants[first].data as ArrayLike<number | bigint>));
    expect(back.metadata).toEqual(set.metadata);
    expect(rest.length).toBeGreaterThan(0);
    expect(Object.keys((await readConstantsFile(file, [])).constants)).toEqual([]);
  });

  it('keeps an empty source_runs list', async () => {
    const file = path.join(tempDir(), 'no-runs.h5');
    await writeConstantsFile(file, sampleSet([]));
    expect((await readConstantsFile(file)).metadata.sourceRuns).toEqual([]);
  });

  it('is atomic: a failed write leaves the previous file untouched and no .tmp', async () => {
    const file = path.join(tempDir(), 'c.h5');
    await writeConstantsFile(file, sampleSet());
    const before = fs.readFileSync(file);
    const broken = sampleSet();
    broken.constants.Offset = { ...broken.constants.Offset, shape: [G, C, R, K + 1] };
    await expect(writeConstantsFile(file, broken)).rejects.toThrow(DetcalError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['c.h5']);
  });

  it('rejects names that are not dataset names, and files that are not constants files, in one line', async () => {
    const dir = tempDir();
    const bad = makeConstantSet(sampleSet().metadata, [makeConstant('a/b', new Float32Array(1), [1], ['x'], '')]);
    await expect(writeConstantsFile(path.join(dir, 'x.h5'), bad)).rejects.toThrow(/constant name "a\/b" cannot be an HDF5 dataset name/);
    const missing = path.join(dir, 'missing.h5');
    await expect(readConstantsFile(missing)).rejects.toThrow(`${missing}: no such file; check the path`);
    const text = path.join(dir, 'text.h5');
    fs.writeFileSync(text, 'not hdf5');
    await expect(readConstantsFile(text)).rejects.toThrow(`${text}: not an HDF5 file (no HDF5 signature)`);
  });
});

describeWithH5py('h5py reads detcal constants files', () => {
  it('root datasets, dims / unit attributes, metadata attributes, EuXFEL axis order', async () => {
    const dir = tempDir();
    const detcal = path.join(dir, 'detcal.h5');
    const euxfel = path.join(dir, 'euxfel.h5');
    await writeConstantsFile(detcal, sampleSet(), { layout: 'detcal' });
    await writeConstantsFile(euxfel, sampleSet(), { layout: 'euxfel' });
    const code = `
import sys, json, h5py, numpy as np
def s(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, np.ndarray): return [s(x) for x in v.tolist()]
    if isinstance(v, (np.integer,)): return int(v)
    return v
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, 'r') as f:
        out[p] = {'attrs': {k: s(v) for k, v in f.attrs.items()},
                  'datasets': {k: {'shape': list(f[k].shape), 'dtype': f[k].dtype.str, 'dims': s(f[k].attrs['dims']), 'unit': s(f[k].attrs['unit'])} for k in f.keys()},
                  'offset_g1_c0_r2_c3': float(f['Offset'][1, 0, 2, 3] if f.attrs['layout'] == 'detcal' else f['Offset'][3, 2, 0, 1]),
                  'status_last': int(f['pixel_status'][-1, -1])}
print(json.dumps(out))
`;
    const res = runPython(code, [detcal, euxfel]) as Record<string, { attrs: Record<string, unknown>; datasets: Record<string, { shape: number[]; dtype: string; dims: string[]; unit: string }>; offset_g1_c0_r2_c3: number; status_last: number }>;
    const d = res[detcal];
    expect(d.attrs).toMatchObject({ format: 'detcal-constants', layout: 'detcal', detector_type: 'agipd', detector_id: 'AGIPD_SIV1_AGIPDV11_M375', module: 3, source_runs: ['7', '8', '9'], created_at: '2025-01-02T03:04:05.000Z', tool_version: '0.1.0' });
    expect(JSON.parse(d.attrs.conditions as string)).toEqual(sampleSet().metadata.conditions);
    expect(JSON.parse(d.attrs.parameters as string)).toEqual(sampleSet().metadata.parameters);
    expect(d.datasets.Offset).toEqual({ shape: [G, C, R, K], dtype: '<f4', dims: ['gain', 'cell', 'row', 'col'], unit: 'ADU' });
    expect(d.datasets.BadPixelsDark).toEqual({ shape: [G, C, R, K], dtype: '<u4', dims: ['gain', 'cell', 'row', 'col'], unit: '' });
    expect(d.datasets.pixel_status).toMatchObject({ shape: [R, K], dtype: '<u8' });
    expect(d.datasets.ThresholdsDark).toMatchObject({ dtype: '<i2' });
    expect(d.datasets.mask).toMatchObject({ dtype: '|u1' });
    const idx = ((1 * C + 0) * R + 2) * K + 3;
    expect(d.offset_g1_c0_r2_c3).toBe(1000 + idx * 0.5);
    expect(d.status_last).toBe(19 * 0x100000001);
    const e = res[euxfel];
    expect(e.attrs.layout).toBe('euxfel');
    expect(e.datasets.Offset).toEqual({ shape: [K, R, C, G], dtype: '<f4', dims: ['col', 'row', 'cell', 'gain'], unit: 'ADU' });
    expect(e.offset_g1_c0_r2_c3).toBe(1000 + idx * 0.5);
  });
});
