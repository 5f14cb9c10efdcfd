import fs from 'node:fs';
import { Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { findCalibFile, parsePsanaText, TEXT_CTYPES, type CalibFile, type SkippedEntry, type StoreEntry } from '@detcal/store';
import { BaseCommand } from '../../base-command.js';
import { openStoreFromFlag, queryFlags, queryFromFlags, storeFlags } from '../../lib/store-flags.js';
import { entryLines } from '../../lib/store-format.js';

/** What find answers. */
type FindAnswer =
  | { entry: StoreEntry; usedDefault: boolean; note: string; skipped: Array<{ id: number; path: string; problem: string }> }
  | { calibFile: CalibFile; dtype?: string; shape?: number[] };

export default class ConstantsFind extends BaseCommand {
  static override summary = 'Find the constant that applies to a run, a time or operating conditions (in the store, or in a psana calib tree).';
  static override description = `By run: the psana rule (among entries whose run range holds the run, the latest begin wins; for equal begins the narrower range; then the newest). By time: --at TIME --strategy prior (latest begin at or before TIME) or closest. By conditions: --condition NAME=VALUE, exact or within --tolerance NAME=DELTA. A payload whose checksum fails is skipped and reported, never returned. When nothing matches, the detector type's default is used and the answer says so. With --calib-dir, the same run rule is applied to an existing psana calib tree (HISTORY and malformed names skipped).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --detector epix100 --detector-id 0001 --ctype pedestals --run 137',
    '<%= config.bin %> <%= command.id %> -d agipd --detector-id AGIPD_SIV1_AGIPDV11_M305 -t Offset --at 2024-05-31T10:00:00Z --strategy closest',
    '<%= config.bin %> <%= command.id %> -d jungfrau -t Offset10Hz -r 40 -c "Integration Time=10" -c "Bias voltage=200" --tolerance "Bias voltage=5"',
    '<%= config.bin %> <%= command.id %> --calib-dir /reg/d/psdm/xpp/xppn4116/calib --source XppGon.0:Epix100a.1 --ctype pixel_status --run 137',
  ];

  static override flags = {
    ...storeFlags,
    ...queryFlags,
    'calib-dir': Flags.string({ summary: 'Search this psana calib directory instead of the store (needs --source, --ctype, --run).' }),
    source: Flags.string({ summary: 'psana source (with --calib-dir), e.g. XppGon.0:Epix100a.1.' }),
    group: Flags.string({ summary: 'psana calib group (with --calib-dir), e.g. Epix100a::CalibV1; default: any group.' }),
  };

  async run(): Promise<FindAnswer> {
    const { flags } = await this.parse(ConstantsFind);
    if (flags['calib-dir']) return this.findInCalibDir(flags['calib-dir'], flags);
    const store = await openStoreFromFlag(flags.store, false);
    try {
      const found = flags.id !== undefined ? { entry: (await store.load(flags.id)).entry, usedDefault: false, note: `entry ${flags.id}`, skipped: [] as SkippedEntry[] } : store.findEntry(queryFromFlags(flags));
      for (const s of found.skipped) this.logToStderr(`warning: skipped entry ${s.entry.id} (${s.entry.path}): payload ${s.problem}; run \`detcal constants verify\``);
      if (found.usedDefault) this.logToStderr(`note: ${found.note}`);
      for (const line of entryLines(found.entry, false)) this.say(line);
      if (!found.usedDefault) this.say(`  chosen:     ${found.note}`);
      return { entry: found.entry, usedDefault: found.usedDefault, note: found.note, skipped: found.skipped.map((s) => ({ id: s.entry.id, path: s.entry.path, problem: s.problem })) };
    } finally {
      store.close();
    }
  }

  private findInCalibDir(calibDir: string, flags: { source?: string; ctype?: string; run?: number; group?: string }): FindAnswer {
    if (!flags.source || !flags.ctype || flags.run === undefined) {
      throw new DetcalError('BAD_INPUT', '--calib-dir needs --source SRC, --ctype NAME and --run N (e.g. --source XppGon.0:Epix100a.1 --ctype pedestals --run 137)');
    }
    const file = findCalibFile(calibDir, { source: flags.source, ctype: flags.ctype, run: flags.run, ...(flags.group ? { group: flags.group } : {}) });
    if (!file) throw new DetcalError('NOT_FOUND', `no ${flags.ctype} file of ${flags.source} in ${calibDir} covers run ${flags.run}; check --source / --ctype, or deploy one with \`detcal constants deploy\``);
    this.say(`${file.path}`);
    this.say(`  runs ${file.begin}-${file.end ?? 'end'}, group ${file.group}`);
    if (TEXT_CTYPES.includes(file.ctype)) return { calibFile: file };
    const arr = parsePsanaText(fs.readFileSync(file.path, 'utf8'), file.path, file.ctype);
    this.say(`  array ${arr.numpyDtype} (${arr.shape.join(', ')})`);
    return { calibFile: file, dtype: arr.dtype, shape: arr.shape };
  }
}
