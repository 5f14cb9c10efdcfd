import { Args, Flags } from '@oclif/core';
import type { Conditions } from '@detcal/core';
import { parseRunRange } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { formatBytes } from '../../lib/format-table.js';
import { parseKeyValues } from '../../lib/parse-key-values.js';
import { runGainCombine, type GainCombineReport } from '../../lib/run-gain-combine.js';
import { optionalStoreDir, saveSetToStore } from '../../lib/store-io.js';

export default class GainCombine extends BaseCommand {
  static override summary = 'Combine dark, current-source and X-ray constants into gains in keV/ADU, offsets and thresholds per stage, cell and pixel.';
  static override description = `The AGIPD seed's combination. High gain: photon energy / photon spacing (X-ray, ADU per photon), carried
to every memory cell by the current-source HG slopes (s_HG[cell] / s_HG[xray cell]); medium and low gain: the high gain
times the slope ratio s_HG / s_MG, s_HG / s_LG of the same cell and pixel. Offsets: high gain from the dark (Offset),
medium and low gain from the current-source line offsets; thresholds: the current-source digital thresholds.
Writes GainKevPerAdu, Offset, ThresholdsDark [gain|threshold][cell][row][col] (what \`detcal correct\` reads) and
BadPixelsGain (CI_EVAL_ERROR without a slope, FF_GAIN_EVAL_ERROR without a photon spacing).
Photon energy: --photon-energy, else the X-ray file's metadata (photonEnergyKev), else 8.04 keV (Cu K-alpha).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd --dark agipd-dark.h5 --current-source agipd-cs.h5 --xray agipd-xray.h5 --out agipd-gain.h5',
    '<%= config.bin %> <%= command.id %> agipd --dark d.h5 --current-source cs.h5 --xray x.h5 --out g.h5 --photon-energy 17.48 --xray-cell 0 --store ./store --run-range 20-end',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
  };

  static override flags = {
    dark: Flags.string({ summary: 'Dark constants file (`detcal dark`): Offset.', required: true }),
    'current-source': Flags.string({ summary: 'Current-source constants file (`detcal gain current-source`), either layout.', required: true }),
    xray: Flags.string({ summary: 'X-ray constants file (`detcal gain xray`): photonSpacing (row, col).', required: true }),
    out: Flags.string({ char: 'o', summary: 'Output constants file (.h5).', required: true }),
    'photon-energy': Flags.string({ summary: 'Photon energy of the X-ray measurement, keV (default: from the X-ray file, else 8.04).' }),
    'xray-cell': Flags.integer({ summary: 'Memory cell the X-ray data was taken with.', min: 0 }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    condition: Flags.string({ summary: 'Operating condition NAME=VALUE to record (repeatable).', multiple: true }),
    'detector-id': Flags.string({ summary: 'Detector / module identifier for the metadata (default: the dark\'s).' }),
    store: Flags.string({ summary: 'Also add the constants to this store (default: DETCAL_STORE when set).' }),
    'run-range': Flags.string({ summary: 'Validity of the stored constants: A-B or A-end (default: first source run - end).' }),
    exp: Flags.string({ summary: 'Experiment / proposal recorded with the stored constants.' }),
    comment: Flags.string({ summary: 'Comment recorded with the stored constants.' }),
  };

  async run(): Promise<GainCombineReport & { stored?: Array<{ id: number; ctype: string; path: string }> }> {
    const { args, flags } = await this.parse(GainCombine);
    const plugin = await this.detector(args.detector, flags.plugin);
    if (flags['run-range']) parseRunRange(flags['run-range']);
    const parameters: Record<string, number> = {};
    if (flags['photon-energy'] !== undefined) {
      const kev = Number(flags['photon-energy']);
      if (!(kev > 0)) this.error(`--photon-energy ${flags['photon-energy']}: give the photon energy in keV, e.g. 8.04`, { exit: 2 });
      parameters.photon_energy_kev = kev;
    }
    if (flags['xray-cell'] !== undefined) parameters.xray_cell = flags['xray-cell'];
    const { set, report } = await runGainCombine(plugin, {
      inputs: { dark: flags.dark, 'current-source': flags['current-source'], xray: flags.xray },
      out: flags.out,
      module: flags.module,
      parameters,
      detectorId: flags['detector-id'],
      conditions: parseKeyValues(flags.condition) as Conditions,
    });
    this.say(`${plugin.displayName} gain combination, module ${report.module}, ${report.cells} cells, photon energy ${report.photonEnergyKev} keV (${report.photonEnergySource}), X-ray cell ${report.xrayCell}`);
    this.say(`median gain keV/ADU: HG ${report.medianGainKevPerAdu[0]?.toPrecision(4)}, MG ${report.medianGainKevPerAdu[1]?.toPrecision(4)}, LG ${report.medianGainKevPerAdu[2]?.toPrecision(4)}; pixel-cells without gain: ${report.missingGains.join(' / ')}`);
    this.say(`wrote ${report.out} (${formatBytes(report.bytesWritten)}, ${Object.keys(set.constants).join(', ')})`);
    const storeDir = optionalStoreDir(flags.store);
    let stored: Array<{ id: number; ctype: string; path: string }> | undefined;
    if (storeDir) {
      const runs = set.metadata.sourceRuns.map(Number).filter((n) => Number.isInteger(n));
      const firstRun = runs.length ? Math.min(...runs) : 0;
      const range = parseRunRange(flags['run-range'] ?? `${firstRun}-end`);
      const entries = await saveSetToStore(storeDir, set, { validity: { beginRun: range.begin, endRun: range.end }, exp: flags.exp, run: range.begin, comment: flags.comment });
      stored = entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path }));
      this.say(`stored ${entries.length} constants in ${storeDir} (entries ${entries.map((e) => e.id).join(', ')}, runs ${flags['run-range'] ?? `${firstRun}-end`})`);
    }
    return { ...report, stored };
  }
}
