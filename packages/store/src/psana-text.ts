/**
 * The LCLS text array format (psana NDArrIO save_txt / load_txt): '#' header lines `# KEY VALUE`
 * (SHAPE `(a,b)` and DATATYPE win over DIM:i and DTYPE; default float32, or the calib type's dtype),
 * then the array reshaped to 2-D (last axis = columns), values separated by one space, one row a line.
 * formatPsanaText writes byte for byte what save_txt writes with the same header fields and format.
 */
import { DetcalError, allocate, sizeOf, type DType, type NumericArray } from '@detcal/core';
import { makeFormatter } from './printf-format.js';

/** dtype of each LCLS calib type (lcls2 CalibConstants.py); used when a file's header names none. */
export const PSANA_CTYPE_DTYPES: Readonly<Record<string, DType>> = {
  pedestals: 'f4',
  pixel_status: 'u8',
  pixel_rms: 'f4',
  pixel_gain: 'f4',
  pixel_mask: 'u1',
  common_mode: 'f8',
  pixel_offset: 'f4',
  status_extra: 'u8',
  pixel_max: 'u8',
  pixel_min: 'u8',
};

const NUMPY_NAMES: Readonly<Record<DType, string>> = { u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', i2: 'int16', i4: 'int32', f4: 'float32', f8: 'float64' };

const NUMPY_ALIASES: Readonly<Record<string, DType | 'i8'>> = {
  uint8: 'u1', uint16: 'u2', uint32: 'u4', uint64: 'u8', uint: 'u8', int16: 'i2', int32: 'i4', int64: 'i8', int: 'i8',
  float32: 'f4', float64: 'f8', float: 'f8', double: 'f8', single: 'f4', float16: 'f4', int8: 'i2', bool: 'u1',
  u1: 'u1', u2: 'u2', u4: 'u4', u8: 'u8', i1: 'i2', i2: 'i2', i4: 'i4', i8: 'i8', f2: 'f4', f4: 'f4', f8: 'f8',
};

/** The numpy name of a dtype ('float32', 'uint64' ...). */
export function numpyName(dtype: DType): string {
  return NUMPY_NAMES[dtype];
}

/** An array read from a psana text file. */
export interface PsanaTextArray {
  /** Element type (int64 files are read as i4 when every value fits, else rejected). */
  dtype: DType;
  /** numpy dtype name the header gave (or the default used). */
  numpyDtype: string;
  /** Shape from the header (SHAPE, else DIM:i), else as laid out in the file. */
  shape: number[];
  /** Values, C order. */
  data: NumericArray;
  /** Everything before the first data line, verbatim. */
  header: string;
  /** Header fields `# KEY VALUE` in file order (later duplicates win). */
  fields: Record<string, string>;
}

/** Parses a psana text array; `source` names the file in errors, `ctype` gives the default dtype. */
export function parsePsanaText(text: string, source: string, ctype?: string): PsanaTextArray {
  const lines = text.split(/(?<=\n)/);
  const fields: Record<string, string> = {};
  const dataLines: string[] = [];
  let headerEnd = -1;
  let offset = 0;
  for (const line of lines) {
    if (/^\s*$/.test(line)) {
      offset += line.length;
      continue;
    }
    if (line[0] === '#') {
      // load_txt: rec.split(' ', 2) -> '#', KEY, VALUE
      const parts = line.replace(/\r?\n$/, '').split(' ');
      if (parts.length >= 3) fields[parts[1]] = parts.slice(2).join(' ').trim();
    } else {
      if (headerEnd < 0) headerEnd = offset;
      dataLines.push(line);
    }
    offset += line.length;
  }
  if (dataLines.length === 0) throw new DetcalError('BAD_INPUT', `${source}: no data lines after the '#' header; pass a psana text array file`);
  const header = text.slice(0, headerEnd);

  const typeName = (fields.DATATYPE || fields.DTYPE || '').trim();
  const parsedType = typeName ? NUMPY_ALIASES[typeName.replace(/^numpy\./, '').replace(/^[<>=|]/, '')] : (ctype && PSANA_CTYPE_DTYPES[ctype]) || 'f4';
  if (!parsedType) throw new DetcalError('BAD_INPUT', `${source}: DATATYPE "${typeName}" is not one detcal reads (uint8/16/32/64, int16/32/64, float32/64); convert the file`);
  const numpyDtype = typeName || NUMPY_NAMES[parsedType === 'i8' ? 'i4' : parsedType];

  let shape: number[] = [];
  if (fields.SHAPE) {
    const m = /^\(\s*((?:\d+\s*,\s*)*\d*)\s*,?\s*\)$/.exec(fields.SHAPE.replace(/\s+/g, ''));
    if (!m) throw new DetcalError('BAD_INPUT', `${source}: SHAPE "${fields.SHAPE}" is not a tuple like (704,768); fix the header`);
    shape = m[1].split(',').filter((s) => s !== '').map(Number);
  } else {
    const dims = Object.keys(fields).filter((k) => /^DIM:\d+$/.test(k)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    shape = dims.map((k) => Number(fields[k]));
    if (fields.NDIM && shape.length > 0 && Number(fields.NDIM) !== shape.length) {
      throw new DetcalError('BAD_INPUT', `${source}: NDIM ${fields.NDIM} but ${shape.length} DIM:i lines; fix the header`);
    }
  }

  const tokens: string[] = [];
  const rowLengths: number[] = [];
  for (const line of dataLines) {
    const row = line.trim().split(/\s+/);
    rowLengths.push(row.length);
    for (const t of row) tokens.push(t);
  }
  if (shape.length === 0) {
    if (dataLines.length === 1) shape = [tokens.length];
    else {
      if (rowLengths.some((n) => n !== rowLengths[0])) throw new DetcalError('BAD_INPUT', `${source}: rows have different numbers of values and the header gives no SHAPE; fix the file`);
      shape = [dataLines.length, rowLengths[0]];
    }
  }
  if (sizeOf(shape) !== tokens.length) {
    throw new DetcalError('SHAPE_MISMATCH', `${source}: header shape (${shape.join(',')}) holds ${sizeOf(shape)} values but the file has ${tokens.length}; fix the header or the data`);
  }
  const { dtype, data } = convertTokens(tokens, parsedType, source);
  return { dtype, numpyDtype, shape, data, header, fields };
}

function convertTokens(tokens: string[], type: DType | 'i8', source: string): { dtype: DType; data: NumericArray } {
  const bad = (t: string): never => {
    throw new DetcalError('BAD_INPUT', `${source}: value "${t}" is not a number; fix the file`);
  };
  if (type === 'f4' || type === 'f8') {
    const out = allocate(type, tokens.length) as Float32Array | Float64Array;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const v = Number(t);
      if (Number.isNaN(v)) {
        const low = t.toLowerCase().replace(/^\+/, '');
        if (low === 'nan' || low === '-nan') out[i] = Number.NaN;
        else if (low === 'inf' || low === 'infinity') out[i] = Number.POSITIVE_INFINITY;
        else if (low === '-inf' || low === '-infinity') out[i] = Number.NEGATIVE_INFINITY;
        else bad(t);
      } else out[i] = v;
    }
    return { dtype: type, data: out };
  }
  if (type === 'u8') {
    const out = new BigUint64Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      let v: bigint;
      if (/^\+?\d+$/.test(t)) v = BigInt(t);
      else {
        const n = Math.trunc(Number(t));
        if (!Number.isFinite(n)) bad(t);
        v = BigInt(n);
      }
      if (v < 0n || v > 0xffffffffffffffffn) throw new DetcalError('BAD_INPUT', `${source}: value ${t} does not fit uint64; fix the file`);
      out[i] = v;
    }
    return { dtype: 'u8', data: out };
  }
  const values = new Float64Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const v = Math.trunc(Number(tokens[i]));
    if (!Number.isFinite(v)) bad(tokens[i]);
    values[i] = v;
  }
  let dtype: DType = type === 'i8' ? 'i4' : type;
  const [lo, hi] = RANGES[dtype];
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo || values[i] > hi) {
      if (type === 'i8' && Number.isSafeInteger(values[i])) {
        dtype = 'f8';
        break;
      }
      throw new DetcalError('BAD_INPUT', `${source}: value ${tokens[i]} does not fit ${NUMPY_NAMES[dtype]}; fix the file or its DATATYPE`);
    }
  }
  const out = allocate(dtype, values.length) as Exclude<NumericArray, BigUint64Array>;
  out.set(values);
  return { dtype, data: out };
}

const RANGES: Readonly<Record<DType, [number, number]>> = {
  u1: [0, 255], u2: [0, 65535], u4: [0, 4294967295], u8: [0, Number.MAX_SAFE_INTEGER], i2: [-32768, 32767], i4: [-2147483648, 2147483647],
  f4: [-Infinity, Infinity], f8: [-Infinity, Infinity],
};

/** Header fields save_txt writes from the environment. */
export interface PsanaTextInfo {
  HOST: string;
  WORK_DIR: string;
  FILE_NAME: string;
  DATE_TIME: string;
  UID: string;
}

/** Options of formatPsanaText. */
export interface FormatPsanaOptions {
  /** printf format of one value (%d, %4i, %.3f, %10.4f, %.6e); default psanaFormatFor(ctype, dtype). */
  fmt?: string;
  /** Calib type, for the default format. */
  ctype?: string;
  /** Unit, for the default format of non-LCLS constants. */
  unit?: string;
  /** Comment lines written first as `# <text>` (TITLE, EXPERIMENT, DETECTOR, CALIB_TYPE ...). */
  comments?: readonly string[];
  /** HOST, WORK_DIR, FILE_NAME, DATE_TIME, UID lines. */
  info?: PsanaTextInfo;
  /** A verbatim header replacing comments and info (e.g. the header of the file read). */
  header?: string;
}

/** Default value format: %d for integers, %.3f for pedestals / rms / ADU-valued floats, %.6f for other floats. */
export function psanaFormatFor(ctype: string | undefined, dtype: DType, unit?: string): string {
  if (dtype[0] !== 'f') return '%d';
  const threeDecimals = ['pedestals', 'pixel_rms', 'pixel_offset', 'pixel_bkgd'];
  return (ctype && threeDecimals.includes(ctype)) || unit === 'ADU' ? '%.3f' : '%.6f';
}

/** Writes an array in the psana text format, byte for byte as NDArrIO.save_txt does. */
export function formatPsanaText(arr: { dtype: DType; shape: readonly number[]; data: NumericArray }, opts: FormatPsanaOptions = {}): string {
  const shape = arr.shape.length === 0 ? [1] : [...arr.shape];
  const ndim = shape.length;
  const header = opts.header ?? saveTxtHeader(arr.dtype, shape, opts);
  const fmt = makeFormatter(opts.fmt ?? psanaFormatFor(opts.ctype, arr.dtype, opts.unit));
  const data = arr.data as ArrayLike<number | bigint>;
  const cols = ndim > 1 ? shape[ndim - 1] : 1;
  const newline = ndim > 1 ? '\n' : ' ';
  const parts: string[] = [header, ndim > 1 ? '\n' : ' '];
  if (opts.header !== undefined) parts.pop();
  const row: string[] = new Array(cols);
  for (let start = 0; start < data.length; start += cols) {
    for (let j = 0; j < cols; j++) row[j] = fmt(data[start + j]);
    parts.push(row.join(' '), newline);
  }
  return parts.join('');
}

function saveTxtHeader(dtype: DType, shape: number[], opts: FormatPsanaOptions): string {
  const info = opts.info ?? { HOST: '', WORK_DIR: '', FILE_NAME: '', DATE_TIME: '', UID: '' };
  const recs = (opts.comments ?? []).map((c) => `# ${c}`);
  recs.push(`\n# HOST        ${info.HOST}`);
  recs.push(`# WORK_DIR    ${info.WORK_DIR}`);
  recs.push(`# FILE_NAME   ${info.FILE_NAME}`);
  recs.push(`# DATE_TIME   ${info.DATE_TIME}`);
  recs.push(`# UID         ${info.UID}`);
  recs.push(`# SHAPE       (${shape.join(',')}${shape.length === 1 ? ',' : ''})`);
  recs.push(`# DATATYPE    ${NUMPY_NAMES[dtype]}`);
  recs.push(`\n# DTYPE       ${NUMPY_NAMES[dtype]}`);
  recs.push(`# NDIM        ${shape.length}`);
  shape.forEach((n, i) => recs.push(`# DIM:${i}       ${n}`));
  recs.push(shape.length > 1 ? '' : '\n');
  return recs.join('\n');
}
