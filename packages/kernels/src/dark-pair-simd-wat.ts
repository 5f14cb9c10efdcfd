/**
 * WebAssembly text (fixed-width SIMD) of the pair accumulation kernel, generated so that the frame
 * count of a chunk (1..8) is unrolled. dark-pair-simd-wasm.ts holds the compiled bytes; its test
 * recompiles this text with wabt and checks they match.
 *
 * Memory (one imported memory, the accumulator's): ref u16 (analog, digital) per (cell, pixel), sum and
 * sumSq f64 pairs, a scratch of 16 slots of nPixels u16 and room for the reader's blocks. Each frame of
 * a chunk is passed as two pointers (its analog and its digital values, u16, at the range's first
 * pixel): into the scratch, where the caller copied the frame, or straight into a block read into this
 * memory. Pointers are byte addresses.
 *
 * Per 8 pixels: when every value and reference is below 2^14 (checked per tile), differences fit i16;
 * they are interleaved into (analog, digital) order like the state, frames j and j + 1 side by side,
 * so i32x4.dot_i16x8_s gives d_j^2 + d_{j+1}^2 and i32x4.extadd_pairwise_i16x8_s gives d_j + d_{j+1}
 * per (pixel, kind), exact in i32 (8 squares < 2^31). Each i32 partial converts exactly to f64 and is
 * added to the state once per chunk. Tiles with larger values and the tail take a scalar path with
 * i64 partials. All partials are exact integers, so the state is bit for bit that of the JS kernel.
 *
 * finalize(ref, sum, sq, count, inv, mean, std, dmean, dstd) turns count pixels of one cell into the
 * four float32 outputs (written to four areas of the same memory, which the caller copies out). Each
 * (analog, digital) pair is one f64x2, computed with the operations of the JS finalizeCell in its order
 * (no fused multiply-add), so the outputs are bit for bit those of the JS loop.
 */

/** Frames per chunk the kernel handles at most (8 squares of 14-bit differences stay below 2^31). */
export const DARK_PAIR_SIMD_MAX_FRAMES = 8;

/** Bytes per shuffle lane list: interleave the u16 lanes 0..3 (or 4..7) of two vectors. */
const INTERLEAVE_LOW = '0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23';
const INTERLEAVE_HIGH = '8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31';
/** Moves lanes 2, 3 (i32) to 0, 1 so f64x2.convert_low_i32x4_s converts them. */
const HIGH_I32_PAIR = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';

/**
 * The module's text.
 * @param shared - import a shared memory (worker threads) instead of an unshared one
 * @returns WebAssembly text format
 */
export function darkPairSimdWat(shared: boolean): string {
  const lines: string[] = [
    '(module',
    `  (import "env" "memory" (memory 1 ${shared ? '65536 shared' : ''}))`,
    setRefFunc(),
  ];
  for (let n = 1; n <= DARK_PAIR_SIMD_MAX_FRAMES; n++) lines.push(scalarFunc(n), addFunc(n));
  lines.push(finalizeFunc());
  lines.push(')');
  return lines.join('\n') + '\n';
}

/** set_ref(ref, a, g, n): ref of pixels [0, n) from the analog values at a and the digital values at g (u16). */
function setRefFunc(): string {
  return `  (func (export "set_ref") (param $ref i32) (param $a i32) (param $g i32) (param $n i32)
    (local $i i32) (local $va v128) (local $vg v128)
    (block $done (loop $tiles
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
      (local.set $va (v128.load align=2 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 1)))))
      (local.set $vg (v128.load align=2 (i32.add (local.get $g) (i32.shl (local.get $i) (i32.const 1)))))
      (v128.store align=2 (i32.add (local.get $ref) (i32.shl (local.get $i) (i32.const 2)))
        (i8x16.shuffle ${INTERLEAVE_LOW} (local.get $va) (local.get $vg)))
      (v128.store offset=16 align=2 (i32.add (local.get $ref) (i32.shl (local.get $i) (i32.const 2)))
        (i8x16.shuffle ${INTERLEAVE_HIGH} (local.get $va) (local.get $vg)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $tiles)))
    (block $end (loop $tail
      (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store16 (i32.add (local.get $ref) (i32.shl (local.get $i) (i32.const 2)))
        (i32.load16_u (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 1)))))
      (i32.store16 offset=2 (i32.add (local.get $ref) (i32.shl (local.get $i) (i32.const 2)))
        (i32.load16_u (i32.add (local.get $g) (i32.shl (local.get $i) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail))))`;
}

/** Params of the frame pointers of a chunk of n frames: analog and digital values of frame j at $a<j>, $g<j> (the range's first pixel). */
function framePointerParams(n: number): string {
  return Array.from({ length: n }, (_, j) => `(param $a${j} i32) (param $g${j} i32)`).join(' ');
}

/** The frame pointers of a chunk of n frames as call arguments. */
function framePointerArgs(n: number): string {
  return Array.from({ length: n }, (_, j) => `(local.get $a${j}) (local.get $g${j})`).join(' ');
}

/**
 * scalar<n>(ref, sum, sq, i0, i1, fresh, a0, g0, ...): exact path for pixels [i0, i1) (any u16 values) of
 * n frames: per (pixel, kind) the chunk's differences are summed in i64 and added to the state once
 * (stored instead when fresh is 1).
 */
function scalarFunc(n: number): string {
  const L: string[] = [];
  L.push(`  (func $scalar${n} (param $ref i32) (param $sum i32) (param $sq i32) (param $i0 i32) (param $i1 i32) (param $fresh i32) ${framePointerParams(n)}`);
  L.push('    (local $p i32) (local $k i32) (local $r i32) (local $d i64) (local $s i64) (local $q i64) (local $at i32) (local $off i32)');
  L.push('    (local.set $p (local.get $i0))');
  L.push('    (block $done (loop $pixels');
  L.push('      (br_if $done (i32.ge_u (local.get $p) (local.get $i1)))');
  L.push('      (local.set $off (i32.shl (local.get $p) (i32.const 1)))');
  L.push('      (local.set $k (i32.const 0))');
  L.push('      (loop $kinds');
  L.push('        (local.set $r (i32.load16_u (i32.add (local.get $ref) (i32.add (i32.shl (local.get $p) (i32.const 2)) (i32.shl (local.get $k) (i32.const 1))))))');
  L.push('        (local.set $s (i64.const 0))');
  L.push('        (local.set $q (i64.const 0))');
  for (let j = 0; j < n; j++) {
    L.push(`        (local.set $d (i64.extend_i32_s (i32.sub (i32.load16_u (i32.add (select (local.get $g${j}) (local.get $a${j}) (local.get $k)) (local.get $off))) (local.get $r))))`);
    L.push('        (local.set $s (i64.add (local.get $s) (local.get $d)))');
    L.push('        (local.set $q (i64.add (local.get $q) (i64.mul (local.get $d) (local.get $d))))');
  }
  L.push('        (local.set $at (i32.add (i32.shl (local.get $p) (i32.const 4)) (i32.shl (local.get $k) (i32.const 3))))');
  L.push(`        (if (local.get $fresh)
          (then
            (f64.store (i32.add (local.get $sum) (local.get $at)) (f64.convert_i64_s (local.get $s)))
            (f64.store (i32.add (local.get $sq) (local.get $at)) (f64.convert_i64_s (local.get $q))))
          (else
            (f64.store (i32.add (local.get $sum) (local.get $at))
              (f64.add (f64.load (i32.add (local.get $sum) (local.get $at))) (f64.convert_i64_s (local.get $s))))
            (f64.store (i32.add (local.get $sq) (local.get $at))
              (f64.add (f64.load (i32.add (local.get $sq) (local.get $at))) (f64.convert_i64_s (local.get $q))))))`);
  L.push('        (local.set $k (i32.add (local.get $k) (i32.const 1)))');
  L.push('        (br_if $kinds (i32.lt_u (local.get $k) (i32.const 2))))');
  L.push('      (local.set $p (i32.add (local.get $p) (i32.const 1)))');
  L.push('      (br $pixels))))');
  return L.join('\n');
}

/**
 * add<n>(ref, sum, sq, count, fresh, a0, g0, ..., a<n-1>, g<n-1>): adds frames 0..n-1 (analog values
 * of frame j at a<j>, digital at g<j>: in the scratch, or in place in a block in this memory) to pixels
 * [0, count) (fresh = 1: stores their sums, the state of the first chunk of a cell in a pass).
 * Frames are taken in pairs so that few vectors are live (two loads, four differences, eight i32 partials).
 */
function addFunc(n: number): string {
  const L: string[] = [];
  const get = (name: string): string => `(local.get $${name})`;
  const locals = ['(local $i i32) (local $t i32) (local $r0 v128) (local $r1 v128) (local $bad v128) (local $u v128) (local $v v128) (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128)'];
  for (let q = 0; q < 4; q++) locals.push(`(local $s${q} v128) (local $q${q} v128)`);
  L.push(`  (func (export "add${n}") (param $ref i32) (param $sum i32) (param $sq i32) (param $count i32) (param $fresh i32) ${framePointerParams(n)}`);
  L.push('    ' + locals.join(' '));
  const zero = '(v128.const i32x4 0 0 0 0)';
  L.push('    (block $done (loop $tiles');
  L.push(`      (br_if $done (i32.gt_u (i32.add ${get('i')} (i32.const 8)) ${get('count')}))`);
  L.push(`      (local.set $t (i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2))))`);
  L.push(`      (local.set $r0 (v128.load align=2 ${get('t')}))`);
  L.push(`      (local.set $r1 (v128.load offset=16 align=2 ${get('t')}))`);
  L.push(`      (local.set $bad (v128.or ${get('r0')} ${get('r1')}))`);
  L.push(`      (local.set $t (i32.shl ${get('i')} (i32.const 1)))`);
  for (let j = 0; j < n; j += 2) {
    // differences of frames j (and j + 1) in state order: lo = pixels 0..3 (a, g, a, g, ...), hi = pixels 4..7
    for (let e = 0; e < 2; e++) {
      if (j + e >= n) {
        L.push(`      (local.set $lo${e} ${zero})`);
        L.push(`      (local.set $hi${e} ${zero})`);
        continue;
      }
      L.push(`      (local.set $u (v128.load align=2 (i32.add ${get(`a${j + e}`)} ${get('t')})))`);
      L.push(`      (local.set $v (v128.load align=2 (i32.add ${get(`g${j + e}`)} ${get('t')})))`);
      L.push(`      (local.set $bad (v128.or ${get('bad')} (v128.or ${get('u')} ${get('v')})))`);
      L.push(`      (local.set $lo${e} (i16x8.sub (i8x16.shuffle ${INTERLEAVE_LOW} ${get('u')} ${get('v')}) ${get('r0')}))`);
      L.push(`      (local.set $hi${e} (i16x8.sub (i8x16.shuffle ${INTERLEAVE_HIGH} ${get('u')} ${get('v')}) ${get('r1')}))`);
    }
    // frames j and j + 1 side by side per (pixel, kind): pairwise sums and dot products per pixel pair q
    for (let q = 0; q < 4; q++) {
      const half = q < 2 ? 'lo' : 'hi';
      const pattern = q % 2 === 0 ? INTERLEAVE_LOW : INTERLEAVE_HIGH;
      L.push(`      (local.set $u (i8x16.shuffle ${pattern} ${get(`${half}0`)} ${get(`${half}1`)}))`);
      const s = `(i32x4.extadd_pairwise_i16x8_s ${get('u')})`, sq = `(i32x4.dot_i16x8_s ${get('u')} ${get('u')})`;
      L.push(`      (local.set $s${q} ${j === 0 ? s : `(i32x4.add ${get(`s${q}`)} ${s})`})`);
      L.push(`      (local.set $q${q} ${j === 0 ? sq : `(i32x4.add ${get(`q${q}`)} ${sq})`})`);
    }
  }
  // a value or reference >= 2^14: the partials may have wrapped, this tile takes the exact scalar path
  L.push(`      (if (v128.any_true (v128.and ${get('bad')} (v128.const i16x8 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000 0xc000)))`);
  L.push(`        (then (call $scalar${n} ${get('ref')} ${get('sum')} ${get('sq')} ${get('i')} (i32.add ${get('i')} (i32.const 8)) ${get('fresh')} ${framePointerArgs(n)}))`);
  L.push('        (else');
  // state update: i32 lanes (a_p, g_p, a_p+1, g_p+1) of pixel pair q, f64 pairs (a, g) per pixel
  // fresh: the first chunk of a cell in a pass stores its partials (no read of the old state, whose pages
  // may not be mapped yet: written first, each faults in once)
  for (const fresh of [true, false]) {
    L.push(fresh ? `      (if ${get('fresh')} (then` : '      ) (else');
    for (const [arr, acc] of [['sum', 's'], ['sq', 'q']] as const) {
      L.push(`      (local.set $t (i32.add ${get(arr)} (i32.shl ${get('i')} (i32.const 4))))`);
      for (let q = 0; q < 4; q++) {
        const v = get(`${acc}${q}`);
        for (let h = 0; h < 2; h++) {
          const off = 32 * q + 16 * h;
          const lanes = `(f64x2.convert_low_i32x4_s ${h === 0 ? v : `(i8x16.shuffle ${HIGH_I32_PAIR} ${v} ${v})`})`;
          const value = fresh ? lanes : `(f64x2.add (v128.load offset=${off} align=8 ${get('t')}) ${lanes})`;
          L.push(`      (v128.store offset=${off} align=8 ${get('t')} ${value})`);
        }
      }
    }
  }
  L.push('      ))');
  L.push('      ))');
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 8)))`);
  L.push('      (br $tiles)))');
  L.push(`    (call $scalar${n} ${get('ref')} ${get('sum')} ${get('sq')} ${get('i')} ${get('count')} ${get('fresh')} ${framePointerArgs(n)}))`);
  return L.join('\n');
}

/** Gathers f32 lanes 0, 1 of two vectors (two demoted (analog, digital) pairs) into one: (a0, g0, a1, g1). */
const LOW_F32_PAIRS = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
/** Lanes 0, 2 of two vectors: the analog values of four pixels. */
const EVEN_F32 = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
/** Lanes 1, 3 of two vectors: the digital values of four pixels. */
const ODD_F32 = '4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';

/**
 * finalize(ref, sum, sq, count, inv, mean, std, dmean, dstd): per pixel k < count, with its
 * (analog, digital) pair as one f64x2: mean = ref + s * inv, v = (q - s * s * inv) * inv,
 * std = v > 0 ? sqrt(v) : 0 (the f64x2.gt mask maps NaN, -0 and negatives to +0), each demoted to f32
 * (round to nearest even, like a JS Float32Array store); the analog lane goes to mean / std, the
 * digital lane to dmean / dstd (f32 arrays). Four pixels per step; the tail one pixel at a time.
 */
function finalizeFunc(): string {
  const get = (name: string): string => `(local.get $${name})`;
  const L: string[] = [];
  L.push('  (func (export "finalize") (param $ref i32) (param $sum i32) (param $sq i32) (param $count i32) (param $inv f64)');
  L.push('    (param $om i32) (param $os i32) (param $odm i32) (param $ods i32)');
  L.push('    (local $i i32) (local $t i32) (local $u i32) (local $w v128) (local $r v128) (local $lo v128) (local $hi v128) (local $s v128) (local $v v128)');
  L.push('    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)');
  L.push(`    (local.set $w (f64x2.splat ${get('inv')}))`);
  // mean and std of the f64x2 pair at byte offset `off` of sum / sq (t, u: the pair's sum and sq addresses), ref pair r
  const pair = (off: number, refPair: string, m: string, d: string): void => {
    L.push(`      (local.set $s (v128.load offset=${off} align=8 ${get('t')}))`);
    L.push(`      (local.set $${m} (f32x4.demote_f64x2_zero (f64x2.add ${refPair} (f64x2.mul ${get('s')} ${get('w')}))))`);
    L.push(`      (local.set $v (f64x2.mul (f64x2.sub (v128.load offset=${off} align=8 ${get('u')}) (f64x2.mul (f64x2.mul ${get('s')} ${get('s')}) ${get('w')})) ${get('w')}))`);
    L.push(`      (local.set $${d} (f32x4.demote_f64x2_zero (v128.and (f64x2.sqrt ${get('v')}) (f64x2.gt ${get('v')} (f64x2.splat (f64.const 0))))))`);
  };
  L.push('    (block $done (loop $tiles');
  L.push(`      (br_if $done (i32.gt_u (i32.add ${get('i')} (i32.const 4)) ${get('count')}))`);
  // 4 pixels: ref u16 (a0, g0, a1, g1, a2, g2, a3, g3) -> i32 -> f64 pairs (exact)
  L.push(`      (local.set $r (v128.load align=2 (i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $lo (i32x4.extend_low_i16x8_u ${get('r')}))`);
  L.push(`      (local.set $hi (i32x4.extend_high_i16x8_u ${get('r')}))`);
  L.push(`      (local.set $t (i32.add ${get('sum')} (i32.shl ${get('i')} (i32.const 4))))`);
  L.push(`      (local.set $u (i32.add ${get('sq')} (i32.shl ${get('i')} (i32.const 4))))`);
  pair(0, `(f64x2.convert_low_i32x4_s ${get('lo')})`, 'm0', 'd0');
  pair(16, `(f64x2.convert_low_i32x4_s (i8x16.shuffle ${HIGH_I32_PAIR} ${get('lo')} ${get('lo')}))`, 'm1', 'd1');
  pair(32, `(f64x2.convert_low_i32x4_s ${get('hi')})`, 'm2', 'd2');
  pair(48, `(f64x2.convert_low_i32x4_s (i8x16.shuffle ${HIGH_I32_PAIR} ${get('hi')} ${get('hi')}))`, 'm3', 'd3');
  // (a0, g0, a1, g1) and (a2, g2, a3, g3) -> analog (a0..a3) and digital (g0..g3) rows
  for (const k of ['m', 'd']) {
    L.push(`      (local.set $${k}0 (i8x16.shuffle ${LOW_F32_PAIRS} ${get(`${k}0`)} ${get(`${k}1`)}))`);
    L.push(`      (local.set $${k}2 (i8x16.shuffle ${LOW_F32_PAIRS} ${get(`${k}2`)} ${get(`${k}3`)}))`);
  }
  L.push(`      (local.set $t (i32.shl ${get('i')} (i32.const 2)))`);
  for (const [k, a, g] of [['m', 'om', 'odm'], ['d', 'os', 'ods']] as const) {
    L.push(`      (v128.store align=4 (i32.add ${get(a)} ${get('t')}) (i8x16.shuffle ${EVEN_F32} ${get(`${k}0`)} ${get(`${k}2`)}))`);
    L.push(`      (v128.store align=4 (i32.add ${get(g)} ${get('t')}) (i8x16.shuffle ${ODD_F32} ${get(`${k}0`)} ${get(`${k}2`)}))`);
  }
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 4)))`);
  L.push('      (br $tiles)))');
  // tail: the same vector operations on one pair, lanes stored one by one
  L.push('    (block $end (loop $tail');
  L.push(`      (br_if $end (i32.ge_u ${get('i')} ${get('count')}))`);
  L.push(`      (local.set $t (i32.add ${get('sum')} (i32.shl ${get('i')} (i32.const 4))))`);
  L.push(`      (local.set $u (i32.add ${get('sq')} (i32.shl ${get('i')} (i32.const 4))))`);
  pair(0, `(f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add ${get('ref')} (i32.shl ${get('i')} (i32.const 2))))))`, 'm0', 'd0');
  L.push(`      (local.set $t (i32.shl ${get('i')} (i32.const 2)))`);
  L.push(`      (f32.store (i32.add ${get('om')} ${get('t')}) (f32x4.extract_lane 0 ${get('m0')}))`);
  L.push(`      (f32.store (i32.add ${get('odm')} ${get('t')}) (f32x4.extract_lane 1 ${get('m0')}))`);
  L.push(`      (f32.store (i32.add ${get('os')} ${get('t')}) (f32x4.extract_lane 0 ${get('d0')}))`);
  L.push(`      (f32.store (i32.add ${get('ods')} ${get('t')}) (f32x4.extract_lane 1 ${get('d0')}))`);
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 1)))`);
  L.push('      (br $tail))))');
  return L.join('\n');
}
