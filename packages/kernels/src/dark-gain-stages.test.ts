import { describe, expect, it } from 'vitest';
import type { FrameBlock, FrameStream } from '@detcal/core';
import { gainSignature } from './dark-gain-stages.js';
import { medianInPlace } from './quickselect.js';

/** A stream whose first block carries these gain values (frames of `nPixels`). */
function gainStream(gain: Uint8Array | Uint16Array, nPixels: number): FrameStream {
  const nFrames = gain.length / nPixels;
  return {
    label: 'sig', nFrames, rows: 1, cols: nPixels, cellsPerTrain: 1, hasGain: true,
    async *blocks(): AsyncGenerator<FrameBlock> {
      yield { module: 0, firstFrame: 0, nFrames, rows: 1, cols: nPixels, data: new Uint16Array(gain.length), gain, cellIds: new Uint16Array(nFrames), trainIds: new Float64Array(nFrames) };
    },
  };
}

describe('gainSignature', () => {
  it('is np.median of the sampled gain values: ties, even and odd counts, u1 and u2 gains', async () => {
    const cases: Array<Uint8Array | Uint16Array> = [
      Uint8Array.from({ length: 4 * 1000 }, (_, i) => (i % 10 < 6 ? 1 : 3)), // mostly one stage
      Uint8Array.from({ length: 4 * 1000 }, (_, i) => (i % 2 === 0 ? 0 : 3)), // exactly half: mean of the two middle values
      Uint16Array.from({ length: 4 * 999 }, (_, i) => 4000 + ((i * 7919) % 3001)), // AGIPD-like digital values, odd count
    ];
    for (const gain of cases) {
      const nPixels = gain.length / 4;
      const expected = medianInPlace(Float64Array.from(gain));
      expect(await gainSignature(gainStream(gain, nPixels))).toBe(expected);
    }
    expect(await gainSignature(gainStream(Uint8Array.from({ length: 8 }, (_, i) => (i < 4 ? 0 : 3)), 2))).toBe(1.5);
  });
});
