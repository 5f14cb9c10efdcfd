// `detcal gain current-source agipd` and `detcal gain combine agipd` end to end on runs written by
// `detcal simulate`: h5py reads the results, slopes and gains are checked against the simulated truth,
// bad input gives a one-line error and leaves no file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-gaincs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const STEPS = 300;
let scanRun = '';
let truthFile = '';
let darkRuns: string[] = [];
const darkFile = join(work, 'dark.h5');
const csFile = join(work, 'cs.h5');

function python(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  const s = detcal(['simulate', 'agipd', '--kind', 'current-source', '--out', join(work, 'cs'), '--cells', '2', '--trains', String(STEPS), '--seed', '7', '--run', '30', '--json']);
  expect(s.status, s.stderr).toBe(0);
  scanRun = s.json().runs[0].dir;
  truthFile = s.json().truthFile;
  const d = detcal(['simulate', 'agipd', '--kind', 'dark', '--out', join(work, 'dark'), '--cells', '2', '--trains', '20', '--seed', '7', '--json']);
  expect(d.status, d.stderr).toBe(0);
  darkRuns = d.json().runs.map((x: { dir: string }) => x.dir);
  expect(detcal(['dark', 'agipd', ...darkRuns, '--out', darkFile]).status).toBe(0);
}, 300_000);

describe('detcal gain current-source agipd', () => {
  it('writes the seed\'s names and shapes that h5py reads, and recovers the slopes', () => {
    const r = detcal(['gain', 'current-source', 'agipd', scanRun, '--out', csFile, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect([rep.cells, rep.scanSteps, rep.pixelCells]).toEqual([2, STEPS, 2 * 65536]);
    // dead pixels (0.25% of the module) do not respond: they and only they never switch
    expect(rep.noSwitchingPixelCells).toBe(2 * Math.round(0.0025 * 65536));
    const shapes = python(
      `import h5py,sys\nf=h5py.File(sys.argv[1],'r')\nfor n in ['analogGains','analogLineOffsets','analogFitStdDevs','digitalMeans','digitalStdDeviations','digitalThresholds','digitalSpacingsSafetyFactors']: print(n, f[n].shape, f[n].dtype, list(f[n].attrs['dims']), 'unit=' + f[n].attrs['unit'])`,
      csFile,
    );
    expect(shapes.trim().split('\n')).toEqual([
      "analogGains (3, 2, 128, 512) float32 ['gain', 'cell', 'col', 'row'] unit=ADU/step",
      "analogLineOffsets (3, 2, 128, 512) float32 ['gain', 'cell', 'col', 'row'] unit=ADU",
      "analogFitStdDevs (3, 2, 128, 512) float32 ['gain', 'cell', 'col', 'row'] unit=ADU",
      "digitalMeans (2, 3, 128, 512) float32 ['cell', 'gain', 'col', 'row'] unit=ADU",
      "digitalStdDeviations (2, 3, 128, 512) float32 ['cell', 'gain', 'col', 'row'] unit=ADU",
      "digitalThresholds (2, 2, 128, 512) float32 ['threshold', 'cell', 'col', 'row'] unit=ADU",
      "digitalSpacingsSafetyFactors (2, 2, 128, 512) float32 ['cell', 'threshold', 'col', 'row'] unit=",
    ]);
    // numpy against the truth (raw orientation): 300 steps give relative slope errors of <= ~0.36% (sigma),
    // so >= 99% of good pixel-cells within 1% expected; thresholds strictly between the true digital means.
    const py = `import h5py,sys,numpy as np
f=h5py.File(sys.argv[1],'r'); t=h5py.File(sys.argv[2],'r')
good=(t['BadPixelsTruth'][()]==0)
fit=np.transpose(f['analogGains'][()],(0,1,3,2))
ok=np.abs(fit/t['analogGains'][()]-1)<=0.01
th=np.transpose(f['digitalThresholds'][()],(0,1,3,2)); dm=t['digitalMeans'][()]
between=(th>dm[:2])&(th<dm[1:])
sf=np.transpose(f['digitalSpacingsSafetyFactors'][()],(1,0,3,2))
print(' '.join('%.4f'%ok[g][good[g]].mean() for g in range(3)), int((~between[:, good[0]]).sum()), int((~np.isfinite(sf[:, good[0]])).sum()))`;
    const [hg, mg, lg, outside, infinite] = python(py, csFile, truthFile).trim().split(' ').map(Number);
    expect(Math.min(hg, mg, lg)).toBeGreaterThanOrEqual(0.99);
    expect([outside, infinite]).toEqual([0, 0]);
  }, 300_000);

  it('writes [gain][cell][row][col] with --layout detcal', () => {
    const out = join(work, 'cs-detcal.h5');
    const r = detcal(['gain', 'current-source', 'agipd', scanRun, '--out', out, '--layout', 'detcal', '--threads', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(python(`import h5py,sys\nf=h5py.File(sys.argv[1],'r')\nprint(f['digitalMeans'].shape, list(f['digitalMeans'].attrs['dims']))`, out).trim()).toBe("(3, 2, 512, 128) ['gain', 'cell', 'row', 'col']");
  }, 300_000);

  it('writes the same bytes one memory cell at a time (--param cells_per_group=1), and stores the constants read back from the file', () => {
    const out = join(work, 'cs-groups.h5');
    const store = join(work, 'cs-store');
    const r = detcal(['gain', 'current-source', 'agipd', scanRun, '--out', out, '--param', 'cells_per_group=1', '--store', store, '--run-range', '30-end', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().cellsPerGroup).toBe(1);
    expect(r.json().stored.map((e: { ctype: string }) => e.ctype)).toEqual(['analogGains', 'analogLineOffsets', 'analogFitStdDevs', 'digitalMeans', 'digitalStdDeviations', 'digitalThresholds', 'digitalSpacingsSafetyFactors']);
    const thresholds = r.json().stored.find((e: { ctype: string }) => e.ctype === 'digitalThresholds').path;
    // every dataset bit for bit against the run that wrote both cells at once (first test), contiguous like before;
    // the stored payload holds the same values
    const py = `import h5py,sys
a=h5py.File(sys.argv[1],'r'); b=h5py.File(sys.argv[2],'r'); s=h5py.File(sys.argv[3],'r')
print(sorted(a.keys())==sorted(b.keys()), all(a[k][()].tobytes()==b[k][()].tobytes() and a[k].chunks is None and b[k].chunks is None for k in a), s['digitalThresholds'][()].tobytes()==b['digitalThresholds'][()].tobytes())`;
    expect(python(py, csFile, out, join(store, thresholds)).trim()).toBe('True True True');
  }, 300_000);

  it('one-line errors: a run without gain switching, runs with different memory cells; no file left', () => {
    const out = join(work, 'bad.h5');
    const r = detcal(['gain', 'current-source', 'agipd', darkRuns[0], '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/never switch gain .*pass a current-source or pulse-capacitor scan/);
    // found after every cell group was written to out.tmp: the temp file is removed too
    expect([existsSync(out), existsSync(`${out}.tmp`)]).toEqual([false, false]);
    const pc = detcal(['simulate', 'agipd', '--kind', 'pulse-capacitor', '--out', join(work, 'pc'), '--cells', '1', '--trains', '24', '--run', '50', '--json']);
    expect(pc.status, pc.stderr).toBe(0);
    const m = detcal(['gain', 'current-source', 'agipd', scanRun, pc.json().runs[0].dir, '--out', out, '--json']);
    expect(m.status).not.toBe(0);
    expect(m.json().error.message).toMatch(/1 memory cells per train but .* has 2; merged runs must be taken with the same memory cells/);
    expect(existsSync(out)).toBe(false);
  }, 300_000);
});

describe('detcal gain combine agipd', () => {
  const xray = join(work, 'xray.h5');
  beforeAll(() => {
    // X-ray constants as `detcal gain xray agipd` writes them: photonSpacing (row, col) in ADU, 7.5 ADU/keV at 9 keV
    python(
      `import h5py,sys,numpy as np\nf=h5py.File(sys.argv[1],'w')\nps=(9*7.5*(1+0.05*np.sin(np.arange(65536)))).reshape(512,128).astype('f4')\nd=f.create_dataset('photonSpacing',data=ps); d.attrs['dims']=['row','col']; d.attrs['unit']='ADU'\nq=f.create_dataset('quality',data=np.ones((512,128),'f4')); q.attrs['dims']=['row','col']; q.attrs['unit']=''\nf.attrs['detector_type']='agipd'; f.attrs['parameters']='{"photonEnergyKev": 9}'`,
      xray,
    );
  });

  it('gives keV/ADU per stage from the photon spacing and the slope ratios, stored with validity', () => {
    const out = join(work, 'gain.h5');
    const store = join(work, 'store');
    const r = detcal(['gain', 'combine', 'agipd', '--dark', darkFile, '--current-source', csFile, '--xray', xray, '--out', out, '--store', store, '--run-range', '30-end', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.photonEnergyKev).toBe(9);
    expect(rep.stored.map((e: { ctype: string }) => e.ctype).sort()).toEqual(['BadPixelsGain', 'GainKevPerAdu', 'Offset', 'ThresholdsDark']);
    // expected: HG (cell 0) = 9 / spacing; every stage and cell: 9 / spacing * sHG[0] / s_stage[cell] with the TRUE slopes;
    // the fitted ratios carry ~0.3% (HG) and ~0.4% (MG, LG) errors each, so 2% holds for >= 99% of good pixel-cells
    const py = `import h5py,sys,numpy as np
g=h5py.File(sys.argv[1],'r'); t=h5py.File(sys.argv[2],'r'); x=h5py.File(sys.argv[3],'r')
G=g['GainKevPerAdu'][()]; s=t['analogGains'][()]; ps=x['photonSpacing'][()]
good=(t['BadPixelsTruth'][()]==0)
exp=9/ps*s[0,0][None,None]/s
ok=np.abs(G/exp-1)<=0.02
print(G.shape, list(g['GainKevPerAdu'].attrs['dims']), g['GainKevPerAdu'].attrs['unit'], ' '.join('%.4f'%ok[k][good[k]].mean() for k in range(3)), float(np.max(np.abs(G[0,0]*ps/9-1)[good[0,0]])))`;
    const line = python(py, out, truthFile, xray).trim();
    expect(line.startsWith("(3, 2, 512, 128) ['gain', 'cell', 'row', 'col'] keV/ADU")).toBe(true);
    const [hg, mg, lg, cell0] = line.split(' ').slice(-4).map(Number);
    expect(Math.min(hg, mg, lg)).toBeGreaterThanOrEqual(0.99);
    expect(cell0).toBeLessThan(1e-5);
    expect(detcal(['constants', 'find', '--store', store, '-d', 'agipd', '-t', 'GainKevPerAdu', '-r', '31', '--json']).status).toBe(0);
  }, 300_000);

  it('one-line errors: missing input file, dark of other memory cells', () => {
    const out = join(work, 'gain-bad.h5');
    const miss = detcal(['gain', 'combine', 'agipd', '--dark', darkFile, '--current-source', csFile, '--xray', join(work, 'nope.h5'), '--out', out]);
    expect(miss.status).not.toBe(0);
    expect(miss.stderr).toMatch(/--xray .*nope\.h5: no such file/);
    const oneCell = join(work, 'dark-1cell.h5');
    python(`import h5py,sys,numpy as np\nf=h5py.File(sys.argv[1],'w')\nd=f.create_dataset('Offset',data=np.zeros((3,1,512,128),'f4')); d.attrs['dims']=['gain','cell','row','col']`, oneCell);
    const mm = detcal(['gain', 'combine', 'agipd', '--dark', oneCell, '--current-source', csFile, '--xray', xray, '--out', out, '--json']);
    expect(mm.status).not.toBe(0);
    expect(mm.json().error.message).toMatch(/dark Offset has shape \[3,1,512,128\] but the current-source scan has 2 cells/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
