/**
 * Worker thread of `detcal correct --threads N`: corrects whole sequence files (read, correct,
 * compress, write), so N files are read, corrected and gzip-compressed in parallel.
 * Messages in: { plugins, detector, job }; out: { type: 'block', frames, bytes } | { type: 'done', result } | { type: 'error', code, message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DetcalError } from '@detcal/core';
import { loadHdf5 } from '@detcal/hdf5';
import { createRegistry } from './plugin-loader.js';
import { correctSequence, type SequenceJob } from './correct-sequence.js';

/** A job for the worker. */
export interface CorrectWorkerTask {
  /** Extra plugins (--plugin) to load. */
  plugins: string[];
  /** Detector id. */
  detector: string;
  /** The file to correct. */
  job: SequenceJob;
  /** Same key, same constants: the worker keeps the first record it got, so that prepared tables cached per record are reused. */
  constantsKey?: string;
}

/** The constants record of the current run. */
let kept: { key: string; constants: SequenceJob['constants'] } | undefined;

// Boot (plugins, HDF5 runtime) starts as soon as the worker exists, while the main thread still
// resolves the constants; the first task waits for it.
const boot = Promise.all([createRegistry((workerData as { plugins?: string[] } | undefined)?.plugins ?? []), loadHdf5()]);
boot.catch(() => undefined);

parentPort?.on('message', (task: CorrectWorkerTask) => {
  void (async () => {
    try {
      const [registry] = await boot;
      const plugin = registry.get(task.detector);
      if (task.constantsKey !== undefined) {
        if (kept?.key === task.constantsKey) task.job.constants = kept.constants;
        else kept = { key: task.constantsKey, constants: task.job.constants };
      }
      const result = await correctSequence(plugin, task.job, (frames, bytes) => parentPort?.postMessage({ type: 'block', frames, bytes }));
      parentPort?.postMessage({ type: 'done', result });
    } catch (err) {
      const e = err as Error;
      parentPort?.postMessage({ type: 'error', code: err instanceof DetcalError ? err.code : 'INTERNAL', message: e.message });
    }
  })();
});
