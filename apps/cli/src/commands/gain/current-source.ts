import { availableParallelism } from 'node:os';
import { Args, Flags } from '@oclif/core';
import type { Conditions } from '@detcal/core';
import { parseRunRange } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { formatBytes } from '../../lib/format-table.js';
import { parseKeyValues } from '../../lib/parse-key-values.js';
import { createProgress } from '../../lib/progress.js';
import { runGainCurrentSource, type GainCsReport } from '../../lib/run-gain-current-source.js';
import { optionalStoreDir, saveSetToStore } from '../../lib/store-io.js';

export default class GainCurrentSource extends BaseCommand {
  static override summary = 'Fit a current-source (or pulse-capacitor) scan: slopes, line offsets, digital means, thresholds per gain stage, cell and pixel.';
  static override description = `The AGIPD seed's fit3DynamicScanSlopes for every memory cell and pixel: spike filter (running median,
max_spike_width 2, min_spike_height 300 ADU), fast k-means of the digital values into three stages, a least-squares
line per stage on the samples left after trimming linear_fit_data_shrink_factor (0.3) of them at both ends, the std of
its residuals as quality, thresholds = means of adjacent digital means, safety factors = spacing / sum of the stds.
The slopes are in ADU per scan step (x = train index within the run).
Outputs carry the seed's names and shapes (analogGains (3, cells, 128, 512), digitalMeans (cells, 3, 128, 512), ...;
(128, 512) is the transposed raw frame); --layout detcal writes every array [gain|threshold][cell][row][col].
Pulse-capacitor scans: pass all runs; each row takes its values from the run that injected it (found from the data,
or --param injected_rows=modulo for row % runs). The runs are read once and regrouped by cell (in memory up to
--param buffer_mb, else through a scratch file); cells are fitted on --threads worker threads while the next is read,
and the constants are written into the output file group of --param cells_per_group cells by group, so only two groups'
outputs are in memory (a full module of 352 cells: about 0.6 GB peak, plus the scan when it fits into buffer_mb).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd sim/cs/r0001 --out agipd-cs.h5',
    '<%= config.bin %> <%= command.id %> agipd pc/r0020 pc/r0021 pc/r0022 pc/r0023 pc/r0024 pc/r0025 pc/r0026 pc/r0027 --out agipd-pc.h5 --json',
    '<%= config.bin %> <%= command.id %> agipd sim/cs/r0001 --out cs.h5 --layout detcal --param min_spike_height=400 --threads 2',
    '<%= config.bin %> <%= command.id %> agipd --help-params',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
    runs: Args.string({ description: 'scan run folders or files (several for pulse-capacitor runs)' }),
  };

  static override strict = false;

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Output constants file (.h5).' }),
    layout: Flags.string({ summary: 'Axes of the output: the seed\'s names and shapes, or detcal\'s [gain][cell][row][col].', options: ['reference', 'detcal'], default: 'reference' }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    param: Flags.string({ char: 'p', summary: 'Algorithm parameter NAME=VALUE (repeatable), e.g. min_spike_height=400.', multiple: true }),
    condition: Flags.string({ summary: 'Operating condition NAME=VALUE to record (repeatable).', multiple: true }),
    threads: Flags.integer({ summary: 'Worker threads fitting pixel ranges of a cell.', default: Math.max(1, availableParallelism()), min: 1 }),
    'detector-id': Flags.string({ summary: 'Detector / module identifier for the metadata (default <ID>-M<module>).' }),
    store: Flags.string({ summary: 'Also add the constants to this store (default: DETCAL_STORE when set).' }),
    'run-range': Flags.string({ summary: 'Validity of the stored constants: A-B or A-end (default: first run given - end).' }),
    exp: Flags.string({ summary: 'Experiment / proposal recorded with the stored constants.' }),
    comment: Flags.string({ summary: 'Comment recorded with the stored constants.' }),
    'help-params': Flags.boolean({ summary: 'List the parameters of the step and their defaults, then exit.' }),
  };

  async run(): Promise<(GainCsReport & { stored?: Array<{ id: number; ctype: string; path: string }> }) | { parameters: unknown }> {
    const { args, argv, flags } = await this.parse(GainCurrentSource);
    const plugin = await this.detector(args.detector, flags.plugin);
    const step = plugin.steps.gain?.['current-source'];
    if (flags['help-params']) {
      const specs = step?.parameters ?? [];
      this.say(`${plugin.id} gain current-source:`);
      for (const s of specs) this.say(`  ${s.name.padEnd(30)} ${JSON.stringify(s.defaultValue).padEnd(12)} ${s.description}`);
      return { parameters: specs };
    }
    const runs = (argv as string[]).slice(1);
    if (runs.length === 0) this.error('give the scan run(s): detcal gain current-source <detector> <run>... --out FILE.h5', { exit: 2 });
    if (!flags.out) this.error('--out FILE.h5 is required: where to write the constants', { exit: 2 });
    if (flags['run-range']) parseRunRange(flags['run-range']);
    const { set, report } = await runGainCurrentSource(
      plugin,
      {
        runs,
        out: flags.out,
        module: flags.module,
        parameters: { layout: flags.layout, ...parseKeyValues(flags.param) },
        threads: flags.threads,
        detectorId: flags['detector-id'],
        conditions: parseKeyValues(flags.condition) as Conditions,
      },
      createProgress(!this.jsonEnabled()),
    );
    this.say(`${plugin.displayName} current-source scan, module ${report.module}: ${report.runs.map((r) => `${r.input} (${r.frames} frames)`).join(', ')}`);
    this.say(`${report.cells} cells x ${report.scanSteps} steps; ${report.pixelCells} pixel-cells fitted, ${report.noSwitchingPixelCells} without gain switching, ${report.stageFitsMissing} stage lines missing, ${report.spikesRemoved} spike samples replaced (regrouped in ${report.regroupedIn}${report.cellsPerGroup ? `, written ${report.cellsPerGroup} cells at a time` : ''})`);
    if (report.rowsPerRun) this.say(`rows per run: ${report.rowsPerRun.join(' ')}`);
    this.say(`wrote ${report.out} (${formatBytes(report.bytesWritten)}): ${report.constants.map((c) => `${c.name} (${c.shape.join(', ')})`).join(', ')}`);
    const storeDir = optionalStoreDir(flags.store);
    let stored: Array<{ id: number; ctype: string; path: string }> | undefined;
    if (storeDir) {
      const firstRun = report.runs.find((r) => r.run !== undefined)?.run ?? 0;
      const range = parseRunRange(flags['run-range'] ?? `${firstRun}-end`);
      const entries = await saveSetToStore(storeDir, set, { validity: { beginRun: range.begin, endRun: range.end }, exp: flags.exp, run: firstRun, comment: flags.comment });
      stored = entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path }));
      this.say(`stored ${entries.length} constants in ${storeDir} (entries ${entries.map((e) => e.id).join(', ')})`);
    }
    this.say(`${report.seconds.toFixed(1)} s, ${report.pixelCellsPerSecond.toFixed(0)} pixel-cells/s, peak RSS ${report.peakRssMb.toFixed(0)} MB, ${report.threads} thread(s)`);
    return { ...report, stored };
  }
}
