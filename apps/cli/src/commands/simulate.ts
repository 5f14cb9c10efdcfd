import { Args, Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { BaseCommand } from '../base-command.js';
import { formatBytes, formatTable } from '../lib/format-table.js';
import { createProgress } from '../lib/progress.js';
import { simulateToDisk, type SimulationReport } from '../lib/simulate-to-disk.js';

export default class Simulate extends BaseCommand {
  static override summary = 'Write realistic raw runs with known per-pixel truth (offsets, noise, gain levels, bad pixels, common mode).';
  static override description = `Writes European XFEL raw sequence files (RAW-R{run}-{AGG}-S{seq}.h5), one folder per run
(AGIPD and Jungfrau: one run per gain stage), the truth as truth-<detector>-m<module>.h5 in the axis order of
detcal constants ([gain][cell][row][col]), and simulation.json listing what was written.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> agipd --kind dark --out sim/agipd --cells 16 --trains 64',
    '<%= config.bin %> <%= command.id %> jungfrau --kind dark --out sim/jf --seed 7',
    '<%= config.bin %> <%= command.id %> epix100 --kind dark --out sim/epix --trains 500 --json',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
  };

  static override flags = {
    kind: Flags.string({ summary: 'What to simulate.', default: 'dark' }),
    out: Flags.directory({ char: 'o', summary: 'Output directory (one sub-folder per run).', required: true }),
    seed: Flags.integer({ summary: 'Seed of the random generator: same seed, same files.', default: 1 }),
    trains: Flags.integer({ summary: 'Trains per run (default: the detector\'s).', min: 1 }),
    cells: Flags.integer({ summary: 'Memory cells per train (default: the detector\'s).', min: 1 }),
    module: Flags.integer({ summary: 'Module index.', default: 0, min: 0 }),
    run: Flags.integer({ summary: 'Run number of the first run.', default: 1, min: 0 }),
    'frames-per-sequence': Flags.integer({ summary: 'Frames per sequence file before the next S0000n file.', default: 3500, min: 1 }),
    'photon-energy': Flags.string({ summary: 'Photon energy in keV of light / X-ray simulations (default: the detector\'s).' }),
    compression: Flags.string({ summary: 'Compression of the raw pixel data.', options: ['none', 'gzip'], default: 'none' }),
    force: Flags.boolean({ summary: 'Replace runs already in the output directory.' }),
  };

  async run(): Promise<SimulationReport> {
    const { args, flags } = await this.parse(Simulate);
    const plugin = await this.detector(args.detector, flags.plugin);
    const cells = flags.cells ?? plugin.simulationDefaults.cells;
    if (cells > plugin.geometry.maxMemoryCells) {
      throw new DetcalError('BAD_INPUT', `--cells ${cells} exceeds the ${plugin.geometry.maxMemoryCells} memory cells of ${plugin.id}`);
    }
    if (flags.module >= plugin.geometry.modules) {
      throw new DetcalError('BAD_INPUT', `--module ${flags.module} does not exist: ${plugin.id} has modules 0..${plugin.geometry.modules - 1}`);
    }
    let photonEnergyKev: number | undefined;
    if (flags['photon-energy'] !== undefined) {
      photonEnergyKev = Number(flags['photon-energy']);
      if (!(photonEnergyKev > 0)) throw new DetcalError('BAD_INPUT', `--photon-energy ${flags['photon-energy']}: give the photon energy in keV, e.g. 9.3`);
    }
    const report = await simulateToDisk(
      plugin,
      {
        kind: flags.kind,
        seed: flags.seed,
        trains: flags.trains ?? plugin.simulationDefaults.trains,
        cells,
        module: flags.module,
        firstRun: flags.run,
        framesPerSequence: flags['frames-per-sequence'],
        ...(photonEnergyKev !== undefined ? { photonEnergyKev } : {}),
      },
      flags.out,
      { compression: flags.compression as 'none' | 'gzip', force: flags.force, progress: createProgress(!this.jsonEnabled()) },
    );
    this.say(`simulated ${plugin.displayName} ${report.kind}, module ${report.module}, ${report.trains} trains x ${report.cells} cells, seed ${report.seed}`);
    this.say(
      formatTable(
        ['run', 'label', 'gain stage', 'frames', 'files', 'size', 'folder'],
        report.runs.map((r) => [r.run, r.label, r.gainStage, r.frames, r.files.length, formatBytes(r.bytes), r.dir]),
      ),
    );
    this.say(`truth: ${report.truthFile}`);
    this.say(`manifest: ${report.manifest}  (${report.seconds.toFixed(1)} s)`);
    return report;
  }
}
