// The correction kernels on small hand-made frames, and the bank medians against @detcal/kernels commonModeBanked.
import { describe, expect, it } from 'vitest';
import { BadPixel, Random, makeConstant, type FrameBlock, type NumericArray } from '@detcal/core';
import { JUNGFRAU_BANKS, commonModeBanked } from '@detcal/kernels';
import { jungfrauCorrect } from './correct.js';
import { bankCommonMode, INVALID_STAGE, type BankCandidates } from './correct-kernel.js';

const dims = ['gain', 'cell', 'row', 'col'];

/** A 2 x 4 frame setup, 1 cell: offsets 100 / 10000 / 12000 ADU, gains 40 / -2 / -0.1 ADU/keV. */
function tinyCorrector(parameters: Record<string, number | boolean | string> = {}) {
  const offset = new Float32Array(3 * 8), gain = new Float32Array(3 * 8), bad = new Uint32Array(3 * 8);
  offset.fill(100, 0, 8); offset.fill(10000, 8, 16); offset.fill(12000, 16, 24);
  gain.fill(40, 0, 8); gain.fill(-2, 8, 16); gain.fill(-0.1, 16, 24);
  bad[8 + 5] = BadPixel.NOISE_OUT_OF_THRESHOLD; // pixel 5 is bad in G1 only
  return jungfrauCorrect({
    module: 0, rows: 2, cols: 4, backend: null, parameters,
    constants: {
      Offset: makeConstant('Offset', offset, [3, 1, 2, 4], dims, 'ADU'),
      RelativeGain: makeConstant('RelativeGain', gain, [3, 1, 2, 4], dims, 'ADU/keV'),
      BadPixelsDark: makeConstant('BadPixelsDark', bad, [3, 1, 2, 4], dims, ''),
    },
  });
}

function block(data: number[], gain?: number[]): FrameBlock {
  return { module: 0, firstFrame: 0, nFrames: 1, rows: 2, cols: 4, data: Uint16Array.from(data), gain: gain ? Uint8Array.from(gain) : undefined, cellIds: new Uint16Array(1), trainIds: new Float64Array(1) };
}

function run(c: ReturnType<typeof tinyCorrector>, b: FrameBlock) {
  const out = { data: new Float32Array(8), mask: new Uint32Array(8), gain: new Uint8Array(8) };
  c.correctBlock(b, out as unknown as Record<string, NumericArray>);
  return out;
}

describe('jungfrau correction kernel', () => {
  it('maps gain bits 0 / 1 / 3 to G0 / G1 / G2, E = (raw - offset) / gain, and invalid bits to WRONG_GAIN_VALUE', () => {
    const c = tinyCorrector();
    const out = run(c, block([500, 9000, 11000, 100, 700, 8000, 300, 11900], [0, 1, 3, 2, 0, 1, 0, 3]));
    expect([...out.gain]).toEqual([0, 1, 2, INVALID_STAGE, 0, 1, 0, 2]);
    expect([...out.data].map((v) => (Number.isNaN(v) ? 'NaN' : +v.toFixed(3)))).toEqual([10, 500, 10000, 'NaN', 15, 'NaN', 5, 1000]);
    expect([...out.mask]).toEqual([0, 0, 0, BadPixel.WRONG_GAIN_VALUE, 0, BadPixel.NOISE_OUT_OF_THRESHOLD, 0, 0]);
    expect(c.summary()).toMatchObject({ frames: 1, g0Values: 3, g1Values: 2, g2Values: 2, wrongGainValues: 1, maskedValues: 2 });
  });

  it('reads LCLS packing (gain bits in bits 15:14, adc in 13:0) when the block has no gain array', () => {
    const packed = [500, 9000 | (1 << 14), 11000 | (3 << 14), 100 | (2 << 14), 700, 8000 | (1 << 14), 300, 11900 | (3 << 14)];
    const out = run(tinyCorrector({ photon_energy_kev: 5 }), block(packed));
    expect([...out.gain]).toEqual([0, 1, 2, INVALID_STAGE, 0, 1, 0, 2]);
    expect(+out.data[0].toFixed(4)).toBe(2);
    expect(+out.data[2].toFixed(4)).toBe(2000);
  });
});

describe('bank common mode', () => {
  it('equals commonModeBanked (bank pass) on the same candidates, including its npix_min and cormax rules', () => {
    const rows = 512, cols = 1024, P = rows * cols, size = JUNGFRAU_BANKS.bankRows * JUNGFRAU_BANKS.bankCols;
    const rng = new Random(3);
    const frame = new Float32Array(P);
    for (let p = 0; p < P; p++) frame[p] = rng.uniform() < 0.3 ? NaN : 4 * rng.normal() + 2;
    const bankOf = new Uint16Array(P);
    for (let p = 0; p < P; p++) bankOf[p] = Math.floor(p / cols / 256) * 16 + Math.floor((p % cols) / 64);
    for (let p = 0; p < P; p++) {
      if (bankOf[p] === 5 && frame[p] === frame[p]) frame[p] += 300; // beyond cormax 200
      if (bankOf[p] === 9 && p % 2000 !== 0) frame[p] = NaN; // at most 8 pixels left: <= npix_min
    }
    const all = new Float64Array(P);
    const cand: BankCandidates = { bankOf, values: Array.from({ length: 32 }, (_, b) => all.subarray(b * size, (b + 1) * size)), counts: new Int32Array(32), thresholdAdu: Infinity };
    for (let p = 0; p < P; p++) if (frame[p] === frame[p]) cand.values[bankOf[p]][cand.counts[bankOf[p]]++] = frame[p];
    const mine = new Float32Array(32), shared = new Float32Array(32);
    const corrected = bankCommonMode(cand, 10, 200, mine);
    const r = commonModeBanked(frame.slice(), rows, cols, JUNGFRAU_BANKS, ['bank'], undefined, { minPixels: 10, maxCorrAdu: 200 }, [shared]);
    expect(corrected).toBe(r[0].corrected);
    expect(corrected).toBe(30);
    expect([...mine]).toEqual([...shared]);
    expect(mine[5]).toBe(0);
    expect(mine[9]).toBe(0);
  });
});
