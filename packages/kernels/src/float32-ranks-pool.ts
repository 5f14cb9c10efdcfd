/**
 * float32Ranks on worker threads, for summaries of large constant sets (a 352-cell AGIPD module has
 * 23 M values per gain stage and constant): the caller reads the next slab while the workers rank
 * the previous ones. Arrays on shared memory are posted as they are, others are transferred (the
 * caller gives them up).
 */
import type { Worker } from 'node:worker_threads';
import { builtWorkerUrl } from './built-worker.js';
import type { Float32RankResult } from './float32-rank-select.js';
import type { Float32RanksReply, Float32RanksRequest } from './float32-ranks-worker.js';
import { takeWorker } from './worker-spares.js';

/** Worker threads ranking float32 arrays; results come back in any order, each to its own promise. */
export class Float32RanksPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly waiting = new Map<number, { resolve(r: Float32RankResult): void; reject(e: Error): void; worker: number }>();
  private nextId = 0;

  /** @param threads - worker threads to start */
  constructor(threads: number) {
    const url = builtWorkerUrl('float32-ranks-worker.js', 'float32 ranks');
    for (let t = 0; t < threads; t++) {
      const w = takeWorker(url);
      w.on('message', (m: Float32RanksReply) => this.settle(m));
      w.on('error', (err) => this.failAll(err));
      this.workers.push(w);
      this.busy.push(0);
    }
  }

  /** Jobs posted and not yet answered. */
  get pending(): number {
    return this.waiting.size;
  }

  /**
   * Ranks `data` on the least busy worker (see float32Ranks, with summaryRanks(n, fractions)).
   * @param data - values; a whole plain buffer is transferred (unusable afterwards), a part of one copied, shared memory posted as it is
   * @param fractions - fractions whose ranks are wanted besides the two middle ranks
   * @returns the count, sums and values at [lower middle, upper middle, ...fractions]
   */
  ranks(data: Float32Array, fractions: readonly number[]): Promise<Float32RankResult> {
    const worker = this.busy.indexOf(Math.min(...this.busy));
    const id = this.nextId++;
    const done = new Promise<Float32RankResult>((resolve, reject) => this.waiting.set(id, { resolve, reject, worker }));
    this.busy[worker]++;
    const shared = data.buffer instanceof SharedArrayBuffer;
    // a view on part of a plain buffer is copied: transferring would take the rest of the buffer too
    const whole = shared || (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) ? data : data.slice();
    const msg: Float32RanksRequest = { id, data: whole, fractions: [...fractions] };
    this.workers[worker].postMessage(msg, shared ? [] : [whole.buffer as ArrayBuffer]);
    return done;
  }

  private settle(m: Float32RanksReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    this.busy[w.worker]--;
    if (m.result) w.resolve(m.result);
    else w.reject(new Error(m.error ?? 'float32 ranks worker: no result'));
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  /** Stops the workers (jobs still waiting are rejected). */
  async close(): Promise<void> {
    this.failAll(new Error('float32 ranks pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
