import { Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { parseRunRange, parseTime, type CalibDeployResult, type StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags } from '../../lib/store-flags.js';
import { entriesTable } from '../../lib/store-format.js';

export default class ConstantsMergeStatus extends BaseCommand {
  static override summary = 'OR the status_* constants of a panel into status_merged, optionally deploying it as status_extra.';
  static override description = `Takes every status_* constant type of the detector except status_merged (status_dark, status_data, status_light, status_max ...), each the newest version whose time stamp is at or before --at (default now), checks each payload, ORs them pixel by pixel into a uint64 array and stores it as a new status_merged entry. With --calib-dir it is also deployed as <Group>/<source>/status_extra/<run-range>.data (backup and HISTORY as deploy).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> -d epix100 --detector-id 0001',
    '<%= config.bin %> <%= command.id %> -d epix100 --detector-id XppGon.0:Epix100a.1 --at 2024-06-01 --calib-dir ./calib --source XppGon.0:Epix100a.1 --run-range 137-end',
  ];

  static override flags = {
    ...storeFlags,
    detector: Flags.string({ char: 'd', summary: 'Detector type.', required: true }),
    'detector-id': Flags.string({ summary: 'Detector / panel id or alias.', required: true }),
    module: Flags.integer({ summary: 'Module index.', min: 0 }),
    at: Flags.string({ summary: 'Requested time: each status is the newest at or before it (default now).' }),
    'run-range': Flags.string({ summary: 'Validity of status_merged and name of the deployed file: A-B or A-end.', default: '0-end', helpValue: 'A-B|A-end' }),
    comment: Flags.string({ char: 'm', summary: 'Comment of the new entry.' }),
    'calib-dir': Flags.string({ summary: 'Also deploy the result as status_extra into this psana calib directory.' }),
    source: Flags.string({ summary: 'psana source for the deploy (default: the detector id).' }),
    group: Flags.string({ summary: 'psana calib group for the deploy (default: from the detector type).' }),
  };

  async run(): Promise<{ entry: StoreEntry; inputs: StoreEntry[]; badPixels: number; deployed?: CalibDeployResult }> {
    const { flags } = await this.parse(ConstantsMergeStatus);
    if ((flags.source || flags.group) && !flags['calib-dir']) throw new DetcalError('BAD_INPUT', '--source / --group only apply to a deploy; add --calib-dir DIR');
    const range = parseRunRange(flags['run-range']);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const r = await store.mergeStatus({
        detectorType: flags.detector,
        detectorId: flags['detector-id'],
        ...(flags.module !== undefined ? { module: flags.module } : {}),
        ...(flags.at ? { at: parseTime(flags.at, '--at') } : {}),
        validity: { beginRun: range.begin, endRun: range.end },
        ...(flags.comment ? { comment: flags.comment } : {}),
      });
      this.say(`merged ${r.inputs.map((e) => `${e.ctype} (entry ${e.id})`).join(' | ')}: ${r.badPixels} of ${r.constant.data.length} pixels flagged`);
      this.say(entriesTable([r.entry]));
      let deployed: CalibDeployResult | undefined;
      if (flags['calib-dir']) {
        deployed = await store.deploy(r.entry.id, {
          calibDir: flags['calib-dir'],
          ctype: 'status_extra',
          runRange: range,
          ...(flags.source ? { source: flags.source } : {}),
          ...(flags.group ? { group: flags.group } : {}),
        });
        this.say(`deployed as ${deployed.file}${deployed.backup ? ` (previous kept as ${deployed.backup})` : ''}`);
      }
      return { entry: r.entry, inputs: r.inputs, badPixels: r.badPixels, ...(deployed ? { deployed } : {}) };
    } finally {
      store.close();
    }
  }
}
