/**
 * WebAssembly text (fixed-width SIMD) of the general dark accumulation kernel on u2 frames
 * (DarkAccumulator: count, rejected, ref, sum, sumSq per (cell, pixel)), generated so that the frame
 * count of a chunk (1..8) and the gain kind are unrolled. dark-single-simd-wasm.ts holds the compiled
 * bytes; its test recompiles this text with wabt and checks they match.
 *
 * Memory (one imported memory, the accumulator's): count u32, rejected u32, ref f32, sum f64, sumSq f64
 * per (cell, pixel), and a scratch of 8 value slots and 8 gain slots of `slot` bytes each (2 * nPixels)
 * that the caller fills with its pixel range (value slot j at scr + j * slot, gain slot j at
 * gscr + j * slot, u8 or u16 gains). Pointers are byte addresses of the range's first pixel.
 *
 * Kinds: `plain` (every value accepted), `g8` / `g16` (a value counts when its gain g < 16 has bit g set
 * in `mask`; others are counted in rejected). A pixel without values takes its first accepted value as
 * reference, like the JS kernels (cpu-dark-grouped.ts, cpu-dark.ts).
 *
 * Per 8 pixels: the references (f32) are converted to i16; when every accepted value and reference is
 * an integer below 2^14 (checked per tile), the masked differences fit i16; frames j and j + 1 are
 * interleaved so that i32x4.dot_i16x8_s gives d_j^2 + d_{j+1}^2 and i32x4.extadd_pairwise_i16x8_s gives
 * d_j + d_{j+1} per pixel, exact in i32 (8 squares < 2^31). Each i32 partial converts exactly to f64 and
 * is added to the state once per chunk. Tiles with larger values (or a reference that is not such an
 * integer) and the tail take a scalar path that follows the JS kernel value by value in f64. All
 * partials are exact integers, so the state is bit for bit that of the JS kernel.
 */

/** Frames per chunk the kernel handles at most (8 squares of 14-bit differences stay below 2^31). */
export const DARK_SINGLE_SIMD_MAX_FRAMES = 8;

/** How a kernel decides which values count: all of them, or by a u8 / u16 gain value per value. */
export type DarkSingleSimdKind = 'plain' | 'g8' | 'g16';

/** The kinds, in the order their exports are generated. */
export const DARK_SINGLE_SIMD_KINDS: readonly DarkSingleSimdKind[] = ['plain', 'g8', 'g16'];

/** Interleave the u16 lanes 0..3 (or 4..7) of two vectors. */
const INTERLEAVE_LOW = '0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23';
const INTERLEAVE_HIGH = '8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31';
/** Moves lanes 2, 3 (i32) to 0, 1 so f64x2.convert_low_i32x4_s converts them. */
const HIGH_I32_PAIR = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';
/** Each of the low 8 bytes twice: u8 gains as byte pairs, one per i16 lane. */
const DUP_LOW_BYTES = '0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7';
const PARAMS = '(param $cnt i32) (param $rej i32) (param $ref i32) (param $sum i32) (param $sq i32) (param $scr i32) (param $gscr i32) (param $slot i32) (param $mask i32)';
const ARGS = '(local.get $cnt) (local.get $rej) (local.get $ref) (local.get $sum) (local.get $sq) (local.get $scr) (local.get $gscr) (local.get $slot) (local.get $mask)';

/**
 * The module's text.
 * @param shared - import a shared memory (worker threads) instead of an unshared one
 * @returns WebAssembly text format
 */
export function darkSingleSimdWat(shared: boolean): string {
  const lines: string[] = ['(module', `  (import "env" "memory" (memory 1 ${shared ? '65536 shared' : ''}))`];
  for (const kind of DARK_SINGLE_SIMD_KINDS) lines.push(scalarFunc(kind));
  for (const kind of DARK_SINGLE_SIMD_KINDS) {
    for (let n = 1; n <= DARK_SINGLE_SIMD_MAX_FRAMES; n++) lines.push(addFunc(kind, n));
  }
  lines.push(')');
  return lines.join('\n') + '\n';
}

/** Text of "is the value at frame j, pixel p accepted" (i32 0 / 1), reading the gain slot. */
function acceptedAt(kind: DarkSingleSimdKind): string {
  if (kind === 'plain') return '(i32.const 1)';
  const at = kind === 'g8' ? '(local.get $p)' : '(i32.shl (local.get $p) (i32.const 1))';
  const load = kind === 'g8' ? 'i32.load8_u' : 'i32.load16_u';
  return `(block (result i32)
          (local.set $g (${load} (i32.add (i32.add (local.get $gscr) ${at}) (i32.mul (local.get $slot) (local.get $j)))))
          (i32.and (i32.lt_u (local.get $g) (i32.const 16)) (i32.shr_u (local.get $mask) (local.get $g))))`;
}

/**
 * scalar_<kind>(..., i0, i1, frames): exact path for pixels [i0, i1), value by value as the JS kernel:
 * a pixel without values takes the first accepted one as reference; per pixel the chunk's differences are
 * summed in f64 (exact integers) and added to the state once; rejected values are counted.
 */
function scalarFunc(kind: DarkSingleSimdKind): string {
  return `  (func $scalar_${kind} ${PARAMS} (param $i0 i32) (param $i1 i32) (param $frames i32)
    (local $p i32) (local $j i32) (local $n0 i32) (local $n i32) (local $g i32) (local $r f64) (local $x f64) (local $d f64) (local $s f64) (local $q f64)
    (local.set $p (local.get $i0))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $p) (local.get $i1)))
      (local.set $n0 (i32.load (i32.add (local.get $cnt) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $n (local.get $n0))
      (local.set $r (f64.promote_f32 (f32.load (i32.add (local.get $ref) (i32.shl (local.get $p) (i32.const 2))))))
      (local.set $s (f64.const 0))
      (local.set $q (f64.const 0))
      (local.set $j (i32.const 0))
      (loop $frames
        (if ${acceptedAt(kind)}
          (then
            (local.set $x (f64.convert_i32_u (i32.load16_u (i32.add (i32.add (local.get $scr) (i32.shl (local.get $p) (i32.const 1))) (i32.mul (local.get $slot) (local.get $j))))))
            (if (i32.eqz (local.get $n)) (then (local.set $r (local.get $x))))
            (local.set $d (f64.sub (local.get $x) (local.get $r)))
            (local.set $s (f64.add (local.get $s) (local.get $d)))
            (local.set $q (f64.add (local.get $q) (f64.mul (local.get $d) (local.get $d))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $frames (i32.lt_u (local.get $j) (local.get $frames))))
      (if (i32.and (i32.eqz (local.get $n0)) (i32.ne (local.get $n) (i32.const 0)))
        (then (f32.store (i32.add (local.get $ref) (i32.shl (local.get $p) (i32.const 2))) (f32.demote_f64 (local.get $r)))))
      (if (i32.ne (i32.sub (local.get $n) (local.get $n0)) (local.get $frames))
        (then (i32.store (i32.add (local.get $rej) (i32.shl (local.get $p) (i32.const 2)))
          (i32.add (i32.load (i32.add (local.get $rej) (i32.shl (local.get $p) (i32.const 2))))
            (i32.sub (local.get $frames) (i32.sub (local.get $n) (local.get $n0)))))))
      (i32.store (i32.add (local.get $cnt) (i32.shl (local.get $p) (i32.const 2))) (local.get $n))
      (f64.store (i32.add (local.get $sum) (i32.shl (local.get $p) (i32.const 3)))
        (f64.add (f64.load (i32.add (local.get $sum) (i32.shl (local.get $p) (i32.const 3)))) (local.get $s)))
      (f64.store (i32.add (local.get $sq) (i32.shl (local.get $p) (i32.const 3)))
        (f64.add (f64.load (i32.add (local.get $sq) (i32.shl (local.get $p) (i32.const 3)))) (local.get $q)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pixels))))`;
}

/**
 * <kind><n>(..., count) (exports plain1..8, g8_1..8, g16_1..8): adds frames 0..n-1 of the scratch to
 * pixels [0, count), 8 pixels per step, the tail and out-of-range tiles by the scalar path.
 */
function addFunc(kind: DarkSingleSimdKind, n: number): string {
  const L: string[] = [];
  const get = (name: string): string => `(local.get $${name})`;
  const gained = kind !== 'plain';
  const locals = [
    '(local $i i32) (local $o i32) (local $og i32) (local $newref i32)',
    '(local $c0 v128) (local $c1 v128) (local $h0 v128) (local $h1 v128) (local $f0 v128) (local $f1 v128) (local $t0 v128) (local $t1 v128)',
    '(local $has v128) (local $hs v128) (local $r v128) (local $ors v128) (local $bad v128) (local $neg v128) (local $lut v128)',
    '(local $x v128) (local $m v128) (local $u v128) (local $v v128) (local $w v128)',
    '(local $slo v128) (local $shi v128) (local $qlo v128) (local $qhi v128)',
  ];
  for (let j = 0; j < n; j++) locals.push(`(local $pa${j} i32) (local $pg${j} i32)`);
  const name = kind === 'plain' ? `plain${n}` : `${kind}_${n}`;
  L.push(`  (func (export "${name}") ${PARAMS} (param $count i32)`);
  L.push('    ' + locals.join(' '));
  for (let j = 0; j < n; j++) {
    L.push(`    (local.set $pa${j} (i32.add ${get('scr')} (i32.mul ${get('slot')} (i32.const ${j}))))`);
    L.push(`    (local.set $pg${j} (i32.add ${get('gscr')} (i32.mul ${get('slot')} (i32.const ${j}))))`);
  }
  if (gained) {
    // byte g of the table: 0xff where bit g of the mask is set (g < 16); swizzle gives 0 for larger indices
    const bits = '(v128.const i8x16 1 2 4 8 16 32 64 -128 1 2 4 8 16 32 64 -128)';
    L.push(`    (local.set $lut (i8x16.eq (v128.and (i8x16.shuffle 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 (i32x4.splat ${get('mask')}) (i32x4.splat ${get('mask')})) ${bits}) ${bits}))`);
  }
  const zero = '(v128.const i32x4 0 0 0 0)';
  /** Loads frame j's values into $x and (gain kinds) its acceptance mask into $m. */
  const loadFrame = (j: number): void => {
    L.push(`      (local.set $x (v128.load align=2 (i32.add ${get(`pa${j}`)} ${get('o')})))`);
    if (kind === 'g8') {
      L.push(`      (local.set $m (v128.load64_zero align=1 (i32.add ${get(`pg${j}`)} ${get('og')})))`);
      L.push(`      (local.set $m (i8x16.swizzle ${get('lut')} (i8x16.shuffle ${DUP_LOW_BYTES} ${get('m')} ${get('m')})))`);
    } else if (kind === 'g16') {
      L.push(`      (local.set $m (i16x8.min_u (v128.load align=2 (i32.add ${get(`pg${j}`)} ${get('og')})) (v128.const i16x8 16 16 16 16 16 16 16 16)))`);
      L.push(`      (local.set $m (i8x16.swizzle ${get('lut')} (i16x8.mul ${get('m')} (v128.const i16x8 0x101 0x101 0x101 0x101 0x101 0x101 0x101 0x101))))`);
    }
  };
  L.push('    (block $done (loop $tiles');
  L.push(`      (br_if $done (i32.gt_u (i32.add ${get('i')} (i32.const 8)) ${get('count')}))`);
  L.push(`      (local.set $o (i32.shl ${get('i')} (i32.const 1)))`);
  L.push(`      (local.set $og ${kind === 'g8' ? get('i') : get('o')})`);
  // state of 8 pixels: has a value (count != 0), reference as an integer
  L.push(`      (local.set $c0 (v128.load align=4 (i32.add ${get('cnt')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $c1 (v128.load offset=16 align=4 (i32.add ${get('cnt')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $h0 (i32x4.ne ${get('c0')} ${zero}))`);
  L.push(`      (local.set $h1 (i32x4.ne ${get('c1')} ${zero}))`);
  L.push(`      (local.set $has (i16x8.narrow_i32x4_s ${get('h0')} ${get('h1')}))`);
  L.push(`      (local.set $f0 (v128.load align=4 (i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $f1 (v128.load offset=16 align=4 (i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $t0 (i32x4.trunc_sat_f32x4_u ${get('f0')}))`);
  L.push(`      (local.set $t1 (i32x4.trunc_sat_f32x4_u ${get('f1')}))`);
  L.push(`      (local.set $r (i16x8.narrow_i32x4_u ${get('t0')} ${get('t1')}))`);
  // a pixel with values whose reference is not an integer below 2^14 (bit for bit): scalar path
  const small = '(v128.const i32x4 16384 16384 16384 16384)';
  for (const h of [0, 1]) {
    const ok = `(v128.and (i32x4.eq (f32x4.convert_i32x4_u ${get(`t${h}`)}) ${get(`f${h}`)}) (i32x4.lt_u ${get(`t${h}`)} ${small}))`;
    L.push(`      (local.set ${h === 0 ? '$bad' : '$u'} (v128.andnot ${get(`h${h}`)} ${ok}))`);
  }
  L.push(`      (local.set $bad (v128.or ${get('bad')} ${get('u')}))`);
  if (kind === 'plain') {
    // every value counts: a pixel without values takes frame 0 as reference
    L.push(`      (local.set $r (v128.bitselect ${get('r')} (v128.load align=2 (i32.add ${get('pa0')} ${get('o')})) ${get('has')}))`);
    L.push(`      (local.set $ors ${get('r')})`);
  } else {
    L.push(`      (local.set $newref (i32.const 0))`);
    L.push(`      (local.set $neg ${zero})`);
    // some pixel has no value yet: its reference is the first accepted value of the chunk (a first pass over the frames)
    L.push(`      (if (i32.eqz (i16x8.all_true ${get('has')}))`);
    L.push('        (then');
    L.push(`      (local.set $newref (i32.const 1))`);
    L.push(`      (local.set $hs ${get('has')})`);
    for (let j = 0; j < n; j++) {
      loadFrame(j);
      L.push(`      (local.set $r (v128.bitselect ${get('x')} ${get('r')} (v128.andnot ${get('m')} ${get('hs')})))`);
      L.push(`      (local.set $hs (v128.or ${get('hs')} ${get('m')}))`);
    }
    L.push('        ))');
    L.push(`      (local.set $ors ${get('r')})`);
  }
  for (let j = 0; j < n; j += 2) {
    // masked differences of frames j (in $u) and j + 1 (in $v)
    for (let e = 0; e < 2; e++) {
      const into = e === 0 ? '$u' : '$v';
      if (j + e >= n) {
        L.push(`      (local.set ${into} ${zero})`);
        continue;
      }
      loadFrame(j + e);
      if (kind === 'plain') {
        L.push(`      (local.set $ors (v128.or ${get('ors')} ${get('x')}))`);
        L.push(`      (local.set ${into} (i16x8.sub ${get('x')} ${get('r')}))`);
      } else {
        L.push(`      (local.set $neg (i16x8.add ${get('neg')} ${get('m')}))`);
        L.push(`      (local.set $ors (v128.or ${get('ors')} (v128.and ${get('x')} ${get('m')})))`);
        L.push(`      (local.set ${into} (v128.and (i16x8.sub ${get('x')} ${get('r')}) ${get('m')}))`);
      }
    }
    // frames j and j + 1 side by side per pixel: pairwise sums and dot products, pixels 0..3 and 4..7
    for (const [half, pattern] of [['lo', INTERLEAVE_LOW], ['hi', INTERLEAVE_HIGH]] as const) {
      L.push(`      (local.set $w (i8x16.shuffle ${pattern} ${get('u')} ${get('v')}))`);
      const s = `(i32x4.extadd_pairwise_i16x8_s ${get('w')})`, sq = `(i32x4.dot_i16x8_s ${get('w')} ${get('w')})`;
      L.push(`      (local.set $s${half} ${j === 0 ? s : `(i32x4.add ${get(`s${half}`)} ${s})`})`);
      L.push(`      (local.set $q${half} ${j === 0 ? sq : `(i32x4.add ${get(`q${half}`)} ${sq})`})`);
    }
  }
  // an accepted value or reference >= 2^14: the partials may have wrapped, this tile takes the exact scalar path
  L.push(`      (if (v128.any_true (v128.or ${get('bad')} (v128.and ${get('ors')} (v128.const i16x8 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000))))`);
  L.push(`        (then (call $scalar_${kind} ${ARGS} ${get('i')} (i32.add ${get('i')} (i32.const 8)) (i32.const ${n})))`);
  L.push('        (else');
  const cntAt = `(i32.add ${get('cnt')} (i32.shl ${get('i')} (i32.const 2)))`;
  const rejAt = `(i32.add ${get('rej')} (i32.shl ${get('i')} (i32.const 2)))`;
  const refAt = `(i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2)))`;
  if (kind === 'plain') {
    const k = `(v128.const i32x4 ${n} ${n} ${n} ${n})`;
    L.push(`      (v128.store align=4 ${cntAt} (i32x4.add ${get('c0')} ${k}))`);
    L.push(`      (v128.store offset=16 align=4 ${cntAt} (i32x4.add ${get('c1')} ${k}))`);
    // pixels that had no value: frame 0 is their reference (others keep theirs bit for bit)
    L.push(`      (if (i32.eqz (i16x8.all_true ${get('has')}))`);
    L.push('        (then');
    L.push(`      (v128.store align=4 ${refAt} (v128.bitselect ${get('f0')} (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u ${get('r')})) ${get('h0')}))`);
    L.push(`      (v128.store offset=16 align=4 ${refAt} (v128.bitselect ${get('f1')} (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u ${get('r')})) ${get('h1')}))`);
    L.push('        ))');
  } else {
    // $neg: minus the accepted values per pixel
    L.push(`      (v128.store align=4 ${cntAt} (i32x4.sub ${get('c0')} (i32x4.extend_low_i16x8_s ${get('neg')})))`);
    L.push(`      (v128.store offset=16 align=4 ${cntAt} (i32x4.sub ${get('c1')} (i32x4.extend_high_i16x8_s ${get('neg')})))`);
    L.push(`      (if (v128.any_true (i16x8.ne ${get('neg')} (v128.const i16x8 ${Array(8).fill(-n).join(' ')})))`);
    L.push('        (then');
    const k = `(v128.const i32x4 ${n} ${n} ${n} ${n})`;
    L.push(`      (v128.store align=4 ${rejAt} (i32x4.add (v128.load align=4 ${rejAt}) (i32x4.add ${k} (i32x4.extend_low_i16x8_s ${get('neg')}))))`);
    L.push(`      (v128.store offset=16 align=4 ${rejAt} (i32x4.add (v128.load offset=16 align=4 ${rejAt}) (i32x4.add ${k} (i32x4.extend_high_i16x8_s ${get('neg')}))))`);
    L.push('        ))');
    // pixels that got their first value in this chunk: its reference (others keep theirs bit for bit)
    L.push(`      (if ${get('newref')}`);
    L.push('        (then');
    L.push(`      (local.set $hs (v128.andnot ${get('hs')} ${get('has')}))`);
    L.push(`      (v128.store align=4 ${refAt} (v128.bitselect (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u ${get('r')})) ${get('f0')} (i32x4.extend_low_i16x8_s ${get('hs')})))`);
    L.push(`      (v128.store offset=16 align=4 ${refAt} (v128.bitselect (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u ${get('r')})) ${get('f1')} (i32x4.extend_high_i16x8_s ${get('hs')})))`);
    L.push('        ))');
  }
  // sums: i32 lanes of pixels 0..3 (lo) and 4..7 (hi), f64 pairs per two pixels
  for (const [arr, acc] of [['sum', 's'], ['sq', 'q']] as const) {
    L.push(`      (local.set $o (i32.add ${get(arr)} (i32.shl ${get('i')} (i32.const 3))))`);
    for (const [h, half] of [[0, 'lo'], [1, 'hi']] as const) {
      const v = get(`${acc}${half}`);
      for (let e = 0; e < 2; e++) {
        const off = 32 * h + 16 * e;
        const lanes = e === 0 ? v : `(i8x16.shuffle ${HIGH_I32_PAIR} ${v} ${v})`;
        L.push(`      (v128.store offset=${off} align=8 ${get('o')} (f64x2.add (v128.load offset=${off} align=8 ${get('o')}) (f64x2.convert_low_i32x4_s ${lanes})))`);
      }
    }
  }
  L.push('      ))');
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 8)))`);
  L.push('      (br $tiles)))');
  L.push(`    (call $scalar_${kind} ${ARGS} ${get('i')} ${get('count')} (i32.const ${n})))`);
  return L.join('\n');
}
