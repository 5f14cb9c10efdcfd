// `detcal correct jungfrau` end to end: simulated darks -> `detcal dark` -> a simulated light run of
// the same module (photons that switch pixels into G1 / G2, invalid gain bits, per-bank common mode)
// -> CORR file, checked with h5py against the per-frame truth.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-correct-jf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('detcal correct jungfrau', () => {
  it('assigns stages from the gain bits, flags invalid bits and recovers the deposited energy', () => {
    const d = detcal(['simulate', 'jungfrau', '--kind', 'dark', '--out', join(work, 'dark'), '--cells', '1', '--trains', '48', '--json']);
    expect(d.status, d.stderr).toBe(0);
    const dark = join(work, 'dark.h5');
    expect(detcal(['dark', 'jungfrau', ...d.json().runs.map((r: { dir: string }) => r.dir), '--out', dark, '--threads', '1']).status).toBe(0);
    const l = detcal(['simulate', 'jungfrau', '--kind', 'light', '--out', join(work, 'light'), '--cells', '1', '--trains', '8', '--run', '30', '--json']);
    expect(l.status, l.stderr).toBe(0);
    const light = l.json();
    const out = join(work, 'corr');
    // RelativeGain (ADU/keV per stage) from the simulation's truth file, Offset and BadPixelsDark from the dark (later file wins).
    const r = detcal(['correct', 'jungfrau', light.runs[0].dir, '--constants', light.truthFile, '--constants', dark, '--out', out, '--param', 'common_mode=true', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.unit).toBe('keV');
    expect(rep.constants.Offset).toBe(`file ${dark}`);
    expect(rep.summary.g1Values).toBeGreaterThan(0);
    expect(rep.summary.g2Values).toBeGreaterThan(0);
    const py = `
import h5py, sys, glob, numpy as np
src = 'INSTRUMENT/FXE_XAD_JF1M/CORR/JNGFR01:daqOutput/data/'
f = h5py.File(glob.glob(sys.argv[1] + '/CORR-R0030-JNGFR01-S00000.h5')[0], 'r')
t = h5py.File(sys.argv[2], 'r'); tr = h5py.File(sys.argv[3], 'r')
g = f[src + 'gain'][()]; m = f[src + 'mask'][()]; e = f[src + 'adc'][()]
st = t['gainStage'][()]; et = t['energyKev'][()]; wrong = t['wrongGain'][()] > 0
noise = tr['Noise'][()][:, 0]; gain = np.abs(tr['RelativeGain'][()][:, 0])
valid = ~wrong
flagged = bool(((m[wrong] & (1 << 21)) != 0).all() and np.isnan(e[wrong]).all())
agree = float((g[valid] == st[valid]).mean())
good = valid & (m == 0) & (g == st)
idx = (np.clip(g, 0, 2), np.arange(512)[None, :, None], np.arange(1024)[None, None, :])
# 5.5 sigma of the stage noise in keV, widened by sqrt(1 + 1/48) for dark offsets from 48 frames and the common mode.
z = np.abs(e - et) / (noise[idx] / gain[idx] * np.sqrt(1 + 1 / 48))
print(int(flagged), int(wrong.sum()), agree, float((z[good] > 5.5).mean()))
`;
    const [flagged, nWrong, agree, outside] = execFileSync('/usr/bin/python3', ['-c', py, out, light.runs[0].truthFrames, light.truthFile], { encoding: 'utf8' }).trim().split(' ').map(Number);
    expect(flagged).toBe(1);
    expect(nWrong).toBeGreaterThan(0);
    expect(agree).toBeGreaterThan(0.999);
    expect(outside).toBeLessThan(1e-3);
  });
});
