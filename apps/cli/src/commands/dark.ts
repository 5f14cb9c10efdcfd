import { availableParallelism } from 'node:os';
import { Args, Flags } from '@oclif/core';
import type { Conditions } from '@detcal/core';
import { prestartDarkWorkers } from '@detcal/kernels';
import { BaseCommand } from '../base-command.js';
import { formatBytes } from '../lib/format-table.js';
import { parseKeyValues } from '../lib/parse-key-values.js';
import { createProgress } from '../lib/progress.js';
import { runDark, type DarkReport } from '../lib/run-dark.js';
import { optionalStoreDir, saveSetToStore } from '../lib/store-io.js';
import { parseRunRange } from '@detcal/store';
import { ensureWritableDir, plotConstantSet } from '@detcal/plot';
import { formatSummary } from '../lib/summarize-constants.js';

export default class Dark extends BaseCommand {
  static override summary = 'Characterize dark runs: offset, noise, bad pixels (and gain thresholds for AGIPD) per gain, cell and pixel.';
  static override description = `Streams the runs (bounded memory whatever their length) and writes one constants file with one dataset
per constant, laid out [gain][cell][row][col] with dims and unit attributes (--layout euxfel: (col, row, cell, gain)).
AGIPD and Jungfrau take one run per gain stage, in gain order (AGIPD high medium low; Jungfrau dynamic/G0,
forceswitchg1, forceswitchg2); the order is checked against the data. Bad-pixel limits default to the
European XFEL dark notebooks' values; change any with --param NAME=VALUE (see the list with --help-params).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd sim/agipd/r0001 sim/agipd/r0002 sim/agipd/r0003 --out agipd-dark.h5',
    '<%= config.bin %> <%= command.id %> jungfrau jf/r0001 jf/r0002 jf/r0003 --out jf-dark.h5 --layout euxfel',
    '<%= config.bin %> <%= command.id %> epix100 epix/r0001 --out epix-dark.h5 --param thresholds_noise_sigma=4 --json',
    '<%= config.bin %> <%= command.id %> agipd --help-params',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
    runs: Args.string({ description: 'dark run folders or files, in gain-stage order' }),
  };

  static override strict = false;

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Output constants file (.h5).' }),
    store: Flags.string({ summary: 'Also add the constants to this store (default: DETCAL_STORE when set).' }),
    'run-range': Flags.string({ summary: 'Validity of the stored constants: A-B or A-end (default: first run given - end).' }),
    exp: Flags.string({ summary: 'Experiment / proposal recorded with the stored constants.' }),
    comment: Flags.string({ summary: 'Comment recorded with the stored constants.' }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    method: Flags.string({ summary: 'Algorithm family (euxfel; psana for single-gain detectors).' }),
    param: Flags.string({ char: 'p', summary: 'Algorithm parameter NAME=VALUE (repeatable), e.g. thresholds_noise_sigma=4.', multiple: true }),
    condition: Flags.string({ summary: 'Operating condition NAME=VALUE to record (repeatable), e.g. bias_voltage=300.', multiple: true }),
    layout: Flags.string({ summary: 'Axis order of the output file.', options: ['detcal', 'euxfel'], default: 'detcal' }),
    'stream-constants': Flags.string({
      summary: 'Write the constants while the last passes finish, gain stage by stage and cell group by cell group (bounded memory; AGIPD; with --layout euxfel they are then transposed from a hidden detcal-layout scratch file next to --out). auto: when they would take more than 512 MB (AGIPD above about 110 cells).',
      options: ['auto', 'always', 'never'],
      default: 'auto',
    }),
    backend: Flags.string({ summary: 'Compute backend: auto times both and picks the faster.', options: ['auto', 'cpu', 'gpu'], default: 'cpu' }),
    threads: Flags.integer({ summary: 'Worker threads (CPU backend): accumulate pixel ranges while blocks are read; single-gain common-mode passes split each block\'s frames across them.', default: Math.max(1, availableParallelism()), min: 1 }),
    'detector-id': Flags.string({ summary: 'Detector / module identifier for the metadata (default <ID>-M<module>).' }),
    dataset: Flags.string({ summary: 'Read frames from this dataset of any HDF5 file instead of the raw layout.' }),
    'first-frame': Flags.integer({ summary: 'First frame of each run to use.', min: 0 }),
    'last-frame': Flags.integer({ summary: 'End of the frame range (exclusive).', min: 1 }),
    'help-params': Flags.boolean({ summary: 'List the parameters of the dark step and their defaults, then exit.' }),
    plot: Flags.string({ summary: 'Also write PNG maps and histograms of every constant per gain stage, and bad-pixel maps, into this folder.', helpValue: 'DIR' }),
    'plot-cell': Flags.integer({ summary: 'Memory cell that --plot shows.', default: 0, min: 0 }),
  };

  async run(): Promise<(DarkReport & { stored?: Array<{ id: number; ctype: string; path: string }>; plots?: string[] }) | { parameters: unknown }> {
    const { args, argv, flags } = await this.parse(Dark);
    // the accumulation workers load their modules on the idle core while the detector plugin and the runs load (runDark takes them)
    if (!flags['help-params'] && flags.backend !== 'gpu' && flags.threads > 1) prestartDarkWorkers(flags.threads);
    const plugin = await this.detector(args.detector, flags.plugin);
    if (flags['help-params']) {
      const params = plugin.darkParameters ?? {};
      for (const [method, specs] of Object.entries(params)) {
        this.say(`${plugin.id} dark --method ${method}:`);
        for (const s of specs) this.say(`  ${s.name.padEnd(30)} ${JSON.stringify(s.defaultValue).padEnd(14)} ${s.description}`);
      }
      return { parameters: params };
    }
    const runs = (argv as string[]).slice(1);
    if (runs.length === 0) this.error('give at least one dark run: detcal dark <detector> <run>... --out FILE.h5', { exit: 2 });
    if (!flags.out) this.error('--out FILE.h5 is required: where to write the constants', { exit: 2 });
    if (flags['run-range']) parseRunRange(flags['run-range']); // fail before the long passes
    if (flags.plot) ensureWritableDir(flags.plot, '--plot');
    const { set, report } = await runDark(
      plugin,
      {
        runs,
        out: flags.out,
        layout: flags.layout as 'detcal' | 'euxfel',
        method: flags.method,
        parameters: parseKeyValues(flags.param),
        backend: flags.backend as 'auto' | 'cpu' | 'gpu',
        detectorId: flags['detector-id'],
        conditions: parseKeyValues(flags.condition) as Conditions,
        threads: flags.threads,
        stream: flags['stream-constants'] as 'auto' | 'always' | 'never',
        selection: { module: flags.module, dataset: flags.dataset, firstFrame: flags['first-frame'], lastFrame: flags['last-frame'], blockTrains: 4 },
      },
      createProgress(!this.jsonEnabled()),
    );
    this.say(`${plugin.displayName} dark (${report.method}), module ${report.module}: ${report.runs.map((r) => `${r.input} (${r.frames} frames, ${r.cells} cells)`).join(', ')}`);
    this.say(formatSummary(report.summary, plugin.geometry.gainStageNames));
    this.say('');
    this.say(`wrote ${report.out} (${formatBytes(report.bytesWritten)}, ${Object.keys(set.constants).join(', ')})`);
    const storeDir = optionalStoreDir(flags.store);
    let stored: Array<{ id: number; ctype: string; path: string }> | undefined;
    if (storeDir) {
      const firstRun = report.runs.find((r) => r.run !== undefined)?.run ?? 0;
      const range = parseRunRange(flags['run-range'] ?? `${firstRun}-end`);
      const entries = await saveSetToStore(storeDir, set, { validity: { beginRun: range.begin, endRun: range.end }, exp: flags.exp, run: firstRun, comment: flags.comment });
      stored = entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path }));
      this.say(`stored ${entries.length} constants in ${storeDir} (entries ${entries.map((e) => e.id).join(', ')}, runs ${flags['run-range'] ?? `${firstRun}-end`})`);
    }
    let plots: string[] | undefined;
    if (flags.plot) {
      const t0 = performance.now();
      plots = await plotConstantSet(set, flags.plot, { cell: flags['plot-cell'], gainNames: plugin.geometry.gainStageNames, labels: { cell: '--plot-cell', dir: '--plot' } });
      this.say(`plotted cell ${flags['plot-cell']}: ${plots.length} PNG files in ${flags.plot} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const writing = report.streamed ? `, of which ${report.writeSeconds.toFixed(1)} s writing the constants as they were computed${flags.layout === 'euxfel' ? ' and transposing them to the euxfel layout' : ''}` : `; writing the constants ${report.writeSeconds.toFixed(1)} s`;
    this.say(`${report.seconds.toFixed(1)} s${writing}, ${report.mbPerSecond.toFixed(0)} MB/s of raw data, ${report.framesPerSecond.toFixed(0)} frames/s, peak RSS ${report.peakRssMb.toFixed(0)} MB, backend ${report.backend.choice}, ${report.threads} thread(s)`);
    return { ...report, stored, plots };
  }
}
