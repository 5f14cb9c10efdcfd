/**
 * Worker thread of `detcal correct --threads N`: corrects whole sequence files (read, correct,
 * compress, write), so N files are read, corrected and gzip-compressed in parallel.
 * Messages in: { plugins, detector, job }; out: { type: 'block', frames, bytes } | { type: 'done', result } | { type: 'error', code, message }.
 */
import { parentPort } from 'node:worker_threads';
import { DetcalError } from '@detcal/core';
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
}

parentPort?.on('message', (task: CorrectWorkerTask) => {
  void (async () => {
    try {
      const registry = await createRegistry(task.plugins);
      const plugin = registry.get(task.detector);
      const result = await correctSequence(plugin, task.job, (frames, bytes) => parentPort?.postMessage({ type: 'block', frames, bytes }));
      parentPort?.postMessage({ type: 'done', result });
    } catch (err) {
      const e = err as Error;
      parentPort?.postMessage({ type: 'error', code: err instanceof DetcalError ? err.code : 'INTERNAL', message: e.message });
    }
  })();
});
