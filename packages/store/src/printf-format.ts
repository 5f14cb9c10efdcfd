/** printf-style number formatting as C / Python's % operator writes it (numpy savetxt formats values this way). */
import { DetcalError } from '@detcal/core';

/** A formatter for one printf conversion (%d %i %f %e %E with flags -+ 0 and width), as Python's % operator. */
export function makeFormatter(fmt: string): (v: number | bigint) => string {
  const m = /^%([-+ 0]*)(\d+)?(?:\.(\d+))?([difeE])$/.exec(fmt);
  if (!m) throw new DetcalError('BAD_INPUT', `format "${fmt}" is not supported; use %d, %i, %.3f, %10.4f or %.6e`);
  const [, flags, widthText, precText, conv] = m;
  const width = widthText ? Number(widthText) : 0;
  const prec = precText !== undefined ? Number(precText) : 6;
  const body = (v: number | bigint): string => {
    if (conv === 'd' || conv === 'i') {
      if (typeof v === 'bigint') return v.toString();
      if (!Number.isFinite(v)) throw new DetcalError('BAD_INPUT', `cannot write ${v} with ${fmt}; use a float format such as %.3f`);
      return BigInt(Math.trunc(v)).toString();
    }
    const x = Number(v);
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    if (conv === 'f') return formatFixed(x, prec);
    const s = x.toExponential(prec).replace(/e([+-])(\d)$/, 'e$10$2');
    return conv === 'E' ? s.toUpperCase() : s;
  };
  if (!flags && !width) return body;
  return (v) => {
    let s = body(v);
    if (flags.includes('+') && !s.startsWith('-')) s = `+${s}`;
    else if (flags.includes(' ') && !s.startsWith('-')) s = ` ${s}`;
    if (s.length >= width) return s;
    if (flags.includes('-')) return s.padEnd(width);
    if (flags.includes('0') && /^[-+ ]?\d/.test(s)) {
      const sign = /^[-+ ]/.test(s) ? s[0] : '';
      return sign + s.slice(sign.length).padStart(width - sign.length, '0');
    }
    return s.padStart(width);
  };
}

const scratch = new DataView(new ArrayBuffer(8));

/** `%.{digits}f` of a double exactly as C printf writes it (exact ties round to even, -0 keeps its sign). */
export function formatFixed(x: number, digits: number): string {
  if (Object.is(x, -0)) return `-${(0).toFixed(digits)}`;
  const scaled = Math.abs(x) * 10 ** digits;
  const frac = scaled - Math.floor(scaled);
  if (Math.abs(frac - 0.5) > 1e-6 || scaled > 2 ** 52 || digits > 20) return x.toFixed(digits);
  // Near a tie: decide with exact rational arithmetic, x = mantissa * 2^exp.
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exp: number;
  if (expBits === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = expBits - 1075;
  }
  const num = mantissa * 10n ** BigInt(digits) * (exp > 0 ? 2n ** BigInt(exp) : 1n);
  const den = exp < 0 ? 2n ** BigInt(-exp) : 1n;
  let q = num / den;
  const twice = (num % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  return negative ? `-${s}` : s;
}
