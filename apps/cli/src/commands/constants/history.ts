import { Flags } from '@oclif/core';
import { parseTime, type LogRecord } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags } from '../../lib/store-flags.js';

export default class ConstantsHistory extends BaseCommand {
  static override summary = 'Show the store log: every add, import, deploy, merge-status and prune, with who, where and when.';
  static override description = 'The log lives in <store>/logs/<YEAR>_log_detcal.txt, one line per store-changing command.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --store ~/detcal-store',
    '<%= config.bin %> <%= command.id %> --action deploy --since 2024-05-01',
    '<%= config.bin %> <%= command.id %> --grep XppGon.0:Epix100a.1 --limit 20 --json',
  ];

  static override flags = {
    ...storeFlags,
    action: Flags.string({ summary: 'Only this action.', options: ['init', 'add', 'import', 'deploy', 'merge-status', 'prune'] }),
    since: Flags.string({ summary: 'Only records at or after this time.' }),
    grep: Flags.string({ summary: 'Only records that mention this text (detector id, ctype, path ...).' }),
    limit: Flags.integer({ summary: 'The newest N records.', min: 1 }),
  };

  async run(): Promise<{ store: string; records: LogRecord[] }> {
    const { flags } = await this.parse(ConstantsHistory);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const records = store.history({
        ...(flags.action ? { action: flags.action } : {}),
        ...(flags.since ? { since: parseTime(flags.since, '--since') } : {}),
        ...(flags.grep ? { grep: flags.grep } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
      });
      for (const r of records) this.say(`${r.time}  ${r.action.padEnd(12)}  ${r.user}@${r.host}  ${JSON.stringify(r.details)}`);
      if (records.length === 0) this.say('no log records match');
      return { store: store.dir, records };
    } finally {
      store.close();
    }
  }
}
