/**
 * Photon-spacing analysis over worker threads: the main thread reads blocks (h5wasm is single
 * threaded) and copies the selected frames into one of two shared slots; each worker adds its pixel
 * range to its own ring and histograms, so reading and histogramming overlap. threads = 1 runs the
 * same PhotonSpacingRange in-process. The workers run the built dist/photon-spacing-worker.js.
 */
import { Worker } from 'node:worker_threads';
import { builtExecArgv, builtWorkerUrl } from './built-worker.js';
import { PhotonSpacingRange, createPhotonSpacingOutput, type PhotonSpacingOutput, type PhotonSpacingSettings } from './photon-spacing.js';
import type { PhotonSpacingWorkerMessage } from './photon-spacing-worker.js';

/** Feeds frames to a photon-spacing analysis and returns the per-pixel results. */
export interface PhotonSpacingAnalyzer {
  /** Adds the listed frames (indices into the block) of a block of frames with nPixels values each. */
  add(data: Uint16Array | Float32Array, frames: ArrayLike<number>): Promise<void>;
  /** Ends the stream: histograms the last frames, finds the peaks, returns the results. */
  finish(): Promise<PhotonSpacingOutput>;
  /** Stops the workers (also after a failure). */
  close(): Promise<void>;
}

/** The compiled worker script (dist/photon-spacing-worker.js, also when this module runs from src under a test runner). */
export function photonSpacingWorkerUrl(): URL {
  return builtWorkerUrl('photon-spacing-worker.js', 'photon-spacing');
}

/**
 * Starts an analysis of frames with nPixels pixels.
 * @param nPixels - pixels per frame
 * @param settings - histogram and peak settings
 * @param threads - worker threads (1 = in-process); pixel ranges are split evenly
 * @returns the analyzer
 */
export function createPhotonSpacingAnalyzer(nPixels: number, settings: PhotonSpacingSettings, threads: number): PhotonSpacingAnalyzer {
  return threads <= 1 ? inProcess(nPixels, settings) : new PhotonSpacingPool(nPixels, settings, threads);
}

function inProcess(nPixels: number, settings: PhotonSpacingSettings): PhotonSpacingAnalyzer {
  const range = new PhotonSpacingRange(0, nPixels, settings);
  return {
    async add(data, frames) {
      for (let i = 0; i < frames.length; i++) range.push(data, frames[i] * nPixels);
    },
    async finish() {
      const out = createPhotonSpacingOutput(nPixels);
      range.finish(out);
      return out;
    },
    async close() {},
  };
}

/** Worker threads over pixel ranges, two shared block slots. */
class PhotonSpacingPool implements PhotonSpacingAnalyzer {
  private readonly workers: Worker[] = [];
  private readonly slots: Array<SharedArrayBuffer | undefined> = [undefined, undefined];
  private readonly out: PhotonSpacingOutput;
  private pending: Promise<void> = Promise.resolve();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(private readonly nPixels: number, settings: PhotonSpacingSettings, threads: number) {
    const url = photonSpacingWorkerUrl();
    this.out = createPhotonSpacingOutput(nPixels, true);
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url, { execArgv: builtExecArgv() });
      w.on('error', (err) => (this.failure = err));
      const init: PhotonSpacingWorkerMessage = { type: 'init', p0: Math.floor((t * nPixels) / threads), p1: Math.floor(((t + 1) * nPixels) / threads), nPixels, settings, out: this.out };
      w.postMessage(init);
      this.workers.push(w);
    }
  }

  async add(data: Uint16Array | Float32Array, frames: ArrayLike<number>): Promise<void> {
    if (frames.length === 0) return;
    await this.pending;
    if (this.failure) throw this.failure;
    const n = this.nPixels, len = frames.length * n;
    const bytes = len * data.BYTES_PER_ELEMENT;
    let buf = this.slots[this.nextId % 2];
    if (!buf || buf.byteLength < bytes) {
      buf = new SharedArrayBuffer(bytes);
      this.slots[this.nextId % 2] = buf;
    }
    const view = data instanceof Uint16Array ? new Uint16Array(buf, 0, len) : new Float32Array(buf, 0, len);
    for (let i = 0; i < frames.length; i++) view.set(data.subarray(frames[i] * n, (frames[i] + 1) * n), i * n);
    this.pending = this.broadcast({ type: 'block', id: this.nextId++, data: view, nFrames: frames.length });
  }

  async finish(): Promise<PhotonSpacingOutput> {
    await this.pending;
    if (this.failure) throw this.failure;
    await this.broadcast({ type: 'finish', id: this.nextId++ });
    return this.out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private broadcast(msg: PhotonSpacingWorkerMessage): Promise<void> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (): void => { w.off('error', onError); resolve(); };
            const onError = (err: Error): void => { w.off('message', onMessage); reject(err); };
            w.once('message', onMessage);
            w.once('error', onError);
            w.postMessage(msg);
          }),
      ),
    ).then(() => undefined);
  }
}
