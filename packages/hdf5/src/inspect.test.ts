import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures/formulas.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { formulaRun, jungfrauLike } from './fixtures/test-layouts.js';
import { formatBytes, formatInspect, formatIntRanges } from './format-inspect.js';
import { inspect } from './inspect.js';
import { writeRawRun } from './raw-writer.js';

const tempDir = useTempDirs();
const AGIPD_GROUP = 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image';

describe('inspect', () => {
  it('describes a run folder: datasets, filters, chunks, trains, frames and cells', async () => {
    const res = await inspect(path.join(FIXTURES, 'agipd-r0007'));
    expect(res.kind).toBe('folder');
    expect(res.files.map((f) => path.basename(f.file))).toEqual(['RAW-R0007-AGIPD00-S00000.h5', 'RAW-R0007-AGIPD00-S00001.h5']);
    const data = res.files[0].datasets.find((d) => d.path === `/${AGIPD_GROUP}/data`);
    expect(data).toEqual({ path: `/${AGIPD_GROUP}/data`, shape: [15, 2, 16, 8], maxshape: [15, 2, 16, 8], dtype: 'u2', filters: ['shuffle', 'gzip'], chunks: [4, 2, 16, 8] });
    expect(res.files[0].datasets.map((d) => d.path)).toContain('/INDEX/trainId');
    expect(res.run).toEqual({
      run: 7,
      aggregators: ['AGIPD00'],
      sequenceFiles: ['RAW-R0007-AGIPD00-S00000.h5', 'RAW-R0007-AGIPD00-S00001.h5'],
      trains: 6,
      firstTrainId: 10000,
      lastTrainId: 10005,
      sources: [{ source: AGIPD_GROUP, entries: 30, frames: 30, cellIds: [0, 1, 2, 3, 4] }],
    });
    const text = formatInspect(res);
    expect(text).toContain('run 7: 2 sequence file(s), aggregators AGIPD00');
    expect(text).toContain('trains: 6 (ids 10000 .. 10005)');
    expect(text).toMatch(new RegExp(`${AGIPD_GROUP.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+30\\s+30\\s+5 \\(0-4\\)`));
    expect(text).toMatch(/\/INSTRUMENT\/SPB_DET_AGIPD1M-1\/DET\/0CH0:xtdf\/image\/data\s+\(15, 2, 16, 8\)\s+=\s+u2\s+shuffle\+gzip\s+\(4, 2, 16, 8\)/);
  });

  it('counts train-cell frames as trains x cells', async () => {
    const res = await inspect(path.join(FIXTURES, 'RAW-R0012-JNGFR01-S00000.h5'));
    expect(res.kind).toBe('file');
    expect(res.run?.sources).toEqual([{ source: 'INSTRUMENT/FXE_XAD_JF1M/DET/JNGFR01:daqOutput/data', entries: 4, frames: 12, cellsAxis: 3, cellIds: [0, 1, 2] }]);
  });

  it('marks undecodable filters and has no run section for plain files', async () => {
    const res = await inspect(path.join(FIXTURES, 'unsupported-filter.h5'));
    expect(res.run).toBeUndefined();
    expect(res.files[0].datasets).toEqual([{ path: '/data', shape: [6, 16, 8], maxshape: [6, 16, 8], dtype: 'u2', filters: ['sz!'], chunks: [2, 16, 8] }]);
    expect(formatInspect(res)).toMatch(/\/data\s+\(6, 16, 8\)\s+=\s+u2\s+sz!\s+\(2, 16, 8\)/);
  });

  it('shows unlimited axes of files detcal wrote as null / inf', async () => {
    const dir = tempDir();
    await writeRawRun(dir, jungfrauLike, 0, formulaRun({ run: 2, trains: 2, cells: 2, rows: 4, cols: 4, gain: true }));
    const res = await inspect(dir);
    const adc = res.files[0].datasets.find((d) => d.path.endsWith('/adc'));
    expect(adc?.maxshape).toEqual([null, 2, 4, 4]);
    expect(formatInspect(res)).toContain('(inf, 2, 4, 4)');
  });

  it('rejects missing inputs in one line', async () => {
    const missing = path.join(tempDir(), 'x');
    await expect(inspect(missing)).rejects.toThrow(`${missing}: no such file or folder; pass a run folder or an HDF5 file`);
    await expect(inspect(tempDir())).rejects.toThrow(/no HDF5 files/);
  });

  it('formats helpers', () => {
    expect(formatIntRanges([0, 1, 2, 5, 7, 8])).toBe('0-2, 5, 7-8');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
