import { Args } from '@oclif/core';
import { formatInspect, inspect } from '@detcal/hdf5';
import { BaseCommand } from '../base-command.js';

export default class Inspect extends BaseCommand {
  static override summary = 'Describe a raw run or HDF5 file: sources, datasets, shapes, dtypes, filters, trains, frames, cells.';
  static override description = `Takes a run folder of RAW-R{run}-{AGG}-S{seq}.h5 sequence files, one sequence file, or any HDF5
file (a constants file, a NeXus file). Filters that detcal cannot decode are marked, so you know before a long job.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> sim/agipd/r0001',
    '<%= config.bin %> <%= command.id %> sim/agipd/r0001/RAW-R0001-AGIPD00-S00000.h5 --json',
    '<%= config.bin %> <%= command.id %> constants.h5',
  ];

  static override args = {
    input: Args.string({ description: 'run folder or HDF5 file', required: true }),
  };

  async run(): Promise<unknown> {
    const { args } = await this.parse(Inspect);
    const result = await inspect(args.input);
    this.say(formatInspect(result));
    return result;
  }
}
