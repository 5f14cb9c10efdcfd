/**
 * `detcal correct`: finds the run's sequence files, resolves the constants (files and / or store),
 * checks them against the data before any file is written, then corrects every sequence file into
 * CORR-R{run}-{AGG}-S{seq}.h5: in-process, or with --threads N in this thread and N - 1 worker
 * threads, one file each at a time (read, correct, gzip and write in parallel; this thread has its
 * runtime and constants ready, so it takes files too instead of booting one more worker). When
 * anything fails, the CORR files this call wrote are removed: the output folder holds all of the run
 * or nothing new.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DETCAL_VERSION, DetcalError, type Conditions, type ConstantArray, type DetectorPlugin, type NumericArray, type ParameterValue } from '@detcal/core';
import { correctedFileName, discoverRun, openFrameSource, parseRawFileName, tmpPathFor } from '@detcal/hdf5';
import { createCpuBackend } from '@detcal/kernels';
import { cellsOf, resolveCorrectConstants, type ResolvedConstant } from './correct-constants.js';
import { correctSequence, type SequenceJob, type SequenceResult } from './correct-sequence.js';
import type { CorrectWorkerTask } from './correct-worker.js';
import type { Progress } from './progress.js';

/** What `detcal correct` was asked to do. */
export interface CorrectJob {
  /** Raw run folder or one raw sequence file. */
  input: string;
  /** Output folder for the CORR files. */
  out: string;
  /** Constants files. */
  constantsFiles: string[];
  /** Store folder. */
  store?: string;
  /** Run number for the store lookup (default: from the file names). */
  runNumber?: number;
  /** Time for the store lookup (ISO 8601). */
  at?: string;
  /** Detector id in the store. */
  detectorId?: string;
  /** Conditions the constants must match. */
  conditions: Conditions;
  /** Module index. */
  module: number;
  /** Parameter overrides. */
  parameters: Record<string, ParameterValue>;
  /** Backend of the correction kernel. */
  backend: 'cpu' | 'gpu';
  /** Sequence files corrected at once: this thread and threads - 1 workers. */
  threads: number;
  /** Replace CORR files that exist. */
  force: boolean;
  /** Extra plugins, passed on to workers. */
  plugins: string[];
}

/** What `detcal correct` did. */
export interface CorrectReport {
  detector: string;
  module: number;
  run?: number;
  constants: Record<string, string>;
  unit: string;
  files: Array<{ input: string; output: string; frames: number; bytesWritten: number; seconds: number }>;
  frames: number;
  rawBytes: number;
  bytesWritten: number;
  seconds: number;
  mbPerSecond: number;
  framesPerSecond: number;
  peakRssMb: number;
  threads: number;
  backend: string;
  summary: Record<string, number>;
}

/** The CORR file name of a raw sequence file (CORR-<rest> for files not named RAW-R*-*-S*.h5). */
function outputName(file: string, run: number | undefined, plugin: DetectorPlugin, module: number, index: number): string {
  const parsed = parseRawFileName(basename(file));
  if (parsed) return correctedFileName(parsed.run, parsed.aggregator, parsed.sequence);
  return correctedFileName(run ?? 0, plugin.layout.aggregator(module), index);
}

/** Copies a constant's values into shared memory, so worker threads read them without a copy each. */
function shared(c: ConstantArray): ConstantArray {
  const src = c.data;
  const Ctor = src.constructor as new (buf: SharedArrayBuffer) => NumericArray;
  const data = new Ctor(new SharedArrayBuffer(src.byteLength));
  (data as Float32Array).set(src as Float32Array);
  return { ...c, data };
}

/** Runs the correction of one run. */
export async function runCorrect(plugin: DetectorPlugin, job: CorrectJob, progress: Progress): Promise<CorrectReport> {
  const t0 = performance.now();
  if (!plugin.steps.correct) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no correct step`);
  if (job.constantsFiles.length === 0 && !job.store) throw new DetcalError('BAD_INPUT', 'give the constants: --constants FILE.h5 (from detcal dark) or --store DIR (or set DETCAL_STORE)');
  const found = await discoverRun(job.input, { layout: plugin.layout, module: job.module });
  const run = job.runNumber ?? found.run;
  const outDir = resolve(job.out);
  const outputs = found.files.map((f, i) => join(outDir, outputName(f, found.run, plugin, job.module, i)));
  if (!job.force) {
    const existing = outputs.find((o) => existsSync(o));
    if (existing) throw new DetcalError('BAD_INPUT', `${existing} exists: choose another --out or pass --force to replace it`);
  }

  const threads = Math.max(1, Math.min(job.threads, found.files.length));
  // Workers boot (plugins, HDF5 runtime) while the constants are resolved and checked here.
  const workers = threads > 1 ? startWorkers(threads - 1, job.plugins) : [];
  try {
    return await correctWithConstants(plugin, job, found, run, outDir, outputs, threads, workers, progress, t0);
  } finally {
    for (const w of workers) void w.terminate();
  }
}

async function correctWithConstants(
  plugin: DetectorPlugin,
  job: CorrectJob,
  found: { files: string[]; run?: number },
  run: number | undefined,
  outDir: string,
  outputs: string[],
  threads: number,
  workers: Worker[],
  progress: Progress,
  t0: number,
): Promise<CorrectReport> {
  if (!plugin.steps.correct) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no correct step`);
  const resolved = await resolveCorrectConstants(plugin, {
    files: job.constantsFiles,
    store: job.store,
    module: job.module,
    detectorId: job.detectorId,
    run,
    at: job.at,
    conditions: job.conditions,
  });
  // Check the constants against the data before writing anything: frame shape (the plugin's
  // correct step checks it) and memory cells (the run's cells must exist in the constants).
  // (metadata only: no direct-read probing, each file's own source does that)
  const first = await openFrameSource({ files: found.files, layout: plugin.layout, module: job.module, blockFrames: 1, directRead: false });
  const constants: Record<string, ConstantArray> = {};
  for (const [name, r] of Object.entries(resolved)) constants[name] = r.constant;
  for (const [name, r] of Object.entries(resolved)) {
    const cells = cellsOf(r.constant);
    if (first.cellsPerTrain !== undefined && first.cellsPerTrain > cells) {
      throw new DetcalError('BAD_INPUT', `${name} (${r.source}) covers ${cells} memory cells, the run has ${first.cellsPerTrain} per train: use constants taken with at least ${first.cellsPerTrain} cells`);
    }
  }
  // The constants record the jobs share (in shared memory for workers): the probe below prepares the
  // plugin's per-run tables on it, and this thread's files reuse them.
  const sharedConstants: Record<string, ConstantArray> = {};
  for (const [name, c] of Object.entries(constants)) sharedConstants[name] = threads > 1 ? shared(c) : c;
  const probe = createCpuBackend();
  plugin.steps.correct({ module: job.module, constants: sharedConstants, parameters: job.parameters, rows: first.rows, cols: first.cols, backend: probe });

  const attributes: Record<string, string | number> = {
    detector: plugin.id,
    module: job.module,
    toolVersion: DETCAL_VERSION,
    createdAt: new Date().toISOString(),
    constants: JSON.stringify(Object.fromEntries(Object.entries(resolved).map(([n, r]: [string, ResolvedConstant]) => [n, r.source]))),
    parameters: JSON.stringify(job.parameters),
  };
  const jobs: SequenceJob[] = found.files.map((input, i) => ({
    input,
    output: outputs[i],
    module: job.module,
    constants: sharedConstants,
    parameters: job.parameters,
    backend: job.backend,
    attributes,
  }));

  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  progress.start(`correct ${plugin.id}`, first.nFrames);
  let results: SequenceResult[];
  try {
    results = await inThreads(plugin, job.plugins, jobs, workers, progress, written);
  } catch (err) {
    for (const f of written) rmSync(f, { force: true });
    throw err;
  } finally {
    progress.stop();
  }

  const seconds = (performance.now() - t0) / 1000;
  const frames = results.reduce((a, r) => a + r.frames, 0);
  const rawBytes = results.reduce((a, r) => a + r.rawBytes, 0);
  const summary: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.summary)) summary[k] = (summary[k] ?? 0) + v;
  return {
    detector: plugin.id,
    module: job.module,
    run,
    constants: Object.fromEntries(Object.entries(resolved).map(([n, r]) => [n, r.source])),
    unit: results[0]?.unit ?? '',
    files: results.map((r) => ({ input: r.input, output: r.output, frames: r.frames, bytesWritten: r.bytesWritten, seconds: r.seconds })),
    frames,
    rawBytes,
    bytesWritten: results.reduce((a, r) => a + r.bytesWritten, 0),
    seconds,
    mbPerSecond: rawBytes / 1e6 / seconds,
    framesPerSecond: frames / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    threads,
    backend: job.backend,
    summary,
  };
}

/** The compiled worker script next to this module (the CLI runs from dist). */
function workerUrl(): URL {
  return new URL('./correct-worker.js', import.meta.url);
}

/** Starts worker threads; they load the plugins and the HDF5 runtime right away. */
function startWorkers(count: number, plugins: string[]): Worker[] {
  if (!existsSync(new URL(workerUrl()))) throw new DetcalError('INTERNAL', 'correct worker script not found: build detcal (pnpm run build) or use --threads 1');
  return Array.from({ length: count }, () => new Worker(workerUrl(), { workerData: { plugins } }));
}

/** Removes the .tmp file of an output, if it is a file (never fails: the first error is the one to report). */
function removeTmp(output: string): void {
  try {
    rmSync(tmpPathFor(output), { force: true });
  } catch {
    // not a file, or not ours to remove
  }
}

/**
 * Corrects the files in this thread and the workers, each taking the next file when it is done.
 * After a failure no file is started, workers are stopped (their partial .tmp files removed), this
 * thread leaves its file at the next block, and the first error is thrown once all have stopped.
 */
async function inThreads(plugin: DetectorPlugin, plugins: string[], jobs: SequenceJob[], workers: Worker[], progress: Progress, written: string[]): Promise<SequenceResult[]> {
  const results: SequenceResult[] = new Array(jobs.length);
  let next = 0;
  let error: Error | undefined;
  const take = (): number => (error || next >= jobs.length ? -1 : next++);
  const stops: Array<() => void> = [];
  const fail = (err: Error) => {
    if (error) return;
    error = err;
    for (const stop of stops) stop();
  };
  // Workers get the constants record once per run (by key): the plugin's prepared tables, cached
  // per record, are then built once per worker instead of once per file.
  const constantsKey = `${process.pid}-${performance.now()}`;
  const inWorker = (w: Worker) =>
    new Promise<void>((resolveWorker) => {
      let index = -1;
      const finish = () => {
        w.removeAllListeners('message');
        w.removeAllListeners('error');
        w.removeAllListeners('exit');
        void w.terminate();
        resolveWorker();
      };
      stops.push(() => {
        // a worker stopped in the middle of a file leaves its .tmp behind
        if (index >= 0) removeTmp(jobs[index].output);
        index = -1;
        finish();
      });
      const launch = () => {
        index = take();
        if (index < 0) return finish();
        const task: CorrectWorkerTask = { plugins, detector: plugin.id, job: jobs[index], constantsKey };
        w.postMessage(task);
      };
      w.on('message', (m: { type: string; frames?: number; bytes?: number; result?: SequenceResult; code?: string; message?: string }) => {
        if (m.type === 'block') progress.tick(m.frames ?? 0, m.bytes ?? 0);
        else if (m.type === 'done' && m.result) {
          written.push(m.result.output);
          results[index] = m.result;
          launch();
        } else if (m.type === 'error') {
          index = -1; // the worker cleaned up after its own file
          fail(new DetcalError((m.code ?? 'INTERNAL') as never, m.message ?? 'worker failed'));
        }
      });
      w.on('error', (err) => fail(err));
      w.on('exit', (code) => fail(new DetcalError('INTERNAL', `correct worker stopped (exit code ${code})`)));
      launch();
    });
  const here = async () => {
    for (let index = take(); index >= 0; index = take()) {
      try {
        const r = await correctSequence(plugin, jobs[index], (f, b) => progress.tick(f, b), () => error !== undefined);
        written.push(r.output);
        results[index] = r;
      } catch (err) {
        fail(err as Error);
      }
    }
  };
  await Promise.all([here(), ...workers.map(inWorker)]);
  if (error) throw error;
  return results;
}
