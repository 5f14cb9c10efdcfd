import { Flags } from '@oclif/core';
import type { VerifyReport } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags } from '../../lib/store-flags.js';

export default class ConstantsVerify extends BaseCommand {
  static override summary = 'Recompute every payload checksum; report missing or corrupt payloads, orphan payloads and leftover temp files.';
  static override description = `Exits with status 1 when a payload is missing or corrupt (find never returns those; re-add or restore them). Orphans are payload files without an index row, left by a write that was killed before its index commit; with --prune they and stale temp files older than 15 minutes are deleted.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --store ~/detcal-store',
    '<%= config.bin %> <%= command.id %> --prune --json',
  ];

  static override flags = {
    ...storeFlags,
    prune: Flags.boolean({ summary: 'Delete orphan payloads and temp files older than 15 minutes.' }),
  };

  async run(): Promise<VerifyReport> {
    const { flags } = await this.parse(ConstantsVerify);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const r = store.verify({ prune: flags.prune });
      this.say(`checked ${r.checked} entries in ${r.seconds.toFixed(2)} s: ${r.ok} ok, ${r.problems.filter((p) => p.problem === 'missing').length} missing, ${r.problems.filter((p) => p.problem !== 'missing').length} corrupt`);
      for (const p of r.problems) this.say(`  ${p.problem.toUpperCase()}  entry ${p.id}  ${p.what}  ${p.path}`);
      for (const o of r.orphans) this.say(`  orphan payload (not in the index)  ${o}`);
      for (const t of r.tempFiles) this.say(`  temp file  ${t}`);
      for (const d of r.pruned) this.say(`  deleted  ${d}`);
      if (r.orphans.length + r.tempFiles.length > 0 && !flags.prune) this.say('orphans and temp files come from interrupted writes; --prune deletes those older than 15 minutes');
      if (r.problems.length > 0) process.exitCode = 1;
      return r;
    } finally {
      store.close();
    }
  }
}
