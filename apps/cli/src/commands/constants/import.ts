import { Args, Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { IMPORT_FORMATS, type ImportFormat, type StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags, validityFlags, validityFromFlags } from '../../lib/store-flags.js';
import { entriesTable } from '../../lib/store-format.js';

export default class ConstantsImport extends BaseCommand {
  static override summary = 'Bring constants of other tools into the store: a whole psana calib tree, CalCat files, psana text or .npy arrays.';
  static override description = `--calib-dir DIR imports every <Group>::CalibV1/<source>/<ctype>/<begin>-<end>.data file: detector type from the group (Epix100a::CalibV1 -> epix100), detector id = source, validity = the run range, experiment / run / comment / user from the file's HISTORY line; geometry files are kept as text. Files already imported are skipped, so a tree can be imported again after new deployments. FILE arguments: CalCat HDF5 (/<PDU>/<Calibration>/<n>/data), detcal constants files, psana text (.data/.txt) or .npy (these need --detector, --detector-id and --ctype).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --calib-dir /reg/d/psdm/xpp/xppn4116/calib --store ~/detcal-store',
    '<%= config.bin %> <%= command.id %> cal.1717149600.h5 --detector jungfrau --run-range 40-end',
    '<%= config.bin %> <%= command.id %> peds.txt -d epix100 --detector-id XppGon.0:Epix100a.1 -t pedestals --run-range 137-end --exp xppn4116',
  ];

  static override strict = false;

  static override args = {
    files: Args.string({ description: 'files to import (CalCat / detcal HDF5, psana text, .npy)' }),
  };

  static override flags = {
    ...storeFlags,
    ...validityFlags,
    'calib-dir': Flags.string({ summary: 'psana calib directory to import whole.' }),
    group: Flags.string({ summary: 'With --calib-dir: only this calib group (e.g. Epix100a::CalibV1).' }),
    source: Flags.string({ summary: 'With --calib-dir: only this source (e.g. XppGon.0:Epix100a.1).' }),
    format: Flags.string({ summary: 'Format of the FILE arguments (default from extension and content).', options: [...IMPORT_FORMATS] }),
    detector: Flags.string({ char: 'd', summary: 'Detector type (needed for psana text, .npy and facility CalCat files).' }),
    'detector-id': Flags.string({ summary: 'Detector / panel id (default: the file\'s, or the CalCat PDU).' }),
    module: Flags.integer({ summary: 'Module index.', min: 0 }),
    ctype: Flags.string({ char: 't', summary: 'Constant type of a psana text / .npy file; for HDF5 files, the constants to take (repeatable).', multiple: true }),
    unit: Flags.string({ summary: 'Unit of a psana text / .npy array (e.g. ADU, keV/ADU).' }),
    pdu: Flags.string({ summary: 'PDU to read from a CalCat file holding several.' }),
    exp: Flags.string({ summary: 'Experiment / proposal.' }),
    run: Flags.integer({ summary: 'Run the constants come from.', min: 0 }),
    comment: Flags.string({ char: 'm', summary: 'Comment stored with each entry.' }),
  };

  async run(): Promise<{ store: string; imported: StoreEntry[]; skipped: Array<{ file: string; reason: string }> }> {
    const { argv, flags } = await this.parse(ConstantsImport);
    const files = argv as string[];
    if (!flags['calib-dir'] && files.length === 0) throw new DetcalError('BAD_INPUT', 'nothing to import: pass --calib-dir DIR or one or more files');
    const store = await openStoreFromFlag(flags.store, true);
    const imported: StoreEntry[] = [];
    const skipped: Array<{ file: string; reason: string }> = [];
    try {
      if (flags['calib-dir']) {
        const r = await store.importCalibDir(flags['calib-dir'], { ...(flags.group ? { group: flags.group } : {}), ...(flags.source ? { source: flags.source } : {}) });
        imported.push(...r.imported);
        skipped.push(...r.skipped);
      }
      for (const file of files) {
        const r = await store.importFile(file, {
          ...(flags.format ? { format: flags.format as ImportFormat } : {}),
          ...(flags.detector ? { detectorType: flags.detector } : {}),
          ...(flags['detector-id'] ? { detectorId: flags['detector-id'] } : {}),
          ...(flags.module !== undefined ? { module: flags.module } : {}),
          ...(flags.ctype?.length ? { ctype: flags.ctype[0], ctypes: flags.ctype } : {}),
          ...(flags.unit ? { unit: flags.unit } : {}),
          ...(flags.pdu ? { pdu: flags.pdu } : {}),
          validity: validityFromFlags(flags),
          ...(flags.exp ? { exp: flags.exp } : {}),
          ...(flags.run !== undefined ? { run: flags.run } : {}),
          ...(flags.comment ? { comment: flags.comment } : {}),
        });
        imported.push(...r.imported);
        if (r.skipped) skipped.push({ file, reason: r.skipped });
      }
      this.say(`imported ${imported.length} constant${imported.length === 1 ? '' : 's'} into ${store.dir}${skipped.length ? `, skipped ${skipped.length}` : ''}`);
      if (imported.length) this.say(entriesTable(imported));
      for (const s of skipped) this.say(`skipped ${s.file}: ${s.reason}`);
      return { store: store.dir, imported, skipped };
    } finally {
      store.close();
    }
  }
}
