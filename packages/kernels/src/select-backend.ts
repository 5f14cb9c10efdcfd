/**
 * Chooses the compute backend. 'cpu' is the default everywhere; the gpu.js backend has to prove
 * itself by measurement: 'auto' times accumulateDark of both backends on a small representative
 * block and takes the gpu only when it is faster by a margin, reporting the ns per pixel-frame of
 * each so the CLI can print why. 'gpu' always returns the gpu.js backend and says which mode
 * gpu.js fell back to when there is no GL context.
 */
import { timeAccumulate, syntheticDarkBlock, type BenchBlockSpec } from './bench.js';
import type { ComputeBackend } from './compute-backend.js';
import { createCpuBackend } from './cpu-backend.js';
import { createGpuBackend, type GpuBackend, type GpuJsMode } from './gpu-backend.js';

/** What the user asked for (`--backend`). */
export type BackendPreference = 'auto' | 'cpu' | 'gpu';

/** The block 'auto' times and how. */
export interface BackendProbe extends Partial<BenchBlockSpec> {
  /** Minimum timed duration per backend, milliseconds (default 60). */
  minTimeMs?: number;
  /** gpu.js mode to request (default 'gpu'). */
  gpuMode?: GpuJsMode;
  /** The gpu must be this many times faster than the cpu to be chosen (default 1.1, absorbs timing noise). */
  gpuMargin?: number;
}

/** The chosen backend and why. */
export interface BackendSelection {
  /** The backend to use; dispose() it when done. */
  backend: ComputeBackend;
  /** Which family was chosen. */
  choice: 'cpu' | 'gpu';
  /** Measured accumulateDark cost, ns per pixel-frame, of each backend timed ('auto' only). */
  nsPerPixelFrame: { cpu?: number; gpu?: number };
  /** The engine gpu.js ran on ('webasm', 'headlessgl', ...) when the gpu backend was created. */
  gpuEngine?: string;
  /** Whether gpu.js found a GL / WebGPU context. */
  gpuOnGpu?: boolean;
  /** One line for the CLI, e.g. "auto: cpu 3.1 ns/pixel-frame, gpu (webasm) 3.6 ns/pixel-frame -> cpu". */
  reason: string;
}

function gpuNote(gpu: GpuBackend): string {
  return gpu.onGpu ? `gpu.js on ${gpu.engine}` : `gpu.js has no GL context here and fell back to its '${gpu.engine}' mode (runs on the CPU)`;
}

/**
 * Picks the backend for a preference.
 * @param preference - 'cpu', 'gpu' or 'auto' (time both, take the faster)
 * @param probe - block shape and timing of the 'auto' measurement (default 64 frames x 16384 pixels, 1 cell, 60 ms each)
 * @returns the backend, the measured costs and a one-line reason
 */
export function selectBackend(preference: BackendPreference, probe: BackendProbe = {}): BackendSelection {
  if (preference === 'cpu') {
    return { backend: createCpuBackend(), choice: 'cpu', nsPerPixelFrame: {}, reason: 'cpu backend requested' };
  }
  if (preference === 'gpu') {
    const gpu = createGpuBackend({ mode: probe.gpuMode ?? 'gpu' });
    return {
      backend: gpu,
      choice: 'gpu',
      nsPerPixelFrame: {},
      gpuEngine: gpu.engine,
      gpuOnGpu: gpu.onGpu,
      reason: `gpu backend requested: ${gpuNote(gpu)}`,
    };
  }
  const spec: BenchBlockSpec = { frames: probe.frames ?? 64, pixels: probe.pixels ?? 16384, cells: probe.cells ?? 1 };
  const minTimeMs = probe.minTimeMs ?? 60;
  const margin = probe.gpuMargin ?? 1.1;
  const block = syntheticDarkBlock(spec);
  const cpu = createCpuBackend();
  const cpuNs = timeAccumulate(cpu, block, spec, minTimeMs).nsPerPixelFrame;
  let gpu: GpuBackend | undefined;
  let gpuNs: number;
  try {
    gpu = createGpuBackend({ mode: probe.gpuMode ?? 'gpu' });
    gpuNs = timeAccumulate(gpu, block, spec, minTimeMs).nsPerPixelFrame;
  } catch (err) {
    gpu?.dispose();
    return {
      backend: cpu,
      choice: 'cpu',
      nsPerPixelFrame: { cpu: cpuNs },
      gpuEngine: gpu?.engine,
      gpuOnGpu: gpu?.onGpu,
      reason: `auto: cpu ${cpuNs.toFixed(2)} ns/pixel-frame; gpu.js failed (${(err as Error).message}) -> cpu`,
    };
  }
  const useGpu = cpuNs > gpuNs * margin;
  const reason =
    `auto: cpu ${cpuNs.toFixed(2)} ns/pixel-frame, gpu (${gpu.engine}) ${gpuNs.toFixed(2)} ns/pixel-frame ` +
    `on ${spec.frames} frames x ${spec.pixels} pixels x ${spec.cells} cells -> ${useGpu ? 'gpu' : 'cpu'}` +
    (gpu.onGpu ? '' : ` (${gpuNote(gpu)})`);
  if (!useGpu) gpu.dispose();
  return {
    backend: useGpu ? gpu : cpu,
    choice: useGpu ? 'gpu' : 'cpu',
    nsPerPixelFrame: { cpu: cpuNs, gpu: gpuNs },
    gpuEngine: gpu.engine,
    gpuOnGpu: gpu.onGpu,
    reason,
  };
}
