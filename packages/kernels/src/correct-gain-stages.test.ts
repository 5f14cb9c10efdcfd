import { describe, expect, it } from 'vitest';
import { Random } from '@detcal/core';
import { correctGainStagesCpu, scaleAndMaskCpu, type GainStageConstants } from './correct-gain-stages.js';
import { createGpuBackend } from './gpu-backend.js';

function constants(nCells: number, nPixels: number, rng: Random): GainStageConstants {
  const plane = nCells * nPixels;
  const offsetAdu = new Float32Array(3 * plane), thresholdsAdu = new Float32Array(2 * plane), scale = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    offsetAdu[i] = 5000 + 50 * rng.normal();
    offsetAdu[plane + i] = 7600 + 50 * rng.normal();
    offsetAdu[2 * plane + i] = 7900 + 50 * rng.normal();
    thresholdsAdu[i] = 5000 + 20 * rng.normal();
    thresholdsAdu[plane + i] = 6000 + 20 * rng.normal();
    scale[i] = 0.14;
    scale[plane + i] = 4.2;
    scale[2 * plane + i] = 19;
  }
  const badPixels = new Uint32Array(3 * plane);
  badPixels[plane + 3] = 1 << 0;
  return { nCells, nPixels, offsetAdu, thresholdsAdu, scale, badPixels, hgHardThresholdAdu: 1000, mgHardThresholdAdu: 1000, maskValue: NaN };
}

function block(nFrames: number, nPixels: number, nCells: number, rng: Random) {
  const analog = new Uint16Array(nFrames * nPixels), digital = new Uint16Array(nFrames * nPixels), cellIds = new Uint16Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    cellIds[f] = f % nCells;
    for (let p = 0; p < nPixels; p++) {
      const s = rng.int(3);
      digital[f * nPixels + p] = [4500, 5500, 6500][s] + 12 * rng.normal();
      analog[f * nPixels + p] = [5000 + 3000 * rng.uniform(), 7600 + 400 + 5000 * rng.uniform(), 7900 + 1200 + 5000 * rng.uniform()][s];
    }
  }
  return { analog, digital, cellIds };
}

const out = (n: number) => ({ data: new Float32Array(n), mask: new Uint32Array(n), gain: new Uint8Array(n) });

/** Kernel 1 on the CPU and on gpu.js (in `mode`, with the given limits) over the same random block. */
function gpuAndCpu(nCells: number, nPixels: number, nFrames: number, seed: number, limits: { maxElementsPerCall?: number; maxTextureSize?: number }, mode: 'cpu' | 'headlessgl' = 'cpu') {
  const rng = new Random(seed);
  const c = constants(nCells, nPixels, rng);
  const b = block(nFrames, nPixels, nCells, rng);
  const cpu = out(nFrames * nPixels), g = out(nFrames * nPixels);
  correctGainStagesCpu(b.analog, b.digital, b.cellIds, nFrames, c, cpu);
  const gpu = createGpuBackend({ mode, ...limits });
  try {
    expect(gpu.engine).toBe(mode);
    gpu.correctGainStages(b.analog, b.digital, b.cellIds, nFrames, c, g);
  } finally {
    gpu.dispose();
  }
  return { cpu, g };
}

describe('gain-stage correction kernels', () => {
  it('picks stages by the thresholds, forces low values down, subtracts the stage offset, scales and masks', () => {
    const c = constants(1, 4, new Random(1));
    c.offsetAdu.set([5000, 5000, 5000, 5000, 7600, 7600, 7600, 7600, 7900, 7900, 7900, 7900]);
    c.thresholdsAdu.set([5000, 5000, 5000, 5000, 6000, 6000, 6000, 6000]);
    // pixel 0: HG; 1: MG; 2: LG but analog - MG offset < 1000 -> forced to MG; 3: MG with a bad-pixel flag
    const analog = Uint16Array.from([5100, 9000, 8000, 9000]);
    const digital = Uint16Array.from([4500, 5500, 6500, 5500]);
    const o = out(4);
    correctGainStagesCpu(analog, digital, new Uint16Array(1), 1, c, o);
    expect(Array.from(o.gain)).toEqual([0, 1, 1, 1]);
    expect(Array.from(o.data)).toEqual([100, 1400, 400, 1400]);
    scaleAndMaskCpu(new Uint16Array(1), 1, c, o);
    expect(o.data[0]).toBeCloseTo(14, 4);
    expect(o.data[1]).toBeCloseTo(1400 * 4.2, 2);
    expect(o.mask[3]).toBe(1);
    expect(Number.isNaN(o.data[3])).toBe(true);
  });

  it('gpu.js outputs of an AGIPD frame (65536 pixels) fit a 16384-texel GL texture, with the CPU result', () => {
    // a GL context refuses textures wider than its maxTextureSize (16384 on Mesa and many GPUs); the
    // backend checks every output against the given limit, also in gpu.js 'cpu' mode
    const { cpu, g } = gpuAndCpu(2, 512 * 128, 4, 3, { maxTextureSize: 16384 });
    expect(Array.from(g.gain)).toEqual(Array.from(cpu.gain));
    expect(Array.from(g.mask)).toEqual(Array.from(cpu.mask));
  });

  // Opt-in, on a real GL context (see gpu-backend.test.ts for what it needs): DETCAL_TEST_GL=1 xvfb-run -a ...
  it.runIf(process.env.DETCAL_TEST_GL === '1')('on a GL context (headlessgl), an AGIPD frame gives the CPU stages, masks and values', () => {
    const { cpu, g } = gpuAndCpu(2, 512 * 128, 4, 4, {}, 'headlessgl');
    expect(Array.from(g.gain)).toEqual(Array.from(cpu.gain));
    expect(Array.from(g.mask)).toEqual(Array.from(cpu.mask));
    let worst = 0;
    for (let i = 0; i < cpu.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i] - cpu.data[i]) / Math.max(1, Math.abs(cpu.data[i])));
    expect(worst).toBeLessThan(1e-6);
  });

  it('gpu.js gives the CPU result (stages identical, values within float32 rounding), across cell groups and call splits', () => {
    // 4096 elements per call: 4 cells per constants group, 6 frames per call.
    const { cpu, g } = gpuAndCpu(5, 300, 23, 7, { maxElementsPerCall: 4096 });
    expect(Array.from(g.gain)).toEqual(Array.from(cpu.gain));
    expect(Array.from(g.mask)).toEqual(Array.from(cpu.mask));
    let worst = 0;
    for (let i = 0; i < cpu.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i] - cpu.data[i]) / Math.max(1, Math.abs(cpu.data[i])));
    expect(worst).toBeLessThan(1e-6);
    expect(new Set(cpu.gain).size).toBe(3);
  });

  it('names the memory cell the constants lack', () => {
    const c = constants(2, 4, new Random(1));
    expect(() => correctGainStagesCpu(new Uint16Array(4), new Uint16Array(4), Uint16Array.from([3]), 1, c, out(4))).toThrow(/memory cell 3 but the constants cover 2 cells/);
  });
});
