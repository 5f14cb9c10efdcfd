/**
 * `detcal simulate`: asks a plugin for a simulated measurement and writes it as European XFEL raw
 * runs (one folder per run) plus the truth as a constants file and a manifest.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DetcalError, type DetectorPlugin, type SimulateOptions, type SimulatedRun } from '@detcal/core';
import { writeConstantsFile, writeRawRun, writeTruthFrames } from '@detcal/hdf5';
import type { Progress } from './progress.js';

/** One run written by a simulation. */
export interface WrittenRun {
  run: number;
  label: string;
  gainStage: number;
  dir: string;
  files: string[];
  frames: number;
  bytes: number;
  /** Per-frame truth file (light, X-ray simulations). */
  truthFrames?: string;
}

/** What `detcal simulate` wrote. */
export interface SimulationReport {
  detector: string;
  kind: string;
  module: number;
  seed: number;
  trains: number;
  cells: number;
  runs: WrittenRun[];
  truthFile: string;
  manifest: string;
  seconds: number;
}

/** Folder of one run inside the output directory (r0001). */
export function runFolder(outDir: string, run: number): string {
  return join(outDir, `r${String(run).padStart(4, '0')}`);
}

/** Simulates and writes runs, truth and manifest; refuses to mix with runs already in outDir unless force. */
export async function simulateToDisk(
  plugin: DetectorPlugin,
  options: SimulateOptions,
  outDirIn: string,
  opts: { compression: 'gzip' | 'none'; force: boolean; progress: Progress },
): Promise<SimulationReport> {
  const t0 = performance.now();
  if (!plugin.simulationKinds.includes(options.kind)) {
    throw new DetcalError('BAD_INPUT', `detector ${plugin.id} cannot simulate --kind ${options.kind}: supported kinds are ${plugin.simulationKinds.join(', ')}`);
  }
  const outDir = resolve(outDirIn);
  const simulation = plugin.steps.simulate(options);
  for (const run of simulation.runs) {
    const dir = runFolder(outDir, run.run);
    if (!opts.force && existsSync(dir) && readdirSync(dir).length > 0) {
      throw new DetcalError('BAD_INPUT', `${dir} already holds files: choose another --out or pass --force to replace them`);
    }
  }
  mkdirSync(outDir, { recursive: true });
  const runs: WrittenRun[] = [];
  for (const run of simulation.runs) {
    const dir = runFolder(outDir, run.run);
    mkdirSync(dir, { recursive: true });
    opts.progress.start(`run ${run.run} ${run.label}`, run.nFrames);
    const tracked: SimulatedRun = {
      ...run,
      blocks: function* (maxFrames: number) {
        for (const block of run.blocks(maxFrames)) {
          yield block;
          opts.progress.tick(block.nFrames, block.data.byteLength + (block.gain?.byteLength ?? 0));
        }
      },
    };
    const written = await writeRawRun(dir, plugin.layout, options.module, tracked, {
      framesPerSequence: options.framesPerSequence,
      compression: opts.compression,
    });
    opts.progress.stop();
    let truthFrames: string | undefined;
    if (run.truthBlocks) {
      truthFrames = join(outDir, `truth-frames-r${String(run.run).padStart(4, '0')}.h5`);
      await writeTruthFrames(truthFrames, run.nFrames, plugin.geometry.moduleRows, plugin.geometry.moduleCols, run.truthBlocks(64));
    }
    runs.push({ run: run.run, label: run.label, gainStage: run.gainStage, dir, files: written.files, frames: run.nFrames, bytes: written.bytes, ...(truthFrames ? { truthFrames } : {}) });
  }
  const truthFile = join(outDir, `truth-${plugin.id}-m${options.module}.h5`);
  await writeConstantsFile(truthFile, simulation.truth);
  const report: SimulationReport = {
    detector: plugin.id,
    kind: options.kind,
    module: options.module,
    seed: options.seed,
    trains: options.trains,
    cells: options.cells,
    runs,
    truthFile,
    manifest: join(outDir, 'simulation.json'),
    seconds: (performance.now() - t0) / 1000,
  };
  const tmp = `${report.manifest}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...report, truthParameters: simulation.truth.metadata.parameters }, null, 2));
  renameSync(tmp, report.manifest);
  return report;
}
