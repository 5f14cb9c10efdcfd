// `detcal correct agipd` end to end: simulated darks -> `detcal dark` -> simulated light run of the
// same module -> CORR files, checked with h5py against the per-frame truth; the store as the
// constants source; threads and the gpu.js kernel against the in-process CPU result; bad input
// leaving no CORR file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, copyFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal, repoRoot } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-correct-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dark = join(work, 'dark.h5');
let lightRun = '';
let truthFrames = '';
let truthFile = '';

function h5py(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  const d = detcal(['simulate', 'agipd', '--kind', 'dark', '--out', join(work, 'dark'), '--cells', '2', '--trains', '64', '--json']);
  expect(d.status, d.stderr).toBe(0);
  const runs = d.json().runs.map((x: { dir: string }) => x.dir);
  const k = detcal(['dark', 'agipd', ...runs, '--out', dark, '--threads', '1']);
  expect(k.status, k.stderr).toBe(0);
  const l = detcal(['simulate', 'agipd', '--kind', 'light', '--out', join(work, 'light'), '--cells', '2', '--trains', '24', '--run', '20', '--frames-per-sequence', '16', '--json']);
  expect(l.status, l.stderr).toBe(0);
  const rep = l.json();
  lightRun = rep.runs[0].dir;
  truthFrames = rep.runs[0].truthFrames;
  truthFile = rep.truthFile;
}, 120_000);

// Compares every CORR file of a folder with the truth: stage agreement and |E - E_true| in units of
// the stage noise (truth Noise x truth keV/ADU); the dark offsets come from 64 frames (error sigma/8),
// so 5.5 sigma is exceeded by a normal error with probability ~1e-7: 1e-3 leaves room for the rounding.
const CHECK = `
import h5py, sys, glob, numpy as np
src = 'INSTRUMENT/SPB_DET_AGIPD1M-1/CORR/0CH0:output/image'
t = h5py.File(sys.argv[2], 'r'); tr = h5py.File(sys.argv[3], 'r')
gk = tr['GainKevPerAdu'][()]; noise = tr['Noise'][()]; off = tr['Offset'][()]
n = 0; agree = 0; checked = 0; outside = 0; files = sorted(glob.glob(sys.argv[1] + '/CORR-*.h5'))
for path in files:
    f = h5py.File(path, 'r'); g = f[src + '/gain'][()]; m = f[src + '/mask'][()]; d = f[src + '/data'][()]
    cell = f[src + '/cellId'][()].astype(int); first = int(f['INDEX/SPB_DET_AGIPD1M-1/CORR/0CH0:output/image/first'][0])
    k = len(g); e = t['energyKev'][n:n + k]; st = t['gainStage'][n:n + k]; n += k
    idx = (g, cell[:, None, None], np.arange(512)[None, :, None], np.arange(128)[None, None, :])
    good = m == 0
    agree += int((g == st)[good].sum()); checked += int(good.sum())
    # values the 14-bit ADC clipped (low gain at the brightest pixels) carry no energy information
    sel = good & (g == st) & (off[idx] + e / gk[idx] < 16383 - 5 * noise[idx])
    err = np.abs(d - e) / (noise[idx] * gk[idx])
    outside += int((err[sel] > 5.5).sum())
    assert np.isnan(d[~good]).all()
print(len(files), n, agree / checked, outside / checked)
`;

describe('detcal correct agipd', () => {
  it('writes one CORR file per sequence file in the EuXFEL layout, with stages and energies matching the truth', () => {
    const out = join(work, 'corr-file');
    // The dark file has no gain: the simulated module's keV/ADU comes from the truth file, given first so
    // that the dark file (later files win) supplies Offset, ThresholdsDark and BadPixelsDark.
    const r = detcal(['correct', 'agipd', lightRun, '--constants', truthFile, '--constants', dark, '--out', out, '--threads', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.unit).toBe('keV');
    expect(rep.files.map((f: { output: string }) => f.output.split('/').pop())).toEqual(['CORR-R0020-AGIPD00-S00000.h5', 'CORR-R0020-AGIPD00-S00001.h5', 'CORR-R0020-AGIPD00-S00002.h5']);
    expect(rep.constants.Offset).toBe(`file ${dark}`);
    expect(rep.constants.GainKevPerAdu).toBe(`file ${truthFile}`);
    const [files, frames, agreement, outside] = h5py(CHECK, out, truthFrames, truthFile).trim().split(' ').map(Number);
    expect(files).toBe(3);
    expect(frames).toBe(48);
    expect(agreement).toBeGreaterThan(0.999);
    expect(outside).toBeLessThan(1e-3);
  });

  it('resolves constants from the store by run, and the keV gain from a file', () => {
    const store = join(work, 'store');
    const s = detcal(['constants', 'add', dark, '--store', store, '--run-range', '10-end']);
    expect(s.status, s.stderr).toBe(0);
    const out = join(work, 'corr-store');
    const r = detcal(['correct', 'agipd', lightRun, '--store', store, '--out', out, '--threads', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.constants.Offset).toMatch(/^store entry \d+ \(runs 10-end\)$/);
    expect(rep.unit).toBe('ADU');
    const early = detcal(['correct', 'agipd', lightRun, '--store', store, '--out', join(work, 'corr-early'), '--run-number', '5']);
    expect(early.status).not.toBe(0);
    expect(early.stderr.trim().split('\n')).toHaveLength(1);
    expect(early.stderr).toMatch(/no valid Offset for agipd module 0 run 5 in the store/);
    expect(existsSync(join(work, 'corr-early'))).toBe(false);
  });

  it('gives identical files with worker threads and the same stages and values with the gpu.js kernel', () => {
    const a = join(work, 'corr-1'), b = join(work, 'corr-2'), g = join(work, 'corr-gpu');
    expect(detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', a, '--threads', '1']).status).toBe(0);
    const two = detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', b, '--threads', '2', '--json']);
    expect(two.status, two.stderr).toBe(0);
    expect(two.json().threads).toBe(2);
    const gpu = detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', g, '--threads', '1', '--backend', 'gpu']);
    expect(gpu.status, gpu.stderr).toBe(0);
    const cmp = `
import h5py, sys, glob, os, numpy as np
src = 'INSTRUMENT/SPB_DET_AGIPD1M-1/CORR/0CH0:output/image/'
worst = 0.0; same = True
for p in sorted(glob.glob(sys.argv[1] + '/CORR-*.h5')):
    x = h5py.File(p, 'r'); y = h5py.File(os.path.join(sys.argv[2], os.path.basename(p)), 'r')
    same &= all(np.array_equal(x[src + k][()], y[src + k][()]) for k in ('gain', 'mask', 'cellId', 'trainId'))
    dx = x[src + 'data'][()]; dy = y[src + 'data'][()]
    same &= bool(np.array_equal(np.isnan(dx), np.isnan(dy)))
    worst = max(worst, float(np.nanmax(np.abs(dx - dy))))
print(int(same), worst)
`;
    expect(h5py(cmp, a, b).trim().split(' ').map(Number)).toEqual([1, 0]);
    const [same, worst] = h5py(cmp, a, g).trim().split(' ').map(Number);
    expect(same).toBe(1);
    // float32 offset subtraction of integers < 2^24 is exact; the common mode adds float32 rounding.
    expect(worst).toBeLessThan(1e-3);
  });

  it('matches the numpy reference implementation (tools/bench/numpy_correct.py) value for value', () => {
    const ours = join(work, 'corr-1');
    if (!existsSync(ours)) expect(detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', ours, '--threads', '1']).status).toBe(0);
    const ref = join(work, 'corr-numpy');
    const raw = readdirSync(lightRun).map((f) => join(lightRun, f)).sort();
    execFileSync('/usr/bin/python3', [join(repoRoot, 'tools/bench/numpy_correct.py'), dark, ref, ...raw], { encoding: 'utf8' });
    const cmp = `
import h5py, sys, glob, os, numpy as np
src = 'INSTRUMENT/SPB_DET_AGIPD1M-1/CORR/0CH0:output/image/'
same = True; worst = 0.0
for p in sorted(glob.glob(sys.argv[1] + '/CORR-*.h5')):
    x = h5py.File(p, 'r'); y = h5py.File(os.path.join(sys.argv[2], os.path.basename(p).replace('CORR-', 'NPCORR-')), 'r')
    same &= all(np.array_equal(x[src + k][()], y[src + k][()]) for k in ('gain', 'mask'))
    dx = x[src + 'data'][()]; dy = y[src + 'data'][()]
    same &= bool(np.array_equal(np.isnan(dx), np.isnan(dy)))
    worst = max(worst, float(np.nanmax(np.abs(dx - dy))))
print(int(same), worst)
`;
    const [same, worst] = h5py(cmp, ours, ref).trim().split(' ').map(Number);
    expect(same).toBe(1);
    // Both compute in float32; the common-mode means are summed in different orders.
    expect(worst).toBeLessThan(1e-2);
  });

  it('with threads, a file that cannot be written stops the run and leaves no CORR or .tmp file, whichever thread had it', () => {
    // a folder where a file's .tmp goes makes that file fail; the others are written by this thread
    // and the worker (finished, or stopped in the middle of a file) and must all be removed
    for (const victim of ['S00000', 'S00001', 'S00002']) {
      const out = join(work, `corr-fail-${victim}`);
      const blocker = `CORR-R0020-AGIPD00-${victim}.h5.tmp`;
      mkdirSync(join(out, blocker), { recursive: true });
      const r = detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', out, '--threads', '2']);
      expect(r.status, victim).not.toBe(0);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`${blocker.replace(/\./g, '\\.')}: cannot create`));
      expect(readdirSync(out), victim).toEqual([blocker]);
    }
  });

  it('refuses constants with fewer memory cells than the run, naming both, and writes nothing', () => {
    const d = detcal(['simulate', 'agipd', '--kind', 'dark', '--out', join(work, 'dark1'), '--cells', '1', '--trains', '8', '--json']);
    const one = join(work, 'dark-1cell.h5');
    expect(detcal(['dark', 'agipd', ...d.json().runs.map((x: { dir: string }) => x.dir), '--out', one, '--threads', '1']).status).toBe(0);
    const out = join(work, 'corr-cells');
    const r = detcal(['correct', 'agipd', lightRun, '--constants', one, '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Offset \(file .*dark-1cell\.h5\) covers 1 memory cells, the run has 2 per train/);
    expect(existsSync(out)).toBe(false);
  });

  it('stops on a raw file cut short and leaves no CORR file, and refuses to overwrite without --force', () => {
    const cut = join(work, 'cut', 'r0020');
    mkdirSync(cut, { recursive: true });
    for (const f of readdirSync(lightRun)) copyFileSync(join(lightRun, f), join(cut, f));
    const last = join(cut, 'RAW-R0020-AGIPD00-S00002.h5');
    truncateSync(last, Math.floor(statSync(last).size / 2));
    const out = join(work, 'corr-cut');
    const r = detcal(['correct', 'agipd', cut, '--constants', dark, '--out', out, '--threads', '1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/RAW-R0020-AGIPD00-S00002\.h5/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    const a = join(work, 'corr-1');
    const again = detcal(['correct', 'agipd', lightRun, '--constants', dark, '--out', a]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/CORR-R0020-AGIPD00-S00000\.h5 exists: choose another --out or pass --force/);
    const none = detcal(['correct', 'agipd', lightRun, '--out', a]);
    expect(none.stderr).toMatch(/give the constants: --constants FILE\.h5/);
  });
});
