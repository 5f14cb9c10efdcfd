// `detcal dark agipd --stream-constants`: constants written stage by stage and cell group by cell group
// are the file the in-memory path writes (h5py, every dataset byte for byte), with the same summary; a
// failure in the last stage (after earlier stages were written) leaves neither the file nor its temp file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-dark-stream-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs: string[] = [];

function python(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  // 18 cells: a group of 16 and one of 2 per gain stage
  const r = detcal(['simulate', 'agipd', '--out', join(work, 'sim'), '--cells', '18', '--trains', '6', '--json']);
  expect(r.status, r.stderr).toBe(0);
  runs = r.json().runs.map((x: { dir: string }) => x.dir);
});

describe('detcal dark agipd --stream-constants', () => {
  it('writes the same constants file as the in-memory path, and the same summary', () => {
    const memory = join(work, 'memory.h5'), streamed = join(work, 'streamed.h5');
    const a = detcal(['dark', 'agipd', ...runs, '--out', memory, '--stream-constants', 'never', '--json']);
    const b = detcal(['dark', 'agipd', ...runs, '--out', streamed, '--stream-constants', 'always', '--threads', '2', '--json']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect([a.json().streamed, b.json().streamed]).toEqual([false, true]);
    expect(b.stderr).toBe(''); // libhdf5's refusal to write the missing buffer of an unwritten dataset is not shown
    expect(b.json().writeSeconds).toBeGreaterThan(0);
    expect(b.json().summary).toEqual(a.json().summary);
    const py = `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
def attrs(o): return {k: (v.tolist() if isinstance(v, np.ndarray) else str(v)) for k, v in o.attrs.items() if k != 'created_at'}
print(json.dumps({'keys': [list(a.keys()), list(b.keys())], 'file_attrs': attrs(a) == attrs(b),
  'same': {k: [a[k].dtype.str == b[k].dtype.str, a[k].shape == b[k].shape, b[k].chunks is None, attrs(a[k]) == attrs(b[k]), a[k][()].tobytes() == b[k][()].tobytes()] for k in a.keys()},
  'flagged': int(np.count_nonzero(a['BadPixelsDark'][()]))}))`;
    const res = JSON.parse(python(py, memory, streamed)) as { keys: string[][]; file_attrs: boolean; same: Record<string, boolean[]>; flagged: number };
    expect(res.keys[1]).toEqual(res.keys[0]);
    expect(res.keys[0]).toEqual(['BadPixelsDark', 'DigitalMean', 'DigitalStd', 'Noise', 'Offset', 'ThresholdsDark']);
    expect(res.file_attrs).toBe(true);
    for (const k of res.keys[0]) expect([k, ...res.same[k]]).toEqual([k, true, true, true, true, true]);
    expect(res.flagged).toBeGreaterThan(0);
  });

  it('stores the streamed constants with --store', () => {
    const store = join(work, 'store');
    const r = detcal(['dark', 'agipd', ...runs, '--out', join(work, 'stored.h5'), '--stream-constants', 'always', '--store', store, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().stored.map((s: { ctype: string }) => s.ctype)).toEqual(['Offset', 'Noise', 'ThresholdsDark', 'DigitalMean', 'DigitalStd', 'BadPixelsDark']);
  });

  it('a failure in the last gain stage leaves neither the file nor its temp file, with a one-line error', () => {
    // a frame of the low-gain run claims memory cell 999: found while streaming that run, after the high and medium stages were written
    const bad = join(work, 'bad-low');
    execFileSync('cp', ['-r', runs[2], bad]);
    const file = join(bad, readdirSync(bad).find((f) => f.endsWith('.h5')) as string);
    python(`import h5py,sys\nds=h5py.File(sys.argv[1],'r+')['INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/cellId']\nds[ds.shape[0]-3]=999`, file);
    const out = join(work, 'failed.h5');
    const r = detcal(['dark', 'agipd', runs[0], runs[1], bad, '--out', out, '--stream-constants', 'always']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/memory cell 999/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });
});
