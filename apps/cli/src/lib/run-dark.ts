/**
 * `detcal dark`: opens the runs, picks the compute backend, runs the plugin's dark step and writes
 * the constants file (atomically: nothing is left behind when anything fails).
 */
import { DetcalError, type Conditions, type ConstantSet, type DetectorPlugin, type FrameStream, type ParameterValue } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { selectBackend, type BackendPreference } from '@detcal/kernels';
import { openRun, type RunSelection } from './open-runs.js';
import type { Progress } from './progress.js';
import { summarizeConstants, type ConstantSetSummary } from './summarize-constants.js';

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
  rawBytes: number;
  mbPerSecond: number;
  framesPerSecond: number;
  peakRssMb: number;
  summary: ConstantSetSummary;
}

/** Runs a dark characterization end to end and returns the constants with a report. */
export async function runDark(plugin: DetectorPlugin, job: DarkJob, progress: Progress): Promise<{ set: ConstantSet; report: DarkReport }> {
  if (!plugin.steps.dark) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no dark step`);
  const methods = plugin.darkMethods ?? ['euxfel'];
  const method = job.method ?? methods[0];
  if (!methods.includes(method)) throw new DetcalError('BAD_INPUT', `--method ${method} is not available for ${plugin.id}: use one of ${methods.join(', ')}`);
  const t0 = performance.now();
  const streams: FrameStream[] = [];
  for (const input of job.runs) streams.push(await openRun(plugin, input, job.selection));
  const selection = selectBackend(job.backend);
  let rawBytes = 0;
  let frames = 0;
  let phase = '';
  let phaseIndex = -1;
  const set = await plugin.steps
    .dark({
      runs: streams,
      module: job.selection.module,
      detectorId: job.detectorId ?? `${plugin.id.toUpperCase()}-M${job.selection.module}`,
      method,
      parameters: job.parameters,
      backend: selection.backend,
      threads: job.threads,
      conditions: job.conditions,
      progress(f, b, ph) {
        if (ph !== phase) {
          progress.stop();
          phase = ph;
          phaseIndex++;
          progress.start(ph, streams[Math.min(phaseIndex, streams.length - 1)].nFrames);
        }
        rawBytes += b;
        frames += f;
        progress.tick(f, b);
      },
    })
    .finally(() => {
      progress.stop();
      selection.backend.dispose();
    });
  const seconds = (performance.now() - t0) / 1000;
  const written = await writeConstantsFile(job.out, set, { layout: job.layout });
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
    rawBytes,
    mbPerSecond: rawBytes / 1e6 / seconds,
    framesPerSecond: frames / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    summary: summarizeConstants(set),
  };
  return { set, report };
}
