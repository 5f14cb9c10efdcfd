/**
 * The gpu.js backend against the CPU backend. gpu.js computes in float32; the tolerance of each
 * (cell, pixel) is derived from float32 rounding (unit roundoff u = 2^-24) of what the kernels do:
 *   partial sums over n values of d = x - ref in float32: |error| <= (n - 1) u sum|d|, and
 *   (n - 1) u sum d^2 plus u per rounded square; one more u each when the float64 sums are
 *   handed to the float32 finalize kernel; the finalize results are rounded to float32 (1 ulp).
 *   tolMean = (n + 1) u sum|d| / n + ulp32(mean)
 *   tolStd  = [(n + 5) u sum d^2 / n + 2 |m| (n + 1) u sum|d| / n + 4 u m^2] / (2 std) + ulp32(std),  m = mean - ref
 * For N = 200 frames of noise 5 ADU on an offset of ~5000 ADU this is ~5e-4 ADU for the mean
 * (dominated by the float32 ulp of 5000, 4.9e-4) and ~2e-6 relative for the std, i.e. inside the
 * 1e-3 ADU / 1e-3 relative a reviewer would accept; naive float32 sum / sum-of-squares of raw ADU
 * fails it (checked below).
 */
import { describe, expect, it } from 'vitest';
import { GPU } from 'gpu.js';
import { DetcalError, Random } from '@detcal/core';
import type { BlockData, DarkAccumulateOptions } from './compute-backend.js';
import { createCpuBackend } from './cpu-backend.js';
import { createDarkAccumulator, type DarkAccumulator } from './dark-accumulator.js';
import { createGpuBackend, GPUJS_MAX_ELEMENTS, type GpuJsMode } from './gpu-backend.js';
import { checkTolerance, formatToleranceReport } from './tolerance.js';

const U = 2 ** -24;
const ulp32 = (x: number) => (x === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23));

function darkBlock(nCells: number, nPixels: number, nFrames: number, seed: number) {
  const rng = new Random(seed);
  const offset = new Float64Array(nCells * nPixels).map(() => 5000 + 200 * rng.uniform());
  const data = new Uint16Array(nFrames * nPixels);
  const cellIds = new Uint16Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    cellIds[f] = f % nCells;
    for (let p = 0; p < nPixels; p++) data[f * nPixels + p] = Math.round(offset[cellIds[f] * nPixels + p] + 5 * rng.normal());
  }
  return { data, cellIds };
}

/** sum|d| and sum d^2 per (cell, pixel) over the accepted values, d = x - ref of the (CPU) accumulator. */
function absSums(state: DarkAccumulator, data: BlockData, cellIds: Uint16Array, nFrames: number, accept: (i: number) => boolean) {
  const nPixels = state.nPixels;
  const a = new Float64Array(state.count.length);
  const q = new Float64Array(state.count.length);
  for (let f = 0; f < nFrames; f++) {
    for (let p = 0; p < nPixels; p++) {
      const i = f * nPixels + p;
      if (!accept(i)) continue;
      const k = cellIds[f] * nPixels + p;
      const d = data[i] - state.ref[k];
      a[k] += Math.abs(d);
      q[k] += d * d;
    }
  }
  return { a, q };
}

function run(backend: ReturnType<typeof createCpuBackend>, nCells: number, nPixels: number, blocks: Array<[BlockData, Uint16Array, number, DarkAccumulateOptions?]>) {
  const state = createDarkAccumulator(nCells, nPixels);
  for (const [data, ids, nf, opts] of blocks) backend.accumulateDark(state, data, ids, nf, nPixels, opts);
  const len = nCells * nPixels;
  const out = { meanAdu: new Float64Array(len), stdAdu: new Float64Array(len) };
  backend.finalizeDark(state, out);
  return { state, out };
}

function compare(
  mode: string, cpu: { state: DarkAccumulator; out: { meanAdu: Float64Array; stdAdu: Float64Array } },
  gpu: { state: DarkAccumulator; out: { meanAdu: Float64Array; stdAdu: Float64Array } },
  sums: { a: Float64Array; q: Float64Array },
) {
  const { count, ref } = cpu.state;
  const tolMean = (k: number, mean: number) => ((count[k] + 1) * U * sums.a[k]) / count[k] + ulp32(mean);
  const tolStd = (k: number, std: number) => {
    const n = count[k];
    const m = cpu.out.meanAdu[k] - ref[k];
    return (((n + 5) * U * sums.q[k]) / n + (2 * Math.abs(m) * (n + 1) * U * sums.a[k]) / n + 4 * U * m * m) / (2 * std) + ulp32(std);
  };
  expect(Array.from(gpu.state.count)).toEqual(Array.from(count));
  expect(Array.from(gpu.state.rejected)).toEqual(Array.from(cpu.state.rejected));
  const rm = checkTolerance(gpu.out.meanAdu, cpu.out.meanAdu, tolMean);
  const rs = checkTolerance(gpu.out.stdAdu, cpu.out.stdAdu, tolStd);
  expect(rm.ok, formatToleranceReport(rm, `${mode} meanAdu`)).toBe(true);
  expect(rs.ok, formatToleranceReport(rs, `${mode} stdAdu`)).toBe(true);
  return { tolMean, tolStd };
}

const modes: GpuJsMode[] = GPU.isWebAssemblySupported ? ['cpu', 'webasm'] : ['cpu'];

describe.each(modes)('gpu.js backend in mode %s vs the cpu backend', (mode) => {
  it('N = 200 frames, noise 5 ADU on ~5000 ADU: mean and std within the float32-derived tolerance', () => {
    const nPixels = 1000, nFrames = 200;
    const { data, cellIds } = darkBlock(1, nPixels, nFrames, 31);
    const gpuBackend = createGpuBackend({ mode });
    try {
      expect(gpuBackend.engine).toBe(mode);
      // three blocks: streaming must not change the result
      const blocks: Array<[BlockData, Uint16Array, number]> = [
        [data.subarray(0, 50 * nPixels), cellIds.subarray(0, 50), 50],
        [data.subarray(50 * nPixels, 120 * nPixels), cellIds.subarray(50, 120), 70],
        [data.subarray(120 * nPixels), cellIds.subarray(120), 80],
      ];
      const cpu = run(createCpuBackend(), 1, nPixels, blocks);
      const gpu = run(gpuBackend, 1, nPixels, blocks);
      const sums = absSums(cpu.state, data, cellIds, nFrames, () => true);
      const { tolMean, tolStd } = compare(mode, cpu, gpu, sums);
      // the derived tolerance is at least as strict as 1e-3 ADU (mean) and 1e-3 relative (std)
      for (let k = 0; k < nPixels; k++) {
        expect(tolMean(k, cpu.out.meanAdu[k])).toBeLessThan(1e-3);
        expect(tolStd(k, cpu.out.stdAdu[k]) / cpu.out.stdAdu[k]).toBeLessThan(1e-3);
      }
      // negative control: float32 sum / sum of squares of the raw values misses that tolerance
      let naiveFails = 0;
      for (let p = 0; p < nPixels; p++) {
        let s = 0, q = 0;
        for (let f = 0; f < nFrames; f++) {
          const x = data[f * nPixels + p];
          s = Math.fround(s + x);
          q = Math.fround(q + Math.fround(x * x));
        }
        const m = Math.fround(s / nFrames);
        const std = Math.sqrt(Math.max(0, Math.fround(Math.fround(q / nFrames) - Math.fround(m * m))));
        if (Math.abs(std - cpu.out.stdAdu[p]) > tolStd(p, cpu.out.stdAdu[p])) naiveFails++;
      }
      expect(naiveFails).toBeGreaterThan(nPixels / 2);
    } finally {
      gpuBackend.dispose();
    }
  });

  it('several cells, gain selection and a per-value mask: same counts, rejected and statistics', () => {
    const nCells = 3, nPixels = 300, nFrames = 240;
    const { data, cellIds } = darkBlock(nCells, nPixels, nFrames, 32);
    const rng = new Random(33);
    const gain = new Uint8Array(data.length);
    const mask = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      if (rng.uniform() < 0.15 || i < nPixels / 3) {
        gain[i] = 1;
        data[i] += 2500;
      }
      mask[i] = rng.uniform() < 0.05 ? 1 : 0;
    }
    const opts: DarkAccumulateOptions = { gain, acceptGain: 0, mask };
    const gpuBackend = createGpuBackend({ mode });
    try {
      const blocks: Array<[BlockData, Uint16Array, number, DarkAccumulateOptions]> = [[data, cellIds, nFrames, opts]];
      const cpu = run(createCpuBackend(), nCells, nPixels, blocks);
      const gpu = run(gpuBackend, nCells, nPixels, blocks);
      expect(Array.from(gpu.state.ref)).toEqual(Array.from(cpu.state.ref));
      const sums = absSums(cpu.state, data, cellIds, nFrames, (i) => gain[i] === 0 && mask[i] === 0);
      compare(mode, cpu, gpu, sums);
    } finally {
      gpuBackend.dispose();
    }
  });

  it('splits calls at maxElementsPerCall (frames, cell groups and pixel tiles) without changing the result', () => {
    const nCells = 2, nPixels = 1000, nFrames = 40;
    const { data, cellIds } = darkBlock(nCells, nPixels, nFrames, 34);
    const gain = new Uint8Array(data.length).map((_, i) => (i % 7 === 0 ? 1 : 0));
    const small = createGpuBackend({ mode, maxElementsPerCall: 2500 });
    try {
      for (const opts of [{}, { gain, acceptGain: 0 }] as DarkAccumulateOptions[]) {
        const blocks: Array<[BlockData, Uint16Array, number, DarkAccumulateOptions]> = [[data, cellIds, nFrames, opts]];
        const cpu = run(createCpuBackend(), nCells, nPixels, blocks);
        const gpu = run(small, nCells, nPixels, blocks);
        const sums = absSums(cpu.state, data, cellIds, nFrames, (i) => opts.gain === undefined || gain[i] === 0);
        compare(`${mode} split`, cpu, gpu, sums);
      }
      // a pixel range touches only its pixels
      const st = createDarkAccumulator(nCells, nPixels);
      small.accumulateDarkRange(st, data, cellIds, nFrames, nPixels, 100, 900);
      expect(st.count[99]).toBe(0);
      expect(st.count[100]).toBe(nFrames / nCells);
      expect(st.count[nPixels + 899]).toBe(nFrames / nCells);
      expect(st.count[nPixels + 900]).toBe(0);
      // a frame larger than the per-call limit is refused, not computed wrongly
      const big = createDarkAccumulator(1, 3000);
      expect(() => small.accumulateDark(big, new Uint16Array(3000), new Uint16Array(1), 1, 3000)).toThrow(DetcalError);
      expect(() => small.accumulateDark(big, new Uint16Array(3000), new Uint16Array(1), 1, 3000)).toThrow(/exceeds the 2500 elements/);
    } finally {
      small.dispose();
    }
  });
});

describe('gpu.js backend setup', () => {
  it('reports the engine gpu.js really uses and whether it is a GPU context', () => {
    const g = createGpuBackend({ mode: 'gpu' });
    try {
      expect(g.name).toBe('gpu');
      expect(g.requestedMode).toBe('gpu');
      expect(typeof g.engine).toBe('string');
      expect(g.onGpu).toBe(['headlessgl', 'webgl', 'webgl2', 'webgpu'].includes(g.engine));
      expect(g.maxElementsPerCall).toBe(GPUJS_MAX_ELEMENTS);
    } finally {
      g.dispose();
    }
    expect(() => createGpuBackend({ mode: 'cpu', maxElementsPerCall: 2 ** 25 })).toThrow(/maxElementsPerCall/);
  });

  it('outputs of a Jungfrau frame (524288 pixels) fit a 16384-texel GL texture; an output that would not is refused', () => {
    // a GL context refuses textures wider than its maxTextureSize (16384 on Mesa and many GPUs): the
    // backend checks every output against the given limit, also in gpu.js 'cpu' mode
    const nPixels = 512 * 1024, nFrames = 3;
    const { data, cellIds } = darkBlock(1, nPixels, nFrames, 5);
    const g = createGpuBackend({ mode: 'cpu', maxTextureSize: 16384 });
    const cpu = createCpuBackend();
    try {
      expect(g.maxTextureSize).toBe(16384);
      const a = createDarkAccumulator(1, nPixels), b = createDarkAccumulator(1, nPixels);
      cpu.accumulateDark(a, data, cellIds, nFrames, nPixels);
      g.accumulateDark(b, data, cellIds, nFrames, nPixels);
      expect(Array.from(b.count)).toEqual(Array.from(a.count));
      const outA = { meanAdu: new Float32Array(nPixels), stdAdu: new Float32Array(nPixels) };
      const outB = { meanAdu: new Float32Array(nPixels), stdAdu: new Float32Array(nPixels) };
      cpu.finalizeDark(a, outA);
      g.finalizeDark(b, outB);
      const rm = checkTolerance(outB.meanAdu, outA.meanAdu, 1e-3);
      expect(rm.ok, formatToleranceReport(rm, 'meanAdu')).toBe(true);
    } finally {
      g.dispose();
    }
    // 20000 output values need a texture of about 141 x 141: over a limit of 100
    const small = createGpuBackend({ mode: 'cpu', maxTextureSize: 100 });
    try {
      const { data: d2, cellIds: c2 } = darkBlock(1, 10000, 2, 6);
      expect(() => small.accumulateDark(createDarkAccumulator(1, 10000), d2, c2, 2, 10000)).toThrow(/an output of \[10000, 1, 2\] needs a 1[0-9]{2} x 1[0-9]{2} texture, over the 100 this context takes; use --backend cpu/);
    } finally {
      small.dispose();
    }
    expect(createGpuBackend({ mode: 'cpu' }).maxTextureSize).toBe(Infinity);
  });

  it('finalizeDark gives NaN where the cpu backend does (no values, ddof 1 with one value, minCount)', () => {
    const g = createGpuBackend({ mode: 'cpu' });
    try {
      const state = createDarkAccumulator(2, 3);
      g.accumulateDark(state, new Uint16Array([10, 20, 30]), new Uint16Array([0]), 1, 3, { mask: new Uint8Array([0, 0, 1]) });
      g.accumulateDark(state, new Uint16Array([12, 20, 30]), new Uint16Array([0]), 1, 3, { mask: new Uint8Array([0, 0, 1]) });
      for (const opts of [{}, { ddof: 1 as const }, { minCount: 2 }, { minCount: 3 }]) {
        const a = { meanAdu: new Float64Array(6), stdAdu: new Float64Array(6), count: new Uint32Array(6) };
        const b = { meanAdu: new Float64Array(6), stdAdu: new Float64Array(6), count: new Uint32Array(6) };
        createCpuBackend().finalizeDark(state, a, opts);
        g.finalizeDark(state, b, opts);
        expect(Array.from(b.meanAdu)).toEqual(Array.from(a.meanAdu));
        expect(Array.from(b.count)).toEqual(Array.from(a.count));
        const rs = checkTolerance(b.stdAdu, a.stdAdu, 1e-6);
        expect(rs.ok, formatToleranceReport(rs, `stdAdu ${JSON.stringify(opts)}`)).toBe(true);
      }
    } finally {
      g.dispose();
    }
  });
});

// Opt-in: the kernels on a real GL context. Needs the `gl` package built from source (it is not built by
// setup: apt install libxi-dev libglew-dev pkg-config xvfb, then node-gyp rebuild in its folder) and a display:
//   DETCAL_TEST_GL=1 xvfb-run -a pnpm --filter @detcal/kernels exec vitest run src/gpu-backend.test.ts
describe.runIf(process.env.DETCAL_TEST_GL === '1')('gpu.js backend on a GL context (DETCAL_TEST_GL=1)', () => {
  it('runs headlessgl with the context\'s texture limit and gives the cpu backend\'s statistics for a Jungfrau-size frame', () => {
    const nPixels = 512 * 1024, nFrames = 20;
    const { data, cellIds } = darkBlock(1, nPixels, nFrames, 8);
    const g = createGpuBackend({ mode: 'headlessgl' });
    try {
      expect(g.engine).toBe('headlessgl');
      expect(g.onGpu).toBe(true);
      expect(g.maxTextureSize).toBeLessThan(nPixels); // a [pixels, rows] texture would not fit
      const a = createDarkAccumulator(1, nPixels), b = createDarkAccumulator(1, nPixels);
      createCpuBackend().accumulateDark(a, data, cellIds, nFrames, nPixels);
      g.accumulateDark(b, data, cellIds, nFrames, nPixels);
      const outA = { meanAdu: new Float32Array(nPixels), stdAdu: new Float32Array(nPixels) };
      const outB = { meanAdu: new Float32Array(nPixels), stdAdu: new Float32Array(nPixels) };
      createCpuBackend().finalizeDark(a, outA);
      g.finalizeDark(b, outB);
      // float32 GL arithmetic: the tolerances of the mode tests above (mean: an ulp of ~5000 ADU; std: 1e-5 relative)
      const rm = checkTolerance(outB.meanAdu, outA.meanAdu, 1e-3);
      const rs = checkTolerance(outB.stdAdu, outA.stdAdu, (_k, e) => 1e-5 * e + 1e-6);
      expect(rm.ok, formatToleranceReport(rm, 'meanAdu')).toBe(true);
      expect(rs.ok, formatToleranceReport(rs, 'stdAdu')).toBe(true);
    } finally {
      g.dispose();
    }
  });
});
