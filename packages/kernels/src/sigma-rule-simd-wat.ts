/**
 * WebAssembly text (fixed-width SIMD) of the n-sigma bad-pixel rule on one contiguous statistics group
 * (a memory cell of AGIPD or Jungfrau: 65536 values): sigma-rule.ts does the same in JS and drives these
 * kernels in sigma-rule-simd.ts. sigma-rule-simd-wasm.ts holds the compiled bytes; its test recompiles
 * this text with wabt and checks they match.
 *
 * Memory (one imported, unshared memory per thread): a result area, the left-pack table of the gather,
 * a histogram of MEDIAN_BINS + 1 counts, then the group's values (f32), its flags (u32) and two buffers
 * for the values of a histogram bin (f32). Pointers are byte addresses; counts n4 are multiples of 4
 * (the caller pads a group with NaN, which every kernel leaves out as not finite).
 *
 * Bit identity with sigma-rule.ts: the sums of the values and of their squared deviations from the mean
 * are taken in float64 in four partial sums, one per position modulo 4 (SIMD lanes), combined as
 * (s0 + s1) + (s2 + s3); the JS rule sums in the same order. Non-finite values add +0 (masked), which
 * leaves a sum's bits unchanged (a sum that starts at +0 never becomes -0). Thresholds are compared in
 * float32: the caller rounds a lower limit up and an upper limit down to float32, which for float32
 * values gives the same comparisons as the float64 limits. Medians are exact selections, whatever
 * the histogram's binning: the bin of a value is a non-decreasing function of it.
 *
 * Exports: stats (count, sum, smallest and largest of the finite values), std_hist / std (sum of squared
 * deviations from the mean; std_hist also counts the finite values into the histogram), gather (the
 * finite values of one bin, left-packed), edges (largest value of one bin and smallest of another) and
 * flag (OR the rule's bits into the flags and count them).
 */

/** Byte address of the result area: f64 sum at 0; f32 smallest at 16 and largest at 20; i32 counts at 24 (out of band), 28 (out of hard range), 32 (not finite), 36 (zero). */
export const SIGMA_RESULT_AT = 0;
/** Byte address of the left-pack table (16 x 16 bytes: swizzle controls that move the lanes of a 4-bit mask to the front). */
export const SIGMA_TABLE_AT = 64;
/** Byte address of the histogram (i32 counts; the last slot takes what is not counted). */
export const SIGMA_HIST_AT = 320;

/** Lanes 2, 3 (f32) to lanes 0, 1, so that f64x2.promote_low_f32x4 takes them. */
const HIGH_PAIR = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';
const INF4 = '(v128.const f32x4 inf inf inf inf)';
const NINF4 = '(v128.const f32x4 -inf -inf -inf -inf)';

const get = (n: string): string => `(local.get $${n})`;
/** Text of the vector at byte `base` + 4 i. */
const load = (base: string): string => `(v128.load align=4 (i32.add ${get(base)} (i32.shl ${get('i')} (i32.const 2))))`;
/** Text of the lanes of $x that are finite (x - x is 0 for finite x, NaN otherwise). */
const FINITE = `(f32x4.eq (f32x4.sub ${get('x')} ${get('x')}) (v128.const f32x4 0 0 0 0))`;
/** Text of the sum of the four i32 lanes of a vector. */
const hsum = (v: string): string => `(i32.add (i32.add (i32x4.extract_lane 0 ${v}) (i32x4.extract_lane 1 ${v})) (i32.add (i32x4.extract_lane 2 ${v}) (i32x4.extract_lane 3 ${v})))`;
/** Text of (s01[0] + s01[1]) + (s23[0] + s23[1]). */
const combine = (a: string, b: string): string =>
  `(f64.add (f64.add (f64x2.extract_lane 0 ${get(a)}) (f64x2.extract_lane 1 ${get(a)})) (f64.add (f64x2.extract_lane 0 ${get(b)}) (f64x2.extract_lane 1 ${get(b)})))`;
/** Text of the bin index per lane: trunc((x - lo) * scale), at most bins - 1 (float32 arithmetic: non-decreasing in x). */
const BIN = `(i32x4.min_s (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.sub ${get('x')} ${get('lo4')}) ${get('scale4')})) ${get('top4')})`;
/** Opens a loop over the vectors of [0, n4). */
const LOOP_OPEN = `    (block $done (loop $v
      (br_if $done (i32.ge_s ${get('i')} ${get('n4')}))
      (local.set $x ${load('src')})`;
const LOOP_CLOSE = `      (local.set $i (i32.add ${get('i')} (i32.const 4)))
      (br $v)))`;
/** Locals and setup of the binning: lo4, scale4, top4 (bins - 1). */
const BIN_SETUP = `(local.set $lo4 (f32x4.splat ${get('lo')})) (local.set $scale4 (f32x4.splat ${get('scale')})) (local.set $top4 (i32x4.splat (i32.sub ${get('bins')} (i32.const 1))))`;

/**
 * The module's text.
 * @returns WebAssembly text format
 */
export function sigmaRuleSimdWat(): string {
  return ['(module', '  (import "env" "memory" (memory 1))', statsFunc(), stdFunc(true), stdFunc(false), gatherFunc(), edgesFunc(), flagFunc(), ')'].join('\n') + '\n';
}

/** stats(src, n4) -> finite count; the sum (f64), smallest and largest (f32) of the finite values to the result area. */
function statsFunc(): string {
  return `  (func (export "stats") (param $src i32) (param $n4 i32) (result i32)
    (local $i i32) (local $x v128) (local $m v128) (local $xm v128) (local $cnt v128) (local $s01 v128) (local $s23 v128) (local $lo v128) (local $hi v128)
    (local.set $lo ${INF4}) (local.set $hi ${NINF4})
${LOOP_OPEN}
      (local.set $m ${FINITE})
      (local.set $xm (v128.and ${get('x')} ${get('m')}))
      (local.set $cnt (i32x4.sub ${get('cnt')} ${get('m')}))
      (local.set $s01 (f64x2.add ${get('s01')} (f64x2.promote_low_f32x4 ${get('xm')})))
      (local.set $s23 (f64x2.add ${get('s23')} (f64x2.promote_low_f32x4 (i8x16.shuffle ${HIGH_PAIR} ${get('xm')} ${get('xm')}))))
      (local.set $lo (f32x4.pmin ${get('lo')} (v128.bitselect ${get('x')} ${INF4} ${get('m')})))
      (local.set $hi (f32x4.pmax ${get('hi')} (v128.bitselect ${get('x')} ${NINF4} ${get('m')})))
${LOOP_CLOSE}
    (f64.store (i32.const ${SIGMA_RESULT_AT}) ${combine('s01', 's23')})
    (f32.store (i32.const ${SIGMA_RESULT_AT + 16}) (f32.min (f32.min (f32x4.extract_lane 0 ${get('lo')}) (f32x4.extract_lane 1 ${get('lo')})) (f32.min (f32x4.extract_lane 2 ${get('lo')}) (f32x4.extract_lane 3 ${get('lo')}))))
    (f32.store (i32.const ${SIGMA_RESULT_AT + 20}) (f32.max (f32.max (f32x4.extract_lane 0 ${get('hi')}) (f32x4.extract_lane 1 ${get('hi')})) (f32.max (f32x4.extract_lane 2 ${get('hi')}) (f32x4.extract_lane 3 ${get('hi')}))))
    ${hsum(get('cnt'))})`;
}

/**
 * std_hist(src, n4, mean, lo, scale, bins) / std(src, n4, mean) -> the sum of (x - mean)^2 over the finite
 * values (float64, four partial sums); std_hist also adds each finite value to the histogram count of its
 * bin (the caller zeroes the histogram; lanes that are not finite go to the spare slot `bins`).
 */
function stdFunc(hist: boolean): string {
  const histParams = hist ? ' (param $lo f32) (param $scale f32) (param $bins i32)' : '';
  const histLocals = hist ? ' (local $lo4 v128) (local $scale4 v128) (local $top4 v128) (local $b v128) (local $a i32)' : '';
  const L: string[] = [];
  L.push(`  (func (export "${hist ? 'std_hist' : 'std'}") (param $src i32) (param $n4 i32) (param $mean f64)${histParams} (result f64)`);
  L.push(`    (local $i i32) (local $x v128) (local $m v128) (local $d v128) (local $q01 v128) (local $q23 v128) (local $mean2 v128)${histLocals}`);
  L.push(`    (local.set $mean2 (f64x2.splat ${get('mean')}))`);
  if (hist) L.push(`    ${BIN_SETUP}`);
  L.push(LOOP_OPEN);
  L.push(`      (local.set $m ${FINITE})`);
  L.push(`      (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 ${get('x')}) ${get('mean2')}))`);
  L.push(`      (local.set $q01 (f64x2.add ${get('q01')} (v128.and (f64x2.mul ${get('d')} ${get('d')}) (i64x2.extend_low_i32x4_s ${get('m')}))))`);
  L.push(`      (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle ${HIGH_PAIR} ${get('x')} ${get('x')})) ${get('mean2')}))`);
  L.push(`      (local.set $q23 (f64x2.add ${get('q23')} (v128.and (f64x2.mul ${get('d')} ${get('d')}) (i64x2.extend_high_i32x4_s ${get('m')}))))`);
  if (hist) {
    L.push(`      (local.set $b (v128.bitselect ${BIN} (i32x4.splat ${get('bins')}) ${get('m')}))`);
    for (let lane = 0; lane < 4; lane++) {
      L.push(`      (local.set $a (i32.add (i32.const ${SIGMA_HIST_AT}) (i32.shl (i32x4.extract_lane ${lane} ${get('b')}) (i32.const 2))))`);
      L.push(`      (i32.store ${get('a')} (i32.add (i32.load ${get('a')}) (i32.const 1)))`);
    }
  }
  L.push(LOOP_CLOSE);
  L.push(`    ${combine('q01', 'q23')})`);
  return L.join('\n');
}

/**
 * gather(src, n4, lo, scale, bins, bin, dst) -> count: the finite values of src whose bin is `bin`, in
 * order, to dst (a left-pack per vector; dst needs 16 bytes past the last value). With scale 0 every
 * finite value is in bin 0.
 */
function gatherFunc(): string {
  return `  (func (export "gather") (param $src i32) (param $n4 i32) (param $lo f32) (param $scale f32) (param $bins i32) (param $bin i32) (param $dst i32) (result i32)
    (local $i i32) (local $x v128) (local $p i32) (local $bits i32) (local $lo4 v128) (local $scale4 v128) (local $top4 v128) (local $want v128)
    ${BIN_SETUP}
    (local.set $want (i32x4.splat ${get('bin')}))
    (local.set $p ${get('dst')})
${LOOP_OPEN}
      (local.set $bits (i32x4.bitmask (v128.and ${FINITE} (i32x4.eq ${BIN} ${get('want')}))))
      (v128.store align=4 ${get('p')} (i8x16.swizzle ${get('x')} (v128.load (i32.add (i32.const ${SIGMA_TABLE_AT}) (i32.shl ${get('bits')} (i32.const 4))))))
      (local.set $p (i32.add ${get('p')} (i32.shl (i32.popcnt ${get('bits')}) (i32.const 2))))
${LOOP_CLOSE}
    (i32.shr_u (i32.sub ${get('p')} ${get('dst')}) (i32.const 2)))`;
}

/** edges(src, n4, lo, scale, bins, bl, bu): the largest finite value of bin bl and the smallest of bin bu to the result area (f32 at 16 and 20). */
function edgesFunc(): string {
  return `  (func (export "edges") (param $src i32) (param $n4 i32) (param $lo f32) (param $scale f32) (param $bins i32) (param $bl i32) (param $bu i32)
    (local $i i32) (local $x v128) (local $m v128) (local $b v128) (local $lower v128) (local $upper v128) (local $lo4 v128) (local $scale4 v128) (local $top4 v128)
    ${BIN_SETUP}
    (local.set $lower ${NINF4}) (local.set $upper ${INF4})
${LOOP_OPEN}
      (local.set $m ${FINITE})
      (local.set $b ${BIN})
      (local.set $lower (f32x4.pmax ${get('lower')} (v128.bitselect ${get('x')} ${NINF4} (v128.and ${get('m')} (i32x4.eq ${get('b')} (i32x4.splat ${get('bl')}))))))
      (local.set $upper (f32x4.pmin ${get('upper')} (v128.bitselect ${get('x')} ${INF4} (v128.and ${get('m')} (i32x4.eq ${get('b')} (i32x4.splat ${get('bu')}))))))
${LOOP_CLOSE}
    (f32.store (i32.const ${SIGMA_RESULT_AT + 16}) (f32.max (f32.max (f32x4.extract_lane 0 ${get('lower')}) (f32x4.extract_lane 1 ${get('lower')})) (f32.max (f32x4.extract_lane 2 ${get('lower')}) (f32x4.extract_lane 3 ${get('lower')}))))
    (f32.store (i32.const ${SIGMA_RESULT_AT + 20}) (f32.min (f32.min (f32x4.extract_lane 0 ${get('upper')}) (f32x4.extract_lane 1 ${get('upper')})) (f32.min (f32x4.extract_lane 2 ${get('upper')}) (f32x4.extract_lane 3 ${get('upper')})))))`;
}

/**
 * flag(src, flags, n4, lo, hi, hardLo, hardHi, outBit, hardBit, nanBit, zeroBit): per value, OR into its
 * flag outBit when finite and outside [lo, hi], hardBit when finite and outside [hardLo, hardHi], nanBit
 * when not finite and zeroBit when exactly 0; the four counts to the result area (i32 at 24, 28, 32, 36).
 */
function flagFunc(): string {
  return `  (func (export "flag") (param $src i32) (param $flags i32) (param $n4 i32) (param $lo f32) (param $hi f32) (param $hardLo f32) (param $hardHi f32)
    (param $outBit i32) (param $hardBit i32) (param $nanBit i32) (param $zeroBit i32)
    (local $i i32) (local $x v128) (local $m v128) (local $o v128) (local $h v128) (local $nf v128) (local $z v128) (local $a i32)
    (local $lo4 v128) (local $hi4 v128) (local $hlo4 v128) (local $hhi4 v128) (local $ob v128) (local $hb v128) (local $nb v128) (local $zb v128)
    (local $co v128) (local $ch v128) (local $cn v128) (local $cz v128)
    (local.set $lo4 (f32x4.splat ${get('lo')})) (local.set $hi4 (f32x4.splat ${get('hi')}))
    (local.set $hlo4 (f32x4.splat ${get('hardLo')})) (local.set $hhi4 (f32x4.splat ${get('hardHi')}))
    (local.set $ob (i32x4.splat ${get('outBit')})) (local.set $hb (i32x4.splat ${get('hardBit')}))
    (local.set $nb (i32x4.splat ${get('nanBit')})) (local.set $zb (i32x4.splat ${get('zeroBit')}))
${LOOP_OPEN}
      (local.set $m ${FINITE})
      (local.set $o (v128.and ${get('m')} (v128.or (f32x4.lt ${get('x')} ${get('lo4')}) (f32x4.gt ${get('x')} ${get('hi4')}))))
      (local.set $h (v128.and ${get('m')} (v128.or (f32x4.lt ${get('x')} ${get('hlo4')}) (f32x4.gt ${get('x')} ${get('hhi4')}))))
      (local.set $nf (v128.not ${get('m')}))
      (local.set $z (f32x4.eq ${get('x')} (v128.const f32x4 0 0 0 0)))
      (local.set $a (i32.add ${get('flags')} (i32.shl ${get('i')} (i32.const 2))))
      (v128.store align=4 ${get('a')} (v128.or (v128.load align=4 ${get('a')})
        (v128.or (v128.or (v128.and ${get('o')} ${get('ob')}) (v128.and ${get('h')} ${get('hb')})) (v128.or (v128.and ${get('nf')} ${get('nb')}) (v128.and ${get('z')} ${get('zb')})))))
      (local.set $co (i32x4.sub ${get('co')} ${get('o')})) (local.set $ch (i32x4.sub ${get('ch')} ${get('h')}))
      (local.set $cn (i32x4.sub ${get('cn')} ${get('nf')})) (local.set $cz (i32x4.sub ${get('cz')} ${get('z')}))
${LOOP_CLOSE}
    (i32.store (i32.const ${SIGMA_RESULT_AT + 24}) ${hsum(get('co'))})
    (i32.store (i32.const ${SIGMA_RESULT_AT + 28}) ${hsum(get('ch'))})
    (i32.store (i32.const ${SIGMA_RESULT_AT + 32}) ${hsum(get('cn'))})
    (i32.store (i32.const ${SIGMA_RESULT_AT + 36}) ${hsum(get('cz'))}))`;
}
