import { Flags } from '@oclif/core';
import type { CalibDeployResult, StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, queryFlags, queryFromFlags, storeFlags } from '../../lib/store-flags.js';

export default class ConstantsDeploy extends BaseCommand {
  static override summary = 'Deploy a stored constant into a psana calib directory as <Group>/<source>/<ctype>/<begin>-<end>.data.';
  static override description = `Writes the psana text array format (header SHAPE / DATATYPE / DTYPE / NDIM / DIM:i, 2-D body; %.3f for pedestals / rms, %d for status) through a temp file and a rename. An existing file of that name is first copied to <file>-<YYYY-mm-ddTHH:MM:SS>, and a line "file:... copy_of:... exp:... run:... comment:... user:... host:... cptime:... zone:..." is appended to the folder's HISTORY, as the LCLS deploy tools do. Group and source default to the ones the entry was imported from, else the detector type's group and the detector id; the run range defaults to the entry's validity.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --id 12 --calib-dir /reg/d/psdm/xpp/xppn4116/calib --source XppGon.0:Epix100a.1 --group Epix100a::CalibV1 --run-range 137-end',
    '<%= config.bin %> <%= command.id %> -d epix100 --detector-id 0001 -t pedestals --run 137 --calib-dir ./calib --source XppGon.0:Epix100a.1 --run-range 137-end',
  ];

  static override flags = {
    ...storeFlags,
    ...queryFlags,
    'calib-dir': Flags.string({ summary: 'psana calib directory to deploy into.', required: true }),
    source: Flags.string({ summary: 'psana source, e.g. XppGon.0:Epix100a.1 (default: the entry\'s).' }),
    group: Flags.string({ summary: 'psana calib group, e.g. Epix100a::CalibV1 (default: from the detector type).' }),
    'run-range': Flags.string({ summary: 'Runs of the deployed file: A-B or A-end (default: the entry\'s validity).', helpValue: 'A-B|A-end' }),
    as: Flags.string({ summary: 'Calib type folder to deploy as (default: the entry\'s ctype), e.g. status_extra.' }),
    comment: Flags.string({ char: 'm', summary: 'HISTORY comment (default: the entry\'s comment).' }),
    fmt: Flags.string({ summary: 'printf format of the values (%d, %.3f, %10.4f, %.6e).' }),
  };

  async run(): Promise<CalibDeployResult & { entry: StoreEntry }> {
    const { flags } = await this.parse(ConstantsDeploy);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const id = flags.id ?? store.findEntry(queryFromFlags(flags)).entry.id;
      const r = await store.deploy(id, {
        calibDir: flags['calib-dir'],
        ...(flags.source ? { source: flags.source } : {}),
        ...(flags.group ? { group: flags.group } : {}),
        ...(flags['run-range'] ? { runRange: flags['run-range'] } : {}),
        ...(flags.as ? { ctype: flags.as } : {}),
        ...(flags.comment ? { comment: flags.comment } : {}),
        ...(flags.fmt ? { fmt: flags.fmt } : {}),
      });
      this.say(`deployed entry ${r.entry.id} (${r.entry.ctype} of ${r.entry.detectorType} ${r.entry.detectorId}) to ${r.file}`);
      if (r.backup) this.say(`previous file kept as ${r.backup}`);
      this.say(`HISTORY: ${r.historyLine.trimEnd()}`);
      return r;
    } finally {
      store.close();
    }
  }
}
