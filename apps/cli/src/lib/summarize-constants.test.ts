import { describe, expect, it } from 'vitest';
import { BadPixel, DarkStatus, makeConstant, makeConstantSet, type ConstantMetadata } from '@detcal/core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeConstantsFile } from '@detcal/hdf5';
import { formatSummary, summarizeConstants, summarizeConstantsFile } from './summarize-constants.js';
import { formatTable } from './format-table.js';
import { parseKeyValues } from './parse-key-values.js';

const meta: ConstantMetadata = { detectorType: 't', detectorId: 'x', module: 0, conditions: {}, sourceRuns: [], createdAt: '', toolVersion: '', parameters: {} };

describe('summarizeConstants', () => {
  it('gives median, std, percentiles and NaN counts per gain stage', () => {
    const off = new Float32Array([1, 2, 3, NaN, 10, 20, 30, 40]);
    const s = summarizeConstants(makeConstantSet(meta, [makeConstant('Offset', off, [2, 1, 2, 2], ['gain', 'cell', 'row', 'col'], 'ADU')]));
    expect(s.values).toHaveLength(2);
    expect(s.values[0]).toMatchObject({ gain: 0, median: 2, nonFinite: 1, values: 4, p1: 1, p99: 2 });
    expect(s.values[1].median).toBe(25);
    expect(s.values[1].std).toBeCloseTo(Math.sqrt(125), 10);
  });
  it('gives the same statistics for float32 values (radix selection) as for their float64 copy (quickselect)', () => {
    let x = 12345;
    const f32 = new Float32Array(10001).map((_, i) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return i % 50 === 0 ? NaN : (x / 2147483648 - 0.3) * 1000;
    });
    const a = summarizeConstants(makeConstantSet(meta, [makeConstant('Noise', f32, [10001], ['pixel'], 'ADU')])).values[0];
    const b = summarizeConstants(makeConstantSet(meta, [makeConstant('Noise', Float64Array.from(f32), [10001], ['pixel'], 'ADU')])).values[0];
    expect(a).toEqual(b);
    expect(a.nonFinite).toBe(201);
  });
  it('summarizeConstantsFile, slab by slab and with the float32 ranks on two workers, gives the summary summarizeConstants gives', async () => {
    let x = 777;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = 3 * 2 * 40 * 30;
    const off = Float32Array.from({ length: n }, (_, i) => (i % 997 === 0 ? NaN : 5000 + 1000 * Math.floor(i / (n / 3)) + 40 * rnd()));
    const noise = Float32Array.from({ length: n }, () => 8 + 3 * rnd());
    const flags = Uint32Array.from({ length: n }, (_, i) => (i % 50 === 0 ? BadPixel.NOISE_OUT_OF_THRESHOLD : 0));
    const set = makeConstantSet(meta, [
      makeConstant('Offset', off, [3, 2, 40, 30], ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('Noise', noise, [3, 2, 40, 30], ['gain', 'cell', 'row', 'col'], 'ADU'),
      makeConstant('BadPixelsDark', flags, [3, 2, 40, 30], ['gain', 'cell', 'row', 'col'], ''),
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-summary-'));
    try {
      const file = path.join(dir, 'c.h5');
      await writeConstantsFile(file, set);
      const expected = summarizeConstants(set);
      expect(await summarizeConstantsFile(file, ['Offset', 'Noise', 'BadPixelsDark'], 2)).toEqual(expected);
      expect(await summarizeConstantsFile(file, ['Offset', 'Noise', 'BadPixelsDark'], 1)).toEqual(expected);
      expect(expected.values.map((v) => v.gain)).toEqual([0, 1, 2, 0, 1, 2]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts EuXFEL bits per gain and LCLS pixel_status bits by their own names', () => {
    const bp = new Uint32Array([0, BadPixel.NOISE_OUT_OF_THRESHOLD | BadPixel.DATA_STD_IS_ZERO, 0, BadPixel.OFFSET_OUT_OF_THRESHOLD]);
    const st = new BigUint64Array([0n, BigInt(DarkStatus.RMS_LOW), BigInt(DarkStatus.MEAN_HIGH), 0n]);
    const s = summarizeConstants(
      makeConstantSet(meta, [
        makeConstant('BadPixelsDark', bp, [1, 1, 2, 2], ['gain', 'cell', 'row', 'col'], ''),
        makeConstant('pixel_status', st, [2, 2], ['row', 'col'], ''),
      ]),
    );
    expect(s.flags[0]).toMatchObject({ name: 'BadPixelsDark', bad: 2, values: 4 });
    expect(s.flags[0].bits.map((b) => [b.name, b.count])).toEqual([['OFFSET_OUT_OF_THRESHOLD', 1], ['NOISE_OUT_OF_THRESHOLD', 1], ['DATA_STD_IS_ZERO', 1]]);
    expect(s.flags[1].bits.map((b) => b.name)).toEqual(['RMS_LOW', 'MEAN_HIGH']);
    expect(formatSummary(s, ['single'])).toMatch(/BadPixelsDark \(single gain\): 2 of 4 values flagged \(50\.000%\)/);
  });
});

describe('CLI helpers', () => {
  it('pads table columns to the widest cell', () => {
    expect(formatTable(['a', 'bb'], [[1, 'x'], ['long', 2]])).toBe('a     bb\n----  --\n1     x\nlong  2');
  });
  it('parses repeated NAME=VALUE flags', () => {
    expect(parseKeyValues(['sigma=3', 'hard=[4,20]', 'mode=fixg1'])).toEqual({ sigma: 3, hard: [4, 20], mode: 'fixg1' });
    expect(() => parseKeyValues(['nope'])).toThrow(/write name=value/);
  });
});
