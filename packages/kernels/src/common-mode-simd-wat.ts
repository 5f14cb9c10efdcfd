/**
 * WebAssembly text (fixed-width SIMD) of the row-segment common-mode noise kernels of ePix100 and pnCCD
 * (common-mode-noise-fused.ts does the same in JS), generated so that the optional parts of the
 * correct-and-accumulate loop (raw statistics, max, cosmic threshold) are compiled in or out.
 * common-mode-simd-wasm.ts holds the compiled bytes; its test recompiles this text with wabt and checks
 * they match.
 *
 * Memory (one imported shared memory per context, so that the main thread reads a worker's results in place): the per-pixel arrays of the pass (offset f32,
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
 * alone), median (np.median of the good values from the keys: brackets the middle ranks by counting and
 * compacting with f32x4 compares, falls back to select), select (k-th smallest key, in place), maxBelow
 * (largest of the first k keys), correct_<parts> (correct and accumulate one segment; returns the values
 * left out as hits) and correct_list_<parts> (the same for a list of single pixels of a segment).
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

/**
 * Export name of the candidate-list kernel with the given parts.
 * @param parts - parts compiled in
 * @returns e.g. `correct_list_rt`
 */
export function commonModeCorrectListName(parts: CommonModeSimdParts): string {
  return `correct_list_${commonModeCorrectName(parts).slice('correct_'.length)}`;
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
  const lines = ['(module', '  (import "env" "memory" (memory 1 65536 shared))', gatherFunc(), selectFunc(), maxBelowFunc(), medianFunc()];
  for (const parts of COMMON_MODE_SIMD_PARTS) lines.push(correctFunc(parts));
  for (const parts of COMMON_MODE_SIMD_PARTS) lines.push(correctListFunc(parts));
  lines.push(')');
  return lines.join('\n') + '\n';
}

/**
 * Text of Math.fround(x - offset) per lane (x: u32 lanes of u2 values, offset: f32x4, both local.get
 * expressions): one float32 subtraction of the u2 values (exact in float32) and the offsets. It rounds the
 * exact difference once, as the float64 difference rounded to float32 does: double rounding is harmless for
 * a sum or difference of float32 values, float64 having more than 2 * 24 + 2 bits.
 * Helpers are inlined as text: V8 does not inline wasm calls.
 */
function sub4(x: string, o: string): string {
  return `(f32x4.sub (f32x4.convert_i32x4_u ${x}) ${o})`;
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
  return `  (func $select (export "select") (param $a i32) (param $k i32) (param $n i32) (result f32)
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
  return `  (func $maxBelow (export "maxBelow") (param $a i32) (param $k i32) (result f32)
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

/** Bytes of the median's work area: the left-pack table (16 x 16 bytes), the sorted sample (16 f32), then the bracket buffer. */
export const MEDIAN_TABLE_BYTES = 256;
/** Byte offset of the sorted sample in the median's work area. */
const SAMPLE_AT = MEDIAN_TABLE_BYTES;
/** Byte offset of the bracket buffer in the median's work area. */
export const MEDIAN_BUFFER_AT = SAMPLE_AT + 64;

/**
 * The left-pack table of the median's compaction: for each 4-bit lane mask, the i8x16.swizzle control
 * that moves the f32 lanes whose bit is set to the front (in order); the other lanes are don't-care.
 * @returns 256 bytes, entry m at 16 m
 */
export function medianLeftPackTable(): Uint8Array {
  const t = new Uint8Array(MEDIAN_TABLE_BYTES);
  for (let m = 0; m < 16; m++) {
    let o = 0;
    for (let lane = 0; lane < 4; lane++) {
      if ((m >> lane) & 1) {
        for (let b = 0; b < 4; b++) t[16 * m + 4 * o + b] = 4 * lane + b;
        o++;
      }
    }
  }
  return t;
}

/** Fewest keys (rounded up to 8) for which median samples, counts and compacts; fewer take select directly. */
export const MEDIAN_MIN_KEYS = 64;
/** Keys the median's buffer holds beyond the segment (padding of its loops). */
export const MEDIAN_BUFFER_PAD = 32;
/**
 * Probes of the counting pass over the first bracket, in keys (at the bracket's mean density) from the
 * estimated middle: the nearest either side of the middle ranks bound the second bracket (~16 keys).
 */
const MEDIAN_PROBES = [-30, -15, -6, 6, 15, 30];
/** Brackets of at most this many keys are ranked directly (4 vectors). */
const MEDIAN_RANKED = 16;

/**
 * Text that moves the keys of [src, src + 4 n8) in [pa, pb] to dst (left-pack: an i8x16.swizzle from the
 * table per 4 keys, 8 keys a step) and sets $lt = #(x < pa), $m = keys moved and $p = the end of those in
 * dst. #(x <= pb) is $lt + $m when pa <= pb; when pa > pb none move and the check $lt <= kLow, $lt + $m > kh fails.
 */
function packText(src: string, n8: string, dst: string): string {
  const get = (n: string): string => `(local.get $${n})`;
  const hsum = (v: string): string => `(i32.add (i32.add (i32x4.extract_lane 0 ${v}) (i32x4.extract_lane 1 ${v})) (i32.add (i32x4.extract_lane 2 ${v}) (i32x4.extract_lane 3 ${v})))`;
  const L: string[] = [];
  L.push(`      (local.set $va (f32x4.splat ${get('pa')})) (local.set $vb (f32x4.splat ${get('pb')}))`);
  L.push(`      (local.set $ca ${ZERO}) (local.set $i (i32.const 0)) (local.set $p ${dst})`);
  L.push('      (loop $pack');
  for (const [v, off] of [['x', 0], ['y', 16]] as const) {
    L.push(`        (local.set $${v} (v128.load offset=${off} align=4 (i32.add ${src} (i32.shl ${get('i')} (i32.const 2)))))`);
    L.push(`        (local.set $lta (f32x4.lt ${get(v)} ${get('va')}))`);
    L.push(`        (local.set $leb (f32x4.le ${get(v)} ${get('vb')}))`);
    L.push(`        (local.set $ca (i32x4.sub ${get('ca')} ${get('lta')}))`);
    L.push(`        (local.set $bits (i32x4.bitmask (v128.andnot ${get('leb')} ${get('lta')})))`);
    L.push(`        (v128.store align=4 ${get('p')} (i8x16.swizzle ${get(v)} (v128.load (i32.add ${get('work')} (i32.shl ${get('bits')} (i32.const 4))))))`);
    L.push(`        (local.set $p (i32.add ${get('p')} (i32.shl (i32.popcnt ${get('bits')}) (i32.const 2))))`);
  }
  L.push(`        (br_if $pack (i32.lt_s (local.tee $i (i32.add ${get('i')} (i32.const 8))) ${n8})))`);
  L.push(`      (local.set $lt ${hsum(get('ca'))})`);
  L.push(`      (local.set $m (i32.shr_u (i32.sub ${get('p')} ${dst}) (i32.const 2)))`);
  return L.join('\n');
}

/**
 * median(keys, n, good, work) -> np.median of the good values. The keys a[0, n) hold the good values and
 * +Infinity for the rest (gather, which also sets the keys up to n rounded up to 4 to +Infinity; median
 * sets 4 more, so that its loops take 8 keys a step). With kLow <= kh the middle ranks (equal for an odd
 * count) and a[k] the k-th smallest key, the result is a[kh] for an odd count, else (a[kLow] + a[kh]) / 2
 * in float64: the same number as select and maxBelow give. Instead of partitioning all the keys it
 * (1) sorts a sample of 16 keys by their ranks and takes A and B a quarter of the sample below and above
 * its middle; (2) moves the keys in [A, B] to the buffer (left-pack by a table of swizzles), counting
 * #(x < A) with f32x4 compares: #(x < A) <= kLow and #(x <= B) = #(x < A) + moved > kh put both middle
 * ranks among the moved keys, shifted by #(x < A); (3) counts the buffered keys below six probes placed around
 * the middle by linear interpolation between A and B, narrows [A, B] to the nearest probes that still
 * hold the middle ranks and moves those keys back to the key array; (4) takes the middle ranks of the
 * last few keys as the largest key with at most k keys below it (every key ranked against every other,
 * f32x4), or with select and maxBelow. Only brackets whose counts hold both middle ranks are used,
 * whatever the sample and probes are: a sample that misses the middle, few keys, or a sample with few
 * good keys take select over all the keys; so the sample and probes only change the speed.
 */
function medianFunc(): string {
  const get = (n: string): string => `(local.get $${n})`;
  const np = MEDIAN_PROBES.length;
  const L: string[] = [];
  L.push(`  (func (export "median") (param $a i32) (param $n i32) (param $good i32) (param $work i32) (result f64)`);
  L.push('    (local $kh i32) (local $kLow i32) (local $n8 i32) (local $i i32) (local $f i32) (local $lo i32) (local $hi i32)');
  L.push('    (local $lt i32) (local $m i32) (local $buf i32) (local $src i32) (local $p i32) (local $bits i32)');
  L.push('    (local $pa f32) (local $pb f32) (local $t f64) (local $w f64) (local $upper f32) (local $x v128) (local $y v128) (local $va v128) (local $vb v128)');
  L.push('    (local $ca v128) (local $lta v128) (local $leb v128)');
  for (let q = 0; q < 4; q++) L.push(`    (local $s${q} v128) (local $r${q} v128)`);
  for (let j = 0; j < np; j++) L.push(`    (local $q${j} f32) (local $v${j} v128) (local $c${j} v128)`);
  const hsum = (v: string): string => `(i32.add (i32.add (i32x4.extract_lane 0 ${v}) (i32x4.extract_lane 1 ${v})) (i32.add (i32x4.extract_lane 2 ${v}) (i32x4.extract_lane 3 ${v})))`;
  // the loops over a bracket read up to 7 keys past its end: +Infinity there adds nothing to the counts below
  // the probes (finite) and, when B is +Infinity, only keys above the middle ranks
  const padInf = (at: string): string => `(v128.store align=4 ${at} ${INF4}) (v128.store offset=16 align=4 ${at} ${INF4})`;
  L.push(`    (local.set $kh (i32.shr_u ${get('good')} (i32.const 1)))`);
  L.push(`    (local.set $kLow (i32.sub (i32.add ${get('kh')} (i32.and ${get('good')} (i32.const 1))) (i32.const 1)))`);
  L.push(`    (local.set $n8 (i32.and (i32.add ${get('n')} (i32.const 7)) (i32.const -8)))`);
  L.push(`    (local.set $buf (i32.add ${get('work')} (i32.const ${MEDIAN_BUFFER_AT})))`);
  L.push('    (block $ranked');
  L.push('    (block $selectBuf');
  L.push('    (block $slow');
  L.push(`      (br_if $slow (i32.lt_s ${get('n8')} (i32.const ${MEDIAN_MIN_KEYS})))`);
  // keys [n4, n4 + 4) are +Infinity: the loops below take 8 keys a step up to n8
  L.push(`      (v128.store align=4 (i32.add ${get('a')} (i32.shl (i32.and (i32.add ${get('n')} (i32.const 3)) (i32.const -4)) (i32.const 2))) ${INF4})`);
  // (1) the sample: 4 vectors at quarters of the keys; the rank of a value is the number of sample values below it
  for (let q = 0; q < 4; q++) {
    L.push(`      (local.set $s${q} (v128.load align=4 (i32.add ${get('a')} (i32.shl (i32.mul (i32.shr_u ${get('n8')} (i32.const 4)) (i32.const ${4 * q})) (i32.const 2)))))`);
    L.push(`      (local.set $r${q} ${ZERO})`);
  }
  for (let q = 0; q < 4; q++) {
    for (let l = 0; l < 4; l++) {
      L.push(`      (local.set $x (f32x4.splat (f32x4.extract_lane ${l} ${get(`s${q}`)})))`);
      for (let p = 0; p < 4; p++) L.push(`      (local.set $r${p} (i32x4.sub ${get(`r${p}`)} (f32x4.lt ${get('x')} ${get(`s${p}`)})))`);
    }
  }
  // equal values share a slot: a slot may keep an older key (never NaN), which only costs speed
  const samp = (i: string): string => `(i32.add ${get('work')} (i32.add (i32.shl ${i} (i32.const 2)) (i32.const ${SAMPLE_AT})))`;
  for (let q = 0; q < 4; q++) {
    for (let l = 0; l < 4; l++) L.push(`      (f32.store ${samp(`(i32x4.extract_lane ${l} ${get(`r${q}`)})`)} (f32x4.extract_lane ${l} ${get(`s${q}`)}))`);
  }
  // f finite sample values: A and B a quarter of them below and above their middle
  L.push(`      (local.set $x (i32x4.add (i32x4.add (f32x4.lt ${get('s0')} ${INF4}) (f32x4.lt ${get('s1')} ${INF4})) (i32x4.add (f32x4.lt ${get('s2')} ${INF4}) (f32x4.lt ${get('s3')} ${INF4}))))`);
  L.push(`      (local.set $f (i32.sub (i32.const 0) ${hsum(get('x'))}))`);
  L.push(`      (br_if $slow (i32.lt_s ${get('f')} (i32.const 4)))`);
  L.push(`      (local.set $lo (i32.sub (i32.shr_u (i32.sub ${get('f')} (i32.const 1)) (i32.const 1)) (i32.shr_u ${get('f')} (i32.const 2))))`);
  L.push(`      (local.set $hi (i32.add (i32.shr_u ${get('f')} (i32.const 1)) (i32.shr_u ${get('f')} (i32.const 2))))`);
  L.push(`      (local.set $pa (f32.load ${samp(get('lo'))}))`);
  L.push(`      (local.set $pb (f32.load ${samp(get('hi'))}))`);
  // (2) the keys in [A, B] to the buffer; from here on the middle ranks are those among the buffered keys
  L.push(packText(get('a'), get('n8'), get('buf')));
  L.push(`      (br_if $slow (i32.eqz (i32.and (i32.le_s ${get('lt')} ${get('kLow')}) (i32.gt_s (i32.add ${get('lt')} ${get('m')}) ${get('kh')}))))`);
  L.push(`      (local.set $kh (i32.sub ${get('kh')} ${get('lt')})) (local.set $kLow (i32.sub ${get('kLow')} ${get('lt')}))`);
  L.push(`      ${padInf(get('p'))}`);
  L.push(`      (local.set $src ${get('buf')})`);
  // (3) probes around the middle, w values per key apart: a probe q with #(x < q) <= kLow can be A, one with #(x < q) > kh can be B
  L.push(`      (if (i32.and (i32.gt_s ${get('m')} (i32.const ${MEDIAN_RANKED})) (i32.and (f32.lt ${get('pa')} ${get('pb')}) (f32.lt ${get('pb')} (f32.const inf)))) (then`);
  L.push(`        (local.set $n8 (i32.and (i32.add ${get('m')} (i32.const 7)) (i32.const -8)))`);
  L.push(`        (local.set $w (f64.div (f64.sub (f64.promote_f32 ${get('pb')}) (f64.promote_f32 ${get('pa')})) (f64.convert_i32_s ${get('m')})))`);
  L.push(`        (local.set $t (f64.add (f64.promote_f32 ${get('pa')}) (f64.mul ${get('w')} (f64.add (f64.mul (f64.convert_i32_s (i32.add ${get('kLow')} ${get('kh')})) (f64.const 0.5)) (f64.const 0.5)))))`);
  for (let j = 0; j < np; j++) {
    L.push(`        (local.set $q${j} (f32.demote_f64 (f64.add ${get('t')} (f64.mul ${get('w')} (f64.const ${MEDIAN_PROBES[j]})))))`);
    L.push(`        (local.set $v${j} (f32x4.splat ${get(`q${j}`)})) (local.set $c${j} ${ZERO})`);
  }
  L.push(`        (local.set $i (i32.const 0))`);
  L.push('        (loop $probe');
  L.push(`          (local.set $x (v128.load align=4 (i32.add ${get('buf')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`          (local.set $y (v128.load offset=16 align=4 (i32.add ${get('buf')} (i32.shl ${get('i')} (i32.const 2)))))`);
  for (let j = 0; j < np; j++) {
    L.push(`          (local.set $c${j} (i32x4.add (local.get $c${j}) (i32x4.add (f32x4.lt ${get('x')} ${get(`v${j}`)}) (f32x4.lt ${get('y')} ${get(`v${j}`)}))))`);
  }
  L.push(`          (br_if $probe (i32.lt_s (local.tee $i (i32.add ${get('i')} (i32.const 8))) ${get('n8')})))`);
  for (let j = 0; j < np; j++) {
    L.push(`        (local.set $lt (i32.sub (i32.const 0) ${hsum(get(`c${j}`))}))`);
    L.push(`        (if (i32.and (i32.le_s ${get('lt')} ${get('kLow')}) (f32.gt ${get(`q${j}`)} ${get('pa')})) (then (local.set $pa ${get(`q${j}`)})))`);
    L.push(`        (if (i32.and (i32.gt_s ${get('lt')} ${get('kh')}) (f32.lt ${get(`q${j}`)} ${get('pb')})) (then (local.set $pb ${get(`q${j}`)})))`);
  }
  // the keys in the narrower [A, B] back to the key array (no longer needed)
  L.push(packText(get('buf'), get('n8'), get('a')));
  L.push(`        (br_if $selectBuf (i32.eqz (i32.and (i32.le_s ${get('lt')} ${get('kLow')}) (i32.gt_s (i32.add ${get('lt')} ${get('m')}) ${get('kh')}))))`);
  L.push(`        (local.set $kh (i32.sub ${get('kh')} ${get('lt')})) (local.set $kLow (i32.sub ${get('kLow')} ${get('lt')}))`);
  L.push(`        ${padInf(get('p'))}`);
  L.push(`        (local.set $src ${get('a')})))`);
  L.push(`      (br_if $ranked (i32.le_s ${get('m')} (i32.const ${MEDIAN_RANKED})))`);
  // select over the last bracket
  L.push(`      (local.set $upper (call $select ${get('src')} ${get('kh')} ${get('m')}))`);
  L.push(`      (if (i32.eq ${get('kLow')} ${get('kh')}) (then (return (f64.promote_f32 ${get('upper')}))))`);
  L.push(`      (return (f64.div (f64.add (f64.promote_f32 (call $maxBelow ${get('src')} ${get('kh')})) (f64.promote_f32 ${get('upper')})) (f64.const 2))))`);
  // select over all the keys
  L.push(`    (local.set $upper (call $select ${get('a')} ${get('kh')} ${get('n')}))`);
  L.push(`    (if (i32.eq ${get('kLow')} ${get('kh')}) (then (return (f64.promote_f32 ${get('upper')}))))`);
  L.push(`    (return (f64.div (f64.add (f64.promote_f32 (call $maxBelow ${get('a')} ${get('kh')})) (f64.promote_f32 ${get('upper')})) (f64.const 2))))`);
  // select over the first bracket (the second missed: cannot happen for NaN-free keys, kept as a guard)
  L.push(`    (local.set $upper (call $select ${get('buf')} ${get('kh')} ${get('m')}))`);
  L.push(`    (if (i32.eq ${get('kLow')} ${get('kh')}) (then (return (f64.promote_f32 ${get('upper')}))))`);
  L.push(`    (return (f64.div (f64.add (f64.promote_f32 (call $maxBelow ${get('buf')} ${get('kh')})) (f64.promote_f32 ${get('upper')})) (f64.const 2))))`);
  // (4) m <= 16 keys as 4 vectors: r = #(keys < x) per key x; the k-th smallest is the largest x with r <= k.
  // The lanes past the m keys (+Infinity or earlier keys, never NaN) have r <= k only if x is not above the
  // k-th smallest, so they never change the largest.
  L.push(`${rankText(4)})`);
  return L.join('\n');
}

/** Text that returns the median of the $m <= 4 v keys at $src from their ranks (see medianFunc). */
function rankText(v: number): string {
  const get = (n: string): string => `(local.get $${n})`;
  const L: string[] = [];
  for (let q = 0; q < v; q++) {
    L.push(`    (local.set $s${q} (v128.load offset=${16 * q} align=4 ${get('src')})) (local.set $r${q} ${ZERO})`);
  }
  L.push(`    (local.set $i (i32.const 0)) (local.set $n8 (i32.shl ${get('m')} (i32.const 2)))`);
  L.push(`    (loop $rank${v}`);
  L.push(`      (local.set $x (v128.load32_splat align=4 (i32.add ${get('src')} ${get('i')})))`);
  for (let q = 0; q < v; q++) L.push(`      (local.set $r${q} (i32x4.sub ${get(`r${q}`)} (f32x4.lt ${get('x')} ${get(`s${q}`)})))`);
  L.push(`      (br_if $rank${v} (i32.lt_s (local.tee $i (i32.add ${get('i')} (i32.const 4))) ${get('n8')})))`);
  /** Text of the largest key with at most k keys below it (the k-th smallest). */
  const kth = (k: string): string => {
    const picks = Array.from({ length: v }, (_, q) => `(v128.bitselect ${get(`s${q}`)} (v128.const f32x4 -inf -inf -inf -inf) (i32x4.le_s ${get(`r${q}`)} ${k}))`);
    while (picks.length > 1) picks.splice(0, 2, `(f32x4.max ${picks[0]} ${picks[1]})`);
    return `(local.set $x ${picks[0]})
    (local.set $x (f32x4.max ${get('x')} (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${get('x')} ${get('x')})))
    (f32.max (f32x4.extract_lane 0 ${get('x')}) (f32x4.extract_lane 1 ${get('x')}))`;
  };
  L.push(`    (local.set $y (i32x4.splat ${get('kh')}))`);
  L.push(`    (local.set $upper ${kth(get('y'))})`);
  L.push(`    (if (i32.eq ${get('kLow')} ${get('kh')}) (then (return (f64.promote_f32 ${get('upper')}))))`);
  L.push(`    (local.set $y (i32x4.splat ${get('kLow')}))`);
  L.push(`    (return (f64.div (f64.add (f64.promote_f32 ${kth(get('y'))}) (f64.promote_f32 ${get('upper')})) (f64.const 2)))`);
  return L.join('\n');
}

/** Text of the sum of the four lanes of $hits (the kernels' result). */
const hitsSum = '(i32.add (i32.add (i32x4.extract_lane 0 (local.get $hits)) (i32x4.extract_lane 1 (local.get $hits))) (i32.add (i32x4.extract_lane 2 (local.get $hits)) (i32x4.extract_lane 3 (local.get $hits))))';

/**
 * Pushes the head of a correct kernel: `(func <first>` with the cm and per-pixel array parameters, `locals`
 * and the locals correctStep uses, and the splats of cm and the zeroed hit counter.
 */
function correctHead(L: string[], first: string, locals: string): void {
  L.push(`  (func ${first} (param $cm f64)`);
  L.push('    (param $off i32) (param $role i32) (param $cnt i32) (param $ref i32) (param $sum i32) (param $sq i32)');
  L.push('    (param $rcnt i32) (param $rref i32) (param $rsum i32) (param $rsq i32) (param $max i32) (param $thr i32) (param $hit i32) (result i32)');
  L.push(`    ${locals} (local $x v128) (local $xf v128) (local $d v128) (local $v v128) (local $valid v128) (local $a v128)`);
  L.push('    (local $h v128) (local $hits v128) (local $c v128) (local $first v128) (local $rf v128) (local $w v128) (local $dv v128)');
  L.push('    (local $cmv v128) (local $cm32v v128) (local $vlo v128) (local $vhi v128)');
  L.push('    (local.set $cmv (f64x2.splat (local.get $cm)))');
  L.push('    (local.set $cm32v (f32x4.splat (f32.demote_f64 (local.get $cm))))');
  L.push(`    (local.set $hits ${ZERO})`);
}

/**
 * correct_<parts>(n, data, cm, off, role, cnt, ref, sum, sq, rcnt, rref, rsum, rsq, max, thr, hit) -> hits:
 * corrects pixels [0, n) of a segment (byte addresses of its first pixel in every array) by the
 * common mode cm as the JS kernel does, 4 pixels per step, and accumulates them. The steps before the
 * last 0-3 pixels take every lane (no lane mask); the last step masks the lanes past n.
 */
function correctFunc(parts: CommonModeSimdParts): string {
  const L: string[] = [];
  const get = (n: string): string => `(local.get $${n})`;
  correctHead(L, `(export "${commonModeCorrectName(parts)}") (param $n i32) (param $data i32)`, '(local $i i32) (local $n4 i32)');
  L.push(`    (local.set $n4 (i32.and ${get('n')} (i32.const -4)))`);
  L.push('    (block $done (loop $px');
  L.push(`      (br_if $done (i32.ge_s ${get('i')} ${get('n4')}))`);
  correctStep(L, parts, true);
  L.push('      (br $px)))');
  L.push(`    (if (i32.lt_s ${get('i')} ${get('n')}) (then`);
  correctStep(L, parts, false);
  L.push('    ))');
  L.push(`    ${hitsSum})`);
  return L.join('\n');
}

/**
 * correct_list_<parts>(m, list, data, cm, off, role, cnt, ref, sum, sq, rcnt, rref, rsum, rsq, max, thr, hit) -> hits:
 * corrects and accumulates the m pixels whose offsets from the segment's first pixel are list[0 .. m) (i32,
 * ascending), each as correct_<parts> would in a segment of its own of one pixel (the other lanes masked):
 * the candidate pixels of a sparse group (common-mode-skip-plan.ts) in one call.
 */
function correctListFunc(parts: CommonModeSimdParts): string {
  const L: string[] = [];
  const get = (n: string): string => `(local.get $${n})`;
  correctHead(L, `(export "${commonModeCorrectListName(parts)}") (param $m i32) (param $list i32) (param $data i32)`, '(local $j i32) (local $i i32) (local $n i32)');
  L.push('    (block $done (loop $px');
  L.push(`      (br_if $done (i32.ge_s ${get('j')} ${get('m')}))`);
  L.push(`      (local.set $i (i32.load (i32.add ${get('list')} (i32.shl ${get('j')} (i32.const 2)))))`);
  L.push(`      (local.set $n (i32.add ${get('i')} (i32.const 1)))`);
  correctStep(L, parts, false);
  L.push(`      (local.set $j (i32.add ${get('j')} (i32.const 1)))`);
  L.push('      (br $px)))');
  L.push(`    ${hitsSum})`);
  return L.join('\n');
}

/**
 * Text of one step of correct_<parts> (4 pixels from $i, then $i += 4). `full`: all 4 lanes are pixels of
 * the segment, so no lane mask is built or applied (and without a threshold every lane is accumulated).
 *
 * The numbers are the JS kernel's: d = Math.fround(x - offset) is one float32 subtraction of the u2 value
 * (exact in float32) and the float32 offset, which rounds the exact difference once, as the float64
 * difference rounded to float32 does (double rounding is harmless for a subtraction of float32 values:
 * float64 has more than 2 * 24 + 2 bits); a masked pixel's float32 correction is likewise one float32
 * subtraction; a good pixel's correction by the float64 median is taken in float64 and rounded; a frozen
 * pixel keeps d. The raw accumulator shares the corrected one's count: both skip the same values (hits),
 * so their counts are always equal, and the raw count is stored from the same new count.
 */
function correctStep(L: string[], parts: CommonModeSimdParts, full: boolean): void {
  const get = (n: string): string => `(local.get $${n})`;
  const at4 = (arr: string, extra = 0): string => `(i32.add ${get(arr)} (i32.add (i32.shl ${get('i')} (i32.const 2)) (i32.const ${extra})))`;
  const at8 = (arr: string, extra: number): string => `(i32.add ${get(arr)} (i32.add (i32.shl ${get('i')} (i32.const 3)) (i32.const ${extra})))`;
  const high = (v: string): string => `(i8x16.shuffle ${HIGH_PAIR} ${v} ${v})`;
  const p = '      ';
  L.push(`${p}(local.set $x ${u2x4(`(i32.add ${get('data')} (i32.shl ${get('i')} (i32.const 1)))`)})`);
  L.push(`${p}(local.set $xf (f32x4.convert_i32x4_u ${get('x')}))`);
  L.push(`${p}(local.set $d (f32x4.sub ${get('xf')} (v128.load align=4 ${at4('off')})))`);
  L.push(`${p}(local.set $w ${u1x4(`(i32.add ${get('role')} ${get('i')})`)})`);
  // good (0): fround(d - cm) in float64; masked (1): d - float32(cm); frozen (2): d
  for (const [half, pick] of [['lo', (v: string) => v], ['hi', high]] as const) {
    L.push(`${p}(local.set $v${half} (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 ${pick(get('d'))}) ${get('cmv')})))`);
  }
  L.push(`${p}(local.set $v (v128.bitselect (i8x16.shuffle ${JOIN_LOW} ${get('vlo')} ${get('vhi')})`);
  L.push(`${p}  (v128.bitselect (f32x4.sub ${get('d')} ${get('cm32v')}) ${get('d')} (i32x4.eq ${get('w')} (v128.const i32x4 1 1 1 1)))`);
  L.push(`${p}  (i32x4.eq ${get('w')} ${ZERO})))`);
  /** `m` restricted to the segment's lanes (unchanged on a full step). */
  const inSegment = (m: string): string => (full ? m : `(v128.and ${m} ${get('valid')})`);
  if (!full) L.push(`${p}(local.set $valid ${lanesBefore(get('i'), get('n'))})`);
  if (parts.max) {
    L.push(`${p}(local.set $w (v128.load align=4 ${at4('max')}))`);
    L.push(`${p}(v128.store align=4 ${at4('max')} (v128.bitselect ${get('v')} ${get('w')} ${inSegment(`(f32x4.gt ${get('v')} ${get('w')})`)}))`);
  }
  // every lane taken: a full step without a threshold needs no mask of the accumulated lanes
  const all = full && !parts.threshold;
  if (parts.threshold) {
    L.push(`${p}(local.set $h ${inSegment(`(f32x4.gt ${get('v')} (v128.load align=4 ${at4('thr')}))`)})`);
    L.push(`${p}(local.set $a ${full ? `(v128.not ${get('h')})` : `(v128.andnot ${get('valid')} ${get('h')})`})`);
    L.push(`${p}(if (v128.any_true ${get('h')}) (then`);
    L.push(`${p}  (local.set $hits (i32x4.sub ${get('hits')} ${get('h')}))`);
    const bytes = `(i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s ${get('h')} ${get('h')}) (i16x8.narrow_i32x4_s ${get('h')} ${get('h')}))`;
    L.push(`${p}  (v128.store32_lane align=1 0 (i32.add ${get('hit')} ${get('i')})`);
    L.push(`${p}    (v128.or (v128.load32_zero align=1 (i32.add ${get('hit')} ${get('i')})) (v128.and ${bytes} (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))))`);
  } else if (!full) {
    L.push(`${p}(local.set $a ${get('valid')})`);
  }
  // count and first value: shared by both accumulators (equal counts)
  L.push(`${p}(local.set $c (v128.load align=4 ${at4('cnt')}))`);
  L.push(`${p}(local.set $first ${all ? `(i32x4.eq ${get('c')} ${ZERO})` : `(v128.and ${get('a')} (i32x4.eq ${get('c')} ${ZERO}))`})`);
  L.push(`${p}(local.set $c ${all ? `(i32x4.add ${get('c')} (v128.const i32x4 1 1 1 1))` : `(i32x4.sub ${get('c')} ${get('a')})`})`);
  L.push(`${p}(v128.store align=4 ${at4('cnt')} ${get('c')})`);
  if (parts.raw) L.push(`${p}(v128.store align=4 ${at4('rcnt')} ${get('c')})`);
  /** reference and the two sums of one accumulator; `val` f32x4 of the values (the reference of a first one). */
  const accumulate = (ref: string, sum: string, sq: string, val: string): void => {
    L.push(`${p}(local.set $rf (v128.bitselect ${val} (v128.load align=4 ${at4(ref)}) ${get('first')}))`);
    L.push(`${p}(v128.store align=4 ${at4(ref)} ${get('rf')})`);
    for (const [e, pick, ext] of [[0, (v: string) => v, 'i64x2.extend_low_i32x4_s'], [1, high, 'i64x2.extend_high_i32x4_s']] as const) {
      // values left out add +0: the sums are never -0 (they start at +0 and no difference is -0), so x + 0 is x bit for bit
      const diff = `(f64x2.sub (f64x2.promote_low_f32x4 ${pick(val)}) (f64x2.promote_low_f32x4 ${pick(get('rf'))}))`;
      L.push(`${p}(local.set $dv ${all ? diff : `(v128.and ${diff} (${ext} ${get('a')}))`})`);
      L.push(`${p}(v128.store align=8 ${at8(sum, 16 * e)} (f64x2.add (v128.load align=8 ${at8(sum, 16 * e)}) ${get('dv')}))`);
      L.push(`${p}(v128.store align=8 ${at8(sq, 16 * e)} (f64x2.add (v128.load align=8 ${at8(sq, 16 * e)}) (f64x2.mul ${get('dv')} ${get('dv')})))`);
    }
  };
  accumulate('ref', 'sum', 'sq', get('v'));
  // raw values: u2 as float32 (exact), so their float64 differences are the JS kernel's
  if (parts.raw) accumulate('rref', 'rsum', 'rsq', get('xf'));
  L.push(`${p}(local.set $i (i32.add ${get('i')} (i32.const 4)))`);
}
