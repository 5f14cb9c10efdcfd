/**
 * The gain-stage correction kernel (kernel 1 of correct-gain-stages.ts) in gpu.js. Thread
 * (x = pixel, z = 2 * frame + component) returns the offset-corrected value (component 0) or the
 * stage (component 1); the host gathers the bad-pixel flags of the chosen stage (uint32 flags do
 * not survive float32). Frames are grouped by memory cell and constants uploaded per group of
 * cells, so that no argument or output exceeds the gpu.js element limit (2^24, float32 indices).
 */
import type { IKernelRunShortcut } from 'gpu.js';
import { DetcalError } from '@detcal/core';
import { checkGainStageBlock, type GainStageConstants, type GainStageOutput } from './correct-gain-stages.js';
import { rows } from './gpu-output-rows.js';

// Source as text: gpu.js parses it, and text is immune to what a transpiler adds to toString().
const CORRECT_GAIN_STAGES = `function (analog, digital, frameCell, off, thr, nPix, plane, hgHard, mgHard, useHg, useMg) {
  const p = this.thread.x;
  const f = Math.floor(this.thread.z / 2);
  const comp = this.thread.z - f * 2;
  const k = frameCell[f] * nPix + p;
  const a = analog[f * nPix + p];
  const d = digital[f * nPix + p];
  let s = 0;
  if (d > thr[k]) {
    s = 1;
    if (d > thr[plane + k]) s = 2;
  }
  if (useMg > 0) {
    if (s > 1.5) {
      if (a - off[plane + k] < mgHard) s = 1;
    }
  }
  if (useHg > 0) {
    if (s > 0.5) {
      if (a - off[k] < hgHard) s = 0;
    }
  }
  if (comp < 1) return a - off[s * plane + k];
  return s;
}`;

/** Constants of a group of cells, re-packed [stage][cell in group][pixel] for upload. */
interface CellGroupConstants {
  c0: number;
  c1: number;
  off: Float32Array;
  thr: Float32Array;
}

const packed = new WeakMap<GainStageConstants, CellGroupConstants[]>();

function groupsOf(c: GainStageConstants, cellsPerGroup: number): CellGroupConstants[] {
  let groups = packed.get(c);
  if (groups) return groups;
  groups = [];
  const np = c.nPixels, plane = c.nCells * np;
  for (let c0 = 0; c0 < c.nCells; c0 += cellsPerGroup) {
    const c1 = Math.min(c.nCells, c0 + cellsPerGroup);
    const w = (c1 - c0) * np;
    const off = new Float32Array(3 * w), thr = new Float32Array(2 * w);
    for (let s = 0; s < 3; s++) off.set(c.offsetAdu.subarray(s * plane + c0 * np, s * plane + c1 * np), s * w);
    for (let s = 0; s < 2; s++) thr.set(c.thresholdsAdu.subarray(s * plane + c0 * np, s * plane + c1 * np), s * w);
    groups.push({ c0, c1, off, thr });
  }
  packed.set(c, groups);
  return groups;
}

/**
 * Kernel 1 on gpu.js: same contract and results as correctGainStagesCpu (float32 arithmetic: the
 * offset subtraction of integers below 2^24 is exact, so values agree to float32 rounding).
 * @param kernelOf - returns the compiled kernel for a source (the backend caches it)
 * @param setOutput - sets a kernel's output (the backend checks its texture size)
 * @param limit - most elements per argument / output per call
 */
export function correctGainStagesGpu(
  kernelOf: (key: string, source: string) => IKernelRunShortcut,
  setOutput: (kernel: IKernelRunShortcut, dims: [number, number, number]) => void,
  limit: number,
  analog: Uint16Array | Float32Array,
  digital: Uint16Array | Float32Array,
  cellIds: Uint16Array,
  nFrames: number,
  c: GainStageConstants,
  out: GainStageOutput,
): void {
  checkGainStageBlock(analog, digital, cellIds, nFrames, c, out);
  const np = c.nPixels;
  if (3 * np > limit) throw new DetcalError('BAD_INPUT', `gpu backend: a frame of ${np} pixels exceeds what gpu.js addresses exactly per array; use the cpu backend`);
  const kernel = kernelOf('correct-gain-stages', CORRECT_GAIN_STAGES);
  const cellsPerGroup = Math.max(1, Math.floor(limit / (3 * np)));
  const framesPerCall = Math.max(1, Math.floor(limit / (2 * np)));
  const plane = c.nCells * np;
  const useHg = Number.isFinite(c.hgHardThresholdAdu) ? 1 : 0;
  const useMg = Number.isFinite(c.mgHardThresholdAdu) ? 1 : 0;
  for (const g of groupsOf(c, cellsPerGroup)) {
    const frames: number[] = [];
    for (let f = 0; f < nFrames; f++) if (cellIds[f] >= g.c0 && cellIds[f] < g.c1) frames.push(f);
    for (let i0 = 0; i0 < frames.length; i0 += framesPerCall) {
      const sel = frames.slice(i0, i0 + framesPerCall);
      const a = new Float32Array(sel.length * np), d = new Float32Array(sel.length * np), fc = new Float32Array(sel.length);
      sel.forEach((f, j) => {
        a.set(analog.subarray(f * np, (f + 1) * np), j * np);
        d.set(digital.subarray(f * np, (f + 1) * np), j * np);
        fc[j] = cellIds[f] - g.c0;
      });
      // [pixels, 1, rows]: a square texture on GL contexts (gpu-backend.ts)
      setOutput(kernel, [np, 1, 2 * sel.length]);
      const res = rows(kernel(a, d, fc, g.off, g.thr, np, (g.c1 - g.c0) * np, useHg ? c.hgHardThresholdAdu : 0, useMg ? c.mgHardThresholdAdu : 0, useHg, useMg));
      sel.forEach((f, j) => {
        const value = res[2 * j], stage = res[2 * j + 1];
        const o = f * np, base = cellIds[f] * np;
        for (let p = 0; p < np; p++) {
          const s = stage[p];
          out.data[o + p] = value[p];
          out.gain[o + p] = s;
          out.mask[o + p] = c.badPixels[s * plane + base + p];
        }
      });
    }
  }
}
