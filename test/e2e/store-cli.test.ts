// `detcal constants ...` end to end through the built binary: add, list, show, find (run / time /
// conditions / defaults), export in every format, CalCat import, merge-status, history, verify, errors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConstant, makeConstantSet, type ConstantSet } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-e2e-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const store = join(work, 'store');
const env = { DETCAL_STORE: store };

function python(code: string): string | null {
  try {
    return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
const hasNumpy = python('import numpy') !== null;
const hasH5py = python('import h5py') !== null;

function jungfrauDark(offset: number, bias: number, createdAt: string): ConstantSet {
  const n = 3 * 32 * 16;
  return makeConstantSet(
    { detectorType: 'jungfrau', detectorId: 'Jungfrau_M275', module: 0, conditions: { 'Bias voltage': bias, 'Integration time': 10, 'Gain mode': 'dynamic' }, sourceRuns: ['40', '41', '42'], createdAt, toolVersion: '0.1.0', parameters: { offset_sigma: 5 } },
    [
      makeConstant('Offset', new Float32Array(n).fill(offset), [3, 32, 16], ['gain', 'row', 'col'], 'ADU'),
      makeConstant('Noise', new Float32Array(n).fill(3.25), [3, 32, 16], ['gain', 'row', 'col'], 'ADU'),
      makeConstant('BadPixelsDark', new Uint32Array(n).map((_, i) => (i % 100 === 0 ? 2 : 0)), [3, 32, 16], ['gain', 'row', 'col'], ''),
    ],
  );
}

beforeAll(async () => {
  await writeConstantsFile(join(work, 'dark-a.h5'), jungfrauDark(1000, 200, '2024-05-01T08:00:00Z'));
  await writeConstantsFile(join(work, 'dark-b.h5'), jungfrauDark(2000, 200, '2024-06-01T08:00:00Z'));
  await writeConstantsFile(join(work, 'dark-c.h5'), jungfrauDark(3000, 180, '2024-07-01T08:00:00Z'));
});

describe('detcal constants add / list / show', () => {
  it('adds every constant of a file as its own entry; the first write creates the store', () => {
    const r = detcal(['constants', 'add', join(work, 'dark-a.h5'), '--store', store, '--run-range', '40-end', '--exp', 'p900491', '--comment', 'first dark', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const entries = r.json().entries;
    expect(entries.map((e: { ctype: string }) => e.ctype)).toEqual(['BadPixelsDark', 'Noise', 'Offset']);
    expect(entries[2].path).toBe('jungfrau/Jungfrau_M275/Offset/jungfrau_0001_20240501080000_p900491_r0040_Offset.h5');
    expect(existsSync(join(store, 'index.sqlite'))).toBe(true);
    const b = detcal(['constants', 'add', join(work, 'dark-b.h5'), '--run-range', '50-end', '--begin-time', '2024-06-01T08:00:00Z', '--ctype', 'Offset', '--exp', 'p900491'], env);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^added 1 constant to /);
    const c = detcal(['constants', 'add', join(work, 'dark-c.h5'), '--run-range', '50-60', '--begin-time', '2024-07-01T08:00:00Z', '--ctype', 'Offset'], env);
    expect(c.status, c.stderr).toBe(0);
  });
  it('lists entries newest first, with filters', () => {
    const r = detcal(['constants', 'list', '--detector', 'jungfrau', '--ctype', 'Offset', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().entries.map((e: { version: number }) => e.version)).toEqual([3, 2, 1]);
    const t = detcal(['constants', 'list', '--run', '45'], env);
    expect(t.stdout).toMatch(/^id +detector +detector id +alias/);
    expect(t.stdout).toMatch(/jungfrau +Jungfrau_M275 +0001 +0 +Offset +40-end/);
    expect(t.stdout).toMatch(/epix100 +\(default\) .*pixel_gain/);
  });
  it('shows metadata and statistics', () => {
    const r = detcal(['constants', 'show', '2'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('entry 2: BadPixelsDark of jungfrau Jungfrau_M275 (alias 0001), module 0, version 1');
    expect(r.stdout).toContain('conditions: Bias voltage=200, Integration time=10, Gain mode=dynamic');
    expect(r.stdout).toMatch(/counts: {5}0: 1520, 2: 16/);
    const j = detcal(['constants', 'show', '4', '--json'], env).json();
    expect(j.statistics).toMatchObject({ count: 1536, min: 1000, max: 1000, mean: 1000, std: 0 });
  });
});

describe('detcal constants find', () => {
  const q = ['constants', 'find', '-d', 'jungfrau', '--detector-id', 'Jungfrau_M275', '-t', 'Offset'];
  const id = (args: string[]): number => {
    const r = detcal([...q, ...args, '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    return r.json().entry.id;
  };
  it('by run with the psana rule, by time prior / closest, by conditions with tolerance', () => {
    expect(id(['--run', '45'])).toBe(4);
    expect(id(['--run', '55'])).toBe(6);
    expect(id(['--run', '61'])).toBe(5);
    expect(id(['--at', '2024-06-20T00:00:00Z'])).toBe(5);
    expect(id(['--at', '2024-06-20T00:00:00Z', '--strategy', 'closest'])).toBe(6);
    expect(id(['--run', '55', '-c', 'Bias voltage=200'])).toBe(5);
    expect(id(['--run', '55', '-c', 'Bias voltage=185', '--tolerance', 'Bias voltage=5'])).toBe(6);
    const text = detcal([...q, '--run', '55'], env);
    expect(text.stdout).toContain('chosen:     entry 6 (runs 50-60): latest begin run valid for run 55');
  });
  it('falls back to the detector type default and says so (epix100a gain 0.06 keV/ADU)', () => {
    const r = detcal(['constants', 'find', '-d', 'epix100a', '--detector-id', 'XppGon.0:Epix100a.1', '-t', 'gain', '--run', '7', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ usedDefault: true, entry: { ctype: 'pixel_gain', unit: 'keV/ADU', shape: [704, 768] } });
    expect(r.json().note).toMatch(/^no pixel_gain of epix100 XppGon\.0:Epix100a\.1 valid for run 7 in the store; using the epix100 default/);
    const text = detcal(['constants', 'find', '-d', 'epix100a', '-t', 'gain', '--run', '7'], env);
    expect(text.stderr).toMatch(/^note: no pixel_gain of epix100 valid for run 7 in the store; using the epix100 default epix100\/default\/epix100_default_pixel_gain\.h5/);
  });
  it('says in one line what is missing', () => {
    const r = detcal([...q, '--run', '10'], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^detcal: error: no Offset of jungfrau Jungfrau_M275 valid for run 10: 3 Offset entries exist but none is valid for run 10; widen the query/);
    const none = detcal(['constants', 'list'], { DETCAL_STORE: '' });
    expect(none.stderr.trim()).toBe('detcal: error: no constants store given: pass --store DIR or set DETCAL_STORE');
    const bad = detcal(['constants', 'add', join(work, 'dark-a.h5'), '--run-range', '9-3'], env);
    expect(bad.stderr.trim()).toBe('detcal: error: --run-range "9-3" ends before it begins; write the first run first (e.g. 3-9)');
  });
});

describe('detcal constants export / import', () => {
  it('writes .npy, psana text, HDF5 and CalCat; CalCat files import into another store', () => {
    const npy = detcal(['constants', 'export', join(work, 'out', 'bp.npy'), '--id', '2'], env);
    expect(npy.status, npy.stderr).toBe(0);
    if (hasNumpy) expect(python(`import numpy as np; a=np.load('${join(work, 'out', 'bp.npy')}'); print(a.dtype, a.shape, int((a==2).sum()))`)).toBe('uint32 (3, 32, 16) 16');
    const txt = detcal(['constants', 'export', join(work, 'out', 'offset.data'), ...['-d', 'jungfrau', '-t', 'Offset', '--run', '45']], env);
    expect(txt.status, txt.stderr).toBe(0);
    const text = readFileSync(join(work, 'out', 'offset.data'), 'utf8');
    expect(text).toMatch(/# SHAPE {7}\(3,32,16\)\n# DATATYPE {4}float32\n\n# DTYPE {7}float32\n# NDIM {8}3\n# DIM:0 {7}3\n# DIM:1 {7}32\n# DIM:2 {7}16\n\n1000\.000 1000\.000 /);
    if (hasNumpy) expect(python(`import numpy as np; a=np.loadtxt('${join(work, 'out', 'offset.data')}'); print(a.shape, a.mean())`)).toBe('(96, 16) 1000.0');
    const cc = detcal(['constants', 'export', join(work, 'out', 'cal.1717228800.h5'), '--id', '4', '--format', 'calcat', '--json'], env);
    expect(cc.status, cc.stderr).toBe(0);
    if (hasH5py) expect(python(`import h5py; d=h5py.File('${join(work, 'out', 'cal.1717228800.h5')}')['Jungfrau_M275/Offset/0/data']; print(d.shape, [x.decode() if isinstance(x, bytes) else x for x in d.attrs['dims']])`)).toBe("(16, 32, 3) ['col', 'row', 'gain']".replace("'col', 'row'", "'fast_scan', 'slow_scan'"));
    const other = join(work, 'store2');
    const imp = detcal(['constants', 'import', join(work, 'out', 'cal.1717228800.h5'), '--store', other, '--detector', 'jungfrau', '--run-range', '100-end', '--json']);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.json().imported[0]).toMatchObject({ detectorId: 'Jungfrau_M275', ctype: 'Offset', shape: [3, 32, 16], validity: { beginRun: 100, endRun: null } });
    const again = detcal(['constants', 'import', join(work, 'out', 'cal.1717228800.h5'), '--store', other, '--detector', 'jungfrau', '--json']);
    expect(again.json().skipped[0].reason).toMatch(/already in the store/);
  });
  it('imports a psana text file and an .npy array with the names it lacks', () => {
    writeFileSync(join(work, 'peds.txt'), '# SHAPE (2,3)\n# DATATYPE float32\n1.5 2.5 3.5\n4.5 5.5 6.5\n');
    const r = detcal(['constants', 'import', join(work, 'peds.txt'), '-d', 'epix100', '--detector-id', 'PANEL-7', '-t', 'pedestals', '--run-range', '5-9', '--unit', 'ADU', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().imported[0]).toMatchObject({ ctype: 'pedestals', dtype: 'f4', shape: [2, 3], validity: { beginRun: 5, endRun: 9 } });
    const missing = detcal(['constants', 'import', join(work, 'peds.txt')], env);
    expect(missing.stderr.trim()).toMatch(/peds\.txt is a bare psana array; pass --ctype$/);
  });
});

describe('detcal constants merge-status / history / verify', () => {
  it('ORs status_* of a panel into status_merged and deploys it as status_extra', async () => {
    const mk = (name: string, v: number[], at: string) => makeConstantSet({ detectorType: 'epix100', detectorId: 'PANEL-7', module: 0, conditions: {}, sourceRuns: [], createdAt: at, toolVersion: '', parameters: {} },
      [makeConstant(name, new BigUint64Array(v.map(BigInt)), [2, 3], ['row', 'col'], '')]);
    await writeConstantsFile(join(work, 'st-dark.h5'), mk('status_dark', [1, 0, 0, 0, 0, 0], '2024-01-01T00:00:00Z'));
    await writeConstantsFile(join(work, 'st-data.h5'), mk('status_data', [0, 0, 8, 0, 0, 1], '2024-01-02T00:00:00Z'));
    for (const f of ['st-dark.h5', 'st-data.h5']) expect(detcal(['constants', 'add', join(work, f)], env).status).toBe(0);
    const calib = join(work, 'calib');
    mkdirSync(calib);
    const r = detcal(['constants', 'merge-status', '-d', 'epix100', '--detector-id', 'PANEL-7', '--calib-dir', calib, '--source', 'XppGon.0:Epix100a.7', '--run-range', '5-end', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ badPixels: 3, entry: { ctype: 'status_merged', dtype: 'u8' } });
    expect(r.json().inputs.map((e: { ctype: string }) => e.ctype)).toEqual(['status_dark', 'status_data']);
    const file = join(calib, 'Epix100a::CalibV1/XppGon.0:Epix100a.7/status_extra/5-end.data');
    expect(readFileSync(file, 'utf8')).toMatch(/# DATATYPE {4}uint64\n[\s\S]*\n\n1 0 8\n0 0 1\n$/);
  });
  it('history shows every store change; verify finds a corrupt payload (exit 1) and find skips it', () => {
    const h = detcal(['constants', 'history', '--json'], env);
    expect(h.status, h.stderr).toBe(0);
    expect(h.json().records.map((r: { action: string }) => r.action)).toEqual(['init', 'add', 'add', 'add', 'import', 'add', 'add', 'merge-status', 'deploy']);
    const ok = detcal(['constants', 'verify'], env);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const entry = detcal(['constants', 'show', '6', '--no-stats', '--json'], env).json().entry;
    const payload = join(store, entry.path);
    const buf = readFileSync(payload);
    buf[buf.length - 100] ^= 0xff;
    writeFileSync(payload, buf);
    const bad = detcal(['constants', 'verify', '--json'], env);
    expect(bad.status).toBe(1);
    expect(bad.json().problems).toEqual([expect.objectContaining({ id: 6, problem: 'corrupt' })]);
    const f = detcal(['constants', 'find', '-d', 'jungfrau', '-t', 'Offset', '--run', '55', '--json'], env);
    expect(f.status, f.stderr).toBe(0);
    expect(f.json().entry.id).toBe(5);
    expect(f.json().skipped).toEqual([{ id: 6, path: entry.path, problem: 'corrupt' }]);
    const ft = detcal(['constants', 'find', '-d', 'jungfrau', '-t', 'Offset', '--run', '55'], env);
    expect(ft.stderr).toMatch(/^warning: skipped entry 6 .*payload corrupt; run `detcal constants verify`/);
    const show = detcal(['constants', 'show', '6'], env);
    expect(show.stderr.trim()).toMatch(/^detcal: error: entry 6: payload .* is corrupt; run `detcal constants verify` and re-add the constant$/);
  });
});
