import { describe, expect, it } from 'vitest';
import { float32Ranks } from './float32-rank-select.js';
import { Float32RanksPool } from './float32-ranks-pool.js';
import { summaryRanks } from './float32-summary-ranks.js';

describe('Float32RanksPool', () => {
  it('gives float32Ranks at the summary ranks for plain, shared and partial arrays; a view of part of a buffer leaves the buffer usable', async () => {
    let x = 9;
    const values = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i % 101 === 0 ? NaN : ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 100 - 20));
    const fractions = [0.01, 0.5, 0.99];
    const plain = values(5001);
    const shared = new Float32Array(new SharedArrayBuffer(4 * 4000));
    shared.set(values(4000));
    const whole = values(3000);
    const part = whole.subarray(1000, 2500);
    const expected = [plain, shared, part].map((a) => float32Ranks(a, (n) => summaryRanks(n, fractions)));
    const pool = new Float32RanksPool(2);
    try {
      const got = await Promise.all([pool.ranks(plain.slice(), fractions), pool.ranks(shared, fractions), pool.ranks(part, fractions)]);
      expect(got).toEqual(expected);
      expect(whole.length).toBe(3000); // the partial view was copied, not its buffer transferred
      expect(shared.length).toBe(4000);
    } finally {
      await pool.close();
    }
    expect(summaryRanks(0, fractions)).toEqual([]);
    expect(summaryRanks(5, [0.5])).toEqual([2, 2, 2]);
    expect(summaryRanks(4, [0.99])).toEqual([1, 2, 2]);
  });
});
