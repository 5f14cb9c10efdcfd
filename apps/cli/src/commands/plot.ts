import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { readConstantsFile } from '@detcal/hdf5';
import { cellsOf, plotConstantSet, type ValueRange } from '@detcal/plot';
import { BaseCommand } from '../base-command.js';

/** What `detcal plot` did. */
export interface PlotReport {
  /** The constants file plotted. */
  file: string;
  /** Folder of the PNG files. */
  out: string;
  /** Memory cell plotted. */
  cell: number;
  /** Memory cells in the file. */
  cells: number;
  /** PNG files written, map then histogram per constant and gain stage. */
  files: string[];
  /** Wall time of reading and plotting. */
  seconds: number;
}

export default class Plot extends BaseCommand {
  static override summary = 'Plot a constants file: PNG maps and histograms of every constant per gain stage, and bad-pixel maps.';
  static override description = `Reads a constants file written by \`detcal dark\` (either --layout) and writes, for one memory cell and
each gain stage (thresholds: each threshold), <Constant>-g<gain>-c<cell>-map.png and -hist.png; single gain
stages and cells get no -g / -c part. Maps keep the raw frame orientation (row 0 at the top) in viridis over the
0.5-99.5 percentiles of the pixels that BadPixels does not flag; NaN pixels are red. Histograms have 100 bins over
that range plus under- and overflow bars. Flag constants (BadPixels*, pixel_status, status_*) get a map coloured by
the lowest set bit with a legend of counts per bit, and a bar chart of the counts.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd-dark.h5 --out plots/',
    '<%= config.bin %> <%= command.id %> agipd-dark.h5 --out plots/ --cell 5 --gain 0 --log-y',
    '<%= config.bin %> <%= command.id %> jf-dark.h5 --out plots/ --range Offset=2000:4000 --hide-bad --json',
  ];

  static override args = {
    file: Args.string({ description: 'constants file (.h5) written by detcal dark', required: true }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Folder for the PNG files (created if missing).', required: true, helpValue: 'DIR' }),
    cell: Flags.integer({ summary: 'Memory cell to plot.', default: 0, min: 0 }),
    gain: Flags.integer({ summary: 'Plot only this gain stage / threshold index (repeatable).', multiple: true, min: 0 }),
    range: Flags.string({ summary: 'Colour and histogram range of one constant, NAME=MIN:MAX (repeatable), instead of the percentiles.', multiple: true }),
    percentiles: Flags.string({ summary: 'Percentiles of the robust range, LOW:HIGH.', default: '0.5:99.5' }),
    'log-y': Flags.boolean({ summary: 'Logarithmic count axis in the histograms.' }),
    'hide-bad': Flags.boolean({ summary: 'Grey out flagged pixels in the maps and leave them out of the histograms.' }),
  };

  async run(): Promise<PlotReport> {
    const { args, flags } = await this.parse(Plot);
    const t0 = performance.now();
    const [low, high] = parseInterval(flags.percentiles, '--percentiles');
    if (!(low >= 0 && high <= 100 && low < high)) throw new DetcalError('BAD_INPUT', `--percentiles ${flags.percentiles}: give LOW:HIGH with 0 <= LOW < HIGH <= 100, e.g. 0.5:99.5`);
    const ranges: Record<string, ValueRange> = {};
    for (const item of flags.range ?? []) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new DetcalError('BAD_INPUT', `--range ${item}: give NAME=MIN:MAX, e.g. Offset=4000:6000`);
      const [min, max] = parseInterval(item.slice(eq + 1), `--range ${item.slice(0, eq)}`);
      if (!(min < max)) throw new DetcalError('BAD_INPUT', `--range ${item}: MIN must be below MAX`);
      ranges[item.slice(0, eq)] = { min, max };
    }
    const set = await readConstantsFile(args.file);
    for (const name of Object.keys(ranges)) {
      if (!set.constants[name]) throw new DetcalError('BAD_INPUT', `--range ${name}: ${args.file} has no constant ${name}; it has ${Object.keys(set.constants).join(', ')}`);
    }
    const gainNames = await this.gainNames(set.metadata.detectorType, flags.plugin);
    const files = await plotConstantSet(set, flags.out, {
      cell: flags.cell,
      gains: flags.gain,
      gainNames,
      ranges,
      percentiles: { low, high },
      logY: flags['log-y'],
      hideBad: flags['hide-bad'],
      labels: { cell: '--cell', dir: '--out' },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cells = cellsOf(set);
    const m = set.metadata;
    this.say(`${m.detectorType} ${m.detectorId} module ${m.module}, cell ${flags.cell} of ${cells}: wrote ${files.length} PNG files to ${flags.out} in ${seconds.toFixed(1)} s`);
    for (let i = 0; i < files.length; i += 2) this.say(`  ${files.slice(i, i + 2).map((f) => path.basename(f)).join('  ')}`);
    return { file: args.file, out: flags.out, cell: flags.cell, cells, files, seconds };
  }

  /** Names of the detector's gain stages for the titles; none when the detector type is not a known plugin. */
  private async gainNames(detectorType: string, plugins: readonly string[] | undefined): Promise<readonly string[] | undefined> {
    try {
      return (await this.registry(plugins)).get(detectorType).geometry.gainStageNames;
    } catch {
      return undefined;
    }
  }
}

/** 'A:B' -> [A, B] as numbers, or a one-line error naming the flag. */
function parseInterval(text: string, flag: string): [number, number] {
  const parts = text.split(':').map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new DetcalError('BAD_INPUT', `${flag} ${text}: give two numbers as MIN:MAX`);
  return [parts[0], parts[1]];
}
