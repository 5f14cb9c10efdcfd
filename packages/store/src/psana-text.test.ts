import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPsanaText, parsePsanaText, psanaFormatFor } from './psana-text.js';
import { formatFixed, makeFormatter } from './printf-format.js';

const REAL = process.env.DETCAL_REAL_DATA ?? fileURLToPath(new URL('../../../../shared/real-data', import.meta.url));
const STATUS = `${REAL}/lcls-data_test/calib/Epix100a::CalibV1/XppGon.0:Epix100a.1/pixel_status/0-end.data`;

function hasNumpy(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy']);
    return true;
  } catch {
    return false;
  }
}

/** What numpy writes for an array with np.savetxt and a save_txt-style header (HOST ... DIM:i lines given empty values). */
function numpySaveTxt(arrayExpr: string, fmt: string, cmts: string[]): string {
  const py = `
import numpy as np, sys
arr = ${arrayExpr}
recs = ['# %s' % c for c in ${JSON.stringify(cmts)}]
recs += ['\\n# HOST        ', '# WORK_DIR    ', '# FILE_NAME   ', '# DATE_TIME   ', '# UID         ']
recs.append('# SHAPE       %s' % str(arr.shape).replace(' ', ''))
recs.append('# DATATYPE    %s' % arr.dtype)
recs.append('\\n# DTYPE       %s' % arr.dtype)
recs.append('# NDIM        %d' % arr.ndim)
recs += ['# DIM:%d       %d' % (i, n) for i, n in enumerate(arr.shape)]
recs.append('' if arr.ndim > 1 else '\\n')
a2 = arr.reshape(-1, arr.shape[-1]) if arr.ndim > 2 else arr
np.savetxt(sys.stdout, a2, '${fmt}', delimiter=' ', newline='\\n' if arr.ndim > 1 else ' ', header='\\n'.join(recs), comments='')
`;
  return execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe.skipIf(!existsSync(STATUS))('psana text: the real LCLS epix100a pixel_status file', () => {
  const text = existsSync(STATUS) ? readFileSync(STATUS, 'utf8') : '';
  it('reads 704 x 768 uint64 with the known value counts', () => {
    const a = parsePsanaText(text, STATUS, 'pixel_status');
    expect(a.shape).toEqual([704, 768]);
    expect(a.dtype).toBe('u8');
    expect(a.numpyDtype).toBe('uint64');
    const counts = new Map<bigint, number>();
    for (const v of a.data as BigUint64Array) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(Object.fromEntries([...counts].map(([k, n]) => [String(k), n]))).toEqual({ 0: 486969, 2: 49397, 1: 4284, 16: 15, 17: 7 });
    expect(a.fields.SOURCE).toBe('XppGon.0:Epix100a.1');
    expect(a.fields.DATE_TIME).toBe('2024-05-31T10:03:38');
  });
  it('writes it back byte for byte (same header, %d body)', () => {
    const a = parsePsanaText(text, STATUS, 'pixel_status');
    expect(formatPsanaText(a, { header: a.header })).toBe(text);
    expect(psanaFormatFor('pixel_status', a.dtype)).toBe('%d');
  });
});

describe.skipIf(!hasNumpy())('psana text: the same bytes as numpy savetxt with the save_txt header', () => {
  const info = { HOST: '', WORK_DIR: '', FILE_NAME: '', DATE_TIME: '', UID: '' };
  it('float32 pedestals with %.3f, exact ties rounded to even as C printf', () => {
    const expr = "np.array([[0.0625, 1.1875, -2.3125, 1234.5625], [-0.0, 0.0005, 7.0, 65535.9995]], dtype=np.float32)";
    const data = new Float32Array([0.0625, 1.1875, -2.3125, 1234.5625, -0, 0.0005, 7, 65535.9995]);
    const mine = formatPsanaText({ dtype: 'f4', shape: [2, 4], data }, { ctype: 'pedestals', comments: ['TITLE      test'], info });
    expect(mine).toBe(numpySaveTxt(expr, '%.3f', ['TITLE      test']));
  });
  it('3-D float64 reshaped to 2-D, and 1-D uint16 on one line', () => {
    const d3 = new Float64Array(24).map((_, i) => i * 0.1 - 1);
    expect(formatPsanaText({ dtype: 'f8', shape: [2, 3, 4], data: d3 }, { fmt: '%.6f', info })).toBe(numpySaveTxt('np.arange(24, dtype=np.float64) * 0.1 - 1; arr = arr.reshape(2, 3, 4)', '%.6f', []));
    const d1 = new Uint16Array([1, 22, 333]);
    expect(formatPsanaText({ dtype: 'u2', shape: [3], data: d1 }, { info })).toBe(numpySaveTxt('np.array([1, 22, 333], dtype=np.uint16)', '%d', []));
  });
  it('reads back what it writes', () => {
    const data = new Float32Array([1.5, -2.25, 3.125, 4]);
    const text = formatPsanaText({ dtype: 'f4', shape: [2, 2], data }, { ctype: 'pedestals', info });
    const back = parsePsanaText(text, 'mem');
    expect(back.shape).toEqual([2, 2]);
    expect(back.dtype).toBe('f4');
    expect([...back.data as Float32Array]).toEqual([1.5, -2.25, 3.125, 4]);
  });
});

describe('psana text: header rules and errors', () => {
  it('SHAPE and DATATYPE win over DIM:i and DTYPE; no header means float32 (or the ctype dtype)', () => {
    const a = parsePsanaText('# SHAPE (2,3)\n# DATATYPE int32\n# DTYPE float64\n# DIM:0 6\n1 2 3\n4 5 6\n', 't');
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('i4');
    const b = parsePsanaText('1 2\n3 4\n5 6\n', 't');
    expect(b.shape).toEqual([3, 2]);
    expect(b.dtype).toBe('f4');
    expect(parsePsanaText('1 2 3\n', 't', 'pixel_mask').dtype).toBe('u1');
    const c = parsePsanaText('# DTYPE uint16\n# NDIM 3\n# DIM:0 2\n# DIM:1 1\n# DIM:2 2\n\n1 2\n\n3 4\n', 't');
    expect(c.shape).toEqual([2, 1, 2]);
    expect([...c.data as Uint16Array]).toEqual([1, 2, 3, 4]);
  });
  it('int64 files become int32 when the values fit', () => {
    expect(parsePsanaText('# DATATYPE int64\n-1 2\n', 't').dtype).toBe('i4');
  });
  it('fails in one line naming the file and the fix', () => {
    expect(() => parsePsanaText('# SHAPE (2,2)\n1 2 3\n', 'f.data')).toThrow(/^f\.data: header shape \(2,2\) holds 4 values but the file has 3; fix/);
    expect(() => parsePsanaText('1 x\n', 'f.data')).toThrow(/f\.data: value "x" is not a number/);
    expect(() => parsePsanaText('# only a header\n', 'f.data')).toThrow(/no data lines/);
    expect(() => parsePsanaText('# DATATYPE complex64\n1\n', 'f.data')).toThrow(/DATATYPE "complex64"/);
  });
});

describe('printf formatting', () => {
  it('%.Nf rounds exact ties to even and keeps -0', () => {
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(0.1875, 3)).toBe('0.188');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(-0, 3)).toBe('-0.000');
    expect(formatFixed(1.0005, 3)).toBe((1.0005).toFixed(3));
  });
  it('widths, flags, integers and exponents', () => {
    expect(makeFormatter('%4i')(7)).toBe('   7');
    expect(makeFormatter('%-4d')(7)).toBe('7   ');
    expect(makeFormatter('%05.1f')(-2.25)).toBe('-02.2');
    expect(makeFormatter('%d')(2.7)).toBe('2');
    expect(makeFormatter('%d')(18446744073709551615n)).toBe('18446744073709551615');
    expect(makeFormatter('%.2e')(12345)).toBe('1.23e+04');
    expect(makeFormatter('%.3f')(Number.NaN)).toBe('nan');
    expect(() => makeFormatter('%s')).toThrow(/format "%s" is not supported/);
  });
});
