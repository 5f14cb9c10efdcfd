import { Flags } from '@oclif/core';
import type { StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags } from '../../lib/store-flags.js';
import { entriesTable } from '../../lib/store-format.js';

export default class ConstantsList extends BaseCommand {
  static override summary = 'List the entries of the store, newest first, optionally for one detector, constant type or run.';
  static override description = 'Every version is listed (find picks one of them); defaults are marked "(default)".';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --store ~/detcal-store',
    '<%= config.bin %> <%= command.id %> --detector epix100 --ctype pedestals --run 137',
    '<%= config.bin %> <%= command.id %> --detector-id 0001 --json',
  ];

  static override flags = {
    ...storeFlags,
    detector: Flags.string({ char: 'd', summary: 'Only this detector type.' }),
    'detector-id': Flags.string({ summary: 'Only this detector id or alias.' }),
    module: Flags.integer({ summary: 'Only this module.', min: 0 }),
    ctype: Flags.string({ char: 't', summary: 'Only this constant type.' }),
    run: Flags.integer({ char: 'r', summary: 'Only entries whose run range holds this run.', min: 0 }),
    defaults: Flags.boolean({ summary: 'Include detector type defaults (--no-defaults to hide them).', allowNo: true, default: true }),
    limit: Flags.integer({ summary: 'At most this many entries.', min: 1 }),
  };

  async run(): Promise<{ store: string; entries: StoreEntry[] }> {
    const { flags } = await this.parse(ConstantsList);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const entries = store.list({
        ...(flags.detector ? { detectorType: flags.detector } : {}),
        ...(flags['detector-id'] ? { detectorId: flags['detector-id'] } : {}),
        ...(flags.module !== undefined ? { module: flags.module } : {}),
        ...(flags.ctype ? { ctype: flags.ctype } : {}),
        ...(flags.run !== undefined ? { run: flags.run } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        includeDefaults: flags.defaults,
      });
      this.say(entries.length ? entriesTable(entries) : 'no entries match');
      return { store: store.dir, entries };
    } finally {
      store.close();
    }
  }
}
