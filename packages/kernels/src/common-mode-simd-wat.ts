/**
 * WebAssembly text (fixed-width SIMD) of the row-segment common-mode noise kernels of ePix100 and pnCCD
 * (common-mode-noise-fused.ts does the same in JS), generated so that the optional parts of the
 * correct-and-accumulate loop (raw statistics, max, cosmic threshold) are compiled in or out.
 * common-mode-simd-wasm.ts holds the compiled bytes; its test recompiles this text with wabt and checks
 * they match.
 *
 * Memory (one imported, unshared memory per worker context): the per-pixel arrays of the pass (offset f32,
 * role u8, count u32 / ref f32 / sum f64 / sumSq f64 of the corrected and the raw values, max f32, threshold
 * f32, hit u8), a row of raw u2 values copied in by the caller, and a key buffer for the median. Every
 * array has at least 32 bytes of padding after its last pixel: the kernels work 4 pixels at a time and
 * read (and write back unchanged) up to 3 pixels past a segment's end.
 *
 * Bit identity with the JS kernel: every rounding step is the one the JS does. The offset-subtracted value
 * is the float64 difference of the u2 value and the float32 offset rounded to float32 (f64x2.sub then
 * f32x4.demote, as Math.fround(x - offset)), the correction is the float64 difference of that value and the
 * float64 median (or its float32 rounding for masked pixels) rounded to float32, and the sums add the
 * float64 difference to the reference and its square (no fused multiply-add) to the float64 state, one
 * frame at a time in the caller's frame order. Lanes past the segment's end and values left out (hits)
 * keep the count, reference, max and hit bits (bitselect) and add +0 to the sums: a sum starts at +0 and
 * no difference of these values is -0 (a u2 value minus an offset never is), so it is never -0 and
 * adding +0 leaves its bits unchanged. The kernels take u2 data only; other element types stay in JS.
 *
 * Exports: gather (offset-subtracted values of a segment as median keys: +Infinity for pixels that are not
 * good or NaN, so a selection of rank k < good over the whole segment is the selection over the good values
 * alone), select (k-th smallest key, in place), maxBelow (largest of the first k keys) and correct_<parts>
 * (correct and accumulate one segment; returns the values left out as hits).
 */

/** The optional parts of the correct-and-accumulate kernel. */
export interface CommonModeSimdParts {
  /** Accumulate the raw values too. */
  raw: boolean;
  /** Track the largest corrected value. */
  max: boolean;
  /** Leave out values above a per-pixel threshold (cosmic-ray hits). */
  threshold: boolean;
}

/**
 * Export name of the correct-and-accumulate kernel with the given parts.
 * @param parts - parts compiled in
 * @returns e.g. `correct_rmt` (raw, max, threshold) or `correct_` (none)
 */
export function commonModeCorrectName(parts: CommonModeSimdParts): string {
  return `correct_${parts.raw ? 'r' : ''}${parts.max ? 'm' : ''}${parts.threshold ? 't' : ''}`;
}

/** Every combination of parts, in the order their kernels are generated. */
export const COMMON_MODE_SIMD_PARTS: readonly CommonModeSimdParts[] = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => ({
  raw: (b & 1) !== 0,
  max: (b & 2) !== 0,
  threshold: (b & 4) !== 0,
}));

/** Lanes 2, 3 (i32 / f32) to lanes 0, 1, so that the *_low conversions take them. */
const HIGH_PAIR = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';
/** Lanes 0, 1 of the first and 0, 1 of the second vector (two demoted f64x2 halves as one f32x4). */
const JOIN_LOW = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
const INF4 = '(v128.const f32x4 inf inf inf inf)';
const ZERO = '(v128.const i32x4 0 0 0 0)';
const LANES = '(v128.const i32x4 0 1 2 3)';

/**
 * The module's text.
 * @returns WebAssembly text format
 */
export function commonModeSimdWat(): string {
  const lines = ['(module', '  (import "env" "memory" (memory 1))', gatherFunc(), selectFunc(), maxBelowFunc()];
  for (const parts of COMMON_MODE_SIMD_PARTS) lines.push(correctFunc(parts));
  lines.push(')');
  return lines.join('\n') + '\n';
}

/**
 * Text of Math.fround(x - offset) per lane (x: u32 lanes of u2 values, offset: f32x4, both local.get
 * expressions), the difference taken in float64. Helpers are inlined as text: V8 does not inline wasm calls.
 */
function sub4(x: string, o: string): string {
  return `(i8x16.shuffle ${JOIN_LOW}
        (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.convert_low_i32x4_u ${x}) (f64x2.promote_low_f32x4 ${o})))
        (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.convert_low_i32x4_u (i8x16.shuffle ${HIGH_PAIR} ${x} ${x}))
          (f64x2.promote_low_f32x4 (i8x16.shuffle ${HIGH_PAIR} ${o} ${o})))))`;
}

/** Text of 4 u2 values at a byte address as u32 lanes. */
function u2x4(at: string): string {
  return `(i32x4.extend_low_i16x8_u (v128.load64_zero align=2 ${at}))`;
}

/** Text of 4 u1 values at a byte address as u32 lanes. */
function u1x4(at: string): string {
  return `(i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 ${at})))`;
}

/** Text of the mask of lanes i + 0..3 < n. */
function lanesBefore(i: string, n: string): string {
  return `(i32x4.lt_s (i32x4.add (i32x4.splat ${i}) ${LANES}) (i32x4.splat ${n}))`;
}

/**
 * gather(n, data, off, role, keys) -> good: for pixels [0, n) of a segment (byte addresses of its first
 * pixel), keys[i] = Math.fround(data[i] - off[i]) where role is good (0) and the value is not NaN, else
 * +Infinity; returns the number of good values.
 */
function gatherFunc(): string {
  return `  (func (export "gather") (param $n i32) (param $data i32) (param $off i32) (param $role i32) (param $keys i32) (result i32)
    (local $i i32) (local $x v128) (local $o v128) (local $d v128) (local $good v128) (local $cnt v128)
    (local.set $cnt ${ZERO})
    (block $done (loop $px
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $x ${u2x4('(i32.add (local.get $data) (i32.shl (local.get $i) (i32.const 1)))')})
      (local.set $o (v128.load align=4 (i32.add (local.get $off) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $d ${sub4('(local.get $x)', '(local.get $o)')})
      (local.set $good (v128.and (v128.and (f32x4.eq (local.get $d) (local.get $d))
        (i32x4.eq ${u1x4('(i32.add (local.get $role) (local.get $i))')} ${ZERO}))
        ${lanesBefore('(local.get $i)', '(local.get $n)')}))
      (v128.store align=4 (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2))) (v128.bitselect (local.get $d) ${INF4} (local.get $good)))
      (local.set $cnt (i32x4.sub (local.get $cnt) (local.get $good)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $px)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $cnt)) (i32x4.extract_lane 1 (local.get $cnt)))
      (i32.add (i32x4.extract_lane 2 (local.get $cnt)) (i32x4.extract_lane 3 (local.get $cnt)))))`;
}

/**
 * select(a, k, n) -> the k-th smallest of the f32 values a[0, n) (NaN-free), reordering them so that
 * a[0, k) <= a[k] <= a(k, n). Lomuto partitions around a median of three whose inner loop has no
 * data-dependent branch (as fast-median.ts); a partition that removed less than 1/8 of the range is
 * followed by a pass that moves the values equal to the pivot next to it, so ties cannot make it
 * quadratic. Ranges of fewer than 16 values are sorted by insertion. Any exact selection gives the same value.
 */
function selectFunc(): string {
  const at = (i: string): string => `(i32.add (local.get $a) (i32.shl ${i} (i32.const 2)))`;
  const ld = (i: string): string => `(f32.load ${at(i)})`;
  const st = (i: string, v: string): string => `(f32.store ${at(i)} ${v})`;
  const get = (n: string): string => `(local.get $${n})`;
  /** Sorts a[x], a[y] so that a[x] <= a[y] (as the JS: swap when a[y] < a[x]). */
  const order = (x: string, y: string): string => `
      (if (f32.lt ${ld(get(y))} ${ld(get(x))}) (then
        (local.set $t ${ld(get(y))}) ${st(get(y), ld(get(x)))} ${st(get(x), get('t'))}))`;
  return `  (func (export "select") (param $a i32) (param $k i32) (param $n i32) (result f32)
    (local $l i32) (local $r i32) (local $m i32) (local $s i32) (local $i i32) (local $j i32) (local $before i32)
    (local $pivot f32) (local $t f32) (local $v f32)
    (local.set $r (i32.sub (local.get $n) (i32.const 1)))
    (block $small (loop $part
      (br_if $small (i32.lt_s (i32.sub ${get('r')} ${get('l')}) (i32.const 16)))
      (local.set $m (i32.shr_u (i32.add ${get('l')} ${get('r')}) (i32.const 1)))${order('l', 'm')}${order('l', 'r')}${order('m', 'r')}
      (local.set $pivot ${ld(get('m'))})
      ${st(get('m'), ld(get('r')))}
      ${st(get('r'), get('pivot'))}
      (local.set $s ${get('l')})
      (local.set $i ${get('l')})
      (block $e1 (loop $lt
        (br_if $e1 (i32.ge_s ${get('i')} ${get('r')}))
        (local.set $v ${ld(get('i'))})
        ${st(get('i'), ld(get('s')))}
        ${st(get('s'), get('v'))}
        (local.set $s (i32.add ${get('s')} (f32.lt ${get('v')} ${get('pivot')})))
        (local.set $i (i32.add ${get('i')} (i32.const 1)))
        (br $lt)))
      ${st(get('r'), ld(get('s')))}
      ${st(get('s'), get('pivot'))}
      (if (i32.eq ${get('k')} ${get('s')}) (then (return ${get('pivot')})))
      (local.set $before (i32.sub ${get('r')} ${get('l')}))
      (if (i32.lt_s ${get('k')} ${get('s')})
        (then (local.set $r (i32.sub ${get('s')} (i32.const 1))))
        (else
          (local.set $l (i32.add ${get('s')} (i32.const 1)))
          ;; few values removed: move those equal to the pivot to the front of the rest
          (if (i32.gt_s (i32.mul (i32.sub ${get('r')} ${get('l')}) (i32.const 8)) (i32.mul ${get('before')} (i32.const 7)))
            (then
              (local.set $s ${get('l')})
              (local.set $i ${get('l')})
              (block $e2 (loop $eq
                (br_if $e2 (i32.gt_s ${get('i')} ${get('r')}))
                (local.set $v ${ld(get('i'))})
                ${st(get('i'), ld(get('s')))}
                ${st(get('s'), get('v'))}
                (local.set $s (i32.add ${get('s')} (f32.eq ${get('v')} ${get('pivot')})))
                (local.set $i (i32.add ${get('i')} (i32.const 1)))
                (br $eq)))
              (if (i32.lt_s ${get('k')} ${get('s')}) (then (return ${get('pivot')})))
              (local.set $l ${get('s')})))))
      (br $part)))
    ;; insertion sort of a[l, r]
    (local.set $i (i32.add ${get('l')} (i32.const 1)))
    (block $e3 (loop $ins
      (br_if $e3 (i32.gt_s ${get('i')} ${get('r')}))
      (local.set $v ${ld(get('i'))})
      (local.set $j (i32.sub ${get('i')} (i32.const 1)))
      (block $e4 (loop $shift
        (br_if $e4 (i32.lt_s ${get('j')} ${get('l')}))
        (br_if $e4 (i32.eqz (f32.gt ${ld(get('j'))} ${get('v')})))
        ${st(`(i32.add ${get('j')} (i32.const 1))`, ld(get('j')))}
        (local.set $j (i32.sub ${get('j')} (i32.const 1)))
        (br $shift)))
      ${st(`(i32.add ${get('j')} (i32.const 1))`, get('v'))}
      (local.set $i (i32.add ${get('i')} (i32.const 1)))
      (br $ins)))
    ${ld(get('k'))})`;
}

/** maxBelow(a, k) -> the largest of a[0, k) (k >= 1, NaN-free), the lower middle value of an even count. */
function maxBelowFunc(): string {
  return `  (func (export "maxBelow") (param $a i32) (param $k i32) (result f32)
    (local $i i32) (local $m f32) (local $v f32)
    (local.set $m (f32.load (local.get $a)))
    (local.set $i (i32.const 1))
    (block $done (loop $px
      (br_if $done (i32.ge_s (local.get $i) (local.get $k)))
      (local.set $v (f32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
      (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $px)))
    (local.get $m))`;
}

/**
 * correct_<parts>(n, data, cm, off, role, cnt, ref, sum, sq, rcnt, rref, rsum, rsq, max, thr, hit) -> hits:
 * corrects pixels [0, n) of a segment (byte addresses of its first pixel in every array) by the
 * common mode cm as the JS kernel does, 4 pixels per step, and accumulates them.
 */
function correctFunc(parts: CommonModeSimdParts): string {
  const L: string[] = [];
  const get = (n: string): string => `(local.get $${n})`;
  const at4 = (arr: string, extra = 0): string => `(i32.add ${get(arr)} (i32.add (i32.shl ${get('i')} (i32.const 2)) (i32.const ${extra})))`;
  const at8 = (arr: string, extra: number): string => `(i32.add ${get(arr)} (i32.add (i32.shl ${get('i')} (i32.const 3)) (i32.const ${extra})))`;
  const high = (v: string): string => `(i8x16.shuffle ${HIGH_PAIR} ${v} ${v})`;
  L.push(`  (func (export "${commonModeCorrectName(parts)}") (param $n i32) (param $data i32) (param $cm f64)`);
  L.push('    (param $off i32) (param $role i32) (param $cnt i32) (param $ref i32) (param $sum i32) (param $sq i32)');
  L.push('    (param $rcnt i32) (param $rref i32) (param $rsum i32) (param $rsq i32) (param $max i32) (param $thr i32) (param $hit i32) (result i32)');
  L.push('    (local $i i32) (local $x v128) (local $ro v128) (local $v v128) (local $valid v128) (local $a v128)');
  L.push('    (local $h v128) (local $hits v128) (local $c v128) (local $first v128) (local $rf v128) (local $w v128) (local $dv v128)');
  L.push('    (local $g v128) (local $m v128) (local $cmv v128) (local $cm32v v128) (local $xlo v128) (local $xhi v128) (local $vlo v128) (local $vhi v128)');
  L.push('    (local.set $cmv (f64x2.splat (local.get $cm)))');
  L.push('    (local.set $cm32v (f64x2.splat (f64.promote_f32 (f32.demote_f64 (local.get $cm)))))');
  L.push(`    (local.set $hits ${ZERO})`);
  L.push('    (block $done (loop $px');
  L.push(`      (br_if $done (i32.ge_s ${get('i')} ${get('n')}))`);
  L.push(`      (local.set $x ${u2x4(`(i32.add ${get('data')} (i32.shl ${get('i')} (i32.const 1)))`)})`);
  L.push(`      (local.set $w (v128.load align=4 ${at4('off')}))`);
  L.push(`      (local.set $ro ${u1x4(`(i32.add ${get('role')} ${get('i')})`)})`);
  // per lane the correction: good (0) cm, masked (1) float32(cm), frozen (2) 0 (d - 0 is d bit for bit)
  L.push(`      (local.set $g (i32x4.eq ${get('ro')} ${ZERO}))`);
  L.push(`      (local.set $m (i32x4.eq ${get('ro')} (v128.const i32x4 1 1 1 1)))`);
  for (const [half, ext, pick] of [['lo', 'low', (v: string) => v], ['hi', 'high', high]] as const) {
    const c = `(v128.or (v128.and ${get('cmv')} (i64x2.extend_${ext}_i32x4_s ${get('g')})) (v128.and ${get('cm32v')} (i64x2.extend_${ext}_i32x4_s ${get('m')})))`;
    L.push(`      (local.set $x${half} (f64x2.convert_low_i32x4_u ${pick(get('x'))}))`);
    // d = fround(x - offset), v = fround(d - c), both differences in float64
    const d = `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub ${get(`x${half}`)} (f64x2.promote_low_f32x4 ${pick(get('w'))}))))`;
    L.push(`      (local.set $v${half} (f32x4.demote_f64x2_zero (f64x2.sub ${d} ${c})))`);
  }
  L.push(`      (local.set $v (i8x16.shuffle ${JOIN_LOW} ${get('vlo')} ${get('vhi')}))`);
  L.push(`      (local.set $vlo (f64x2.promote_low_f32x4 ${get('vlo')}))`);
  L.push(`      (local.set $vhi (f64x2.promote_low_f32x4 ${get('vhi')}))`);
  L.push(`      (local.set $valid ${lanesBefore(get('i'), get('n'))})`);
  if (parts.max) {
    L.push(`      (local.set $w (v128.load align=4 ${at4('max')}))`);
    L.push(`      (v128.store align=4 ${at4('max')} (v128.bitselect ${get('v')} ${get('w')} (v128.and (f32x4.gt ${get('v')} ${get('w')}) ${get('valid')})))`);
  }
  if (parts.threshold) {
    L.push(`      (local.set $h (v128.and (f32x4.gt ${get('v')} (v128.load align=4 ${at4('thr')})) ${get('valid')}))`);
    L.push(`      (local.set $a (v128.andnot ${get('valid')} ${get('h')}))`);
    L.push(`      (if (v128.any_true ${get('h')}) (then`);
    L.push(`        (local.set $hits (i32x4.sub ${get('hits')} ${get('h')}))`);
    const bytes = `(i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s ${get('h')} ${get('h')}) (i16x8.narrow_i32x4_s ${get('h')} ${get('h')}))`;
    L.push(`        (v128.store32_lane align=1 0 (i32.add ${get('hit')} ${get('i')})`);
    L.push(`          (v128.or (v128.load32_zero align=1 (i32.add ${get('hit')} ${get('i')})) (v128.and ${bytes} (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))))`);
  } else {
    L.push(`      (local.set $a ${get('valid')})`);
  }
  /** count, reference and the two sums of one accumulator; `val` f32x4 for the reference, `lo` / `hi` its f64 pairs. */
  const accumulate = (cnt: string, ref: string, sum: string, sq: string, val: string, lo: string, hi: string): void => {
    L.push(`      (local.set $c (v128.load align=4 ${at4(cnt)}))`);
    L.push(`      (local.set $first (v128.and ${get('a')} (i32x4.eq ${get('c')} ${ZERO})))`);
    L.push(`      (v128.store align=4 ${at4(cnt)} (i32x4.sub ${get('c')} ${get('a')}))`);
    L.push(`      (local.set $rf (v128.bitselect ${val} (v128.load align=4 ${at4(ref)}) ${get('first')}))`);
    L.push(`      (v128.store align=4 ${at4(ref)} ${get('rf')})`);
    for (const [e, vals, refs, ext] of [[0, lo, `(f64x2.promote_low_f32x4 ${get('rf')})`, 'i64x2.extend_low_i32x4_s'], [1, hi, `(f64x2.promote_low_f32x4 ${high(get('rf'))})`, 'i64x2.extend_high_i32x4_s']] as const) {
      // values left out add +0: the sums are never -0 (they start at +0 and no difference is -0), so x + 0 is x bit for bit
      L.push(`      (local.set $dv (v128.and (f64x2.sub ${vals} ${refs}) (${ext} ${get('a')})))`);
      L.push(`      (v128.store align=8 ${at8(sum, 16 * e)} (f64x2.add (v128.load align=8 ${at8(sum, 16 * e)}) ${get('dv')}))`);
      L.push(`      (v128.store align=8 ${at8(sq, 16 * e)} (f64x2.add (v128.load align=8 ${at8(sq, 16 * e)}) (f64x2.mul ${get('dv')} ${get('dv')})))`);
    }
  };
  accumulate('cnt', 'ref', 'sum', 'sq', get('v'), get('vlo'), get('vhi'));
  if (parts.raw) {
    // raw values: u2 as float32 (exact) for the reference, as float64 for the differences
    accumulate('rcnt', 'rref', 'rsum', 'rsq', `(f32x4.convert_i32x4_u ${get('x')})`, get('xlo'), get('xhi'));
  }
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 4)))`);
  L.push('      (br $px)))');
  L.push(`    (i32.add (i32.add (i32x4.extract_lane 0 ${get('hits')}) (i32x4.extract_lane 1 ${get('hits')}))`);
  L.push(`      (i32.add (i32x4.extract_lane 2 ${get('hits')}) (i32x4.extract_lane 3 ${get('hits')}))))`);
  return L.join('\n');
}
