/**
 * `detcal pixel-status` behind the command: opens the run, evaluates the status with
 * @detcal/pixel-status, saves it (the constants store with --store / DETCAL_STORE, a constants file
 * with --out), and returns the report the command prints or answers in JSON. Feature 11 takes its
 * pedestals from --pedestals, else from the store.
 */
import { availableParallelism } from 'node:os';
import { DetcalError, type DetectorPlugin } from '@detcal/core';
import { writeConstantsFile, type WrittenFile } from '@detcal/hdf5';
import {
  computePixelStatus,
  parseFeatures,
  pixelStatusToConstantSet,
  type PedestalSource,
  type PixelStatusLogLevel,
  type PixelStatusOptions,
  type PixelStatusSummary,
} from '@detcal/pixel-status';
import type { Progress } from './progress.js';
import { openPixelStatusInput, readPedestals } from './pixel-status-input.js';
import { resolveFromStore, saveSetToStore } from './store-io.js';

/** What the command asks for. */
export interface PixelStatusRequest {
  /** Detector plugin. */
  plugin: DetectorPlugin;
  /** Run folder, raw file or HDF5 file. */
  input: string;
  /** Dataset path inside an HDF5 file, instead of the detector layout. */
  dataset?: string;
  /** Segment (module) index. */
  segind: number;
  /** Options of the evaluation (features, snrmax, nrecs ...). */
  options: Omit<PixelStatusOptions, 'pedestals' | 'progress' | 'log' | 'segind'>;
  /** Pedestals file for feature 11. */
  pedestals?: string;
  /** Gain-mode suffix (recorded in the conditions, as det_pixel_status puts it in the file name). */
  gmode?: string;
  /** Constants file to write. */
  out?: string;
  /** Constants store folder (--store, or DETCAL_STORE). */
  store?: string;
  /** Detector identifier for the metadata (default: the layout's source name). */
  detectorId?: string;
  /** Worker threads for feature 6 (default: available cores). */
  threads?: number;
  /** Progress bar. */
  progress?: Progress;
  /** Log sink. */
  log?(level: PixelStatusLogLevel, message: string): void;
}

/** The report of one run: the summary plus where it came from and went. */
export interface PixelStatusReport extends PixelStatusSummary {
  /** Detector plugin id. */
  detector: string;
  /** Detector identifier written into the metadata. */
  detectorId: string;
  /** Segment (module) index. */
  segind: number;
  /** The input as given. */
  input: string;
  /** Files read. */
  files: string[];
  /** Run number, if the file names give one. */
  run?: number;
  /** Dataset read, when --dataset was given. */
  dataset?: string;
  /** Frames in the run (before --evskip / --events). */
  runFrames: number;
  /** Constants file written. */
  output: { file: string; bytes: number; constant: string } | null;
  /** Store entries added. */
  store: { dir: string; entries: Array<{ id: number; ctype: string; path: string }> } | null;
  /** Seconds of the whole command (opening, evaluation, saving). */
  totalSeconds: number;
  /** Peak resident memory of the process, bytes. */
  peakRssBytes: number;
  /** CPU seconds of the process (user + system, all threads): the time on idle cores. */
  cpuSeconds: number;
}

/** Fails early (before reading any frame) when the status has nowhere to go. */
export function checkDestination(req: Pick<PixelStatusRequest, 'out' | 'store'>): void {
  if (!req.out && !req.store) throw new DetcalError('BAD_INPUT', 'pass --store DIR (or set DETCAL_STORE) to save the status into the constants store, or --out FILE.h5 for a constants file');
  if (req.out && !/\.(h5|hdf5)$/i.test(req.out)) throw new DetcalError('BAD_INPUT', `--out ${req.out}: give an HDF5 file name ending in .h5`);
}

/** Pedestals of the segment from the store (pedestals, else Offset), valid for the run; no detector-type defaults. */
async function pedestalsFromStore(dir: string, plugin: DetectorPlugin, detectorId: string, module: number, run: number | undefined): Promise<PedestalSource> {
  let lastError: unknown;
  for (const ctype of ['pedestals', 'Offset']) {
    try {
      const found = await resolveFromStore(dir, { detectorType: plugin.id, detectorId, module, ...(run !== undefined ? { run } : {}), ctypes: [ctype], useDefaults: false });
      const c = found.set.constants[found.results[0].entry.ctype];
      const values = c.data instanceof BigUint64Array ? Float64Array.from(c.data, Number) : (c.data as ArrayLike<number>);
      return { values, shape: c.shape, dims: c.dims, label: `store ${dir} entry ${found.results[0].entry.id} (${found.results[0].entry.ctype})` };
    } catch (err) {
      if (!(err instanceof DetcalError) || err.code !== 'NOT_FOUND') throw err;
      lastError = err;
    }
  }
  throw new DetcalError('NOT_FOUND', `feature 11 needs pedestals: none of ${plugin.id} ${detectorId} module ${module} in the store ${dir} (${(lastError as Error).message}); pass --pedestals FILE`);
}

/** Runs the evaluation and saves the result. */
export async function runPixelStatus(req: PixelStatusRequest): Promise<PixelStatusReport> {
  const t0 = performance.now();
  checkDestination(req);
  const opened = await openPixelStatusInput(req.plugin, req.input, req.segind, req.dataset);
  const { stream } = opened;
  const detectorId = req.detectorId ?? (req.dataset ? req.plugin.id : req.plugin.layout.source(req.segind));
  const f = req.options.features;
  const wantsMax = f !== undefined && parseFeatures(typeof f === 'string' ? f : f.join(',')).includes(11);
  let pedestals: PedestalSource | undefined;
  if (req.pedestals) pedestals = await readPedestals(req.pedestals);
  else if (wantsMax && req.store) pedestals = await pedestalsFromStore(req.store, req.plugin, detectorId, req.segind, opened.run);
  const events = Math.min(stream.nFrames, req.options.events ?? 1000);
  req.progress?.start('pixel-status', Math.max(0, events));
  let result;
  try {
    result = await computePixelStatus(stream, {
      ...req.options,
      segind: req.segind,
      ...(pedestals ? { pedestals } : {}),
      threads: req.threads ?? availableParallelism(),
      progress: (frames, bytes) => req.progress?.tick(frames, bytes),
      ...(req.log ? { log: req.log } : {}),
    });
  } finally {
    req.progress?.stop();
  }
  const set = pixelStatusToConstantSet(result, {
    detectorType: req.plugin.id,
    detectorId,
    module: req.segind,
    sourceRuns: [opened.run !== undefined ? String(opened.run) : req.input],
    conditions: req.gmode ? { gmode: req.gmode } : {},
    parameters: { ...(req.gmode ? { gmode: req.gmode } : {}), ...(req.dataset ? { dataset: req.dataset } : {}) },
  });
  let written: WrittenFile | null = null;
  if (req.out) written = await writeConstantsFile(req.out, set);
  const entries = req.store ? await saveSetToStore(req.store, set, opened.run !== undefined ? { run: opened.run } : {}) : [];
  const cpu = process.cpuUsage();
  return {
    ...result.summary,
    detector: req.plugin.id,
    detectorId,
    segind: req.segind,
    input: req.input,
    files: opened.files,
    ...(opened.run !== undefined ? { run: opened.run } : {}),
    ...(req.dataset ? { dataset: req.dataset } : {}),
    runFrames: stream.nFrames,
    output: written ? { file: written.file, bytes: written.bytes, constant: result.summary.ctype } : null,
    store: req.store ? { dir: req.store, entries: entries.map((e) => ({ id: e.id, ctype: e.ctype, path: e.path })) } : null,
    totalSeconds: (performance.now() - t0) / 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}
