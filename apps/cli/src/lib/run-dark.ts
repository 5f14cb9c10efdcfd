/**
 * `detcal dark`: opens the runs, picks the compute backend, runs the plugin's dark step and writes
 * the constants file (atomically: nothing is left behind when anything fails). Large sets of a plugin
 * with darkToSink are written while they are computed (stage by stage, cell group by cell group) and
 * summarized from the file, so they never are in memory whole.
 */
import { DetcalError, type Conditions, type ConstantSet, type DarkRequest, type DetectorPlugin, type FrameStream, type ParameterValue } from '@detcal/core';
import { writeConstantsFile, type WrittenFile } from '@detcal/hdf5';
import { streamConstantsToFile } from './stream-constants-to-file.js';
import { prestartDarkWorkers, selectBackend, type BackendPreference } from '@detcal/kernels';
import { openRun, type RunSelection } from './open-runs.js';
import { phasedProgress, type Progress } from './progress.js';
import { summarizeConstants, summarizeConstantsFile, type ConstantSetSummary } from './summarize-constants.js';

/** What `detcal dark` was asked to do. */
export interface DarkJob {
  /** Run folders or files, in gain-stage order. */
  runs: string[];
  /** Output constants file. */
  out: string;
  /** Axis order of the file: detcal ([gain][cell][row][col]) or euxfel (col, row, cell, gain). */
  layout: 'detcal' | 'euxfel';
  /** Method ('euxfel' default, or what the plugin lists). */
  method?: string;
  /** Parameter overrides. */
  parameters: Record<string, ParameterValue>;
  /** Backend preference. */
  backend: BackendPreference;
  /** Detector / module identifier for the metadata (default: '<id>-M<module>'). */
  detectorId?: string;
  /** Operating conditions to record. */
  conditions: Conditions;
  /** Frame selection. */
  selection: RunSelection;
  /** Worker threads for accumulation. */
  threads: number;
  /** Write the constants while they are computed (plugins with darkToSink; euxfel layout: transposed from a detcal-layout scratch file): auto = when they would take more than STREAM_ABOVE_BYTES. */
  stream?: 'auto' | 'always' | 'never';
}

/** Constants larger than this (estimated) are streamed to the file under --stream-constants auto. */
export const STREAM_ABOVE_BYTES = 512 * 1024 * 1024;

/** Estimated in-memory size of a dark constant set: about six 4-byte values per memory cell, pixel and run. */
function estimatedConstantBytes(streams: readonly FrameStream[]): number {
  return streams.reduce((sum, s) => sum + (s.cellsPerTrain ?? 1) * s.rows * s.cols * 24, 0);
}

/** What `detcal dark` did. */
export interface DarkReport {
  detector: string;
  module: number;
  method: string;
  runs: Array<{ input: string; run?: number; frames: number; cells: number }>;
  out: string;
  bytesWritten: number;
  backend: { choice: string; reason: string };
  threads: number;
  seconds: number;
  /** Whether the constants went to the file while computed (darkToSink), not written at the end. */
  streamed: boolean;
  /** Seconds spent writing the constants (inside `seconds` when streamed, after it otherwise). */
  writeSeconds: number;
  rawBytes: number;
  mbPerSecond: number;
  framesPerSecond: number;
  peakRssMb: number;
  summary: ConstantSetSummary;
}

/** Runs a dark characterization end to end and returns the constants with a report. */
export async function runDark(plugin: DetectorPlugin, job: DarkJob, progress: Progress): Promise<{ set: ConstantSet; report: DarkReport }> {
  const dark = plugin.steps.dark;
  if (!dark) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no dark step`);
  const methods = plugin.darkMethods ?? ['euxfel'];
  const method = job.method ?? methods[0];
  if (!methods.includes(method)) throw new DetcalError('BAD_INPUT', `--method ${method} is not available for ${plugin.id}: use one of ${methods.join(', ')}`);
  const t0 = performance.now();
  // the accumulation workers load their modules on the idle core while this thread opens the runs
  if (job.backend !== 'gpu' && job.threads > 1) prestartDarkWorkers(job.threads);
  const streams: FrameStream[] = [];
  for (const input of job.runs) streams.push(await openRun(plugin, input, job.selection));
  const selection = selectBackend(job.backend);
  let rawBytes = 0;
  let frames = 0;
  // a bar per phase: each run's pass (later passes over the last run: common-mode iterations)
  const phased = phasedProgress(progress, (ph, i) => ({ label: ph, total: streams[Math.min(i, streams.length - 1)].nFrames }));
  const request: DarkRequest = {
    runs: streams,
    module: job.selection.module,
    detectorId: job.detectorId ?? `${plugin.id.toUpperCase()}-M${job.selection.module}`,
    method,
    parameters: job.parameters,
    backend: selection.backend,
    threads: job.threads,
    conditions: job.conditions,
    progress(f, b, ph) {
      rawBytes += b;
      frames += f;
      phased(f, b, ph);
    },
  };
  const wanted = job.stream ?? 'auto';
  const toSink = plugin.steps.darkToSink?.bind(plugin.steps);
  if (wanted === 'always' && !toSink) throw new DetcalError('BAD_INPUT', `--stream-constants always: ${plugin.id} dark has no streamed form; use --stream-constants auto`);
  const streamed = !!toSink && (wanted === 'always' || (wanted === 'auto' && estimatedConstantBytes(streams) > STREAM_ABOVE_BYTES));
  let set: ConstantSet;
  let written: WrittenFile;
  let seconds: number;
  let writeSeconds = 0;
  let summary: ConstantSetSummary;
  const finished = (): void => {
    progress.stop();
    selection.backend.dispose();
  };
  if (streamed && toSink) {
    // summarized slab by slab from the detcal-layout file (with --layout euxfel, before it is transposed)
    let fromFile: ConstantSetSummary | undefined;
    const r = await streamConstantsToFile(job.out, (sink) => toSink(request, sink).finally(finished), {
      layout: job.layout,
      inspect: async (file, layouts) => {
        fromFile = await summarizeConstantsFile(file, layouts.map((l) => l.name), selection.choice === 'cpu' ? job.threads : 1);
      },
    });
    seconds = (performance.now() - t0) / 1000 - r.inspectSeconds;
    ({ set, written, writeSeconds } = r);
    summary = fromFile as ConstantSetSummary;
  } else {
    set = await dark(request).finally(finished);
    seconds = (performance.now() - t0) / 1000;
    const t = performance.now();
    written = await writeConstantsFile(job.out, set, { layout: job.layout });
    writeSeconds = (performance.now() - t) / 1000;
    summary = summarizeConstants(set);
  }
  const report: DarkReport = {
    detector: plugin.id,
    module: job.selection.module,
    method,
    runs: streams.map((s) => ({ input: s.label, run: s.run, frames: s.nFrames, cells: s.cellsPerTrain ?? 1 })),
    out: written.file,
    bytesWritten: written.bytes,
    backend: { choice: selection.choice, reason: selection.reason },
    threads: selection.choice === 'cpu' ? job.threads : 1,
    seconds,
    streamed,
    writeSeconds,
    rawBytes,
    mbPerSecond: rawBytes / 1e6 / seconds,
    framesPerSecond: frames / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    summary,
  };
  return { set, report };
}
