/**
 * `detcal gain combine`: reads the dark, current-source and X-ray constants files (only the datasets
 * the combination uses), runs the plugin's combine gain step and writes one constants file.
 */
import { DetcalError, type Conditions, type ConstantSet, type DetectorPlugin, type ParameterValue } from '@detcal/core';
import { writeConstantsFile } from '@detcal/hdf5';
import { readConstantsSubset } from './read-constants-subset.js';

/** Datasets the combination reads from each input file. */
export const COMBINE_DATASETS: Readonly<Record<string, readonly string[]>> = {
  dark: ['Offset'],
  'current-source': ['analogGains', 'analogLineOffsets', 'digitalThresholds'],
  xray: ['photonSpacing'],
};

/** What `detcal gain combine` was asked to do. */
export interface GainCombineJob {
  /** Input files by role (dark, current-source, xray). */
  inputs: Record<string, string | undefined>;
  /** Output constants file. */
  out: string;
  /** Module index. */
  module: number;
  /** Parameter overrides. */
  parameters: Record<string, ParameterValue>;
  /** Detector / module identifier (default: the dark's). */
  detectorId?: string;
  /** Operating conditions to record. */
  conditions: Conditions;
}

/** What `detcal gain combine` did. */
export interface GainCombineReport {
  detector: string;
  module: number;
  inputs: Record<string, string>;
  out: string;
  bytesWritten: number;
  photonEnergyKev: number;
  photonEnergySource: string;
  xrayCell: number;
  cells: number;
  /** Median gain per stage over the finite values, keV/ADU. */
  medianGainKevPerAdu: number[];
  /** Pixel-cells without a gain per stage. */
  missingGains: number[];
  seconds: number;
}

/** Median of the finite values of a strided sample (every 97th value is enough for a summary). */
function sampleMedian(a: Float32Array, from: number, to: number): number {
  const v: number[] = [];
  for (let i = from; i < to; i += 97) if (Number.isFinite(a[i])) v.push(a[i]);
  v.sort((x, y) => x - y);
  return v.length ? v[v.length >> 1] : NaN;
}

/** Runs the combination end to end. */
export async function runGainCombine(plugin: DetectorPlugin, job: GainCombineJob): Promise<{ set: ConstantSet; report: GainCombineReport }> {
  const step = plugin.steps.gain?.combine;
  if (!step) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no gain combine step; detectors with one: agipd`);
  const t0 = performance.now();
  const inputs: Record<string, ConstantSet> = {};
  const files: Record<string, string> = {};
  for (const role of step.inputs) {
    const file = job.inputs[role];
    if (!file) throw new DetcalError('BAD_INPUT', `gain combine needs --${role} FILE (the constants \`detcal ${role === 'dark' ? 'dark' : `gain ${role}`} ${plugin.id}\` writes)`);
    inputs[role] = await readConstantsSubset(file, COMBINE_DATASETS[role] ?? [], `--${role}`);
    files[role] = file;
  }
  const set = await step.run({
    runs: [],
    inputs,
    module: job.module,
    detectorId: job.detectorId ?? inputs.dark?.metadata.detectorId ?? `${plugin.id.toUpperCase()}-M${job.module}`,
    parameters: job.parameters,
    conditions: job.conditions,
  });
  const written = await writeConstantsFile(job.out, set);
  const gain = set.constants.GainKevPerAdu;
  const plane = gain ? gain.data.length / 3 : 0;
  const g = gain?.data as Float32Array | undefined;
  const missing = [0, 0, 0];
  if (g) for (let s = 0; s < 3; s++) for (let i = s * plane; i < (s + 1) * plane; i++) if (!Number.isFinite(g[i])) missing[s]++;
  const m = set.metadata.parameters as Record<string, unknown>;
  return {
    set,
    report: {
      detector: plugin.id,
      module: job.module,
      inputs: files,
      out: written.file,
      bytesWritten: written.bytes,
      photonEnergyKev: Number(m.photonEnergyKev),
      photonEnergySource: String(m.photonEnergySource),
      xrayCell: Number(m.xrayCell),
      cells: Number(set.metadata.conditions.memoryCells),
      medianGainKevPerAdu: g ? [0, 1, 2].map((s) => sampleMedian(g, s * plane, (s + 1) * plane)) : [],
      missingGains: missing,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
