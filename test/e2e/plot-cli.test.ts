// `detcal dark --plot` and `detcal plot` end to end through the built binary: a small simulated AGIPD
// dark (2 cells, 20 trains), the expected PNG names per constant / gain stage / cell, every PNG
// decodable with a readable title, both file layouts giving the same pictures, and one-line errors.
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Raster, readText } from '@detcal/plot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-plot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs: string[] = [];

beforeAll(() => {
  const r = detcal(['simulate', 'agipd', '--out', join(work, 'agipd'), '--cells', '2', '--trains', '20', '--json']);
  expect(r.status, r.stderr).toBe(0);
  runs = r.json().runs.map((x: { dir: string }) => x.dir);
});

/** The files `--plot` writes for an AGIPD dark, cell c, in the order of the plugin's constants. */
function agipdPlotNames(c: number): string[] {
  const perGain = (name: string, n: number): string[] => Array.from({ length: n }, (_, g) => [`${name}-g${g}-c${c}-map.png`, `${name}-g${g}-c${c}-hist.png`]).flat();
  return [...perGain('Offset', 3), ...perGain('Noise', 3), ...perGain('ThresholdsDark', 2), ...perGain('DigitalMean', 3), ...perGain('DigitalStd', 3), ...perGain('BadPixelsDark', 3)];
}

/** Title line of a plot (12 px margin, font scale 2). */
const titleOf = (file: string): string => readText(Raster.fromPng(readFileSync(file)), 12, 12, 70, 2);

describe('detcal dark --plot', () => {
  it('writes a map and a histogram per constant and gain stage for the chosen cell and lists them in the JSON', () => {
    const dir = join(work, 'plots');
    const r = detcal(['dark', 'agipd', ...runs, '--out', join(work, 'agipd.h5'), '--plot', dir, '--plot-cell', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const plots: string[] = r.json().plots;
    expect(plots.map((f) => basename(f))).toEqual(agipdPlotNames(1));
    for (const f of plots) {
      const png = Raster.fromPng(readFileSync(f));
      expect(png.width, f).toBeGreaterThan(300);
      expect(png.height, f).toBeGreaterThan(150);
    }
    expect(titleOf(join(dir, 'Noise-g2-c1-map.png'))).toBe('Noise  gain 2 (low)  cell 1  [ADU]');
    expect(titleOf(join(dir, 'ThresholdsDark-g1-c1-hist.png'))).toBe('ThresholdsDark  threshold 1 (medium/low)  cell 1  [ADU]');
    expect(titleOf(join(dir, 'BadPixelsDark-g0-c1-map.png'))).toBe('BadPixelsDark  gain 0 (high)  cell 1  [flags]');
  });

  it('prints where the plots went', () => {
    const r = detcal(['dark', 'agipd', ...runs, '--out', join(work, 'agipd-text.h5'), '--plot', join(work, 'plots-text')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/plotted cell 0: 34 PNG files in .*plots-text \(\d+\.\d s\)/);
  });

  it('a --plot-cell beyond the cells is a one-line error; an unwritable --plot fails before reading the runs', () => {
    const bad = detcal(['dark', 'agipd', ...runs, '--out', join(work, 'agipd-cell.h5'), '--plot', join(work, 'plots-cell'), '--plot-cell', '2']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--plot-cell 2 is not in the constants: they have 2 memory cells \(0..1\); pick one below 2/);
    const file = join(work, 'not-a-folder');
    writeFileSync(file, '');
    const out = join(work, 'never.h5');
    const ro = detcal(['dark', 'agipd', ...runs, '--out', out, '--plot', join(file, 'plots')]);
    expect(ro.status).not.toBe(0);
    expect(ro.stderr.trim().split('\n')).toHaveLength(1);
    expect(ro.stderr).toMatch(/--plot .*not-a-folder\/plots is not a writable folder \(ENOTDIR\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('detcal plot', () => {
  it('plots an existing constants file, detcal and euxfel layouts alike', () => {
    const eux = join(work, 'agipd-euxfel.h5');
    expect(detcal(['dark', 'agipd', ...runs, '--out', eux, '--layout', 'euxfel']).status).toBe(0);
    const a = detcal(['plot', join(work, 'agipd.h5'), '--out', join(work, 'replot'), '--json']);
    const b = detcal(['plot', eux, '--out', join(work, 'replot-euxfel'), '--json']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.json()).toMatchObject({ cell: 0, cells: 2 });
    // Read back, the constants come in the file's (alphabetical) dataset order.
    expect(a.json().files.map((f: string) => basename(f)).sort()).toEqual(agipdPlotNames(0).sort());
    expect(b.json().files.map((f: string) => basename(f))).toEqual(a.json().files.map((f: string) => basename(f)));
    // Same pictures below the subtitle (which holds each file's creation time).
    for (const name of ['Offset-g1-c0-map.png', 'ThresholdsDark-g0-c0-hist.png', 'BadPixelsDark-g2-c0-map.png']) {
      const pa = Raster.fromPng(readFileSync(join(work, 'replot', name)));
      const pb = Raster.fromPng(readFileSync(join(work, 'replot-euxfel', name)));
      expect([pb.width, pb.height]).toEqual([pa.width, pa.height]);
      const from = 50 * pa.width * 3;
      expect(Buffer.from(pb.data.subarray(from)).equals(Buffer.from(pa.data.subarray(from))), name).toBe(true);
    }
  });

  it('prints the files; a cell beyond the file is a one-line error', () => {
    const r = detcal(['plot', join(work, 'agipd.h5'), '--out', join(work, 'replot-text'), '--cell', '1', '--gain', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/agipd AGIPD-M0 module 0, cell 1 of 2: wrote 12 PNG files to .*replot-text in \d+\.\d s/);
    expect(r.stdout).toContain('  Offset-g0-c1-map.png  Offset-g0-c1-hist.png');
    const bad = detcal(['plot', join(work, 'agipd.h5'), '--out', join(work, 'replot-bad'), '--cell', '9']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toMatch(/^detcal: error: --cell 9 is not in the constants: they have 2 memory cells/);
  });
});
