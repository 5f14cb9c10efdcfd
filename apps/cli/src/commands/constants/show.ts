import { Args, Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { constantStatistics, isTextConstant, type ConstantStatistics, type StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags } from '../../lib/store-flags.js';
import { entryLines, statisticsLines } from '../../lib/store-format.js';

export default class ConstantsShow extends BaseCommand {
  static override summary = 'Show one entry: metadata, validity, conditions, payload checksum, and statistics of the array.';
  static override description = `The payload's sha256 is checked before it is read. Statistics: min, max, mean, std, zeros, non-finite values, and for integer arrays (status, bad-pixel flags) the count of each value.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --store ~/detcal-store',
    '<%= config.bin %> <%= command.id %> 12 --json',
  ];

  static override args = {
    id: Args.integer({ description: 'entry id (see `detcal constants list`)', required: true }),
  };

  static override flags = {
    ...storeFlags,
    stats: Flags.boolean({ summary: 'Read the payload and compute statistics (--no-stats: metadata only).', allowNo: true, default: true }),
  };

  async run(): Promise<{ entry: StoreEntry; statistics?: ConstantStatistics; text?: string }> {
    const { args, flags } = await this.parse(ConstantsShow);
    if (args.id < 1) throw new DetcalError('BAD_INPUT', `entry id ${args.id} does not exist; ids start at 1 (see \`detcal constants list\`)`);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      if (!flags.stats) {
        const entry = store.get(args.id);
        for (const line of entryLines(entry)) this.say(line);
        return { entry };
      }
      const { entry, constant } = await store.load(args.id);
      for (const line of entryLines(entry)) this.say(line);
      if (isTextConstant(constant)) {
        const text = Buffer.from(constant.data as Uint8Array).toString('utf8');
        this.say(`  text:       ${text.split('\n').length} lines`);
        return { entry, text };
      }
      const statistics = constantStatistics(constant);
      for (const line of statisticsLines(statistics)) this.say(line);
      return { entry, statistics };
    } finally {
      store.close();
    }
  }
}
