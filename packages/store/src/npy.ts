/** numpy .npy files (format 1.0 written; 1.0-3.0 read): little-endian, C order, the dtypes detcal constants use. */
import { DetcalError, sizeOf, type DType, type NumericArray } from '@detcal/core';

const DESCR: Readonly<Record<DType, string>> = { u1: '|u1', u2: '<u2', u4: '<u4', u8: '<u8', i2: '<i2', i4: '<i4', f4: '<f4', f8: '<f8' };

/** Encodes an array as a .npy file (header padded to a multiple of 64 bytes, as numpy writes it). */
export function encodeNpy(arr: { dtype: DType; shape: readonly number[]; data: NumericArray }): Buffer {
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[arr.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = arr.data;
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(d.buffer, d.byteOffset, d.byteLength)]);
}

/** Decodes a .npy file of a dtype detcal uses. */
export function decodeNpy(buf: Buffer, source: string): { dtype: DType; shape: number[]; data: NumericArray } {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new DetcalError('BAD_INPUT', `${source}: not a .npy file (no \\x93NUMPY magic); pass a file written by numpy.save`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const dtype = (Object.keys(DESCR) as DType[]).find((k) => DESCR[k] === descr || DESCR[k].replace('<', '|') === descr || (k === 'u1' && descr === '<u1'));
  if (!dtype) throw new DetcalError('BAD_INPUT', `${source}: dtype ${descr} is not one detcal stores (little-endian u1/u2/u4/u8/i2/i4/f4/f8); convert it with numpy astype`);
  if (fortran === 'True') throw new DetcalError('BAD_INPUT', `${source}: Fortran-ordered array; save it with numpy.ascontiguousarray first`);
  const shape = (shapeText ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const offset = start + headerLen;
  const bytes = buf.subarray(offset);
  const Ctor = { u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, u8: BigUint64Array, i2: Int16Array, i4: Int32Array, f4: Float32Array, f8: Float64Array }[dtype];
  const n = sizeOf(shape);
  if (bytes.length < n * Ctor.BYTES_PER_ELEMENT) throw new DetcalError('BAD_INPUT', `${source}: holds ${bytes.length} data bytes, shape (${shape.join(',')}) needs ${n * Ctor.BYTES_PER_ELEMENT}; the file is truncated`);
  const copy = new Uint8Array(n * Ctor.BYTES_PER_ELEMENT);
  copy.set(bytes.subarray(0, copy.length));
  return { dtype, shape, data: new Ctor(copy.buffer) as NumericArray };
}
