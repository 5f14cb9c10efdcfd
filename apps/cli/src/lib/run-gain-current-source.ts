/**
 * `detcal gain current-source`: opens the scan runs, runs the plugin's current-source gain step and
 * writes the constants file (atomically), with a report of the throughput. A step with runToSink writes
 * the file group of cells by group (bounded memory, a full module included); the returned set then
 * reads each constant back from the file when its data is used (the store adds one at a time).
 */
import { DetcalError, type Conditions, type ConstantLayout, type ConstantSet, type DetectorPlugin, type FrameStream, type GainRequest, type ParameterValue } from '@detcal/core';
import { writeConstantsFile, type WrittenFile } from '@detcal/hdf5';
import { streamConstantsToFile } from './stream-constants-to-file.js';
import { openRun } from './open-runs.js';
import { phasedProgress, type Progress } from './progress.js';

/** What `detcal gain current-source` was asked to do. */
export interface GainCsJob {
  /** Scan run folders or files (several for pulse-capacitor runs). */
  runs: string[];
  /** Output constants file. */
  out: string;
  /** Module index. */
  module: number;
  /** Parameter overrides (layout among them). */
  parameters: Record<string, ParameterValue>;
  /** Worker threads of the fit. */
  threads: number;
  /** Detector / module identifier (default '<ID>-M<module>'). */
  detectorId?: string;
  /** Operating conditions to record. */
  conditions: Conditions;
}

/** What `detcal gain current-source` did. */
export interface GainCsReport {
  detector: string;
  module: number;
  runs: Array<{ input: string; run?: number; frames: number; cells: number }>;
  out: string;
  bytesWritten: number;
  cells: number;
  scanSteps: number;
  pixelCells: number;
  noSwitchingPixelCells: number;
  stageFitsMissing: number;
  spikesRemoved: number;
  regroupedIn: string;
  rowsPerRun?: number[];
  /** Memory cells fitted and written out together (steps that stream their output). */
  cellsPerGroup?: number;
  threads: number;
  seconds: number;
  /** CPU seconds of the process (all threads): on a shared machine, wall seconds include waiting for a core. */
  cpuSeconds: number;
  pixelCellsPerSecond: number;
  rawBytes: number;
  peakRssMb: number;
  constants: Array<{ name: string; shape: number[]; dims: string[]; unit: string }>;
}

/** Runs the scan fit end to end and returns the constants with a report. */
export async function runGainCurrentSource(plugin: DetectorPlugin, job: GainCsJob, progress: Progress): Promise<{ set: ConstantSet; report: GainCsReport }> {
  const step = plugin.steps.gain?.['current-source'];
  if (!step) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no current-source gain step; detectors with one: agipd`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const streams: FrameStream[] = [];
  for (const input of job.runs) streams.push(await openRun(plugin, input, { module: job.module }));
  let rawBytes = 0;
  // phases: 'read' (or 'rows i/n' and 'read i/n' for several runs) in frames, then 'fit' in pixel-cells
  const phased = phasedProgress(progress, (ph) =>
    ph === 'fit' ? { label: 'fit px-cells', total: (streams[0].cellsPerTrain ?? 1) * streams[0].rows * streams[0].cols } : { label: ph, total: streams[0].nFrames },
  );
  const request: GainRequest = {
    runs: streams,
    inputs: {},
    module: job.module,
    detectorId: job.detectorId ?? `${plugin.id.toUpperCase()}-M${job.module}`,
    parameters: job.parameters,
    threads: job.threads,
    conditions: job.conditions,
    progress(done, bytes, ph) {
      rawBytes += bytes;
      phased(done, bytes, ph);
    },
  };
  let set: ConstantSet;
  let written: WrittenFile;
  let layouts: ConstantLayout[];
  if (step.runToSink) {
    // streamed: each finished cell group goes into the preallocated datasets of <out>.tmp
    const runToSink = step.runToSink.bind(step);
    const r = await streamConstantsToFile(job.out, (sink) => runToSink(request, sink).finally(() => progress.stop()));
    ({ set, written, layouts } = r);
  } else {
    set = await step.run(request).finally(() => progress.stop());
    written = await writeConstantsFile(job.out, set);
    layouts = Object.values(set.constants);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m = set.metadata.parameters as Record<string, unknown>;
  const cells = Number(set.metadata.conditions.memoryCells);
  const pixelCells = cells * streams[0].rows * streams[0].cols;
  const report: GainCsReport = {
    detector: plugin.id,
    module: job.module,
    runs: streams.map((s) => ({ input: s.label, run: s.run, frames: s.nFrames, cells: s.cellsPerTrain ?? 1 })),
    out: written.file,
    bytesWritten: written.bytes,
    cells,
    scanSteps: Number(m.scanSteps),
    pixelCells,
    noSwitchingPixelCells: Number(m.noSwitchingPixelCells),
    stageFitsMissing: Number(m.stageFitsMissing),
    spikesRemoved: Number(m.spikesRemoved),
    regroupedIn: String(m.regroupedIn),
    ...(Array.isArray(m.rowsPerRun) ? { rowsPerRun: m.rowsPerRun as number[] } : {}),
    threads: job.threads,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    pixelCellsPerSecond: pixelCells / seconds,
    rawBytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(m.cellsPerGroup !== undefined ? { cellsPerGroup: Number(m.cellsPerGroup) } : {}),
    constants: layouts.map((c) => ({ name: c.name, shape: c.shape, dims: c.dims, unit: c.unit })),
  };
  return { set, report };
}
