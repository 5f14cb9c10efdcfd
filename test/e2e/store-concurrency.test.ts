// Reliability of the store through the CLI: two `detcal constants add` processes at the same time, and
// an add killed between payload rename and index commit (DETCAL_STORE_CRASH_AT test hook).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConstant, makeConstantSet } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { detcal, repoRoot } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-e2e-conc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = join(repoRoot, 'apps/cli/bin/run.js');

function detcalAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DETCAL_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

beforeAll(async () => {
  for (const id of ['PANEL-A', 'PANEL-B']) {
    const set = makeConstantSet({ detectorType: 'epix100', detectorId: id, module: 0, conditions: {}, sourceRuns: ['7'], createdAt: '2024-05-31T10:00:00Z', toolVersion: '0.1.0', parameters: {} },
      ['pedestals', 'pixel_rms'].map((n) => makeConstant(n, new Float32Array(704 * 768).fill(n === 'pedestals' ? 1500 : 4), [704, 768], ['row', 'col'], 'ADU')));
    await writeConstantsFile(join(work, `${id}.h5`), set);
  }
});

describe('two detcal processes adding at once', () => {
  it('both succeed on a store that neither has created yet', async () => {
    const env = { DETCAL_STORE: join(work, 'store') };
    const runs = ['PANEL-A', 'PANEL-B', 'PANEL-A', 'PANEL-B'].map((id, i) => detcalAsync(['constants', 'add', join(work, `${id}.h5`), '--run-range', `${10 + i}-end`, '--json'], env));
    const results = await Promise.all(runs);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const list = detcal(['constants', 'list', '-d', 'epix100', '--no-defaults', '--json'], env).json().entries;
    expect(list).toHaveLength(8);
    expect(new Set(list.map((e: { path: string }) => e.path)).size).toBe(8);
    const aliases = (id: string): string[] => [...new Set<string>(list.filter((e: { detectorId: string }) => e.detectorId === id).map((e: { alias: string }) => e.alias))];
    expect([...aliases('PANEL-A'), ...aliases('PANEL-B')].sort()).toEqual(['0001', '0002']);
    const v = detcal(['constants', 'verify', '--json'], env);
    expect(v.status).toBe(0);
    expect(v.json()).toMatchObject({ checked: 9, ok: 9, problems: [], orphans: [], tempFiles: [] });
  }, 60_000);
});

describe('an add killed between payload rename and index commit', () => {
  it('leaves no entry; verify reports the orphan payload; the next add works and does not overwrite it', async () => {
    const env = { DETCAL_STORE: join(work, 'crash') };
    const first = detcal(['constants', 'add', join(work, 'PANEL-B.h5'), '--run-range', '1-end'], env);
    expect(first.status, first.stderr).toBe(0);
    const killed = await detcalAsync(['constants', 'add', join(work, 'PANEL-A.h5'), '--run-range', '5-end'], { ...env, DETCAL_STORE_CRASH_AT: 'after-rename' });
    expect(killed.signal).toBe('SIGKILL');
    const list = detcal(['constants', 'list', '--detector-id', 'PANEL-A', '--json'], env);
    expect(list.status, list.stderr).toBe(0);
    expect(list.json().entries).toEqual([]);
    const v = detcal(['constants', 'verify', '--json'], env);
    expect(v.status).toBe(0);
    expect(v.json().orphans).toEqual(['epix100/PANEL-A/pedestals/epix100_0002_20240531100000_none_r0005_pedestals.h5']);
    expect(v.json().tempFiles).toHaveLength(1);
    expect(detcal(['constants', 'verify'], env).stdout).toMatch(/orphan payload \(not in the index\) {2}epix100\/PANEL-A\/pedestals\//);
    const again = detcal(['constants', 'add', join(work, 'PANEL-A.h5'), '--run-range', '5-end', '--json'], env);
    expect(again.status, again.stderr).toBe(0);
    expect(again.json().entries.map((e: { path: string }) => e.path)).toEqual([
      'epix100/PANEL-A/pedestals/epix100_0002_20240531100000_none_r0005_pedestals.v2.h5',
      'epix100/PANEL-A/pixel_rms/epix100_0002_20240531100000_none_r0005_pixel_rms.h5',
    ]);
    const pruned = detcal(['constants', 'verify', '--prune', '--json'], env).json();
    expect(pruned.pruned).toEqual([]); // younger than 15 minutes: a concurrent writer may be about to commit it
    const found = detcal(['constants', 'find', '-d', 'epix100', '-t', 'pedestals', '--run', '6', '--json'], env).json();
    expect(found.entry.path).toMatch(/\.v2\.h5$/);
  }, 60_000);
});
