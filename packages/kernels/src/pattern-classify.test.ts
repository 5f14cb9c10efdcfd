// Split-event classification on hand-made frames: noise 1 everywhere, thresholds 7 (primary) and 5 (secondary).
import { describe, expect, it } from 'vitest';
import { Pattern, classifyPatterns, emptyPatternCounts, patternClass, type PatternCounts } from './pattern-classify.js';

const ROWS = 9, COLS = 10, N = ROWS * COLS;
const T = { primarySigma: 7, secondarySigma: 5, mipAdu: 1000 };

interface Result { classified: Float32Array; patterns: Int32Array; counts: PatternCounts }

/** Classifies a frame given as { 'r,c': value } on zero background; bad pixels as 'r,c' strings. */
function run(values: Record<string, number>, badPixels: string[] = [], noiseValue = 1): Result {
  const frame = new Float32Array(N), noise = new Float32Array(N).fill(noiseValue), bad = new Uint8Array(N);
  for (const [k, v] of Object.entries(values)) frame[at(k)] = v;
  for (const k of badPixels) bad[at(k)] = 1;
  // Outputs start dirty and at an offset, to check that the frame's range is cleared and nothing else is touched.
  const classified = new Float32Array(N + 5).fill(-1), patterns = new Int32Array(N + 5).fill(-1);
  const counts = emptyPatternCounts();
  classifyPatterns(frame, ROWS, COLS, noise, bad, T, classified, patterns, 5, counts);
  expect([...classified.subarray(0, 5)]).toEqual([-1, -1, -1, -1, -1]);
  return { classified: classified.subarray(5), patterns: patterns.subarray(5), counts };
}

function at(k: string): number {
  const [r, c] = k.split(',').map(Number);
  return r * COLS + c;
}

/** The non-zero pattern codes and classified values as { 'r,c': [code, value] }. */
function events(res: Result): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (let p = 0; p < N; p++) {
    if (res.patterns[p] !== 0 || res.classified[p] !== 0) out[`${Math.floor(p / COLS)},${p % COLS}`] = [res.patterns[p], res.classified[p]];
  }
  return out;
}

describe('classifyPatterns', () => {
  it('a single: code 100, its value at the primary, counted once', () => {
    const res = run({ '4,4': 100, '4,5': 4.9, '3,3': 2 });
    expect(events(res)).toEqual({ '4,4': [100, 100] });
    expect(res.counts).toEqual({ ...emptyPatternCounts(), singles: 1 });
  });

  it('doubles in the four directions: 200 right, 201 down, 202 left, 203 up; the sum goes to the primary', () => {
    expect(events(run({ '4,4': 60, '4,5': 40 }))).toEqual({ '4,4': [200, 100], '4,5': [1, 0] });
    expect(events(run({ '4,4': 60, '5,4': 40 }))).toEqual({ '4,4': [201, 100], '5,4': [1, 0] });
    expect(events(run({ '4,4': 60, '4,3': 40 }))).toEqual({ '4,4': [202, 100], '4,3': [1, 0] });
    expect(events(run({ '4,4': 60, '3,4': 40 }))).toEqual({ '4,4': [203, 100], '3,4': [1, 0] });
  });

  it('triples (L shapes) per quadrant: 300 down-right, 301 down-left, 302 up-left, 303 up-right', () => {
    expect(events(run({ '4,4': 50, '4,5': 25, '5,4': 25, '5,5': 4 }))).toEqual({ '4,4': [300, 100], '4,5': [1, 0], '5,4': [1, 0] });
    expect(events(run({ '4,4': 50, '4,3': 25, '5,4': 25 }))).toEqual({ '4,4': [301, 100], '4,3': [1, 0], '5,4': [1, 0] });
    expect(events(run({ '4,4': 50, '4,3': 25, '3,4': 25 }))).toEqual({ '4,4': [302, 100], '4,3': [1, 0], '3,4': [1, 0] });
    const res = run({ '4,4': 50, '4,5': 25, '3,4': 25 });
    expect(events(res)).toEqual({ '4,4': [303, 100], '4,5': [1, 0], '3,4': [1, 0] });
    expect(res.counts.triples).toBe(1);
  });

  it('quads per quadrant: 400-403, sum of the 2 x 2 block', () => {
    expect(events(run({ '4,4': 30, '4,5': 25, '5,4': 25, '5,5': 20 }))['4,4']).toEqual([400, 100]);
    expect(events(run({ '4,4': 30, '4,3': 25, '5,4': 25, '5,3': 20 }))['4,4']).toEqual([401, 100]);
    expect(events(run({ '4,4': 30, '4,3': 25, '3,4': 25, '3,3': 20 }))['4,4']).toEqual([402, 100]);
    const res = run({ '4,4': 30, '4,5': 25, '3,4': 25, '3,5': 20 });
    expect(events(res)).toEqual({ '4,4': [403, 100], '4,5': [1, 0], '3,4': [1, 0], '3,5': [1, 0] });
    expect(res.counts).toEqual({ ...emptyPatternCounts(), quads: 1 });
  });

  it('other shapes are MULTIPLE (500): diagonal only, opposite neighbours, three sides', () => {
    expect(events(run({ '4,4': 60, '5,5': 40 }))['4,4']).toEqual([500, 100]);
    expect(events(run({ '4,4': 60, '4,3': 20, '4,5': 20 }))['4,4']).toEqual([500, 100]);
    expect(events(run({ '4,4': 40, '4,3': 20, '4,5': 20, '5,4': 20 }))['4,4']).toEqual([500, 100]);
  });

  it('thresholds scale with each pixel\'s noise', () => {
    expect(events(run({ '4,4': 100, '4,5': 12 }, [], 2))).toEqual({ '4,4': [200, 112], '4,5': [1, 0] });
    expect(events(run({ '4,4': 100, '4,5': 9 }, [], 2))).toEqual({ '4,4': [100, 100] });
    expect(events(run({ '4,4': 13 }, [], 2))).toEqual({}); // 6.5 sigma: below the primary threshold
  });

  it('an event touching a bad pixel is BAD_NEIGHBOUR (600); a bad pixel is never primary nor member', () => {
    const res = run({ '4,4': 60, '4,5': 40, '5,5': 30 }, ['5,5']);
    expect(events(res)).toEqual({ '4,4': [600, 100], '4,5': [1, 0] });
    expect(res.counts).toEqual({ ...emptyPatternCounts(), badNeighbour: 1 });
    // A hot bad pixel next to a photon neither hides it as a larger neighbour nor becomes an event.
    expect(events(run({ '2,2': 500, '2,3': 60 }, ['2,2']))).toEqual({ '2,3': [600, 60] });
    expect(events(run({ '2,2': 500 }, ['2,2']))).toEqual({});
  });

  it('a primary above the MIP level is 700', () => {
    const res = run({ '4,4': 3000, '4,5': 900 });
    expect(events(res)['4,4']).toEqual([700, 3900]);
    expect(res.counts.mips).toBe(1);
  });

  it('the frame edge counts as below threshold: corners and borders classify', () => {
    expect(events(run({ '0,0': 100 }))).toEqual({ '0,0': [100, 100] });
    expect(events(run({ '0,0': 60, '0,1': 40 }))).toEqual({ '0,0': [200, 100], '0,1': [1, 0] });
    expect(events(run({ '8,9': 50, '8,8': 25, '7,9': 25 }))['8,9']).toEqual([302, 100]);
    expect(events(run({ '8,0': 30, '8,1': 25, '7,0': 25, '7,1': 20 }))['8,0']).toEqual([403, 100]);
  });

  it('neighbouring photons: apart they stay two events, touching they merge, sharing a pixel makes both MULTIPLE', () => {
    const apart = run({ '2,2': 100, '2,4': 90 });
    expect(events(apart)).toEqual({ '2,2': [100, 100], '2,4': [100, 90] });
    expect(apart.counts.singles).toBe(2);
    // A double and a single whose windows overlap but share no pixel above threshold.
    expect(events(run({ '2,2': 60, '2,3': 40, '2,5': 80 }))).toEqual({ '2,2': [200, 100], '2,3': [1, 0], '2,5': [100, 80] });
    // Adjacent photons: one local maximum, one double with both energies (pile-up cannot be told apart).
    expect(events(run({ '2,2': 100, '2,3': 90 }))).toEqual({ '2,2': [200, 190], '2,3': [1, 0] });
    // Two primaries two pixels apart sharing the pixel between them.
    const shared = run({ '2,2': 100, '2,3': 30, '2,4': 90 });
    expect(events(shared)).toEqual({ '2,2': [500, 130], '2,3': [1, 0], '2,4': [500, 120] });
    expect(shared.counts.multiples).toBe(2);
    // A member whose neighbour outside the window is above threshold (a long track): MULTIPLE.
    expect(events(run({ '4,4': 100, '4,5': 30, '4,6': 20 }))['4,4']).toEqual([500, 130]);
  });

  it('equal neighbours give one primary (the first in raster order)', () => {
    const res = run({ '4,4': 50, '4,5': 50 });
    expect(events(res)).toEqual({ '4,4': [200, 100], '4,5': [1, 0] });
    const col = run({ '4,4': 50, '5,4': 50 });
    expect(events(col)).toEqual({ '4,4': [201, 100], '5,4': [1, 0] });
  });

  it('NaN pixels never take part', () => {
    expect(events(run({ '4,4': NaN, '4,5': 60 }))).toEqual({ '4,5': [100, 60] });
  });

  it('patternClass maps codes to classes and rejects short outputs', () => {
    expect([0, 1, 100, 203, 301, 403, 500, 600, 700].map(patternClass)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Pattern.QUAD).toBe(400);
    expect(() => classifyPatterns(new Float32Array(4), 2, 2, new Float32Array(4), new Uint8Array(4), T, new Float32Array(3), new Int32Array(4), 0, emptyPatternCounts()))
      .toThrow(/classifyPatterns: .* outputs too short for 2 x 2/);
  });
});
