/**
 * WebAssembly text (fixed-width SIMD) of the two passes of float32Ranks (float32-rank-select.ts describes
 * the method): float32-ranks-simd.ts copies a slice into this thread's memory chunk by chunk and runs them.
 * float32-ranks-simd-wasm.ts holds the compiled bytes; its test recompiles this text with wabt and checks
 * they match.
 *
 * Memory (one imported, unshared memory per thread): the running sums (f64) and finite count at
 * F32R_RESULT_AT, the slot per upper-16 bin (i8, -1: not wanted) at F32R_SLOT_AT, the upper-16 counts
 * (65536 u32 and a spare slot for non-finite values) at F32R_HI_AT, the lower-16 counts of the wanted bins
 * (F32R_MAX_SLOTS x 65536 u32) at F32R_LO_AT, then the chunk of values at F32R_CHUNK_AT. Counts n4 are
 * multiples of 4 (the caller pads a chunk with NaN, which both passes leave out).
 *
 * Sums: four float64 partial sums of the values and four of their squares, one per position modulo 4
 * (SIMD lanes), continued from chunk to chunk (chunks are multiples of 4 values) and combined as
 * (s0 + s1) + (s2 + s3) by the caller: the order float32-rank-select.ts sums in. Non-finite values add +0.
 * Keys: a float32's bits b map to b ^ 0xffffffff when negative, else b ^ 0x80000000 (ordered like the numbers).
 */

/** Byte address of the sums: s01 (f64x2) at 0, s23 at 16, q01 at 32, q23 at 48; the finite count (i32) at 64. */
export const F32R_RESULT_AT = 0;
/** Byte address of the slot table: 65537 i8, the slot of each upper-16 bin whose lower 16 bits pass 2 counts (-1: none). */
export const F32R_SLOT_AT = 128;
/** Byte address of pass 2's spare counters (one per lane, 16 bytes apart), after the slot table. */
const F32R_SPARE_AT = 65680;
/** Byte address of the upper-16 counts (65536 u32, then the spare slot of non-finite values). */
export const F32R_HI_AT = 65792;
/** Most bins pass 2 counts at once. */
export const F32R_MAX_SLOTS = 8;
/** Byte address of the lower-16 counts: slot s at F32R_LO_AT + 262144 s. */
export const F32R_LO_AT = F32R_HI_AT + 4 * 65600;
/** Byte address of the chunk of values. */
export const F32R_CHUNK_AT = F32R_LO_AT + F32R_MAX_SLOTS * 4 * 65536;
/** Values per chunk (a multiple of 4). */
export const F32R_CHUNK_VALUES = 1 << 20;
/** Bytes the memory needs. */
export const F32R_MEMORY_BYTES = F32R_CHUNK_AT + 4 * F32R_CHUNK_VALUES + 64;

const HIGH_PAIR = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';
const get = (n: string): string => `(local.get $${n})`;
/** Text of the lanes of $x that are finite. */
const FINITE = `(f32x4.eq (f32x4.sub ${get('x')} ${get('x')}) (v128.const f32x4 0 0 0 0))`;
/** Text of the sortable keys of the lanes of $x. */
const KEY = `(v128.xor ${get('x')} (v128.or (i32x4.shr_s ${get('x')} (i32.const 31)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))`;

/**
 * The module's text.
 * @returns WebAssembly text format
 */
export function float32RanksSimdWat(): string {
  return ['(module', '  (import "env" "memory" (memory 1))', pass1Func(), pass2Func(), ')'].join('\n') + '\n';
}

/** Text that increments the u32 at byte address `at`. */
function increment(at: string): string {
  return `(local.set $a ${at}) (i32.store ${get('a')} (i32.add (i32.load ${get('a')}) (i32.const 1)))`;
}

/** pass1(src, n4): adds the values to the running sums and count, and their upper-16 keys to the counts. */
function pass1Func(): string {
  const L: string[] = [];
  L.push('  (func (export "pass1") (param $src i32) (param $n4 i32)');
  L.push('    (local $i i32) (local $a i32) (local $x v128) (local $m v128) (local $xm v128) (local $d v128) (local $hi v128) (local $cnt v128)');
  L.push('    (local $s01 v128) (local $s23 v128) (local $q01 v128) (local $q23 v128)');
  for (const [v, off] of [['s01', 0], ['s23', 16], ['q01', 32], ['q23', 48]] as const) L.push(`    (local.set $${v} (v128.load offset=${off} (i32.const ${F32R_RESULT_AT})))`);
  L.push(`    (block $done (loop $v`);
  L.push(`      (br_if $done (i32.ge_s ${get('i')} ${get('n4')}))`);
  L.push(`      (local.set $x (v128.load align=4 (i32.add ${get('src')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $m ${FINITE})`);
  L.push(`      (local.set $xm (v128.and ${get('x')} ${get('m')}))`);
  L.push(`      (local.set $cnt (i32x4.sub ${get('cnt')} ${get('m')}))`);
  L.push(`      (local.set $d (f64x2.promote_low_f32x4 ${get('xm')}))`);
  L.push(`      (local.set $s01 (f64x2.add ${get('s01')} ${get('d')}))`);
  L.push(`      (local.set $q01 (f64x2.add ${get('q01')} (f64x2.mul ${get('d')} ${get('d')})))`);
  L.push(`      (local.set $d (f64x2.promote_low_f32x4 (i8x16.shuffle ${HIGH_PAIR} ${get('xm')} ${get('xm')})))`);
  L.push(`      (local.set $s23 (f64x2.add ${get('s23')} ${get('d')}))`);
  L.push(`      (local.set $q23 (f64x2.add ${get('q23')} (f64x2.mul ${get('d')} ${get('d')})))`);
  // non-finite lanes count into the spare slot 65536
  L.push(`      (local.set $hi (v128.bitselect (i32x4.shr_u ${KEY} (i32.const 16)) (v128.const i32x4 65536 65536 65536 65536) ${get('m')}))`);
  for (let lane = 0; lane < 4; lane++) {
    L.push(`      ${increment(`(i32.add (i32.const ${F32R_HI_AT}) (i32.shl (i32x4.extract_lane ${lane} ${get('hi')}) (i32.const 2)))`)}`);
  }
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 4)))`);
  L.push('      (br $v)))');
  for (const [v, off] of [['s01', 0], ['s23', 16], ['q01', 32], ['q23', 48]] as const) L.push(`    (v128.store offset=${off} (i32.const ${F32R_RESULT_AT}) ${get(v)})`);
  L.push(`    (i32.store (i32.const ${F32R_RESULT_AT + 64}) (i32.add (i32.load (i32.const ${F32R_RESULT_AT + 64}))`);
  L.push(`      (i32.add (i32.add (i32x4.extract_lane 0 ${get('cnt')}) (i32x4.extract_lane 1 ${get('cnt')})) (i32.add (i32x4.extract_lane 2 ${get('cnt')}) (i32x4.extract_lane 3 ${get('cnt')}))))))`);
  return L.join('\n');
}

/** pass2(src, n4): adds the lower-16 keys of the values whose upper-16 bin has a slot to that slot's counts. */
function pass2Func(): string {
  const L: string[] = [];
  L.push('  (func (export "pass2") (param $src i32) (param $n4 i32)');
  L.push('    (local $i i32) (local $a i32) (local $s i32) (local $x v128) (local $key v128) (local $hi v128)');
  L.push(`    (block $done (loop $v`);
  L.push(`      (br_if $done (i32.ge_s ${get('i')} ${get('n4')}))`);
  L.push(`      (local.set $x (v128.load align=4 (i32.add ${get('src')} (i32.shl ${get('i')} (i32.const 2)))))`);
  L.push(`      (local.set $key ${KEY})`);
  L.push(`      (local.set $hi (v128.bitselect (i32x4.shr_u ${get('key')} (i32.const 16)) (v128.const i32x4 65536 65536 65536 65536) ${FINITE}))`);
  // branch-free: a lane outside the wanted bins counts into its own spare counter (a branch mispredicts
  // often, since the middle bin holds a large share of the values)
  for (let lane = 0; lane < 4; lane++) {
    L.push(`      (local.set $s (i32.load8_s (i32.add (i32.const ${F32R_SLOT_AT}) (i32x4.extract_lane ${lane} ${get('hi')}))))`);
    const real = `(i32.add (i32.const ${F32R_LO_AT}) (i32.add (i32.shl ${get('s')} (i32.const 18)) (i32.shl (i32.and (i32x4.extract_lane ${lane} ${get('key')}) (i32.const 0xffff)) (i32.const 2))))`;
    L.push(`      ${increment(`(select ${real} (i32.const ${F32R_SPARE_AT + 16 * lane}) (i32.ge_s ${get('s')} (i32.const 0)))`)}`);
  }
  L.push(`      (local.set $i (i32.add ${get('i')} (i32.const 4)))`);
  L.push('      (br $v))))');
  return L.join('\n');
}
