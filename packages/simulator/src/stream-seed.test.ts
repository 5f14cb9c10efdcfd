import { describe, expect, it } from 'vitest';
import { RUN_STREAM, TRUTH_STREAM, streamSeed } from './stream-seed.js';

describe('streamSeed', () => {
  it('is a deterministic u32 that differs between seeds, modules and streams', () => {
    const s = streamSeed(42, 0, TRUTH_STREAM);
    expect(s).toBe(streamSeed(42, 0, TRUTH_STREAM));
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    const all = new Set([s, streamSeed(43, 0, TRUTH_STREAM), streamSeed(42, 1, TRUTH_STREAM), streamSeed(42, 0, RUN_STREAM), streamSeed(42 + 2 ** 32, 0, TRUTH_STREAM)]);
    expect(all.size).toBe(5);
  });
});
