/**
 * Runs the gain-scan fit of one cell at a time over N worker threads (disjoint pixel ranges), or in
 * process with one thread. The caller fills a cell buffer (from sharedScanBuffer) while the previous
 * cell is fitted: fitCell returns a promise, and a buffer may be refilled once its promise resolved.
 * A cell's placement may name other output arrays (on SharedArrayBuffers) than the constructor's, so
 * that a caller can fit one group of cells while it writes out the previous group's arrays.
 */
import { Worker } from 'node:worker_threads';
import { builtWorkerUrl } from './built-worker.js';
import { GainScanWorkspace, fitGainScanPixels, type GainScanFitCounts, type GainScanFitSettings, type GainScanInput, type GainScanOutputs } from './gain-scan-fit.js';
import type { GainScanPlacement, GainScanWorkerCell, GainScanWorkerInit } from './gain-scan-worker.js';

export type { GainScanPlacement } from './gain-scan-worker.js';

/** The compiled worker script (dist/gain-scan-worker.js, also when this module runs from src under a test runner). */
export function gainScanWorkerUrl(): URL {
  return builtWorkerUrl('gain-scan-worker.js', 'gain-scan');
}

/** A Uint16Array of `length` values on a SharedArrayBuffer (workers read it without a copy). */
export function sharedScanBuffer(length: number): Uint16Array {
  return new Uint16Array(new SharedArrayBuffer(length * 2));
}

/** A Float32Array of `length` values on a SharedArrayBuffer, filled with NaN (cells never fitted stay NaN). */
export function sharedFloat32(length: number): Float32Array {
  const a = new Float32Array(new SharedArrayBuffer(length * 4));
  a.fill(NaN);
  return a;
}

/** Fits cells over worker threads into shared output arrays. */
export class GainScanPool {
  private readonly workers: Worker[] = [];
  private readonly ws?: GainScanWorkspace;
  private nextId = 0;
  private failure: Error | undefined;

  /**
   * @param threads - worker threads (1 = in process)
   * @param nPixels - pixels per cell
   * @param maxSteps - longest series (scan steps) a cell may have
   * @param settings - fit settings
   * @param outputs - output arrays; on SharedArrayBuffers when threads > 1
   */
  constructor(threads: number, private readonly nPixels: number, maxSteps: number, private readonly settings: GainScanFitSettings, private readonly outputs: GainScanOutputs) {
    if (threads <= 1) {
      this.ws = new GainScanWorkspace(maxSteps, settings.stages);
      return;
    }
    const url = gainScanWorkerUrl();
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url);
      w.on('error', (err) => (this.failure = err));
      const init: GainScanWorkerInit = { type: 'init', settings, outputs, p0: Math.floor((t * nPixels) / threads), p1: Math.floor(((t + 1) * nPixels) / threads), maxSteps };
      w.postMessage(init);
      this.workers.push(w);
    }
  }

  /** Fits one cell (input.data on a SharedArrayBuffer when threaded) into the placement's arrays (default: the constructor's); resolves with the summed counts. */
  async fitCell(input: GainScanInput, placement: GainScanPlacement): Promise<GainScanFitCounts> {
    if (this.failure) throw this.failure;
    if (this.ws) return fitGainScanPixels(input, 0, this.nPixels, this.settings, { ...this.outputs, ...placement }, this.ws);
    const id = this.nextId++;
    const msg: GainScanWorkerCell = { type: 'cell', id, input, placement };
    const parts = await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<GainScanFitCounts>((resolve, reject) => {
            const onMessage = (m: { id: number; counts: GainScanFitCounts }): void => {
              w.off('error', onError);
              resolve(m.counts);
            };
            const onError = (err: Error): void => {
              w.off('message', onMessage);
              reject(err);
            };
            w.once('message', onMessage);
            w.once('error', onError);
            w.postMessage(msg);
          }),
      ),
    );
    return parts.reduce((a, b) => ({ noSwitching: a.noSwitching + b.noSwitching, stageFitsMissing: a.stageFitsMissing + b.stageFitsMissing, spikes: a.spikes + b.spikes }));
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
