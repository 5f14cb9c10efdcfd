import { Args, Flags } from '@oclif/core';
import { DetcalError } from '@detcal/core';
import { formatConsumedTime, formatDetails, formatSummary, parseBits, parseFeatures, parseWindow, PIXEL_STATUS_DEFAULTS, type PixelStatusLogLevel } from '@detcal/pixel-status';
import { BaseCommand } from '../base-command.js';
import { createProgress } from '../lib/progress.js';
import { runPixelStatus, type PixelStatusReport } from '../lib/pixel-status-run.js';
import { optionalStoreDir } from '../lib/store-io.js';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
const RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4, debug: 0, info: 1, warning: 2 };

const number = Flags.custom<number>({
  parse: async (input) => {
    const v = Number(input);
    if (!Number.isFinite(v)) throw new DetcalError('BAD_INPUT', `'${input}' is not a number`);
    return v;
  },
});
const bits = Flags.custom<number>({ parse: async (input) => parseBits(input, '') });

export default class PixelStatus extends BaseCommand {
  static override summary = 'Bad-pixel status of a detector segment from dark or light frames, as LCLS det_pixel_status (same features, flags, bits).';
  static override description = [
  'Features (--features / -F): 1 good frames (median of each frame inside the good range of the frame medians); 2 mean and 3 std over the good frames (dark); 6 residuals to a plane fitted in --shwind windows, per-pixel median and MAD over the good frames (light); 11 running max minus pedestals over all --events (light).',
  'Good range of a feature: median +- snrmax * MAD (the std where the MAD is 0), clipped to the absolute limits; values on a limit are flagged. Bits: 0o1 / 0o2 mean low / high, 0o4 / 0o10 std, 0o20 / 0o40 residual median, 0o100 / 0o200 residual MAD, 0o400 / 0o1000 max - pedestals.',
  'The status (uint64) is saved as status_dark (1,2,3), status_light (6), status_max (11), or --ctype. Memory: features 1-3 keep 24 bytes per pixel and no frames; feature 6 holds --nrecs frames (2 bytes per pixel each); feature 11 streams any number of events.',
].join('\n\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %> epix100 sim/epix/r0001 -F 1,2,3 -n 1000 --out status-dark.h5',
    '<%= config.bin %> <%= command.id %> epix100 light/r0002 -F 1,6 -n 1000 --store calib-store',
    '<%= config.bin %> <%= command.id %> epix100 light/r0002 -F 11 -n 1000000 --pedestals pedestals.data --store calib-store',
    '<%= config.bin %> <%= command.id %> epix100 frames.h5 --dataset /entry/data/data -F 1,2,3 --out status.h5 --json',
  ];

  static override args = {
    detector: Args.string({ description: 'detector id (see `detcal detectors`)', required: true }),
    run: Args.string({ description: 'run folder, raw sequence file, or HDF5 file with --dataset', required: true }),
  };

  static override flags = {
    features: Flags.string({ char: 'F', summary: 'Comma-separated features: 1,2,3 (dark), 1,6 (light), 11 (max).', default: PIXEL_STATUS_DEFAULTS.features.join(',') }),
    events: Flags.integer({ char: 'n', summary: 'Most events read in total, skipped ones included.', default: PIXEL_STATUS_DEFAULTS.events, min: 1 }),
    evskip: Flags.integer({ char: 'm', summary: 'Events skipped at the start.', default: PIXEL_STATUS_DEFAULTS.evskip, min: 0 }),
    nrecs: Flags.integer({ char: 'r', summary: 'Records (frames) used by features 1, 2, 3 and 6.', default: PIXEL_STATUS_DEFAULTS.nrecs, min: 1 }),
    segind: Flags.integer({ char: 'i', summary: 'Segment (module) index.', default: PIXEL_STATUS_DEFAULTS.segind, min: 0 }),
    slice: Flags.string({ char: 'S', summary: 'numpy-style slice of the segment, e.g. "0:144,0:192" (for checks).' }),
    shwind: Flags.string({ char: 'w', summary: 'Window rows,cols of the feature-6 plane fit.', default: PIXEL_STATUS_DEFAULTS.shwind.join(',') }),
    snrmax: number({ char: 'R', summary: 'Half-width of the good range in spreads (MAD, or std where the MAD is 0).', default: PIXEL_STATUS_DEFAULTS.snrmax }),
    ctype: Flags.string({ char: 't', summary: 'Calibration type to save as (default status_dark / status_light / status_max from the features).' }),
    databits: bits({ summary: 'Intensity bits of the raw value (decimal, 0o or 0x).', default: PIXEL_STATUS_DEFAULTS.databits, defaultHelp: async () => '0o37777' }),
    gainbits: bits({ summary: 'Gain bits of the raw value (recorded; not used, as det_pixel_status).', default: PIXEL_STATUS_DEFAULTS.gainbits }),
    gmode: Flags.string({ summary: 'Gain-mode name of multi-gain detectors (e.g. AHL-H), recorded in the conditions.' }),
    store: Flags.string({ char: 'o', aliases: ['dirrepo'], summary: 'Constants store folder to save into (default: $DETCAL_STORE; det_pixel_status --dirrepo).', helpValue: 'DIR' }),
    out: Flags.string({ summary: 'Constants file (.h5) to write the status into.' }),
    pedestals: Flags.string({ summary: 'Pedestals for feature 11: detcal constants file (Offset / pedestals) or LCLS text file.' }),
    dataset: Flags.string({ summary: 'Read frames from this dataset of an HDF5 file instead of the detector layout.' }),
    'detector-id': Flags.string({ summary: 'Detector / panel identifier for the constants metadata (default: the raw source name).' }),
    threads: Flags.integer({ summary: 'Worker threads for feature 6 (default: all cores).', min: 1 }),
    logmode: Flags.string({ char: 'L', summary: 'Logging level.', options: [...LOG_LEVELS], default: 'INFO' }),
  };

  async run(): Promise<PixelStatusReport> {
    const { args, flags } = await this.parse(PixelStatus);
    const features = parseFeatures(flags.features);
    const level = RANK[flags.logmode];
    const json = this.jsonEnabled();
    const plugin = await this.detector(args.detector, flags.plugin);
    const store = optionalStoreDir(flags.store);
    const report = await runPixelStatus({
      plugin,
      input: args.run,
      ...(flags.dataset ? { dataset: flags.dataset } : {}),
      segind: flags.segind,
      options: {
        features,
        snrmax: flags.snrmax,
        nrecs: flags.nrecs,
        events: flags.events,
        evskip: flags.evskip,
        shwind: parseWindow(flags.shwind),
        databits: flags.databits,
        gainbits: flags.gainbits,
        ...(flags.slice ? { slice: flags.slice } : {}),
        ...(flags.ctype ? { ctype: flags.ctype } : {}),
      },
      ...(flags.pedestals ? { pedestals: flags.pedestals } : {}),
      ...(flags.gmode ? { gmode: flags.gmode } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      ...(store ? { store } : {}),
      ...(flags['detector-id'] ? { detectorId: flags['detector-id'] } : {}),
      ...(flags.threads ? { threads: flags.threads } : {}),
      progress: createProgress(!json && level <= RANK.INFO),
      log: (lvl: PixelStatusLogLevel, message: string) => {
        if (json || RANK[lvl] < level) return;
        if (lvl === 'warning') this.logToStderr(`warning: ${message}`);
        else if (level === RANK.DEBUG) this.logToStderr(`${lvl}: ${message}`);
      },
    });
    if (level <= RANK.INFO) {
      for (const line of formatDetails(report)) this.say(line);
      this.say(formatSummary(report));
      this.say(formatConsumedTime(report.seconds));
      if (report.output) this.say(`saved ${report.output.constant} (${report.rows}x${report.cols} uint64) in ${report.output.file}`);
      for (const e of report.store?.entries ?? []) this.say(`saved ${e.ctype} (${report.rows}x${report.cols} uint64) in the store ${report.store?.dir} as entry ${e.id}: ${e.path}`);
    }
    return report;
  }
}
