// `detcal dark` end to end: AGIPD and Jungfrau runs written by `detcal simulate`, both file layouts,
// h5py reading the result, the gpu.js backend against the CPU one, and bad input leaving no file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-dark-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let agipdRuns: string[] = [];

function h5py(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  const r = detcal(['simulate', 'agipd', '--out', join(work, 'agipd'), '--cells', '2', '--trains', '20', '--json']);
  expect(r.status, r.stderr).toBe(0);
  agipdRuns = r.json().runs.map((x: { dir: string }) => x.dir);
});

describe('detcal dark agipd', () => {
  it('writes constants h5py reads, with dims, units and metadata, and a JSON summary', () => {
    const out = join(work, 'agipd.h5');
    const r = detcal(['dark', 'agipd', ...agipdRuns, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.runs.map((x: { frames: number }) => x.frames)).toEqual([40, 40, 40]);
    expect(rep.summary.flags.map((f: { gain: number }) => f.gain)).toEqual([0, 1, 2]);
    const py = `import h5py,sys,json\nf=h5py.File(sys.argv[1],'r')\nprint(f['Offset'].shape, list(f['Offset'].attrs['dims']), f['Offset'].attrs['unit'], f['BadPixelsDark'].dtype, f['ThresholdsDark'].shape, f.attrs['detector_type'])`;
    expect(h5py(py, out).trim()).toBe("(3, 2, 512, 128) ['gain', 'cell', 'row', 'col'] ADU uint32 (2, 2, 512, 128) agipd");
  });

  it('writes the EuXFEL axis order with --layout euxfel', () => {
    const out = join(work, 'agipd-euxfel.h5');
    expect(detcal(['dark', 'agipd', ...agipdRuns, '--out', out, '--layout', 'euxfel']).status).toBe(0);
    expect(h5py(`import h5py,sys\nf=h5py.File(sys.argv[1],'r')\nprint(f['Offset'].shape, list(f['Offset'].attrs['dims']))`, out).trim()).toBe("(128, 512, 2, 3) ['col', 'row', 'cell', 'gain']");
  });

  it('gives the same constants with the gpu.js backend (float32 within the stated tolerance)', () => {
    const cpu = join(work, 'cpu.h5'), gpu = join(work, 'gpu.h5');
    expect(detcal(['dark', 'agipd', ...agipdRuns, '--out', cpu, '--backend', 'cpu', '--threads', '1']).status).toBe(0);
    const g = detcal(['dark', 'agipd', ...agipdRuns, '--out', gpu, '--backend', 'gpu', '--json']);
    expect(g.status, g.stderr).toBe(0);
    expect(g.json().backend.choice).toBe('gpu');
    // Tolerance: the kernels' float32 bound is ~5e-4 ADU for the mean at ~8000 ADU and ~1e-5 relative for the std.
    const py = `import h5py,sys,numpy as np\na=h5py.File(sys.argv[1]);b=h5py.File(sys.argv[2])\nprint(float(np.nanmax(abs(a['Offset'][()]-b['Offset'][()]))), float(np.nanmax(abs(a['Noise'][()]-b['Noise'][()])/np.maximum(a['Noise'][()],1e-6))), int((a['BadPixelsDark'][()]!=b['BadPixelsDark'][()]).sum()))`;
    const [dOff, dNoise, dFlags] = h5py(py, cpu, gpu).trim().split(' ').map(Number);
    expect(dOff).toBeLessThan(1e-3);
    expect(dNoise).toBeLessThan(1e-4);
    expect(dFlags).toBe(0);
  });

  it('stores the constants with their validity when --store is given, and constants find returns them', () => {
    const store = join(work, 'store');
    const r = detcal(['dark', 'agipd', ...agipdRuns, '--out', join(work, 'stored.h5'), '--store', store, '--run-range', '5-end', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().stored.map((e: { ctype: string }) => e.ctype).sort()).toEqual(['BadPixelsDark', 'DigitalMean', 'DigitalStd', 'Noise', 'Offset', 'ThresholdsDark']);
    const f = detcal(['constants', 'find', '--store', store, '-d', 'agipd', '-t', 'Offset', '--run', '7', '--json']);
    expect(f.status, f.stderr).toBe(0);
    expect(JSON.stringify(f.json())).toContain('"beginRun":5');
    const none = detcal(['constants', 'find', '--store', store, '-d', 'agipd', '-t', 'Offset', '--run', '4', '--no-defaults']);
    expect(none.status).not.toBe(0);
  });

  it('threads and in-process accumulation give identical files', () => {
    const one = join(work, 't1.h5'), two = join(work, 't2.h5');
    expect(detcal(['dark', 'agipd', ...agipdRuns, '--out', one, '--threads', '1']).status).toBe(0);
    expect(detcal(['dark', 'agipd', ...agipdRuns, '--out', two, '--threads', '2']).status).toBe(0);
    const py = `import h5py,sys,numpy as np\na=h5py.File(sys.argv[1]);b=h5py.File(sys.argv[2])\nprint(all(np.array_equal(a[k][()],b[k][()],equal_nan=True) for k in a))`;
    expect(h5py(py, one, two).trim()).toBe('True');
  });
});

describe('detcal dark: bad input is one line, non-zero, and leaves no file', () => {
  it('runs in the wrong order', () => {
    const out = join(work, 'bad-order.h5');
    const r = detcal(['dark', 'agipd', agipdRuns[1], agipdRuns[0], agipdRuns[2], '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/must be given in gain order high, medium, low/);
    expect(existsSync(out)).toBe(false);
  });
  it('a wrong number of runs, a missing run, an unknown parameter, a detector mismatch', () => {
    const out = join(work, 'bad.h5');
    expect(detcal(['dark', 'agipd', ...agipdRuns.slice(0, 2), '--out', out]).stderr).toMatch(/AGIPD dark needs 3 runs \(high, medium, low\), got 2/);
    expect(detcal(['dark', 'agipd', agipdRuns[0], join(work, 'nope'), agipdRuns[2], '--out', out]).stderr).toMatch(/nope/);
    expect(detcal(['dark', 'agipd', ...agipdRuns, '--out', out, '--param', 'sigma=3']).stderr).toMatch(/unknown parameter 'sigma': valid parameters are thresholds_offset_sigma/);
    const j = detcal(['dark', 'jungfrau', ...agipdRuns, '--out', out]);
    expect(j.status).not.toBe(0);
    expect(j.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
  it('lists the parameters with --help-params', () => {
    const r = detcal(['dark', 'agipd', '--help-params']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/thresholds_noise_hard_hg\s+\[4,20\]/);
  });
});
