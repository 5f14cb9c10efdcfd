import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { C, G, K, R, sampleSet } from './fixtures/constant-sets.js';
import { describeWithH5py, runPython } from './fixtures/python.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { readCalCatFile, writeCalCatFile } from './calcat-file.js';
import { writeConstantsFile, readConstantsFile } from './constants-file.js';

const tempDir = useTempDirs();
const PDU = 'AGIPD_SIV1_AGIPDV11_M375';

describe('writeCalCatFile / readCalCatFile', () => {
  it('round-trips to detcal axis order', async () => {
    const file = path.join(tempDir(), 'cal.1700000000.h5');
    const set = sampleSet();
    await writeCalCatFile(file, PDU, set);
    const back = await readCalCatFile(file);
    expect(back.pdu).toBe(PDU);
    expect(back.set.metadata).toEqual(set.metadata);
    for (const [name, c] of Object.entries(set.constants)) {
      const b = back.set.constants[name];
      expect({ shape: b.shape, dims: b.dims, dtype: b.dtype, unit: b.unit }).toEqual({ shape: c.shape, dims: c.dims, dtype: c.dtype, unit: c.unit });
      expect(Array.from(b.data as ArrayLike<number | bigint>)).toEqual(Array.from(c.data as ArrayLike<number | bigint>));
    }
  });

  it('asks for a PDU name when it is wrong, and tells constants files and CalCat files apart', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cal.h5');
    await writeCalCatFile(file, PDU, sampleSet());
    await expect(readCalCatFile(file, 'OTHER')).rejects.toThrow(`${file}: has no PDU OTHER; pass the PDU name of one of: ${PDU}`);
    await expect(readConstantsFile(file)).rejects.toThrow(/attribute layout is "calcat"/);
    const constants = path.join(dir, 'constants.h5');
    await writeConstantsFile(constants, sampleSet());
    await expect(readCalCatFile(constants)).rejects.toThrow(/has no PDU group/);
  });
});

describeWithH5py('CalCat files and h5py', () => {
  it('h5py sees /<PDU>/<Calibration>/0/data in facility order with facility dims names', async () => {
    const file = path.join(tempDir(), 'cal.h5');
    await writeCalCatFile(file, PDU, sampleSet());
    const res = runPython(
      `
import sys, json, h5py
with h5py.File(sys.argv[1], 'r') as f:
    d = f[sys.argv[2] + '/Offset/0/data']
    print(json.dumps({'shape': list(d.shape), 'dims': [x.decode() if isinstance(x, bytes) else x for x in d.attrs['dims'].tolist()], 'v': float(d[3, 2, 0, 1])}))
`,
      [file, PDU],
    );
    const idx = ((1 * C + 0) * R + 2) * K + 3;
    expect(res).toEqual({ shape: [K, R, C, G], dims: ['fast_scan', 'slow_scan', 'cell', 'gain'], v: 1000 + idx * 0.5 });
  });

  it('reads a facility-style file written by h5py without dims labels', async () => {
    const file = path.join(tempDir(), 'foreign.h5');
    runPython(
      `
import sys, json, h5py, numpy as np
a = np.arange(5 * 4 * 2 * 3, dtype='f4').reshape(5, 4, 2, 3)  # (fast_scan, slow_scan, cell, gain)
with h5py.File(sys.argv[1], 'w') as f:
    f['PDU_X/Offset/0/data'] = a
    f['PDU_X/Noise/0/data'] = a * 2
    f['PDU_X/Noise/0/data'].attrs['dims'] = ['fast_scan', 'slow_scan', 'cell', 'gain']
print('{}')
`,
      [file],
    );
    const back = await readCalCatFile(file);
    expect(back.pdu).toBe('PDU_X');
    expect(back.set.metadata.detectorId).toBe('PDU_X');
    for (const [name, factor] of [['Offset', 1], ['Noise', 2]] as const) {
      const c = back.set.constants[name];
      expect(c.shape).toEqual([3, 2, 4, 5]);
      expect(c.dims).toEqual(['gain', 'cell', 'row', 'col']);
      // detcal [g][c][r][k] = facility [k][r][c][g] = ((k*4 + r)*2 + c)*3 + g
      const at = (g: number, ce: number, r: number, k: number) => c.data[((g * 2 + ce) * 4 + r) * 5 + k];
      expect(at(2, 1, 3, 4)).toBe(factor * (((4 * 4 + 3) * 2 + 1) * 3 + 2));
      expect(at(1, 0, 2, 0)).toBe(factor * (((0 * 4 + 2) * 2 + 0) * 3 + 1));
    }
  });
});
