import { Args, Flags } from '@oclif/core';
import { EXPORT_FORMATS, type ExportFormat, type ExportResult, type StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { formatBytes } from '../../lib/format-table.js';
import { openStoreFromFlag, queryFlags, queryFromFlags, storeFlags } from '../../lib/store-flags.js';

export default class ConstantsExport extends BaseCommand {
  static override summary = 'Write one stored constant as detcal HDF5, numpy .npy, psana text, or a European XFEL CalCat file.';
  static override description = `Pick the constant with --id, or with the same query as \`detcal constants find\`. The format follows the extension (.h5, .npy, .txt/.data) or --format; CalCat files hold /<PDU>/<Calibration>/0/data in the facility's axis order with a dims attribute (--pdu, default the detector id). psana text uses %.3f for pedestals / rms and ADU values, %d for integer arrays, %.6f otherwise (--fmt to change). The payload checksum is verified first.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> pedestals.txt --id 12',
    '<%= config.bin %> <%= command.id %> offset.npy -d jungfrau -t Offset --run 40',
    '<%= config.bin %> <%= command.id %> cal.1717149600.h5 --id 7 --format calcat --pdu Jungfrau_M275',
  ];

  static override args = {
    out: Args.string({ description: 'output file', required: true }),
  };

  static override flags = {
    ...storeFlags,
    ...queryFlags,
    format: Flags.string({ summary: 'Output format (default from the extension).', options: [...EXPORT_FORMATS] }),
    pdu: Flags.string({ summary: 'PDU name of a CalCat file (default: the detector id).' }),
    fmt: Flags.string({ summary: 'printf format of psana text values (%d, %.3f, %10.4f, %.6e).' }),
  };

  async run(): Promise<ExportResult & { entry: StoreEntry }> {
    const { args, flags } = await this.parse(ConstantsExport);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const id = flags.id ?? store.findEntry(queryFromFlags(flags)).entry.id;
      const result = await store.exportEntry(id, args.out, {
        ...(flags.format ? { format: flags.format as ExportFormat } : {}),
        ...(flags.pdu ? { pdu: flags.pdu } : {}),
        ...(flags.fmt ? { fmt: flags.fmt } : {}),
      });
      this.say(`wrote entry ${result.entry.id} (${result.entry.ctype} of ${result.entry.detectorType} ${result.entry.detectorId}) as ${result.format}: ${result.file} (${formatBytes(result.bytes)})`);
      return result;
    } finally {
      store.close();
    }
  }
}
