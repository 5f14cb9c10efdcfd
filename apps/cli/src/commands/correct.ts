import { availableParallelism } from 'node:os';
import { Args, Flags } from '@oclif/core';
import type { Conditions } from '@detcal/core';
import { BaseCommand } from '../base-command.js';
import { formatBytes, formatTable } from '../lib/format-table.js';
import { parseKeyValues } from '../lib/parse-key-values.js';
import { createProgress } from '../lib/progress.js';
import { runCorrect, type CorrectReport } from '../lib/run-correct.js';
import { optionalStoreDir } from '../lib/store-io.js';

export default class Correct extends BaseCommand {
  static override summary = 'Correct a raw run with calibration constants: one CORR-R{run}-{AGG}-S{seq}.h5 per sequence file.';
  static override description = `Streams every sequence file of the run through the detector's correction (AGIPD: gain stage from
the digital value, offset, common mode, gain, bad-pixel mask; Jungfrau: gain bits, offset, gain; ePix100 /
pnCCD: offset, common mode, gain, pattern classification) and writes the European XFEL corrected layout:
data (f4, keV when a gain in keV/ADU is known, else ADU), mask (u4 BadPixels flags), gain (u1 stage) and
the cell / train / pulse ids, gzip on the integer maps. Constants come from --constants files (from
detcal dark) and / or the store, chosen by run number, time and conditions; files win by name. The
constants are checked against the data (frame shape, memory cells, conditions) before anything is written,
and when a file fails the CORR files of this call are removed. --threads N corrects N sequence files at once.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd sim/agipd/r0010 --constants agipd-dark.h5 --out corr/',
    '<%= config.bin %> <%= command.id %> agipd raw/r0022 --store store/ --run-number 22 --out corr/ --threads 4',
    '<%= config.bin %> <%= command.id %> agipd raw/r0022 --store store/ --out corr/ --param common_mode=false --param mask_value=0',
    '<%= config.bin %> <%= command.id %> agipd --help-params',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
    run: Args.string({ description: 'raw run folder or sequence file' }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Output folder for the CORR files.' }),
    constants: Flags.string({ char: 'c', summary: 'Constants file (repeatable; later files win for the same constant).', multiple: true }),
    store: Flags.string({ summary: 'Constants store to resolve constants from (default: DETCAL_STORE when set).' }),
    'run-number': Flags.integer({ summary: 'Run number the store lookup uses (default: from the file names).', min: 0 }),
    at: Flags.string({ summary: 'Time the store constants must be valid at (ISO 8601), besides the run.' }),
    'detector-id': Flags.string({ summary: 'Detector / module id of the constants in the store.' }),
    condition: Flags.string({ summary: 'Operating condition NAME=VALUE the constants must match (repeatable).', multiple: true }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    param: Flags.string({ char: 'p', summary: 'Correction parameter NAME=VALUE (repeatable), e.g. common_mode=false.', multiple: true }),
    'photon-energy': Flags.string({ summary: 'Photon energy in keV: write photons instead of keV (sets photon_energy_kev).' }),
    backend: Flags.string({ summary: 'Backend of the per-pixel correction kernel.', options: ['cpu', 'gpu'], default: 'cpu' }),
    threads: Flags.integer({ summary: 'Sequence files corrected at once, one thread each (this one and N - 1 workers).', default: Math.max(1, availableParallelism()), min: 1 }),
    force: Flags.boolean({ summary: 'Replace CORR files that exist.' }),
    'help-params': Flags.boolean({ summary: 'List the parameters of the correction and their defaults, then exit.' }),
  };

  async run(): Promise<CorrectReport | { parameters: unknown }> {
    const { args, flags } = await this.parse(Correct);
    const plugin = await this.detector(args.detector, flags.plugin);
    if (flags['help-params']) {
      const specs = plugin.correctParameters ?? [];
      this.say(`${plugin.id} correct (constants: ${plugin.correctConstants?.required.join(', ') ?? '-'} required; ${plugin.correctConstants?.optional.join(', ') ?? '-'} when present):`);
      for (const s of specs) this.say(`  ${s.name.padEnd(30)} ${String(s.defaultValue).padEnd(14)} ${s.description}`);
      return { parameters: specs };
    }
    if (!args.run) this.error('give the raw run: detcal correct <detector> <run> --out DIR --constants FILE.h5', { exit: 2 });
    if (!flags.out) this.error('--out DIR is required: where to write the CORR files', { exit: 2 });
    const parameters = parseKeyValues(flags.param);
    if (flags['photon-energy'] !== undefined) {
      const e = Number(flags['photon-energy']);
      if (!(e > 0)) this.error(`--photon-energy ${flags['photon-energy']}: give the photon energy in keV, e.g. 9.3`, { exit: 2 });
      parameters.photon_energy_kev = e;
    }
    const report = await runCorrect(
      plugin,
      {
        input: args.run,
        out: flags.out,
        constantsFiles: flags.constants ?? [],
        store: optionalStoreDir(flags.store),
        runNumber: flags['run-number'],
        at: flags.at,
        detectorId: flags['detector-id'],
        conditions: parseKeyValues(flags.condition) as Conditions,
        module: flags.module,
        parameters,
        backend: flags.backend as 'cpu' | 'gpu',
        threads: flags.threads,
        force: flags.force,
        plugins: flags.plugin ?? [],
      },
      createProgress(!this.jsonEnabled()),
    );
    this.say(`${plugin.displayName} correction, module ${report.module}${report.run !== undefined ? `, run ${report.run}` : ''}: data in ${report.unit}`);
    this.say(formatTable(['constant', 'from'], Object.entries(report.constants)));
    this.say('');
    this.say(formatTable(['raw file', 'corrected file', 'frames', 'size', 'seconds'], report.files.map((f) => [f.input, f.output, f.frames, formatBytes(f.bytesWritten), f.seconds.toFixed(1)])));
    this.say('');
    this.say(Object.entries(report.summary).map(([k, v]) => `${k} ${v}`).join(', '));
    this.say(`${report.seconds.toFixed(1)} s, ${report.mbPerSecond.toFixed(0)} MB/s of raw data, ${report.framesPerSecond.toFixed(0)} frames/s, peak RSS ${report.peakRssMb.toFixed(0)} MB, backend ${report.backend}, ${report.threads} thread(s)`);
    return report;
  }
}
