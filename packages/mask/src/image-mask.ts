/**
 * Mask images: a PNG (any pixel that is not black is masked; the image is rows x cols of one module
 * frame, row 0 at the top) or a numpy .npy array (bool or numbers, nonzero = masked) of shape
 * (rows, cols) for every cell or (cells, rows, cols).
 */
import { DetcalError } from '@detcal/core';
import { PNG } from 'pngjs';
import type { MaskExtent } from './mask-shapes.js';

/**
 * Reads a PNG mask into a (cells, rows, cols) mask: nonzero RGB in a pixel masks it in every cell.
 * @param bytes - the file's bytes
 * @param source - file name for messages
 * @param extent - cells, rows, columns of the mask
 * @param out - mask, cell-major, set to 1 where the image is not black
 * @returns values newly set
 */
export function applyPngMask(bytes: Uint8Array, source: string, extent: MaskExtent, out: Uint8Array): number {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DetcalError('BAD_INPUT', `${source}: not a readable PNG (${(err as Error).message}); save the mask as PNG or .npy`);
  }
  if (png.height !== extent.rows || png.width !== extent.cols) {
    throw new DetcalError('SHAPE_MISMATCH', `${source}: image is ${png.height} rows x ${png.width} columns, the module frame is ${extent.rows} x ${extent.cols}`);
  }
  const plane = extent.rows * extent.cols;
  const frame = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) frame[p] = png.data[4 * p] | png.data[4 * p + 1] | png.data[4 * p + 2] ? 1 : 0;
  return applyFrame(frame, null, extent, out);
}

/** A parsed .npy array: shape and values as numbers. */
export interface NpyArray {
  /** Shape, outermost first. */
  shape: number[];
  /** Values in C order. */
  data: ArrayLike<number>;
}

/**
 * Parses a numpy .npy file (format 1.0 / 2.0 / 3.0; bool, u1..u8, i1..i8, f4, f8; little endian; C order).
 * @param bytes - the file's bytes
 * @param source - file name for messages
 * @returns shape and values
 */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const bad = (why: string): never => {
    throw new DetcalError('BAD_INPUT', `${source}: ${why}; write it with numpy.save(file, mask)`);
  };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') bad('not a .npy file');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) bad('cannot read the .npy header');
  if (fortran) bad('Fortran-ordered arrays are not supported');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const m = /^([<>|=])([biuf])(\d)$/.exec(descr!);
  if (!m || m[1] === '>') bad(`dtype ${descr} is not supported (bool, integers or floats, little endian)`);
  const kind = m![2], size = Number(m![3]);
  if (bytes.length < off + count * size) bad(`file is truncated: ${count} values of ${size} bytes expected`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = off + i * size;
    switch (`${kind}${size}`) {
      case 'b1': case 'u1': data[i] = bytes[o]; break;
      case 'i1': data[i] = dv.getInt8(o); break;
      case 'u2': data[i] = dv.getUint16(o, true); break;
      case 'i2': data[i] = dv.getInt16(o, true); break;
      case 'u4': data[i] = dv.getUint32(o, true); break;
      case 'i4': data[i] = dv.getInt32(o, true); break;
      case 'u8': data[i] = Number(dv.getBigUint64(o, true)); break;
      case 'i8': data[i] = Number(dv.getBigInt64(o, true)); break;
      case 'f4': data[i] = dv.getFloat32(o, true); break;
      case 'f8': data[i] = dv.getFloat64(o, true); break;
      default: bad(`dtype ${descr} is not supported`);
    }
  }
  return { shape, data };
}

/**
 * Applies a .npy mask of shape (rows, cols) (every cell) or (cells, rows, cols): nonzero = masked.
 * @param bytes - the file's bytes
 * @param source - file name for messages
 * @param extent - cells, rows, columns of the mask
 * @param out - mask, cell-major
 * @returns values newly set
 */
export function applyNpyMask(bytes: Uint8Array, source: string, extent: MaskExtent, out: Uint8Array): number {
  const a = parseNpy(bytes, source);
  const { cells, rows, cols } = extent;
  const ok2 = a.shape.length === 2 && a.shape[0] === rows && a.shape[1] === cols;
  const ok3 = a.shape.length === 3 && a.shape[0] === cells && a.shape[1] === rows && a.shape[2] === cols;
  if (!ok2 && !ok3) throw new DetcalError('SHAPE_MISMATCH', `${source}: array shape (${a.shape.join(', ')}) is neither (${rows}, ${cols}) nor (${cells}, ${rows}, ${cols})`);
  const frame = Uint8Array.from(a.data, (v) => (v !== 0 && v === v ? 1 : 0));
  return applyFrame(frame, ok3 ? cells : null, extent, out);
}

/** Sets out where frame is 1: frame is one plane for every cell (perCell null) or one plane per cell. */
function applyFrame(frame: Uint8Array, perCell: number | null, extent: MaskExtent, out: Uint8Array): number {
  const plane = extent.rows * extent.cols;
  let set = 0;
  for (let c = 0; c < extent.cells; c++) {
    const src = perCell === null ? 0 : c * plane;
    for (let p = 0; p < plane; p++) if (frame[src + p] && !out[c * plane + p]) {
      out[c * plane + p] = 1;
      set++;
    }
  }
  return set;
}
