/**
 * Worker threads started ahead of need: a worker takes ~0.1 s of CPU to load its modules, and a pass
 * only knows what to bind it to once its input is open (the runs: h5wasm start-up and metadata on one
 * core; or the pass before it). Started earlier, the workers load on an idle core meanwhile; the pools
 * take them before starting new ones. Spares are unref'ed, so a command that never takes them still
 * exits.
 */
import { Worker } from 'node:worker_threads';
import { builtExecArgv, builtWorkerUrl } from './built-worker.js';

/** Spare workers per script URL; a spare that reported an error is not handed out. */
const spares = new Map<string, Worker[]>();
const failed = new WeakSet<Worker>();

/** The compiled dark worker script (dist/dark-worker.js, also when this module runs from src under a test runner). */
export function darkWorkerUrl(): URL {
  return builtWorkerUrl('dark-worker.js', 'dark');
}

/**
 * Starts workers of a script now so that up to `count` are ready when a pool asks for one.
 * @param url - the worker script
 * @param count - spare workers wanted in all (those already spare count)
 */
export function prestartWorkers(url: URL, count: number): void {
  const list = spares.get(url.href) ?? [];
  spares.set(url.href, list);
  while (list.length < count) {
    const w = new Worker(url, { execArgv: builtExecArgv() });
    w.on('error', () => failed.add(w));
    w.unref();
    list.push(w);
  }
}

/**
 * A started worker of a script: a healthy spare when there is one, else a new one. The caller owns it
 * (listeners, termination); it keeps the process alive again.
 * @param url - the worker script
 * @returns the worker
 */
export function takeWorker(url: URL): Worker {
  const list = spares.get(url.href) ?? [];
  for (let w = list.shift(); w; w = list.shift()) {
    if (failed.has(w)) {
      void w.terminate();
      continue;
    }
    w.removeAllListeners('error');
    w.ref();
    return w;
  }
  return new Worker(url, { execArgv: builtExecArgv() });
}

/**
 * Hands a worker back as a spare of its script once its pool is done with it, so that the next pool of the
 * same script (the next pass over the run) takes it instead of starting one: its modules are loaded and its
 * kernels compiled. The worker must be idle and ready for a new job (the pool's last reply received); the
 * pool's listeners are removed. Beyond `keep` spares of the script it is terminated instead.
 * @param url - the worker script
 * @param w - the worker
 * @param keep - spares of the script to keep at most
 */
export function returnWorker(url: URL, w: Worker, keep: number): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  const list = spares.get(url.href) ?? [];
  spares.set(url.href, list);
  if (list.length >= keep) {
    void w.terminate();
    return;
  }
  w.on('error', () => failed.add(w));
  w.unref();
  list.push(w);
}

/**
 * Spare workers of a script now (tests; a command that wants to stop them calls dropSpareWorkers).
 * @param url - the worker script
 * @returns how many are spare
 */
export function spareWorkerCount(url: URL): number {
  return spares.get(url.href)?.length ?? 0;
}

/**
 * Terminates the spare workers of a script.
 * @param url - the worker script
 */
export async function dropSpareWorkers(url: URL): Promise<void> {
  const list = spares.get(url.href) ?? [];
  spares.delete(url.href);
  await Promise.all(list.map((w) => w.terminate()));
}

/**
 * Starts dark accumulation workers now (detcal dark does while it opens the runs).
 * @param count - workers wanted
 */
export function prestartDarkWorkers(count: number): void {
  prestartWorkers(darkWorkerUrl(), count);
}
