// `detcal mask` end to end: manual shapes and .npy masks, a systematic mask, ASIC borders, intervals on
// the constants of `detcal dark`, intervals typed on piped stdin, h5py reading the result, bad input.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal, repoRoot } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-mask-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dark = join(work, 'dark.h5');

function h5py(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  const sim = detcal(['simulate', 'agipd', '--out', join(work, 'sim'), '--cells', '2', '--trains', '12', '--json']);
  expect(sim.status, sim.stderr).toBe(0);
  const r = detcal(['dark', 'agipd', ...sim.json().runs.map((x: { dir: string }) => x.dir), '--out', dark, '--threads', '1']);
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(join(work, 'manual.txt'), '# beam stop\nrect 0 63 0 127\npolygon 100,0 100,10 110,10 110,0 cells 1\n');
  writeFileSync(join(work, 'systematic.txt'), 'pixel 300 5\n');
  h5py('import numpy as np,sys\nm=np.zeros((512,128),bool);m[400,100]=True\nnp.save(sys.argv[1],m)', join(work, 'hole.npy'));
}, 120_000);

describe('detcal mask agipd', () => {
  it('combines manual, systematic, ASIC-border and interval masks with the documented flags', () => {
    const out = join(work, 'mask.h5');
    const r = detcal(['mask', 'agipd', '--cells', '2', '--manual', join(work, 'manual.txt'), '--manual', join(work, 'hole.npy'), '--systematic', join(work, 'systematic.txt'),
      '--asic-borders', '1', '--constants', dark, '--interval', 'Offset[0]=4000:6500', '--interval', 'Noise=0:1000', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    // manual: 64 x 128 in both cells + a 10 x 10 block in cell 1 + one pixel in both cells
    expect(rep.stages.map((s: { newlyMasked: number }) => s.newlyMasked).slice(0, 3)).toEqual([2 * 64 * 128 + 100, 2, 2]);
    expect(rep.stages.map((s: { flag: string }) => s.flag)).toEqual(['EXPERT_CHOICE', 'EXPERT_CHOICE', 'EXPERT_CHOICE', 'NON_STANDARD_SIZE', 'VALUE_OUT_OF_RANGE', 'VALUE_OUT_OF_RANGE']);
    const py = `import h5py,sys,numpy as np
f=h5py.File(sys.argv[1]);m=f['badCellMask'];b=f['BadPixelsMask'][()];o=h5py.File(sys.argv[2])['Offset'][0]
print(m.shape,m.dtype,b.dtype,list(m.attrs['dims']),sep='|')
mm=m[()]
hot=((o<4000)|(o>6500))
print(int(mm.sum()),int(((b&(1<<23))!=0).sum()),int(((b&(1<<22))!=0).sum()),bool(mm[1,105,5]),bool(mm[0,105,5]),int((hot&(mm==0)).sum()),int(((b&(1<<12))!=0).sum()))`;
    const [layout, numbers] = h5py(py, out, dark).trim().split('\n');
    expect(layout).toBe("(2, 512, 128)|uint8|uint32|['cell', 'row', 'col']");
    const [total, expert, border, inBlock, notInBlock, hotUnmasked, outOfRange] = numbers.split(' ');
    expect(Number(total)).toBe(rep.masked);
    expect(Number(expert)).toBe(2 * 64 * 128 + 100 + 2 + 2);
    // every border pixel carries NON_STANDARD_SIZE, also those masked before: 16 ASICs x 252 per cell
    expect(Number(border)).toBe(2 * 16 * 252);
    expect([inBlock, notInBlock]).toEqual(['True', 'False']);
    expect(Number(hotUnmasked)).toBe(0); // the interval masked every out-of-range offset
    expect(Number(outOfRange)).toBe(rep.stages[4].newlyMasked + rep.stages[5].newlyMasked);
  });

  it('asks for intervals on piped stdin after printing each histogram', () => {
    const out = join(work, 'interactive.h5');
    const r = spawnSync(process.execPath, [join(repoRoot, 'apps/cli/bin/run.js'), 'mask', 'agipd', '--cells', '2', '--constants', dark, '--interval', 'DigitalMean=0:99999', '--interactive', '--out', out, '--json'], {
      input: '\n\n\n0:30\n\n\n4000:6500\n', encoding: 'utf8', env: { ...process.env, DETCAL_DEBUG: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    // prompts go to stderr with --json, constants in file order (DigitalStd[0..2], Noise[0..2], Offset[0..2] ...), with bin edges and counts
    expect(r.stderr).toMatch(/Offset\[0\] \(ADU\), cells not yet masked:\n {2}\d+ values, median/);
    expect(r.stderr).toMatch(/\n {2}\[\d+\.\d, \d+\.\d\)\s+\d+ #+\n/);
    expect(r.stderr).toMatch(/interval for Offset\[0\] as LO:HI/);
    const stages = JSON.parse(r.stdout).stages as Array<{ stage: string; source: string }>;
    expect(stages.map((s) => s.source.split(' ')[0])).toEqual(['DigitalMean', 'Noise[0]', 'Offset[0]']);
    expect(stages[2].stage).toBe('interval interactive');
  });

  it('fails in one line on a malformed mask file (with its line), an unknown constant and a cell mismatch', () => {
    writeFileSync(join(work, 'bad.txt'), 'rect 0 1 0 1\nrect 0 1 0\n');
    const out = join(work, 'bad.h5');
    const a = detcal(['mask', 'agipd', '--cells', '2', '--manual', join(work, 'bad.txt'), '--out', out, '--json']);
    expect(a.status).not.toBe(0);
    expect(a.json().error.message).toMatch(/bad\.txt:2: rect needs ROW0 ROW1 COL0 COL1/);
    const b = detcal(['mask', 'agipd', '--cells', '2', '--constants', dark, '--interval', 'photonSpacing=50:80', '--out', out, '--json']);
    expect(b.json().error.message).toMatch(/--interval photonSpacing: no constant photonSpacing in the --constants files \(BadPixelsDark, DigitalMean/);
    const c = detcal(['mask', 'agipd', '--cells', '4', '--constants', dark, '--interval', 'Offset=0:1', '--out', out, '--json']);
    expect(c.json().error.message).toMatch(/constant Offset has 2 memory cells, the mask 4/);
    expect(existsSync(out)).toBe(false);
  });
});
