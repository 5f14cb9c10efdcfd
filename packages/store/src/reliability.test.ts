// Multi-process behaviour of the store: concurrent writers (spawned Node children running the sources
// through fixtures/ts-register.mjs), writes killed at each step of an add, and what verify / find make of it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './store.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-reliability-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pkg = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs fixtures/add-child.ts: adds `count` Offset+Noise sets for `detectorId`. */
function addChild(dir: string, detectorId: string, count: number, tag: string, env: Record<string, string> = {}, barrier = ''): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=detcal-source', '--import', './src/fixtures/ts-register.mjs', 'src/fixtures/add-child.ts', dir, detectorId, String(count), tag, barrier], {
      cwd: pkg,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('two processes writing at once', () => {
  it('both succeed: distinct ids, aliases and payloads, nothing half-written', async () => {
    const dir = join(work, 'concurrent');
    // Both children create the store at the same time, then, from the same instant, add 12 sets (24 constants) each.
    const [a, b] = await Promise.all([addChild(dir, 'JF-A', 12, 'a', {}, `${work}/barrier1:2`), addChild(dir, 'JF-B', 12, 'b', {}, `${work}/barrier1:2`)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    // Then both add to the SAME new detector in the same seconds: one alias, no payload overwritten.
    const [c, d] = await Promise.all([addChild(dir, 'JF-C', 6, 'c', {}, `${work}/barrier2:2`), addChild(dir, 'JF-C', 6, 'd', {}, `${work}/barrier2:2`)]);
    expect(c.code, c.stderr).toBe(0);
    expect(d.code, d.stderr).toBe(0);
    const idsOf = (r: ChildResult): number[] => JSON.parse(r.stdout).ids;
    const ids = [a, b, c, d].flatMap(idsOf);
    expect(new Set(ids).size).toBe(72);
    // The writers really overlapped: each one's ids fall between the other's.
    const overlap = (x: number[], y: number[]): boolean => Math.min(...x) < Math.max(...y) && Math.min(...y) < Math.max(...x);
    expect(overlap(idsOf(a), idsOf(b))).toBe(true);
    expect(overlap(idsOf(c), idsOf(d))).toBe(true);
    const store = await openStore(dir, { create: false });
    const entries = store.list({ detectorType: 'jungfrau' });
    expect(entries).toHaveLength(72);
    expect(new Set(entries.map((e) => e.path)).size).toBe(72);
    const alias = (id: string): string[] => [...new Set(entries.filter((e) => e.detectorId === id).map((e) => e.alias))];
    expect([alias('JF-A'), alias('JF-B')].flat().sort()).toEqual(['0001', '0002']);
    expect(alias('JF-C')).toEqual(['0003']);
    expect(store.list({ detectorType: 'epix100' })).toHaveLength(1); // the built-in default, seeded once
    const v = store.verify();
    expect(v).toMatchObject({ checked: 73, ok: 73, problems: [], orphans: [], tempFiles: [] });
    expect(entries.filter((e) => e.path.endsWith('.v2.h5')).length).toBeGreaterThan(0); // the two JF-C writers produce the same names (same time stamp and runs)
    expect(store.history({ action: 'add' })).toHaveLength(36);
    store.close();
  }, 60_000);
});

describe('a write killed part way', () => {
  it('leaves no half entry at any step; orphans and temp files are reported by verify and pruned; the store stays usable', async () => {
    const points = ['after-temp', 'after-rename', 'before-commit'] as const;
    const dirs = points.map((p) => join(work, `crash-${p}`));
    for (const dir of dirs) (await openStore(dir)).close();
    const results = await Promise.all(points.map((p, i) => addChild(dirs[i], 'JF-K', 1, 'k', { DETCAL_STORE_CRASH_AT: p })));
    for (const r of results) expect(r.signal).toBe('SIGKILL');
    const reports = [];
    for (const [i, point] of points.entries()) {
      const store = await openStore(dirs[i]);
      expect(store.list({ detectorType: 'jungfrau' }), point).toEqual([]);
      const v = store.verify();
      expect(v.problems, point).toEqual([]);
      // after-temp: both payloads still in tmp; after-rename: Offset renamed (orphan), Noise in tmp; before-commit: both renamed.
      const expected = { 'after-temp': [0, 2], 'after-rename': [1, 1], 'before-commit': [2, 0] }[point];
      expect([v.orphans.length, v.tempFiles.filter((f) => f.endsWith('.h5')).length], point).toEqual(expected);
      for (const o of v.orphans) expect(o).toMatch(/^jungfrau\/JF-K\/(Offset|Noise)\/jungfrau_0001_\d{14}_p1234_r0010_(Offset|Noise)\.h5$/);
      expect(() => store.findEntry({ detectorType: 'jungfrau', ctype: 'Offset', useDefaults: false }), point).toThrow(/no Offset of jungfrau/);
      reports.push(v);
      store.close();
    }
    // The next write works, gets the alias the killed one never committed, and does not overwrite the orphan's name.
    const again = await Promise.all(dirs.map((dir) => addChild(dir, 'JF-K', 1, 'again')));
    for (const [i, point] of points.entries()) {
      expect(again[i].code, again[i].stderr).toBe(0);
      const store = await openStore(dirs[i]);
      const v = reports[i];
      const expected = { 'after-temp': [0, 2], 'after-rename': [1, 1], 'before-commit': [2, 0] }[point];
      const entries = store.list({ detectorType: 'jungfrau' });
      expect(entries.map((e) => e.alias)).toEqual(['0001', '0001']);
      for (const e of entries) expect(v.orphans).not.toContain(e.path);
      const pruned = store.verify({ prune: true, pruneAgeMs: 0 });
      expect(pruned.pruned.length, point).toBe(expected[0] + expected[1] + v.tempFiles.filter((f) => !f.endsWith('.h5')).length);
      expect(store.verify()).toMatchObject({ ok: 3, problems: [], orphans: [], tempFiles: [] });
      store.close();
    }
    expect(existsSync(join(dirs[0], 'tmp')) && readdirSync(join(dirs[0], 'tmp'))).toEqual([]);
  }, 60_000);
});
