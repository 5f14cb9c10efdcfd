import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DetcalError } from './errors.js';
import { pendingFrameReader, readPendingPixels } from './pending-pixel-read.js';
import type { PendingFrameRun } from './plugin-types.js';

// A file of 5 interleaved (analog, digital) frames of 3 x 4 u2 values after a 100-byte header:
// value = 1000 * frame + 100 * half + pixel, so any misplaced byte range shows.
const rows = 3, cols = 4, nPixels = rows * cols, frames = 5, header = 100;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detcal-pending-'));
const file = path.join(dir, 'ad.bin');
const contents = new Uint16Array(header / 2 + frames * 2 * nPixels);
for (let f = 0; f < frames; f++) for (let h = 0; h < 2; h++) for (let p = 0; p < nPixels; p++) contents[header / 2 + (2 * f + h) * nPixels + p] = 1000 * f + 100 * h + p;
fs.writeFileSync(file, contents);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs reading frames [f0, f0 + n) of the file into block frames [at, at + n). */
function runs(f0: number, n: number, at: number): PendingFrameRun[] {
  const frameBytes = 2 * nPixels;
  const position = header + f0 * 2 * frameBytes;
  return [
    { file, into: 'data', frame: at, frames: n, position, strideBytes: 2 * frameBytes },
    { file, into: 'gain', frame: at, frames: n, position: position + frameBytes, strideBytes: 2 * frameBytes },
  ];
}

function expected(f0: number, n: number, half: number): Uint16Array {
  return Uint16Array.from({ length: n * nPixels }, (_, i) => 1000 * (f0 + Math.floor(i / nPixels)) + 100 * half + (i % nPixels));
}

describe('readPendingPixels', () => {
  it('reads whole frames of interleaved analog / digital entries', () => {
    const block = { rows, cols, data: new Uint16Array(4 * nPixels), gain: new Uint16Array(4 * nPixels) };
    readPendingPixels(block, runs(1, 4, 0));
    expect(block.data).toEqual(expected(1, 4, 0));
    expect(block.gain).toEqual(expected(1, 4, 1));
  });

  it('pixel ranges read by different callers add up to the whole block, and touch nothing else', () => {
    const block = { rows, cols, data: new Uint16Array(5 * nPixels).fill(7), gain: new Uint16Array(5 * nPixels).fill(7) };
    // frames 2..4 of the file into block frames 1..3; frames 0 and 4 of the block stay as they were
    for (const [p0, p1] of [[0, 5], [5, 5], [5, 12]]) readPendingPixels(block, runs(2, 3, 1), p0, p1);
    expect(block.data.subarray(nPixels, 4 * nPixels)).toEqual(expected(2, 3, 0));
    expect(block.gain.subarray(nPixels, 4 * nPixels)).toEqual(expected(2, 3, 1));
    for (const a of [block.data, block.gain]) {
      expect(a.subarray(0, nPixels).every((v) => v === 7)).toBe(true);
      expect(a.subarray(4 * nPixels).every((v) => v === 7)).toBe(true);
    }
    // one range reads only its pixels
    const part = { rows, cols, data: new Uint16Array(nPixels), gain: new Uint16Array(nPixels) };
    readPendingPixels(part, runs(3, 1, 0).slice(0, 1), 4, 8);
    expect(Array.from(part.data)).toEqual([0, 0, 0, 0, 3004, 3005, 3006, 3007, 0, 0, 0, 0]);
  });

  it('reads back-to-back frames in one go, into views at an offset of their buffer', () => {
    const flat = path.join(dir, 'flat.bin');
    fs.writeFileSync(flat, Uint16Array.from({ length: 3 * nPixels }, (_, i) => i + 1));
    const buffer = new SharedArrayBuffer(64 + 3 * nPixels * 2);
    const block = { rows, cols, data: new Uint16Array(buffer, 64, 3 * nPixels) };
    readPendingPixels(block, [{ file: flat, into: 'data', frame: 0, frames: 3, position: 0, strideBytes: 2 * nPixels }]);
    expect(Array.from(block.data)).toEqual(Array.from({ length: 3 * nPixels }, (_, i) => i + 1));
    expect(new Uint8Array(buffer, 0, 64).every((v) => v === 0)).toBe(true);
  });

  it('names the file when it is shorter than the runs say, or missing', () => {
    const block = { rows, cols, data: new Uint16Array(nPixels * 2), gain: new Uint16Array(nPixels * 2) };
    const beyond = runs(4, 2, 0); // frame 5 does not exist
    expect(() => readPendingPixels(block, beyond)).toThrow(DetcalError);
    expect(() => readPendingPixels(block, beyond)).toThrow(/ad\.bin: .*could not be read .*truncated.*copy the file again/);
    const missing = runs(0, 1, 0).map((r) => ({ ...r, file: path.join(dir, 'gone.bin') }));
    expect(() => readPendingPixels(block, missing)).toThrow(/gone\.bin: cannot be opened for reading \(ENOENT\)/);
  });

  it('refuses runs that do not fit the block, and pixel ranges outside a frame', () => {
    const block = { rows, cols, data: new Uint16Array(nPixels) };
    expect(() => readPendingPixels(block, runs(0, 2, 0))).toThrow(/does not fit the block/);
    expect(() => readPendingPixels(block, runs(0, 1, 0))).toThrow(/without a gain array/);
    expect(() => readPendingPixels(block, [], 3, 13)).toThrow(RangeError);
  });
});

describe('pendingFrameReader', () => {
  it('reads a pixel range of single frames, in any order, to any place', () => {
    const reader = pendingFrameReader(runs(1, 4, 0), { data: 2, gain: 2 }, 4, 8);
    try {
      const scratch = new Uint8Array(64).fill(9);
      // block frame 2 is file frame 3; its pixels 4..7 to bytes 10 (values) and 40 (gain values)
      reader.read(2, scratch, 10, scratch, 40);
      const view = new DataView(scratch.buffer);
      expect([0, 1, 2, 3].map((k) => view.getUint16(10 + 2 * k, true))).toEqual([3004, 3005, 3006, 3007]);
      expect([0, 1, 2, 3].map((k) => view.getUint16(40 + 2 * k, true))).toEqual([3104, 3105, 3106, 3107]);
      expect(scratch[9]).toBe(9);
      expect(scratch[18]).toBe(9);
      reader.read(0, scratch, 0, scratch, 20);
      expect(view.getUint16(0, true)).toBe(1004);
      expect(() => reader.read(4, scratch, 0, scratch, 20)).toThrow(/frame 4 is not in the pending block/);
    } finally {
      reader.close();
    }
  });

  it('names the file when a frame lies beyond its end', () => {
    const reader = pendingFrameReader(runs(3, 3, 0), { data: 2, gain: 2 }, 0, nPixels);
    try {
      const to = new Uint16Array(2 * nPixels);
      reader.read(1, to, 0, to, 2 * nPixels);
      expect(to[0]).toBe(4000);
      expect(() => reader.read(2, to, 0, to, 2 * nPixels)).toThrow(/ad\.bin: \d+ bytes at offset \d+ could not be read/);
    } finally {
      reader.close();
    }
  });
});
