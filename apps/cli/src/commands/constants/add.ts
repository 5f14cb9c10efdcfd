import { Args, Flags } from '@oclif/core';
import { readConstantsFile } from '@detcal/hdf5';
import type { StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, storeFlags, validityFlags, validityFromFlags } from '../../lib/store-flags.js';
import { entriesTable } from '../../lib/store-format.js';

export default class ConstantsAdd extends BaseCommand {
  static override summary = 'Add the constants of a detcal constants file to the store, each as its own versioned entry.';
  static override description = `Each constant (Offset, Noise, BadPixelsDark, pedestals ...) becomes one HDF5 payload <dettype>/<detector-id>/<ctype>/<dettype>_<alias>_<YYYYmmddHHMMSS>_<exp>_r<run>_<ctype>.h5 and one index row. The write is atomic: payloads go to a temp name, are renamed, and the index transaction commits last; nothing is ever overwritten. Validity defaults to the file's, else runs <first source run>-end. The first write creates the store.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> dark/constants-jungfrau-m0.h5 --store ~/detcal-store --run-range 10-end --exp p900491',
    '<%= config.bin %> <%= command.id %> dark.h5 --ctype Offset --ctype Noise --begin-time 2024-05-31T10:00:00Z --comment "after bias change"',
    'DETCAL_STORE=~/detcal-store <%= config.bin %> <%= command.id %> gain.h5 --default --json',
  ];

  static override args = {
    file: Args.string({ description: 'detcal constants file (.h5)', required: true }),
  };

  static override flags = {
    ...storeFlags,
    ...validityFlags,
    exp: Flags.string({ summary: 'Experiment / proposal (file name field and metadata).' }),
    run: Flags.integer({ summary: 'Run the constants come from (file name field; default: the first run of --run-range).', min: 0 }),
    ctype: Flags.string({ char: 't', summary: 'Constant to add (repeatable; default: all in the file).', multiple: true }),
    comment: Flags.string({ char: 'm', summary: 'Comment stored with each entry.' }),
    detector: Flags.string({ char: 'd', summary: 'Detector type, when the file does not name one.' }),
    'detector-id': Flags.string({ summary: 'Detector / panel id, overriding the file\'s.' }),
    module: Flags.integer({ summary: 'Module index, overriding the file\'s.', min: 0 }),
    default: Flags.boolean({ summary: 'Store as the detector type\'s default (<dettype>/default/), used when nothing else matches.' }),
  };

  async run(): Promise<{ store: string; entries: StoreEntry[] }> {
    const { args, flags } = await this.parse(ConstantsAdd);
    const set = await readConstantsFile(args.file);
    if (flags.detector) set.metadata.detectorType = flags.detector;
    if (flags['detector-id']) set.metadata.detectorId = flags['detector-id'];
    if (flags.module !== undefined) set.metadata.module = flags.module;
    const store = await openStoreFromFlag(flags.store, true);
    try {
      const entries = await store.add(set, {
        ...(flags.ctype?.length ? { ctypes: flags.ctype } : {}),
        validity: validityFromFlags(flags),
        ...(flags.exp ? { exp: flags.exp } : {}),
        ...(flags.run !== undefined ? { run: flags.run } : {}),
        ...(flags.comment ? { comment: flags.comment } : {}),
        isDefault: flags.default,
        logDetails: { file: args.file },
      });
      this.say(`added ${entries.length} constant${entries.length === 1 ? '' : 's'} to ${store.dir}`);
      this.say(entriesTable(entries));
      return { store: store.dir, entries };
    } finally {
      store.close();
    }
  }
}
