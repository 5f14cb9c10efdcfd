/**
 * Dark workers started ahead of need: a worker thread takes ~0.1 s of CPU to load its modules, and the
 * first dark pass only knows its accumulator after the runs are opened (h5wasm start-up and metadata,
 * ~0.1 s on one core). Started first, the workers load on the idle core meanwhile; DarkWorkerPool takes
 * them before starting new ones. Spares are unref'ed, so a command that never takes them still exits.
 */
import { Worker } from 'node:worker_threads';
import { builtExecArgv, builtWorkerUrl } from './built-worker.js';

/** Spare workers, and the error each one reported before it was taken (a failed spare is not handed out). */
const spares: Worker[] = [];
const failed = new WeakSet<Worker>();

/** The compiled worker script (dist/dark-worker.js, also when this module runs from src under a test runner). */
export function darkWorkerUrl(): URL {
  return builtWorkerUrl('dark-worker.js', 'dark');
}

/**
 * Starts dark workers now so that up to `count` are ready when a DarkWorkerPool is created.
 * @param count - workers wanted in all (those already spare count)
 */
export function prestartDarkWorkers(count: number): void {
  const url = darkWorkerUrl();
  while (spares.length < count) {
    const w = new Worker(url, { execArgv: builtExecArgv() });
    w.on('error', () => failed.add(w));
    w.unref();
    spares.push(w);
  }
}

/**
 * A started dark worker: a spare one when there is a healthy one, else a new one. The caller owns it
 * (listeners, termination); it keeps the process alive again.
 * @returns the worker
 */
export function takeDarkWorker(): Worker {
  for (let w = spares.shift(); w; w = spares.shift()) {
    if (failed.has(w)) {
      void w.terminate();
      continue;
    }
    w.removeAllListeners('error');
    w.ref();
    return w;
  }
  return new Worker(darkWorkerUrl(), { execArgv: builtExecArgv() });
}
