import { createInterface } from 'node:readline';
import { Args, Flags } from '@oclif/core';
import { parseRunRange } from '@detcal/store';
import { BaseCommand } from '../base-command.js';
import { formatBytes, formatTable } from '../lib/format-table.js';
import { runMask, type IntervalPrompt, type MaskReport } from '../lib/run-mask.js';
import { optionalStoreDir, saveSetToStore } from '../lib/store-io.js';

export default class Mask extends BaseCommand {
  static override summary = 'Build a bad-cell mask: manual and systematic masks, ASIC borders, confidence intervals on constants.';
  static override description = `Writes badCellMask (u1, 1 = bad) and BadPixelsMask (u4 EuXFEL flags), both (cells, rows, cols), in this order:
  --manual FILE      beam stop, shadows ...: a shapes file, a PNG (non-black = masked) or a .npy array      -> EXPERT_CHOICE
  --systematic FILE  cells / pixels known bad, same formats                                                -> EXPERT_CHOICE
  --asic-borders W   W pixels at every ASIC edge (tiling from the detector geometry)                       -> NON_STANDARD_SIZE
  --interval NAME=LO:HI  on a constant of the --constants files: (cell, pixel) outside [LO, HI] in any
                     plane (gain stage ...) is masked, NaN too; NAME[G]=LO:HI limits it to plane G (e.g. Offset[0])
                                                                                  -> VALUE_OUT_OF_RANGE / VALUE_IS_NAN
  --interactive      for every other constant (each plane): print its histogram (cells not yet masked) and
                     read LO:HI from stdin (empty line: no interval).
Cells masked by an earlier step are left out of later histograms. Shapes file, one per line, (row, col) of the
raw module frame, ranges inclusive, '#' comments:
  rect ROW0 ROW1 COL0 COL1 [cells LIST]  |  polygon R,C R,C R,C ... [cells LIST]  |  pixel ROW COL [cells LIST]  |  cells LIST
LIST: 0-3,17,200-351; without it a shape covers every cell.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd --cells 352 --manual beamstop.txt --asic-borders 1 --out mask.h5',
    '<%= config.bin %> <%= command.id %> agipd --cells 16 --constants dark.h5 --constants xray.h5 --interval Offset[0]=3000:7000 --interval photonSpacing=50:80 --out mask.h5',
    '<%= config.bin %> <%= command.id %> agipd --cells 16 --constants dark.h5 --interactive --out mask.h5',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
  };

  static override flags = {
    cells: Flags.integer({ summary: 'Memory cells of the mask.', required: true, min: 1 }),
    manual: Flags.string({ summary: 'Manual mask: shapes text file, .png or .npy (repeatable).', multiple: true }),
    systematic: Flags.string({ summary: 'Systematic mask (cells / pixels known bad), same formats (repeatable).', multiple: true }),
    'asic-borders': Flags.integer({ summary: 'Mask this many pixels at every ASIC edge.', default: 0, min: 0 }),
    interval: Flags.string({ summary: 'Confidence interval NAME=LO:HI or NAME[PLANE]=LO:HI on a constant (repeatable; open ends: :HI, LO:).', multiple: true }),
    constants: Flags.string({ summary: 'Constants file the intervals read (repeatable).', multiple: true }),
    interactive: Flags.boolean({ summary: 'Choose an interval for each remaining constant from its printed histogram (reads stdin).' }),
    out: Flags.string({ char: 'o', summary: 'Output file (.h5).', required: true }),
    layout: Flags.string({ summary: 'Axis order of the output file.', options: ['detcal', 'euxfel'], default: 'detcal' }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    'detector-id': Flags.string({ summary: 'Detector / module identifier for the metadata (default <ID>-M<module>).' }),
    store: Flags.string({ summary: 'Also add the mask to this store (default: DETCAL_STORE when set).' }),
    'run-range': Flags.string({ summary: 'Validity of the stored mask: A-B or A-end (default 0-end).' }),
    comment: Flags.string({ summary: 'Comment recorded with the stored mask.' }),
  };

  async run(): Promise<MaskReport & { stored?: Array<{ id: number; ctype: string; path: string }> }> {
    const { args, flags } = await this.parse(Mask);
    const plugin = await this.detector(args.detector, flags.plugin);
    if (flags['run-range']) parseRunRange(flags['run-range']);
    const prompt = flags.interactive ? this.stdinPrompt() : undefined;
    const { set, report } = await runMask(plugin, {
      cells: flags.cells,
      manual: flags.manual ?? [],
      systematic: flags.systematic ?? [],
      asicBorders: flags['asic-borders'],
      intervals: flags.interval ?? [],
      constants: flags.constants ?? [],
      interactive: prompt?.ask,
      out: flags.out,
      layout: flags.layout as 'detcal' | 'euxfel',
      module: flags.module,
      detectorId: flags['detector-id'],
    }).finally(() => prompt?.close());
    this.say(`${plugin.displayName} mask, module ${report.module}: ${report.cells} cells x ${report.rows} x ${report.cols}`);
    this.say(formatTable(['stage', 'source', 'flag', 'newly masked', 'masked after'], report.stages.map((s) => [s.stage, s.source, s.flag, s.newlyMasked, s.maskedAfter])));
    this.say(`masked ${report.masked} of ${report.cells * report.rows * report.cols} (cell, pixel) values (${(100 * report.maskedFraction).toFixed(3)}%)`);
    this.say(`wrote ${report.out} (${formatBytes(report.bytesWritten)}, badCellMask, BadPixelsMask)`);
    const storeDir = optionalStoreDir(flags.store);
    let stored: Array<{ id: number; ctype: string; path: string }> | undefined;
    if (storeDir) {
      const range = parseRunRange(flags['run-range'] ?? '0-end');
      const entries = await saveSetToStore(storeDir, set, { validity: { beginRun: range.begin, endRun: range.end }, run: range.begin ?? 0, comment: flags.comment });
      stored = entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path }));
      this.say(`stored ${entries.length} constants in ${storeDir} (entries ${entries.map((e) => e.id).join(', ')})`);
    }
    return { ...report, stored };
  }

  /** Prints each histogram (stderr with --json) and reads one line of stdin per constant; end of input = no interval. */
  private stdinPrompt(): { ask: IntervalPrompt; close(): void } {
    const rl = createInterface({ input: process.stdin, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const out = (s: string): void => {
      if (this.jsonEnabled()) process.stderr.write(`${s}\n`);
      else this.log(s);
    };
    const ask: IntervalPrompt = async (name, unit, histogram) => {
      out(`\n${name}${unit ? ` (${unit})` : ''}, cells not yet masked:`);
      for (const l of histogram) out(`  ${l}`);
      out(`interval for ${name} as LO:HI (empty: keep all)?`);
      const next = await lines.next();
      if (next.done) {
        rl.close();
        return '';
      }
      return next.value;
    };
    return { ask, close: () => rl.close() };
  }
}
