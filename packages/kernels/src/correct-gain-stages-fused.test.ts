import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { asicCommonModeCpu, type AsicCommonModeOptions } from './asic-common-mode.js';
import { correctGainStagesCpu, scaleAndMaskCpu, type GainStageConstants } from './correct-gain-stages.js';
import { correctGainStagesFusedCpu } from './correct-gain-stages-fused.js';

// Frames of 26 x 20 pixels in ASICs of 8 x 8: the last strip (2 rows) and the last ASIC column (4
// columns) are partial, as the kernel must handle any geometry, not only AGIPD's 64 x 64 ASICs.
const rows = 26, cols = 20, nPixels = rows * cols, nCells = 3;
const cm: AsicCommonModeOptions = { rows, cols, asicRows: 8, asicCols: 8, darkRangeAdu: [-30, 30], darkFraction: 0.15, iterations: 4 };

function constants(rng: Random, unit: boolean): GainStageConstants {
  const plane = nCells * nPixels;
  const offsetAdu = new Float32Array(3 * plane), thresholdsAdu = new Float32Array(2 * plane), scale = new Float32Array(3 * plane).fill(1);
  const badPixels = new Uint32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    offsetAdu[i] = 5000 + 50 * rng.normal();
    offsetAdu[plane + i] = 7600 + 50 * rng.normal();
    offsetAdu[2 * plane + i] = 7900 + 50 * rng.normal();
    thresholdsAdu[i] = 5000 + 20 * rng.normal();
    thresholdsAdu[plane + i] = 6000 + 20 * rng.normal();
    if (!unit) for (let s = 0; s < 3; s++) scale[s * plane + i] = [0.14, 4.2, 19][s] * (1 + 0.05 * rng.normal());
    for (let s = 0; s < 3; s++) if (rng.uniform() < 0.03) badPixels[s * plane + i] = 1 << rng.int(8);
  }
  if (!unit) scale[17] = NaN; // a NaN gain constant: the value is masked with VALUE_IS_NAN
  return { nCells, nPixels, offsetAdu, thresholdsAdu, scale, unitScale: unit, badPixels, hgHardThresholdAdu: 1000, mgHardThresholdAdu: 1000, maskValue: NaN };
}

/** Mostly dark high-gain pixels with a common-mode shift per (frame, ASIC), some photons, some medium and low gain. */
function block(nFrames: number, rng: Random) {
  const n = nFrames * nPixels;
  const analog = new Uint16Array(n), digital = new Uint16Array(n), cellIds = new Uint16Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    cellIds[f] = (f * 2) % nCells;
    const shift = Array.from({ length: 12 }, () => 25 * rng.normal());
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = f * nPixels + r * cols + c;
        const u = rng.uniform();
        const s = u < 0.8 ? 0 : u < 0.93 ? 1 : 2;
        digital[i] = [4500, 5500, 6500][s] + 12 * rng.normal();
        const photon = rng.uniform() < 0.1 ? 60 + 400 * rng.uniform() : 0;
        analog[i] = [5000 + shift[Math.floor(r / 8) * 3 + Math.floor(c / 8)] + 4 * rng.normal() + photon, 7600 + 400 + 5000 * rng.uniform(), 7900 + 1200 + 5000 * rng.uniform()][s];
      }
    }
  }
  return { analog, digital, cellIds };
}

const out = (n: number) => ({ data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) });

/** The three kernels one after the other, as the gpu.js path runs them. */
function reference(b: ReturnType<typeof block>, nFrames: number, c: GainStageConstants, withCm: boolean) {
  const o = out(nFrames * nPixels);
  const counts = new Float64Array(4);
  correctGainStagesCpu(b.analog, b.digital, b.cellIds, nFrames, c, o);
  if (withCm) {
    const groupOf = new Uint16Array(nPixels);
    for (let r = 0; r < rows; r++) for (let x = 0; x < cols; x++) groupOf[r * cols + x] = Math.floor(r / 8) * 3 + Math.floor(x / 8);
    const perFrameAdu = new Float32Array(nFrames * 12);
    asicCommonModeCpu(o.data, o.gain, o.mask, nFrames, cm, perFrameAdu, false);
    scaleAndMaskCpu(b.cellIds, nFrames, c, o, counts, { perFrameAdu, groupOf, groups: 12 });
  } else scaleAndMaskCpu(b.cellIds, nFrames, c, o, counts);
  return { o, counts };
}

describe('fused gain-stage correction', () => {
  for (const unit of [false, true]) {
    for (const withCm of [true, false]) {
      it(`gives the three kernels' results bit for bit (${unit ? 'unit' : 'per-pixel'} scale, common mode ${withCm ? 'on' : 'off'})`, () => {
        const rng = new Random(unit ? 3 : 4);
        const nFrames = 7;
        const c = constants(rng, unit);
        const b = block(nFrames, rng);
        const ref = reference(b, nFrames, c, withCm);
        const o = out(nFrames * nPixels);
        o.data.fill(123); // outputs are written, not read
        const counts = new Float64Array(4);
        correctGainStagesFusedCpu(b.analog, b.digital, b.cellIds, nFrames, c, o, counts, withCm ? cm : undefined);
        expect(new Uint32Array(o.data.buffer)).toEqual(new Uint32Array(ref.o.data.buffer));
        expect(o.mask).toEqual(ref.o.mask);
        expect(o.gain).toEqual(ref.o.gain);
        expect(Array.from(counts)).toEqual(Array.from(ref.counts));
        // the data exercise every branch: all stages, masked values, and (with common mode) a correction
        expect(new Set(o.gain).size).toBe(3);
        expect(counts[3]).toBeGreaterThan(0);
        if (withCm) {
          const plain = reference(b, nFrames, c, false);
          expect(new Uint32Array(o.data.buffer)).not.toEqual(new Uint32Array(plain.o.data.buffer));
        }
      });
    }
  }

  it('rejects a common-mode frame that does not match the pixel count', () => {
    const rng = new Random(5);
    const c = constants(rng, true);
    const b = block(1, rng);
    expect(() => correctGainStagesFusedCpu(b.analog, b.digital, b.cellIds, 1, c, out(nPixels), undefined, { ...cm, rows: rows - 1 })).toThrow(/common-mode frame/);
  });
});
