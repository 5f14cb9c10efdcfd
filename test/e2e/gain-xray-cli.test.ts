// `detcal gain xray` end to end: an X-ray tube run written by `detcal simulate --kind xray`, photonSpacing
// against the simulated truth through h5py, both layouts, worker threads, the store, and bad input.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-xray-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let xrayRun = '';
let truth = '';

function h5py(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  const r = detcal(['simulate', 'agipd', '--kind', 'xray', '--out', join(work, 'sim'), '--trains', '500', '--seed', '3', '--json']);
  expect(r.status, r.stderr).toBe(0);
  xrayRun = r.json().runs[0].dir;
  truth = r.json().truthFile;
}, 180_000);

describe('detcal gain xray agipd', () => {
  it('writes photonSpacing, quality and BadPixelsFF that match the simulated truth', () => {
    const out = join(work, 'xray.h5');
    const r = detcal(['gain', 'xray', 'agipd', xrayRun, '--out', out, '--threads', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.framesUsed).toBe(500);
    expect(rep.pixels).toBe(65536);
    expect(rep.pixelsOk).toBeGreaterThan(0.99 * 65536); // 0.5% injected dead / noisy pixels fail
    expect(rep.pixelsPerSecond).toBeGreaterThan(0);
    // 500 frames: ~2.5% rms per pixel (statistical), so only the median is held to 1% (its own error is ~0.02%).
    const py = `import h5py,sys,numpy as np
f=h5py.File(sys.argv[1]);t=h5py.File(sys.argv[2])
s=f['photonSpacing'];tr=t['photonSpacing'][()];dead=(t['BadPixelsTruth'][()].reshape(512,128)&(1<<14))!=0
e=(s[()]-tr)/tr
print(s.shape,list(s.attrs['dims']),s.attrs['unit'],f['BadPixelsFF'].dtype,f['quality'].shape,sep='|')
print(float(np.nanmedian(e)),int((f['BadPixelsFF'][()][dead]==(1<<7)).sum()),int(dead.sum()))`;
    const [layout, numbers] = h5py(py, out, truth).trim().split('\n');
    expect(layout).toBe("(512, 128)|['row', 'col']|ADU|uint32|(512, 128)");
    const [medianRel, deadFlagged, dead] = numbers.split(' ').map(Number);
    expect(Math.abs(medianRel)).toBeLessThan(0.01);
    expect(dead).toBeGreaterThan(100);
    expect(deadFlagged).toBe(dead); // every dead pixel: FF_GAIN_EVAL_ERROR
  }, 120_000);

  it('writes the seed orientation (128, 512) with --layout reference; 1 and 2 threads agree', () => {
    const ref = join(work, 'ref.h5'), det = join(work, 'det.h5');
    const params = ['--param', 'lowpass_window=201', '--param', 'lowpass_step=50'];
    expect(detcal(['gain', 'xray', 'agipd', xrayRun, '--out', ref, '--layout', 'reference', '--threads', '1', ...params]).status).toBe(0);
    expect(detcal(['gain', 'xray', 'agipd', xrayRun, '--out', det, '--threads', '2', ...params]).status).toBe(0);
    const py = `import h5py,sys,numpy as np
a=h5py.File(sys.argv[1])['photonSpacing'];b=h5py.File(sys.argv[2])['photonSpacing'][()]
print(a.shape,list(a.attrs['dims']),bool(np.array_equal(a[()].T,b,equal_nan=True)))`;
    expect(h5py(py, ref, det).trim()).toBe("(128, 512) ['col', 'row'] True");
  }, 120_000);

  it('adds the constants to a store with --store', () => {
    const store = join(work, 'store');
    const r = detcal(['gain', 'xray', 'agipd', xrayRun, '--out', join(work, 'stored.h5'), '--store', store, '--threads', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().stored.map((e: { ctype: string }) => e.ctype).sort()).toEqual(['BadPixelsFF', 'photonSpacing', 'quality']);
  }, 120_000);

  it('lists its parameters, and fails in one line on a run without photon peaks or a bad parameter, leaving no file', () => {
    const help = detcal(['gain', 'xray', 'agipd', '--help-params', '--json']);
    expect(help.status).toBe(0);
    expect(help.json().parameters.map((p: { name: string }) => p.name)).toContain('lowpass_window');
    const dark = detcal(['simulate', 'agipd', '--kind', 'dark', '--out', join(work, 'dark'), '--cells', '1', '--trains', '150', '--json']);
    expect(dark.status, dark.stderr).toBe(0);
    const out = join(work, 'none.h5');
    const r = detcal(['gain', 'xray', 'agipd', dark.json().runs[0].dir, '--out', out, '--threads', '1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/only \d+ of 65536 pixels shows two photon peaks/);
    expect(r.stderr.trim().split('\n').filter((l) => l.includes('photon peaks'))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    const bad = detcal(['gain', 'xray', 'agipd', xrayRun, '--out', out, '--param', 'lowpass_window=100', '--json']);
    expect(bad.status).not.toBe(0);
    expect(bad.json().error.message).toMatch(/lowpass_window=100: use an odd number of frames/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
