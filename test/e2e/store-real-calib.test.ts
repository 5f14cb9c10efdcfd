// The real LCLS calib tree (lcls-psana/data_test) through `detcal constants`: import the whole tree,
// find pixel_status for a run, deploy it into a COPY of the tree (backup + HISTORY), find it there
// with the psana rule, and check the deployed file with numpy. Nothing is ever written into ../shared.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detcal, repoRoot } from './run-cli.js';

const TREE = join(process.env.DETCAL_REAL_DATA ?? join(repoRoot, '..', 'shared', 'real-data'), 'lcls-data_test', 'calib');
const SRC = 'XppGon.0:Epix100a.1';
const STATUS_DIR = `Epix100a::CalibV1/${SRC}/pixel_status`;
const work = mkdtempSync(join(tmpdir(), 'detcal-e2e-real-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { DETCAL_STORE: join(work, 'store') };
const calib = join(work, 'calib');

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) makeWritable(join(dir, e.name));
    else chmodSync(join(dir, e.name), 0o644);
  }
}

function hasNumpy(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy']);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!existsSync(TREE))('the real LCLS calib tree', () => {
  const mtimes = new Map<string, number>();
  it('imports the whole tree: pixel_status as uint64 704x768, geometry files as text', () => {
    for (const f of readdirSync(TREE, { recursive: true }) as string[]) mtimes.set(f, statSync(join(TREE, f)).mtimeMs);
    const r = detcal(['constants', 'import', '--calib-dir', TREE, '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const imported = r.json().imported;
    expect(imported.map((e: { ctype: string; detectorType: string }) => `${e.detectorType}/${e.ctype}`)).toEqual(['epix100/geometry', 'epix100/pixel_status', 'epix10kaquad/geometry', 'jungfrau/geometry']);
    expect(imported[1]).toMatchObject({ detectorId: SRC, dtype: 'u8', shape: [704, 768], validity: { beginRun: 0, endRun: null } });
    const again = detcal(['constants', 'import', '--calib-dir', TREE], env);
    expect(again.stdout).toMatch(/^imported 0 constants into .*, skipped 4\n/);
  });
  it('finds pixel_status for run 137 with the known value counts', () => {
    const f = detcal(['constants', 'find', '-d', 'epix100a', '--detector-id', SRC, '-t', 'pixel_status', '--run', '137', '--json'], env);
    expect(f.status, f.stderr).toBe(0);
    const show = detcal(['constants', 'show', String(f.json().entry.id), '--json'], env).json();
    expect(show.statistics.valueCounts).toEqual([{ value: '0', count: 486969 }, { value: '2', count: 49397 }, { value: '1', count: 4284 }, { value: '16', count: 15 }, { value: '17', count: 7 }]);
  });
  it('deploys into a copy of the tree: new file, backup of a replaced one, HISTORY lines; find --calib-dir applies the run rule', () => {
    cpSync(TREE, calib, { recursive: true });
    makeWritable(calib);
    const q = ['-d', 'epix100', '--detector-id', SRC, '-t', 'pixel_status', '--run', '137', '--calib-dir', calib, '--source', SRC, '--group', 'Epix100a::CalibV1'];
    const d1 = detcal(['constants', 'deploy', ...q, '--run-range', '137-end', '-m', 'calibrun-dark', '--json'], env);
    expect(d1.status, d1.stderr).toBe(0);
    expect(d1.json()).toMatchObject({ file: join(calib, STATUS_DIR, '137-end.data'), backup: null });
    const body = (s: string): string => s.slice(s.search(/^[^#\n]/m));
    const original = readFileSync(join(TREE, STATUS_DIR, '0-end.data'), 'utf8');
    expect(body(readFileSync(join(calib, STATUS_DIR, '137-end.data'), 'utf8'))).toBe(body(original));
    const d2 = detcal(['constants', 'deploy', ...q, '--run-range', '137-end'], env);
    expect(d2.status, d2.stderr).toBe(0);
    expect(d2.stdout).toMatch(/previous file kept as .*137-end\.data-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\n/);
    const history = readFileSync(join(calib, STATUS_DIR, 'HISTORY'), 'utf8').split('\n').filter(Boolean);
    expect(history).toHaveLength(3);
    expect(history[0]).toBe(readFileSync(join(TREE, STATUS_DIR, 'HISTORY'), 'utf8').trimEnd());
    expect(history[1]).toMatch(/^file:137-end\.data {4}copy_of:\S+pixel_status\.h5 {2}exp:none {6}run:0000 {2}comment:calibrun-dark {2}user:\S+ {2}host:\S+ {2}cptime:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d {2}zone:\S+/);
    const deployedRange = detcal(['constants', 'deploy', ...q, '--run-range', '140-150'], env);
    expect(deployedRange.status, deployedRange.stderr).toBe(0);
    const find = (run: number): string => detcal(['constants', 'find', '--calib-dir', calib, '--source', SRC, '--ctype', 'pixel_status', '--run', String(run), '--json'], env).json().calibFile.name;
    expect(find(100)).toBe('0-end.data');
    expect(find(137)).toBe('137-end.data');
    expect(find(145)).toBe('140-150.data');
    expect(find(151)).toBe('137-end.data');
    const geometry = detcal(['constants', 'find', '--calib-dir', calib, '--source', SRC, '--ctype', 'geometry', '--run', '5', '--json'], env).json();
    expect(geometry.calibFile.name).toBe('0-end.data');
    if (hasNumpy()) {
      const counts = execFileSync('/usr/bin/python3', ['-c', `import numpy as np; a=np.loadtxt('${join(calib, STATUS_DIR, '140-150.data')}', dtype=np.uint64); v,c=np.unique(a, return_counts=True); print(a.shape, dict(zip(v.tolist(), c.tolist())))`], { encoding: 'utf8' });
      expect(counts.trim()).toBe('(704, 768) {0: 486969, 1: 4284, 2: 49397, 16: 15, 17: 7}');
    }
    // The shared tree itself is untouched.
    for (const f of readdirSync(TREE, { recursive: true }) as string[]) expect(statSync(join(TREE, f)).mtimeMs).toBe(mtimes.get(f));
    expect(readdirSync(join(TREE, STATUS_DIR)).sort()).toEqual(['0-end.data', 'HISTORY']);
  });
  it('deploys a geometry file byte for byte and re-imports the updated copy, skipping what it already has', () => {
    const geo = detcal(['constants', 'list', '-d', 'epix100', '-t', 'geometry', '--json'], env).json().entries[0];
    const d = detcal(['constants', 'deploy', '--id', String(geo.id), '--calib-dir', calib, '--run-range', '200-end'], env);
    expect(d.status, d.stderr).toBe(0);
    expect(readFileSync(join(calib, `Epix100a::CalibV1/${SRC}/geometry/200-end.data`)).equals(readFileSync(join(TREE, `Epix100a::CalibV1/${SRC}/geometry/0-end.data`)))).toBe(true);
    const r = detcal(['constants', 'import', '--calib-dir', calib, '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().imported.map((e: { ctype: string; validity: { beginRun: number } }) => `${e.ctype} ${e.validity.beginRun}`).sort()).toEqual(['geometry 200', 'pixel_status 137', 'pixel_status 140']);
    expect(r.json().imported.find((e: { validity: { beginRun: number } }) => e.validity.beginRun === 137)).toMatchObject({ exp: 'none', comment: 'detcal' });
  });
});
