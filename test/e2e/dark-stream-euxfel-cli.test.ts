// `detcal dark agipd --layout euxfel --stream-constants always`: the constants stream into a hidden
// detcal-layout scratch file that is then transposed slab by slab into the (col, row, cell, gain) file;
// that file is the one the in-memory path writes (h5py, every dataset byte for byte), with the same
// summary, and no scratch or temp file is left, whether the run succeeds or fails (in the streamed
// stages or in the transposition).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-dark-stream-euxfel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs: string[] = [];

function python(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

/** A fresh folder for the outputs of one test: whatever is left in it is what the run left. */
function outDir(name: string): string {
  const d = join(work, name);
  mkdirSync(d);
  return d;
}

beforeAll(() => {
  // 18 cells: a group of 16 and one of 2 per gain stage
  const r = detcal(['simulate', 'agipd', '--out', join(work, 'sim'), '--cells', '18', '--trains', '6', '--json']);
  expect(r.status, r.stderr).toBe(0);
  runs = r.json().runs.map((x: { dir: string }) => x.dir);
});

describe('detcal dark agipd --layout euxfel --stream-constants', () => {
  it('writes the same euxfel-layout file as the in-memory path, the same summary, and leaves no scratch file', () => {
    const dir = outDir('same');
    const memory = join(dir, 'memory.h5'), streamed = join(dir, 'streamed.h5');
    const a = detcal(['dark', 'agipd', ...runs, '--out', memory, '--layout', 'euxfel', '--stream-constants', 'never', '--json']);
    const b = detcal(['dark', 'agipd', ...runs, '--out', streamed, '--layout', 'euxfel', '--stream-constants', 'always', '--threads', '2', '--json']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect([a.json().streamed, b.json().streamed]).toEqual([false, true]);
    expect(b.stderr).toBe('');
    expect(b.json().writeSeconds).toBeGreaterThan(0);
    expect(b.json().summary).toEqual(a.json().summary);
    expect(readdirSync(dir).sort()).toEqual(['memory.h5', 'streamed.h5']);
    const py = `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
def attrs(o): return {k: (v.tolist() if isinstance(v, np.ndarray) else str(v)) for k, v in o.attrs.items() if k != 'created_at'}
print(json.dumps({'keys': [list(a.keys()), list(b.keys())], 'file_attrs': attrs(a) == attrs(b), 'layout': str(b.attrs['layout']),
  'same': {k: [a[k].dtype.str == b[k].dtype.str, a[k].shape == b[k].shape, b[k].chunks is None, attrs(a[k]) == attrs(b[k]), a[k][()].tobytes() == b[k][()].tobytes()] for k in a.keys()},
  'offset': [list(b['Offset'].shape), [str(d) for d in b['Offset'].attrs['dims']]], 'flagged': int(np.count_nonzero(a['BadPixelsDark'][()]))}))`;
    const res = JSON.parse(python(py, memory, streamed)) as { keys: string[][]; file_attrs: boolean; layout: string; same: Record<string, boolean[]>; offset: [number[], string[]]; flagged: number };
    expect(res.keys[1]).toEqual(res.keys[0]);
    expect(res.keys[0]).toEqual(['BadPixelsDark', 'DigitalMean', 'DigitalStd', 'Noise', 'Offset', 'ThresholdsDark']);
    expect(res.file_attrs).toBe(true);
    expect(res.layout).toBe('euxfel');
    for (const k of res.keys[0]) expect([k, ...res.same[k]]).toEqual([k, true, true, true, true, true]);
    expect(res.offset).toEqual([[128, 512, 18, 3], ['col', 'row', 'cell', 'gain']]);
    expect(res.flagged).toBeGreaterThan(0);
  });

  it('stores the streamed constants with --store (read back from the euxfel file in detcal order)', () => {
    const dir = outDir('store');
    const store = join(dir, 'store');
    const r = detcal(['dark', 'agipd', ...runs, '--out', join(dir, 'stored.h5'), '--layout', 'euxfel', '--stream-constants', 'always', '--store', store, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().stored.map((s: { ctype: string }) => s.ctype)).toEqual(['Offset', 'Noise', 'ThresholdsDark', 'DigitalMean', 'DigitalStd', 'BadPixelsDark']);
    // the stored Offset is the file's, in detcal order ([gain][cell][row][col])
    const same = python(
      `import sys, h5py, numpy as np\ns = h5py.File(sys.argv[1], 'r')['Offset']\ne = h5py.File(sys.argv[2], 'r')['Offset'][()]\nprint(s.shape == (3, 18, 512, 128) and np.transpose(e).tobytes() == s[()].tobytes())`,
      join(store, r.json().stored[0].path),
      join(dir, 'stored.h5'),
    );
    expect(same.trim()).toBe('True');
  });

  it('a failure in the last gain stage leaves neither the file nor any temp or scratch file', () => {
    // a frame of the low-gain run claims memory cell 999: found while streaming that run, after the high and medium stages were written
    const bad = join(work, 'bad-low');
    execFileSync('cp', ['-r', runs[2], bad]);
    const file = join(bad, readdirSync(bad).find((f) => f.endsWith('.h5')) as string);
    python(`import h5py,sys\nds=h5py.File(sys.argv[1],'r+')['INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/cellId']\nds[ds.shape[0]-3]=999`, file);
    const dir = outDir('failed');
    const r = detcal(['dark', 'agipd', runs[0], runs[1], bad, '--out', join(dir, 'failed.h5'), '--layout', 'euxfel', '--stream-constants', 'always']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/memory cell 999/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failure in the transposition (the output path is a folder) leaves no temp or scratch file', () => {
    const dir = outDir('transpose-fails');
    const out = join(dir, 'out.h5');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'not a constants file');
    const r = detcal(['dark', 'agipd', ...runs, '--out', out, '--layout', 'euxfel', '--stream-constants', 'always']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/out\.h5: cannot put the written file in place/);
    expect(readdirSync(dir)).toEqual(['out.h5']);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(existsSync(join(dir, '.out.h5.detcal.tmp'))).toBe(false);
  });
});
