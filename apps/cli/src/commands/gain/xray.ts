import { availableParallelism } from 'node:os';
import { Args, Flags } from '@oclif/core';
import type { Conditions } from '@detcal/core';
import { parseRunRange } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { formatBytes } from '../../lib/format-table.js';
import { parseKeyValues } from '../../lib/parse-key-values.js';
import { createProgress } from '../../lib/progress.js';
import { runGainXray, type GainXrayReport } from '../../lib/run-gain-xray.js';
import { optionalStoreDir, saveSetToStore } from '../../lib/store-io.js';
import { formatSummary } from '../../lib/summarize-constants.js';

export default class GainXray extends BaseCommand {
  static override summary = 'Photon spacing (ADU per photon) and quality per pixel from an X-ray tube (flat-field) run.';
  static override description = `Histograms each pixel's values of one memory cell relative to a running low-pass of the same pixel
(drift removal: an order statistic over --param lowpass_window frames), finds the photon peaks of the smoothed
histogram and writes photonSpacing = distance of the two highest peaks (each refined by an iterated centroid),
quality = relative valley depth between them (1 - valley / lower peak), and BadPixelsFF (FF_NO_ENTRIES,
FF_GAIN_EVAL_ERROR where the analysis failed; photonSpacing is NaN there). Arrays are (row, col) = (512, 128)
for AGIPD; --layout reference writes (col, row) = (128, 512) as the AGIPD seed did.
Memory is bounded: each pixel keeps lowpass_window + lowpass_step frames and its histogram, whatever the run length.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd sim/xray/r0001 --out xray.h5',
    '<%= config.bin %> <%= command.id %> agipd sim/xray/r0001 --out xray.h5 --layout reference --param lowpass_window=801 --json',
    '<%= config.bin %> <%= command.id %> agipd --help-params',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
    run: Args.string({ description: 'X-ray tube run folder or file' }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Output constants file (.h5).' }),
    layout: Flags.string({ summary: 'Axis order of the output: detcal (row, col) or reference (col, row) = the seed\'s (128, 512).', options: ['detcal', 'reference'], default: 'detcal' }),
    store: Flags.string({ summary: 'Also add the constants to this store (default: DETCAL_STORE when set).' }),
    'run-range': Flags.string({ summary: 'Validity of the stored constants: A-B or A-end (default: the run - end).' }),
    exp: Flags.string({ summary: 'Experiment / proposal recorded with the stored constants.' }),
    comment: Flags.string({ summary: 'Comment recorded with the stored constants.' }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    param: Flags.string({ char: 'p', summary: 'Algorithm parameter NAME=VALUE (repeatable), e.g. lowpass_window=801.', multiple: true }),
    condition: Flags.string({ summary: 'Operating condition NAME=VALUE to record (repeatable), e.g. photon_energy=8.05.', multiple: true }),
    threads: Flags.integer({ summary: 'Worker threads, each histogramming a range of pixels while blocks are read.', default: Math.max(1, availableParallelism()), min: 1 }),
    'detector-id': Flags.string({ summary: 'Detector / module identifier for the metadata (default <ID>-M<module>).' }),
    dataset: Flags.string({ summary: 'Read frames from this dataset of any HDF5 file instead of the raw layout.' }),
    'first-frame': Flags.integer({ summary: 'First frame of the run to use.', min: 0 }),
    'last-frame': Flags.integer({ summary: 'End of the frame range (exclusive).', min: 1 }),
    'help-params': Flags.boolean({ summary: 'List the parameters of the X-ray step and their defaults, then exit.' }),
  };

  async run(): Promise<(GainXrayReport & { stored?: Array<{ id: number; ctype: string; path: string }> }) | { parameters: unknown }> {
    const { args, flags } = await this.parse(GainXray);
    const plugin = await this.detector(args.detector, flags.plugin);
    if (flags['help-params']) {
      const specs = plugin.steps.gain?.xray?.parameters ?? [];
      this.say(`${plugin.id} gain xray:`);
      for (const s of specs) this.say(`  ${s.name.padEnd(24)} ${JSON.stringify(s.defaultValue).padEnd(12)} ${s.description}`);
      return { parameters: specs };
    }
    if (!args.run) this.error('give the X-ray tube run: detcal gain xray <detector> <run> --out FILE.h5', { exit: 2 });
    if (!flags.out) this.error('--out FILE.h5 is required: where to write photonSpacing and quality', { exit: 2 });
    if (flags['run-range']) parseRunRange(flags['run-range']);
    const { set, report } = await runGainXray(
      plugin,
      {
        run: args.run,
        out: flags.out,
        layout: flags.layout as 'detcal' | 'reference',
        parameters: parseKeyValues(flags.param),
        detectorId: flags['detector-id'],
        conditions: parseKeyValues(flags.condition) as Conditions,
        threads: flags.threads,
        selection: { module: flags.module, dataset: flags.dataset, firstFrame: flags['first-frame'], lastFrame: flags['last-frame'] },
      },
      createProgress(!this.jsonEnabled()),
    );
    this.say(`${plugin.displayName} X-ray tube, module ${report.module}: ${report.run.input} (${report.run.frames} frames, ${report.framesUsed} used)`);
    this.say(`photon spacing found for ${report.pixelsOk} of ${report.pixels} pixels (median ${report.medianPhotonSpacingAdu.toFixed(2)} ADU); ${report.pixelsNoEntries} without entries, ${report.pixelsEvalError} without two peaks`);
    this.say(formatSummary(report.summary, plugin.geometry.gainStageNames));
    this.say('');
    this.say(`wrote ${report.out} (${formatBytes(report.bytesWritten)}, ${Object.keys(set.constants).join(', ')}, layout ${report.layout})`);
    const storeDir = optionalStoreDir(flags.store);
    let stored: Array<{ id: number; ctype: string; path: string }> | undefined;
    if (storeDir) {
      const firstRun = report.run.run ?? 0;
      const range = parseRunRange(flags['run-range'] ?? `${firstRun}-end`);
      const entries = await saveSetToStore(storeDir, set, { validity: { beginRun: range.begin, endRun: range.end }, exp: flags.exp, run: firstRun, comment: flags.comment });
      stored = entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path }));
      this.say(`stored ${entries.length} constants in ${storeDir} (entries ${entries.map((e) => e.id).join(', ')})`);
    }
    this.say(`${report.seconds.toFixed(1)} s, ${report.pixelsPerSecond.toFixed(0)} pixels/s (full module ${report.fullModuleSeconds.toFixed(1)} s), memory bound ${report.memoryBoundMb.toFixed(0)} MB, peak RSS ${report.peakRssMb.toFixed(0)} MB, ${report.threads} thread(s)`);
    return { ...report, stored };
  }
}
