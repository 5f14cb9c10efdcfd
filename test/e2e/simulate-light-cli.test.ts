// `detcal simulate --kind light`: the photon energy flag reaches the plugin, the per-frame truth file
// is written next to the runs, and a bad energy is a one-line error.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-light-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('detcal simulate --kind light', () => {
  it('passes --photon-energy to the simulation and writes the per-frame truth', () => {
    const out = join(work, 'epix');
    const r = detcal(['simulate', 'epix100', '--kind', 'light', '--out', out, '--trains', '2', '--photon-energy', '6', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(existsSync(rep.runs[0].truthFrames)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'simulation.json'), 'utf8'));
    expect(manifest.truthParameters.photonEnergyKev).toBe(6);
  });

  it('refuses a photon energy that is not positive', () => {
    const r = detcal(['simulate', 'epix100', '--kind', 'light', '--out', join(work, 'bad'), '--trains', '2', '--photon-energy', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--photon-energy 0: give the photon energy in keV/);
  });
});
