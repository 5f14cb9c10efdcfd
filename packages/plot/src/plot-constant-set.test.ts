import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BadPixel, DarkStatus, DetcalError, makeConstant, makeConstantSet, type ConstantSet } from '@detcal/core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cellsOf, plotConstantSet } from './plot-constant-set.js';
import { PAD, TITLE_SCALE } from './plot-title.js';
import { Raster } from './raster.js';
import { findText, readText } from './read-text.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-plot-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const G = 3, C = 2, R = 16, Q = 8, N = R * Q;
const meta = { detectorType: 'agipd', detectorId: 'AGIPD-M0', module: 0, conditions: {}, sourceRuns: ['1', '2', '3'], createdAt: '2025-01-01T00:00:00Z', toolVersion: '0.1.0', parameters: {} };

/** An AGIPD-like set: Offset = 1000*(gain+1) + 10*cell + col, one hot pixel flagged in gain 1 only. */
function agipdLikeSet(): ConstantSet {
  const offset = new Float32Array(G * C * N);
  for (let g = 0; g < G; g++) for (let c = 0; c < C; c++) for (let i = 0; i < N; i++) offset[(g * C + c) * N + i] = 1000 * (g + 1) + 10 * c + (i % Q);
  const bad = new Uint32Array(G * C * N);
  const hot = 5 * Q + 3;
  for (let c = 0; c < C; c++) { offset[(1 * C + c) * N + hot] = 1e6; bad[(1 * C + c) * N + hot] = BadPixel.OFFSET_OUT_OF_THRESHOLD; }
  const thresholds = new Float32Array(2 * C * N).fill(5000);
  return makeConstantSet(meta, [
    makeConstant('Offset', offset, [G, C, R, Q], ['gain', 'cell', 'row', 'col'], 'ADU'),
    makeConstant('ThresholdsDark', thresholds, [2, C, R, Q], ['threshold', 'cell', 'row', 'col'], 'ADU'),
    makeConstant('BadPixelsDark', bad, [G, C, R, Q], ['gain', 'cell', 'row', 'col'], ''),
  ]);
}

describe('plotConstantSet', () => {
  it('writes a map and a histogram per constant and gain stage for the chosen cell, named as documented, all decodable', async () => {
    const dir = path.join(work, 'agipd');
    const files = await plotConstantSet(agipdLikeSet(), dir, { cell: 1, gainNames: ['high', 'medium', 'low'] });
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual([
      ...[0, 1, 2].flatMap((g) => [`Offset-g${g}-c1-map.png`, `Offset-g${g}-c1-hist.png`]),
      ...[0, 1].flatMap((t) => [`ThresholdsDark-g${t}-c1-map.png`, `ThresholdsDark-g${t}-c1-hist.png`]),
      ...[0, 1, 2].flatMap((g) => [`BadPixelsDark-g${g}-c1-map.png`, `BadPixelsDark-g${g}-c1-hist.png`]),
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual([...names].sort()); // no temp files left
    for (const f of files) {
      const png = PNG.sync.read(fs.readFileSync(f));
      expect(png.width).toBeGreaterThan(100);
      expect(png.height).toBeGreaterThan(100);
    }
    const title = (f: string): string => readText(Raster.fromPng(fs.readFileSync(path.join(dir, f))), PAD, PAD, 60, TITLE_SCALE);
    expect(title('Offset-g1-c1-map.png')).toBe('Offset  gain 1 (medium)  cell 1  [ADU]');
    expect(title('ThresholdsDark-g0-c1-hist.png')).toBe('ThresholdsDark  threshold 0 (high/medium)  cell 1  [ADU]');
    expect(title('BadPixelsDark-g2-c1-map.png')).toBe('BadPixelsDark  gain 2 (low)  cell 1  [flags]');
  });

  it('keeps flagged pixels out of the colour range of their gain stage (the 1e6 hot pixel does not stretch it)', async () => {
    const dir = path.join(work, 'range');
    await plotConstantSet(agipdLikeSet(), dir, { cell: 0, gains: [1] });
    expect(fs.readdirSync(dir).sort()).toEqual(['BadPixelsDark-g1-c0-hist.png', 'BadPixelsDark-g1-c0-map.png', 'Offset-g1-c0-hist.png', 'Offset-g1-c0-map.png', 'ThresholdsDark-g1-c0-hist.png', 'ThresholdsDark-g1-c0-map.png']);
    // Legend "range A .. B" of the map: B stays near 2007 (col 7 of gain 1) instead of reaching 1e6.
    const r = Raster.fromPng(fs.readFileSync(path.join(dir, 'Offset-g1-c0-map.png')));
    const found = findText(r, 'range ', 30, 2)?.text ?? '';
    const [, hi] = found.replace('range ', '').split(' .. ').map(Number);
    expect(hi).toBeGreaterThan(2006);
    expect(hi).toBeLessThan(2008);
  });

  it('drops single gain / cell axes from the names and plots flag constants with their flag set', async () => {
    const set = makeConstantSet(meta, [
      makeConstant('Noise', new Float32Array(N).fill(3), [1, 1, R, Q], ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('pixel_status', new BigUint64Array(N).fill(BigInt(DarkStatus.COLD)), [R, Q], ['row', 'col'], ''),
      makeConstant('status_dark', new BigUint64Array(2 * N), [2, R, Q], ['segment', 'row', 'col'], ''),
    ]);
    expect(cellsOf(set)).toBe(1);
    const files = await plotConstantSet(set, path.join(work, 'single'), {});
    expect(files.map((f) => path.basename(f))).toEqual([
      'Noise-map.png', 'Noise-hist.png', 'pixel_status-map.png', 'pixel_status-hist.png',
      'status_dark-segment0-map.png', 'status_dark-segment0-hist.png', 'status_dark-segment1-map.png', 'status_dark-segment1-hist.png',
    ]);
    expect(findText(Raster.fromPng(fs.readFileSync(files[2])), 'COLD', 12, 2)?.text).toBe(`COLD  ${N}`);
  });

  it('fails with one line for a cell beyond the constants and for a folder that cannot be written', async () => {
    await expect(plotConstantSet(agipdLikeSet(), path.join(work, 'x'), { cell: 2 })).rejects.toThrow(/^memory cell 2 is not in the constants: they have 2 memory cells \(0..1\); pick one below 2$/);
    await expect(plotConstantSet(agipdLikeSet(), path.join(work, 'x'), { cell: 5, labels: { cell: '--plot-cell' } })).rejects.toThrow(/^--plot-cell 5 is not in the constants/);
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'x');
    const err = await plotConstantSet(agipdLikeSet(), path.join(file, 'plots'), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetcalError);
    expect((err as Error).message).toMatch(/^plot folder .*a-file\/plots is not a writable folder \(ENOTDIR\)/);
    expect((err as Error).message).not.toContain('\n');
  });
});
