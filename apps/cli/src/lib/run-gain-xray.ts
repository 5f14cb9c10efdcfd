/**
 * `detcal gain xray`: opens the X-ray tube run, runs the plugin's 'xray' gain step and writes the
 * constants file (photonSpacing, quality, BadPixelsFF) atomically.
 */
import { DetcalError, type Conditions, type ConstantSet, type DetectorPlugin, type ParameterValue } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { openRun, type RunSelection } from './open-runs.js';
import type { Progress } from './progress.js';
import { summarizeConstants, type ConstantSetSummary } from './summarize-constants.js';

/** What `detcal gain xray` was asked to do. */
export interface GainXrayJob {
  /** Run folder or file. */
  run: string;
  /** Output constants file. */
  out: string;
  /** Axis order of the file: detcal (row, col) or reference ((col, row) = (128, 512), the AGIPD seed's). */
  layout: 'detcal' | 'reference';
  /** Parameter overrides. */
  parameters: Record<string, ParameterValue>;
  /** Detector / module identifier (default '<ID>-M<module>'). */
  detectorId?: string;
  /** Operating conditions to record. */
  conditions: Conditions;
  /** Frame selection. */
  selection: RunSelection;
  /** Worker threads over pixel ranges. */
  threads: number;
}

/** What `detcal gain xray` did. */
export interface GainXrayReport {
  detector: string;
  module: number;
  run: { input: string; run?: number; frames: number; cells: number };
  framesUsed: number;
  pixels: number;
  pixelsOk: number;
  pixelsNoEntries: number;
  pixelsEvalError: number;
  medianPhotonSpacingAdu: number;
  out: string;
  layout: string;
  bytesWritten: number;
  threads: number;
  seconds: number;
  pixelsPerSecond: number;
  fullModuleSeconds: number;
  memoryBoundMb: number;
  peakRssMb: number;
  summary: ConstantSetSummary;
}

/** Runs the X-ray tube step end to end and returns the constants with a report. */
export async function runGainXray(plugin: DetectorPlugin, job: GainXrayJob, progress: Progress): Promise<{ set: ConstantSet; report: GainXrayReport }> {
  const step = plugin.steps.gain?.xray;
  if (!step) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no 'xray' gain step (steps: ${Object.keys(plugin.steps.gain ?? {}).join(', ') || 'none'})`);
  const t0 = performance.now();
  const stream = await openRun(plugin, job.run, job.selection);
  progress.start('xray histograms', stream.nFrames);
  const set = await step
    .run({
      runs: [stream],
      inputs: {},
      module: job.selection.module,
      detectorId: job.detectorId ?? `${plugin.id.toUpperCase()}-M${job.selection.module}`,
      parameters: job.parameters,
      threads: job.threads,
      conditions: job.conditions,
      progress: (f, b) => progress.tick(f, b),
    })
    .finally(() => progress.stop());
  const seconds = (performance.now() - t0) / 1000;
  const written = await writeConstantsFile(job.out, set, { layout: job.layout === 'reference' ? 'euxfel' : 'detcal' });
  const p = set.metadata.parameters as Record<string, number>;
  const pixels = stream.rows * stream.cols;
  const fullModulePixels = plugin.geometry.moduleRows * plugin.geometry.moduleCols;
  const report: GainXrayReport = {
    detector: plugin.id,
    module: job.selection.module,
    run: { input: stream.label, run: stream.run, frames: stream.nFrames, cells: stream.cellsPerTrain ?? 1 },
    framesUsed: p.framesUsed,
    pixels,
    pixelsOk: p.pixelsOk,
    pixelsNoEntries: p.pixelsNoEntries,
    pixelsEvalError: p.pixelsEvalError,
    medianPhotonSpacingAdu: p.medianPhotonSpacingAdu,
    out: written.file,
    layout: job.layout,
    bytesWritten: written.bytes,
    threads: job.threads,
    seconds,
    pixelsPerSecond: pixels / seconds,
    fullModuleSeconds: (fullModulePixels / pixels) * seconds,
    memoryBoundMb: p.memoryBoundBytes / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    summary: summarizeConstants(set),
  };
  return { set, report };
}
