import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConstant, makeConstantSet, type ConstantSet } from '@detcal/core';
import { readCalCatFile, readConstantsFile } from '@detcal/hdf5';
import { openStore } from './store.js';
import { parsePsanaText } from './psana-text.js';
import { constantStatistics } from './statistics.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const REAL = process.env.DETCAL_REAL_DATA ?? fileURLToPath(new URL('../../../../shared/real-data', import.meta.url));
const TREE = `${REAL}/lcls-data_test/calib`;
let n = 0;
const fresh = (): string => join(work, `s${++n}`);

function hasPython(mod: string): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${mod}`]);
    return true;
  } catch {
    return false;
  }
}

function darkSet(detectorId: string, offset: number, extra: Partial<ConstantSet['metadata']> = {}): ConstantSet {
  return makeConstantSet(
    { detectorType: 'jungfrau', detectorId, module: 0, conditions: { 'Bias voltage': 200, 'Memory cells': 1, 'Gain mode': 'dynamic' }, sourceRuns: ['12'], createdAt: '2024-05-01T12:00:00.000Z', toolVersion: '0.1.0', parameters: { sigma: 5 }, ...extra },
    [
      makeConstant('Offset', new Float32Array(3 * 16 * 8).fill(offset), [3, 16, 8], ['gain', 'row', 'col'], 'ADU'),
      makeConstant('Noise', new Float32Array(3 * 16 * 8).fill(2.5), [3, 16, 8], ['gain', 'row', 'col'], 'ADU'),
      makeConstant('BadPixelsDark', new Uint32Array(3 * 16 * 8).map((_, i) => (i % 17 === 0 ? 2 : 0)), [3, 16, 8], ['gain', 'row', 'col'], ''),
    ],
  );
}

function flipByte(file: string, at = 0.6): void {
  const buf = readFileSync(file);
  const i = Math.floor(buf.length * at);
  buf[i] ^= 0xff;
  writeFileSync(file, buf);
}

describe('adding constants', () => {
  it('creates the store on the first write: one payload + one row per constant, LCLS names, aliases, log lines', async () => {
    const dir = fresh();
    const store = await openStore(dir);
    const entries = await store.add(darkSet('JF-A', 1000), { validity: { beginRun: 12 }, exp: 'p900491', comment: 'first dark' });
    expect(entries.map((e) => e.ctype)).toEqual(['Offset', 'Noise', 'BadPixelsDark']);
    const e = entries[0];
    expect(e).toMatchObject({ detectorType: 'jungfrau', detectorId: 'JF-A', alias: '0001', version: 1, exp: 'p900491', run: 12, comment: 'first dark', dtype: 'f4', shape: [3, 16, 8], unit: 'ADU' });
    expect(e.validity).toEqual({ beginRun: 12, endRun: null, beginTime: null, endTime: null });
    expect(e.path).toBe('jungfrau/JF-A/Offset/jungfrau_0001_20240501120000_p900491_r0012_Offset.h5');
    expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e.conditions).toEqual({ 'Bias voltage': 200, 'Memory cells': 1, 'Gain mode': 'dynamic' });
    const payload = await readConstantsFile(join(dir, e.path));
    expect(Object.keys(payload.constants)).toEqual(['Offset']);
    expect(payload.metadata.validity).toEqual(e.validity);
    const again = await store.add(darkSet('JF-A', 1001), { ctypes: ['Offset'], validity: { beginRun: 20, endRun: 30 } });
    expect(again[0]).toMatchObject({ alias: '0001', version: 2 });
    const other = await store.add(darkSet('JF-B', 7), { ctypes: 'Noise' });
    expect(other[0].alias).toBe('0002');
    expect(readFileSync(join(dir, 'jungfrau/.aliases.txt'), 'utf8')).toMatch(/^0001 JF-A \S+ +p900491 r0012 \S+\n0002 JF-B /);
    expect(store.history().map((r) => r.action)).toEqual(['init', 'add', 'add', 'add']);
    expect(store.history({ grep: 'JF-B' })).toHaveLength(1);
    store.close();
  });

  it('never overwrites a payload: a same-name constant gets .v2', async () => {
    const dir = fresh();
    const store = await openStore(dir);
    const [a] = await store.add(darkSet('JF-A', 1), { ctypes: 'Offset', validity: { beginRun: 5 } });
    const before = readFileSync(join(dir, a.path));
    const [b] = await store.add(darkSet('JF-A', 2), { ctypes: 'Offset', validity: { beginRun: 5 } });
    expect(b.path).toBe(a.path.replace(/\.h5$/, '.v2.h5'));
    expect(readFileSync(join(dir, a.path)).equals(before)).toBe(true);
    store.close();
  });

  it('rejects bad input in one line naming the fix', async () => {
    const store = await openStore(fresh());
    await expect(store.add(darkSet('JF-A', 1), { ctypes: ['Gain'] })).rejects.toThrow(/^no constant Gain in the set; it holds Offset, Noise, BadPixelsDark$/);
    await expect(store.add(darkSet('', 1))).rejects.toThrow(/have no detector id .*pass --detector-id/);
    await expect(store.add(darkSet('JF', 1), { validity: { beginRun: 9, endRun: 3 } })).rejects.toThrow(/run range 9-3 ends before it begins/);
    expect(readdirSync(join(store.dir, 'tmp'))).toEqual([]);
    store.close();
    await expect(openStore(join(work, 'missing'), { create: false })).rejects.toThrow(/^no constants store at .*missing \(no index\.sqlite\); check --store \/ DETCAL_STORE/);
  });

  it.skipIf(!hasPython('h5py'))('payloads open in h5py with dims, unit and metadata attributes', async () => {
    const store = await openStore(fresh());
    const [e] = await store.add(darkSet('JF-A', 3), { ctypes: 'Offset', validity: { beginRun: 1 } });
    const out = execFileSync('/usr/bin/python3', ['-c', `import h5py,json;f=h5py.File(${JSON.stringify(join(store.dir, e.path))});d=f['Offset'];print(json.dumps([list(d.shape),str(d.dtype),[x.decode() if isinstance(x,bytes) else x for x in d.attrs['dims']],d.attrs['unit'] if isinstance(d.attrs['unit'],str) else d.attrs['unit'].decode(),float(d[0,0,0]),f.attrs['detector_id'] if isinstance(f.attrs['detector_id'],str) else f.attrs['detector_id'].decode()]))`], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([[3, 16, 8], 'float32', ['gain', 'row', 'col'], 'ADU', 3, 'JF-A']);
    store.close();
  });
});

describe('finding constants', () => {
  it('by run (psana rule), by time (prior / closest), by conditions with tolerance', async () => {
    const store = await openStore(fresh());
    const t = (iso: string): Partial<ConstantSet['metadata']> => ({ createdAt: iso });
    const [a] = await store.add(darkSet('JF-A', 100, t('2024-01-01T00:00:00Z')), { ctypes: 'Offset', validity: { beginRun: 0, beginTime: '2024-01-01T00:00:00Z' } });
    const [b] = await store.add(darkSet('JF-A', 200, t('2024-02-01T00:00:00Z')), { ctypes: 'Offset', validity: { beginRun: 50, beginTime: '2024-02-01T00:00:00Z' } });
    const [c] = await store.add(darkSet('JF-A', 300, t('2024-03-01T00:00:00Z')), { ctypes: 'Offset', validity: { beginRun: 50, endRun: 60, beginTime: '2024-03-01T00:00:00Z' } });
    const [d] = await store.add(darkSet('JF-A', 400, { conditions: { 'Bias voltage': 180 } }), { ctypes: 'Offset', validity: { beginRun: 70 } });
    const q = { detectorType: 'jungfrau', detectorId: 'JF-A', ctype: 'Offset' };
    expect((await store.find({ ...q, run: 10 })).entry.id).toBe(a.id);
    expect((await store.find({ ...q, run: 55 })).entry.id).toBe(c.id);
    const r61 = await store.find({ ...q, run: 61 });
    expect(r61.entry.id).toBe(b.id);
    expect((r61.constant.data as Float32Array)[0]).toBe(200);
    expect(r61.note).toMatch(/latest begin run valid for run 61/);
    expect((await store.find({ ...q, run: 75 })).entry.id).toBe(d.id);
    expect((await store.find({ ...q, run: 75, conditions: { 'Bias voltage': 200 } })).entry.id).toBe(b.id);
    expect((await store.find({ ...q, run: 75, conditions: { 'Bias voltage': 185 }, tolerances: { 'Bias voltage': 5 } })).entry.id).toBe(d.id);
    expect((await store.find({ ...q, at: '2024-02-20T00:00:00Z' })).entry.id).toBe(b.id);
    expect((await store.find({ ...q, at: '2024-02-20T00:00:00Z', strategy: 'closest' })).entry.id).toBe(c.id);
    expect((await store.find({ ...q, detectorId: '0001', run: 10 })).entry.id).toBe(a.id);
    expect(() => store.findEntry({ ...q, run: 10, conditions: { 'Memory cells': 16 } })).toThrow(/^no Offset of jungfrau JF-A valid for run 10 at Memory cells=16: 1 Offset entry valid for run 10 found but none matches the conditions; widen the query or add --tolerance$/);
    expect(() => store.findEntry({ ...q, ctype: 'Gain' })).toThrow(/^no Gain of jungfrau JF-A: the store has no Gain of jungfrau JF-A; add one with `detcal constants add`$/);
    const set = await store.findSet({ detectorType: 'jungfrau', detectorId: 'JF-A', run: 10, ctypes: ['Offset'] });
    expect(Object.keys(set.set.constants)).toEqual(['Offset']);
    store.close();
  });

  it('uses the detector type default when nothing matches, and says so (epix100a gain 0.06 keV/ADU out of the box)', async () => {
    const store = await openStore(fresh());
    const r = await store.find({ detectorType: 'epix100a', detectorId: 'XppGon.0:Epix100a.1', ctype: 'gain', run: 5 });
    expect(r.usedDefault).toBe(true);
    expect(r.entry.path).toBe('epix100/default/epix100_default_pixel_gain.h5');
    expect(r.note).toMatch(/^no pixel_gain of epix100 XppGon\.0:Epix100a\.1 valid for run 5 in the store; using the epix100 default epix100\/default\/epix100_default_pixel_gain\.h5$/);
    expect(r.constant).toMatchObject({ dtype: 'f4', shape: [704, 768], unit: 'keV/ADU' });
    expect((r.constant.data as Float32Array)[12345]).toBeCloseTo(0.06, 7);
    expect(() => store.findEntry({ detectorType: 'epix100', ctype: 'pixel_gain', useDefaults: false })).toThrow(/no pixel_gain of epix100/);
    store.close();
  });

  it('skips a corrupt payload, reports it, and verify names it; a missing payload too', async () => {
    const store = await openStore(fresh());
    const [old] = await store.add(darkSet('JF-A', 1), { ctypes: 'Offset', validity: { beginRun: 0 } });
    const [bad] = await store.add(darkSet('JF-A', 2), { ctypes: 'Offset', validity: { beginRun: 10 } });
    flipByte(join(store.dir, bad.path));
    const r = await store.find({ detectorType: 'jungfrau', ctype: 'Offset', run: 20 });
    expect(r.entry.id).toBe(old.id);
    expect(r.skipped).toEqual([{ entry: expect.objectContaining({ id: bad.id }), problem: 'corrupt' }]);
    await expect(store.load(bad.id)).rejects.toThrow(/^entry \d+: payload .* is corrupt; run `detcal constants verify`/);
    rmSync(join(store.dir, old.path));
    expect(() => store.findEntry({ detectorType: 'jungfrau', ctype: 'Offset', run: 20 })).toThrow(/\(2 candidates skipped: entry \d+ payload corrupt, entry \d+ payload missing; run `detcal constants verify`\)/);
    const v = store.verify();
    expect(v.checked).toBe(3);
    expect(v.ok).toBe(1);
    expect(v.problems.map((p) => [p.id, p.problem])).toEqual([[old.id, 'missing'], [bad.id, 'corrupt']]);
    store.close();
  });
});

describe('export and CalCat import', () => {
  it('writes .h5, .npy, psana text and CalCat; CalCat files import back', async () => {
    const store = await openStore(fresh());
    const [off, , bp] = await store.add(darkSet('JF-A', 1234.5625), { validity: { beginRun: 3 }, exp: 'p1' });
    const h5 = await store.exportEntry(off.id, join(store.dir, '..', 'x', 'offset.h5'));
    expect((await readConstantsFile(h5.file)).constants.Offset.shape).toEqual([3, 16, 8]);
    const txt = await store.exportEntry(off.id, join(work, 'x', 'offset.txt'));
    const parsed = parsePsanaText(readFileSync(txt.file, 'utf8'), txt.file);
    expect(parsed.shape).toEqual([3, 16, 8]);
    expect(readFileSync(txt.file, 'utf8')).toContain('\n1234.562 1234.562 ');
    expect(parsed.fields.STORE_ENTRY).toBe(String(off.id));
    const bpTxt = await store.exportEntry(bp.id, join(work, 'x', 'bp.data'));
    expect(readFileSync(bpTxt.file, 'utf8')).toMatch(/\n2 0 0 0 0 0 0 0\n/);
    const npy = await store.exportEntry(bp.id, join(work, 'x', 'bp.npy'));
    if (hasPython('numpy')) {
      const out = execFileSync('/usr/bin/python3', ['-c', `import numpy as np;a=np.load(${JSON.stringify(npy.file)});print(a.dtype, a.shape, int(a.sum()))`], { encoding: 'utf8' });
      expect(out.trim()).toBe(`uint32 (3, 16, 8) ${2 * Math.ceil(384 / 17)}`);
    }
    const cc = await store.exportEntry(off.id, join(work, 'x', 'cal.1700000000.h5'), { format: 'calcat', pdu: 'Jungfrau_M275' });
    const back = await readCalCatFile(cc.file);
    expect(back.pdu).toBe('Jungfrau_M275');
    expect(back.set.constants.Offset.shape).toEqual([3, 16, 8]);
    const other = await openStore(fresh());
    const imp = await other.importCalCat(cc.file, { detectorType: 'jungfrau', validity: { beginRun: 100 } });
    expect(imp.imported).toHaveLength(1);
    expect(imp.imported[0]).toMatchObject({ ctype: 'Offset', detectorId: 'JF-A', validity: { beginRun: 100 } });
    expect((await other.importCalCat(cc.file, { detectorType: 'jungfrau' })).skipped).toMatch(/already in the store/);
    const single = makeConstantSet({ ...darkSet('JF-S', 0).metadata }, [makeConstant('pedestals', new Float32Array(6).fill(7.5), [1, 1, 2, 3], ['gain', 'cell', 'row', 'col'], 'ADU')]);
    const [ped] = await store.add(single, { validity: { beginRun: 1 } });
    const pedTxt = await store.exportEntry(ped.id, join(work, 'x', 'ped.txt'));
    expect(readFileSync(pedTxt.file, 'utf8')).toMatch(/# SHAPE {7}\(2,3\)\n[\s\S]*\n\n7\.500 7\.500 7\.500\n7\.500 7\.500 7\.500\n$/);
    await expect(store.exportEntry(off.id, join(work, 'x', 'offset.bin'))).rejects.toThrow(/cannot tell the format .*pass --format h5\|npy\|psana\|calcat/);
    store.close();
    other.close();
  });
});

describe('merge-status', () => {
  it('ORs the newest status_* of each type at the requested time into status_merged', async () => {
    const store = await openStore(fresh());
    const status = (name: string, values: number[], createdAt: string): ConstantSet => makeConstantSet(
      { detectorType: 'epix100', detectorId: 'P1', module: 0, conditions: {}, sourceRuns: [], createdAt, toolVersion: '', parameters: {} },
      [makeConstant(name, new BigUint64Array(values.map(BigInt)), [2, 2], ['row', 'col'], '')]);
    await store.add(status('status_dark', [1, 0, 0, 0], '2024-01-01T00:00:00Z'));
    await store.add(status('status_dark', [0, 1, 0, 0], '2024-03-01T00:00:00Z'));
    await store.add(status('status_data', [0, 0, 4, 0], '2024-02-01T00:00:00Z'));
    await store.add(status('pixel_status', [8, 8, 8, 8], '2024-02-01T00:00:00Z'));
    const early = await store.mergeStatus({ detectorType: 'epix100', detectorId: 'P1', at: '2024-02-15T00:00:00Z' });
    expect([...early.constant.data as BigUint64Array]).toEqual([1n, 0n, 4n, 0n]);
    expect(early.inputs.map((e) => e.ctype)).toEqual(['status_dark', 'status_data']);
    const late = await store.mergeStatus({ detectorType: 'epix100', detectorId: 'P1' });
    expect([...late.constant.data as BigUint64Array]).toEqual([0n, 1n, 4n, 0n]);
    expect(late.badPixels).toBe(2);
    expect(late.entry).toMatchObject({ ctype: 'status_merged', dtype: 'u8' });
    await expect(store.mergeStatus({ detectorType: 'epix100', detectorId: 'P1', at: '2023-01-01' })).rejects.toThrow(/no status_\* constant of epix100 P1 has a time stamp at or before 2023-01-01/);
    await expect(store.mergeStatus({ detectorType: 'epix100', detectorId: 'P9' })).rejects.toThrow(/no status_\* constants of epix100 P9/);
    store.close();
  });
});

describe.skipIf(!existsSync(TREE))('the real LCLS calib tree', () => {
  it('imports, finds pixel_status with the known counts, deploys it, and skips it on a second import', async () => {
    const store = await openStore(fresh());
    const r = await store.importCalibDir(TREE);
    expect(r.imported.map((e) => `${e.detectorType} ${e.detectorId} ${e.ctype}`)).toEqual([
      'epix100 XppGon.0:Epix100a.1 geometry',
      'epix100 XppGon.0:Epix100a.1 pixel_status',
      'epix10kaquad XcsEndstation.0:Epix10kaQuad.0 geometry',
      'jungfrau CxiDs1.0:Jungfrau.0 geometry',
    ]);
    expect(r.skipped).toEqual([]);
    const found = await store.find({ detectorType: 'epix100a', detectorId: 'XppGon.0:Epix100a.1', ctype: 'pixel_status', run: 137 });
    expect(found.constant).toMatchObject({ dtype: 'u8', shape: [704, 768] });
    const stats = constantStatistics(found.constant);
    expect(stats.valueCounts).toEqual([{ value: '0', count: 486969 }, { value: '2', count: 49397 }, { value: '1', count: 4284 }, { value: '16', count: 15 }, { value: '17', count: 7 }]);
    expect(found.entry.parameters).toMatchObject({ psanaGroup: 'Epix100a::CalibV1', psanaSource: 'XppGon.0:Epix100a.1' });
    const again = await store.importCalibDir(TREE);
    expect(again.imported).toEqual([]);
    expect(again.skipped).toHaveLength(4);
    const calib = join(work, 'deploy-real', 'calib');
    cpSync(TREE, calib, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', calib]);
    const dep = await store.deploy(found.entry.id, { calibDir: calib, runRange: '138-end', comment: 'detcal-test' });
    expect(dep.file).toBe(`${calib}/Epix100a::CalibV1/XppGon.0:Epix100a.1/pixel_status/138-end.data`);
    const body = (s: string): string => s.slice(s.search(/^[^#\n]/m));
    expect(body(readFileSync(dep.file, 'utf8'))).toBe(body(readFileSync(`${TREE}/Epix100a::CalibV1/XppGon.0:Epix100a.1/pixel_status/0-end.data`, 'utf8')));
    const hist = readFileSync(dep.historyFile, 'utf8').split('\n').filter(Boolean);
    expect(hist[0]).toMatch(/^file:137-end\.data/);
    expect(hist[1]).toMatch(/^file:138-end\.data {4}copy_of:\S+\.h5 {2}exp:none {6}run:0000 {2}comment:detcal-test {2}user:/);
    const geo = store.list({ detectorType: 'epix100', ctype: 'geometry' })[0];
    const g = await store.deploy(geo.id, { calibDir: calib, runRange: '0-end' });
    expect(g.backup).toMatch(/geometry\/0-end\.data-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(readFileSync(g.file).equals(readFileSync(`${TREE}/Epix100a::CalibV1/XppGon.0:Epix100a.1/geometry/0-end.data`))).toBe(true);
    store.close();
  });
});

describe('store directory layout', () => {
  it('keeps index, payloads, aliases, logs and tmp under the store folder', async () => {
    const store = await openStore(fresh());
    await store.add(darkSet('JF-A', 1), { ctypes: 'Noise' });
    expect(readdirSync(store.dir).sort()).toEqual(['epix100', 'index.sqlite', 'index.sqlite-shm', 'index.sqlite-wal', 'jungfrau', 'logs', 'tmp'].sort());
    expect(statSync(join(store.dir, 'epix100/default/epix100_default_pixel_gain.h5')).size).toBeGreaterThan(704 * 768 * 4);
    store.close();
  });
});

describe('constant type names', () => {
  it('stores LCLS short names under the calib-dir names (gain -> pixel_gain), payload included', async () => {
    const store = await openStore(fresh());
    const set = makeConstantSet({ detectorType: 'epix100a', detectorId: 'P2', module: 0, conditions: {}, sourceRuns: [], createdAt: '2024-01-01T00:00:00Z', toolVersion: '', parameters: {} },
      [makeConstant('gain', new Float32Array(4).fill(0.05), [2, 2], ['row', 'col'], 'keV/ADU')]);
    const [e] = await store.add(set);
    expect(e).toMatchObject({ detectorType: 'epix100', ctype: 'pixel_gain' });
    expect(e.path).toMatch(/^epix100\/P2\/pixel_gain\/epix100_0001_20240101000000_none_r0000_pixel_gain\.h5$/);
    const r = await store.find({ detectorType: 'epix100a', detectorId: 'P2', ctype: 'gain' });
    expect(r.usedDefault).toBe(false);
    expect(r.constant.name).toBe('pixel_gain');
    expect(Object.keys((await readConstantsFile(join(store.dir, e.path))).constants)).toEqual(['pixel_gain']);
    store.close();
  });
});
