import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deployToCalibDir, findCalibFile, historyRecord, listCalibFiles, parseCalibFileName, parseHistory, selectCalibFile } from './calib-dir.js';
import { parseRunRange } from './run-range.js';

const REAL = process.env.DETCAL_REAL_DATA ?? fileURLToPath(new URL('../../../../shared/real-data', import.meta.url));
const TREE = `${REAL}/lcls-data_test/calib`;
const work = mkdtempSync(join(tmpdir(), 'detcal-calib-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('calib file names and the run rule', () => {
  it('parses A-B.data and A-end.data only', () => {
    expect(parseCalibFileName('137-end.data')).toEqual({ begin: 137, end: null });
    expect(parseCalibFileName('5-20.data')).toEqual({ begin: 5, end: 20 });
    for (const bad of ['HISTORY', '137-end.data-2024-05-31T10:03:41', 'a-end.data', '12.data', '1-2-3.data', '5-x.data', '0-end.txt']) expect(parseCalibFileName(bad)).toBeNull();
  });
  it('latest begin wins, equal begins take the narrower range', () => {
    const files = [{ begin: 0, end: null }, { begin: 10, end: null }, { begin: 10, end: 20 }, { begin: 30, end: 40 }];
    expect(selectCalibFile(files, 15)).toEqual({ begin: 10, end: 20 });
    expect(selectCalibFile(files, 25)).toEqual({ begin: 10, end: null });
    expect(selectCalibFile(files, 35)).toEqual({ begin: 30, end: 40 });
    expect(selectCalibFile(files, 5)).toEqual({ begin: 0, end: null });
    expect(selectCalibFile(files.slice(1), 5)).toBeNull();
  });
  it('lists a tree skipping HISTORY, backups and malformed names', () => {
    const dir = join(work, 'tree', 'Jungfrau::CalibV1', 'CxiDs1.0:Jungfrau.0', 'pedestals');
    mkdirSync(dir, { recursive: true });
    for (const f of ['0-end.data', '12-end.data', '12-15.data', 'HISTORY', '12-end.data-2024-01-01T00:00:00', 'junk.data', 'x-end.data']) writeFileSync(join(dir, f), '1 2\n');
    const files = listCalibFiles(join(work, 'tree'));
    expect(files.map((f) => f.name)).toEqual(['0-end.data', '12-15.data', '12-end.data']);
    expect(findCalibFile(join(work, 'tree'), { source: 'CxiDs1.0:Jungfrau.0', ctype: 'pedestals', run: 13 })?.name).toBe('12-15.data');
    expect(findCalibFile(join(work, 'tree'), { source: 'CxiDs1.0:Jungfrau.0', ctype: 'pedestals', run: 16 })?.name).toBe('12-end.data');
    expect(() => listCalibFiles(join(work, 'nope'))).toThrow(/calib directory .*nope does not exist; pass the psana calib folder/);
  });
});

describe.skipIf(!existsSync(TREE))('the real LCLS calib tree', () => {
  it('lists its four .data files and finds pixel_status for any run', () => {
    const files = listCalibFiles(TREE);
    expect(files.map((f) => `${f.group}/${f.ctype}/${f.name}`)).toEqual([
      'Epix100a::CalibV1/geometry/0-end.data',
      'Epix100a::CalibV1/pixel_status/0-end.data',
      'Epix10kaQuad::CalibV1/geometry/0-end.data',
      'Jungfrau::CalibV1/geometry/0-end.data',
    ]);
    expect(findCalibFile(TREE, { source: 'XppGon.0:Epix100a.1', ctype: 'pixel_status', run: 137 })?.path).toBe(`${TREE}/Epix100a::CalibV1/XppGon.0:Epix100a.1/pixel_status/0-end.data`);
    expect(findCalibFile(TREE, { source: 'XppGon.0:Epix100a.1', ctype: 'pedestals', run: 137 })).toBeNull();
  });
  it('reads its HISTORY lines into fields', () => {
    const h = parseHistory(readFileSync(`${TREE}/Epix100a::CalibV1/XppGon.0:Epix100a.1/pixel_status/HISTORY`, 'utf8'));
    expect(h).toHaveLength(1);
    expect(h[0].fields).toMatchObject({ file: '137-end.data', exp: 'xppn4116', run: '0137', comment: 'calibrun-dark', user: 'dubrovin', cptime: '2024-05-31T10:03:41', zone: 'PDT' });
  });
});

describe('deploy into a calib dir', () => {
  it('writes <range>.data, keeps a timestamped copy of a file it replaces, appends HISTORY', () => {
    const calib = join(work, 'deploy', 'calib');
    mkdirSync(calib, { recursive: true });
    const o = { calibDir: calib, group: 'Epix100a::CalibV1', source: 'XppGon.0:Epix100a.1', ctype: 'pedestals', range: parseRunRange('137-end'), copyOf: '/store/x.h5', exp: 'xppn4116', run: 137, comment: 'calibrun-dark', user: 'u', host: 'h' };
    const now = new Date(2024, 4, 31, 10, 3, 41);
    const first = deployToCalibDir({ ...o, content: 'one\n', now });
    expect(first.file).toBe(join(calib, 'Epix100a::CalibV1/XppGon.0:Epix100a.1/pedestals/137-end.data'));
    expect(first.backup).toBeNull();
    const second = deployToCalibDir({ ...o, content: 'two\n', now });
    expect(second.backup).toBe(`${first.file}-2024-05-31T10:03:41`);
    expect(readFileSync(second.backup as string, 'utf8')).toBe('one\n');
    expect(readFileSync(first.file, 'utf8')).toBe('two\n');
    const third = deployToCalibDir({ ...o, content: 'three\n', now });
    expect(third.backup).toBe(`${first.file}-2024-05-31T10:03:41.1`);
    const lines = readFileSync(first.historyFile, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^file:137-end\.data {4}copy_of:\/store\/x\.h5 {2}exp:xppn4116 {2}run:0137 {2}comment:calibrun-dark {2}user:u {2}host:h {2}cptime:2024-05-31T10:03:41 {2}zone:\S+ *$/);
    expect(parseHistory(lines.join('\n'))[2].fields).toMatchObject({ file: '137-end.data', exp: 'xppn4116', run: '0137' });
    expect(readdirSync(join(calib, 'Epix100a::CalibV1/XppGon.0:Epix100a.1/pedestals')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // psana's rule still picks the deployed file, not the backups
    expect(findCalibFile(calib, { source: o.source, ctype: 'pedestals', run: 140 })?.name).toBe('137-end.data');
  });
  it('pads fields as the LCLS tools do (same layout as the real HISTORY line)', () => {
    const line = historyRecord('0-end.data', { copyOf: 'a', exp: 'e', run: 5, comment: 'c', user: 'u', host: 'h' }, new Date(2024, 0, 2, 3, 4, 5));
    expect(line.startsWith('file:0-end.data      copy_of:a  exp:e         run:0005  comment:c           user:u  host:h  cptime:2024-01-02T03:04:05  zone:')).toBe(true);
    expect(line.endsWith('\n')).toBe(true);
  });
  it('rejects a bad group in one line', () => {
    expect(() => deployToCalibDir({ calibDir: work, group: 'Epix100a', source: 's', ctype: 'pedestals', range: { begin: 0, end: null }, content: '', copyOf: '', exp: '', run: 0, comment: '', user: '', host: '' }))
      .toThrow(/--group "Epix100a" is not a psana calib group; write it like Epix100a::CalibV1/);
  });
});
