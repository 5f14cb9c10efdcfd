/**
 * Dark characterization of an adaptive-gain detector (AGIPD, Jungfrau): one dark run per gain
 * stage, streamed once each, giving Offset and Noise per (stage, cell, pixel), the digital
 * (gain-value) statistics where asked, and BadPixelsDark by the EuXFEL rules. The order and number
 * of runs are checked against the data before the long passes start.
 */
import { BadPixel, DetcalError, type DarkRequest, type FrameStream } from '@detcal/core';
import type { ComputeBackend } from './compute-backend.js';
import type { DarkBadPixelCounts, DarkBadPixelLimits } from './dark-bad-pixels.js';
import { closeDarkPassReuse, darkPass, darkPassInGroups, prepareDarkPass, type DarkPassGroup, type DarkPassOptions, type DarkPassResult, type DarkPassReuse, type DarkPassSummary } from './dark-run.js';

/** How a detector's gain-stage runs are characterized. */
export interface GainStageDarkSpec {
  /** Detector name for messages ('AGIPD'). */
  detector: string;
  /** Names of the runs in the required order (['high', 'medium', 'low']). */
  stageNames: readonly string[];
  /** Frame shape the detector's module has. */
  rows: number;
  /** Frame shape the detector's module has. */
  cols: number;
  /** Gain value(s) a stage's run must carry to be averaged (Jungfrau 0 / 1 / 3); others are rejected and counted. */
  acceptGain?(stage: number): number | readonly number[];
  /** Accumulate the per-pixel gain values too (AGIPD digital values). */
  digital: boolean;
  /** Bad-pixel limits of a stage. */
  limits(stage: number): DarkBadPixelLimits;
  /**
   * Called once stages `upper - 1` and `upper` are both finished and flagged (characterizeGainStages):
   * the earlier pairs while the workers still finish the last stage, e.g. AGIPD's gain thresholds.
   * @param upper - the later stage of the pair (>= 1)
   * @param stages - the stages' results so far (digital statistics of both)
   * @param badPixels - the stacked flags of all stages ([stage][cell][pixel])
   */
  onStagePair?(upper: number, stages: readonly DarkPassResult[], badPixels: Uint32Array): void;
}

/** Per-stage results of a gain-stage dark characterization. */
export interface GainStageDark {
  /** Memory cells. */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** One pass result per stage, in stage order. */
  stages: DarkPassResult[];
  /** Offset per (stage, cell, pixel), ADU. */
  offsetAdu: Float32Array;
  /** Noise per (stage, cell, pixel), ADU. */
  noiseAdu: Float32Array;
  /** Mean gain value per (stage, cell, pixel), when the spec asks for digital statistics. */
  digitalMeanAdu?: Float32Array;
  /** Std of the gain values per (stage, cell, pixel), when the spec asks for digital statistics. */
  digitalStdAdu?: Float32Array;
  /** BadPixelsDark per (stage, cell, pixel). */
  badPixels: Uint32Array;
  /** Pixels flagged per stage and reason. */
  flagged: DarkBadPixelCounts[];
  /** Median gain value of the first block of each run, as given (order check). */
  gainSignatures: number[];
}

/** Gain values the gain signature reads: 0.5 M (8 AGIPD frames), at least SIGNATURE_MIN_FRAMES and at most 32 frames. */
const SIGNATURE_VALUES = 1 << 19;
/** Frames the gain signature reads at least (4 Jungfrau frames: one empty first frame cannot move the median). */
const SIGNATURE_MIN_FRAMES = 4;

/** Median of 64 k gain values sampled from a run's first frames (about 0.5 M values, 4 to 32 frames read): its gain stage signature. */
export async function gainSignature(stream: FrameStream): Promise<number> {
  const frames = Math.max(SIGNATURE_MIN_FRAMES, Math.min(32, Math.ceil(SIGNATURE_VALUES / Math.max(1, stream.rows * stream.cols))));
  for await (const block of stream.blocks({ frames })) {
    if (!block.gain) break;
    const n = Math.min(block.gain.length, 1 << 16);
    const step = Math.max(1, Math.floor(block.gain.length / n));
    // gain values are small integers with long runs of ties (a selection on them took ~25 ms): count them
    return integerMedian(block.gain, step);
  }
  throw new DetcalError('BAD_INPUT', `${stream.label}: no gain values in the first frames; a gain-stage dark run needs them`);
}

/** np.median of values[0], values[step], values[2 step] ... of integer values, by counting. */
function integerMedian(values: Uint8Array | Uint16Array, step: number): number {
  const counts = new Uint32Array(values instanceof Uint8Array ? 256 : 65536);
  let n = 0;
  for (let i = 0; i < values.length; i += step, n++) counts[values[i]]++;
  const lower = (n - 1) >>> 1, upper = n >>> 1; // the two middle ranks (equal for odd n)
  let below = 0, a = -1;
  for (let v = 0; v < counts.length; v++) {
    below += counts[v];
    if (a < 0 && below > lower) a = v;
    if (below > upper) return (a + v) / 2;
  }
  return NaN; // no values
}

/** Checks run count, cell counts and frame shape; returns the cell count. */
export function checkStageRuns(runs: readonly FrameStream[], spec: GainStageDarkSpec): number {
  const names = spec.stageNames.join(', ');
  if (runs.length !== spec.stageNames.length) {
    throw new DetcalError('BAD_INPUT', `${spec.detector} dark needs ${spec.stageNames.length} runs (${names}), got ${runs.length}: give one dark run per gain stage in that order`);
  }
  for (const r of runs) {
    if (r.rows !== spec.rows || r.cols !== spec.cols) {
      throw new DetcalError('SHAPE_MISMATCH', `${r.label}: frames are ${r.rows}x${r.cols}, a ${spec.detector} module is ${spec.rows}x${spec.cols}; check --detector and --module`);
    }
  }
  const cells = runs.map((r) => r.cellsPerTrain ?? 1);
  if (new Set(cells).size > 1) {
    throw new DetcalError('BAD_INPUT', `${spec.detector} dark runs have different memory-cell counts (${runs.map((r, i) => `${r.label}: ${cells[i]}`).join(', ')}): take all gain stages with the same number of cells`);
  }
  return cells[0];
}

/** Fails when the runs' gain signatures say they were given in another order than the stages require. */
export function checkStageOrder(runs: readonly FrameStream[], signatures: readonly number[], spec: GainStageDarkSpec): void {
  const expected = spec.acceptGain ? spec.stageNames.map((_, s) => [spec.acceptGain!(s)].flat()[0]) : undefined;
  const increasing = signatures.every((v, i) => i === 0 || v > signatures[i - 1]);
  const matches = expected ? signatures.every((v, i) => v === expected[i]) : increasing;
  if (matches) return;
  const order = signatures.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v).map(({ i }) => runs[i].label);
  const seen = runs.map((r, i) => `${r.label}: ${signatures[i]}`).join(', ');
  throw new DetcalError(
    'BAD_INPUT',
    `${spec.detector} dark runs must be given in gain order ${spec.stageNames.join(', ')}, but the gain values of the runs (${seen}) say the order is ${order.join(', ')}; pass the runs in that order`,
  );
}

/**
 * Checks the runs (count, shapes, cells, gain order from the data) before any long pass; returns the
 * cells and gain signatures. The first pass's worker threads start meanwhile (into `reuse`).
 */
async function checkStages(request: DarkRequest, spec: GainStageDarkSpec, reuse: DarkPassReuse): Promise<{ nCells: number; signatures: number[] }> {
  const nCells = checkStageRuns(request.runs, spec);
  prepareDarkPass(stagePassOptions(request, spec, 0, nCells, reuse), spec.rows * spec.cols);
  try {
    const signatures: number[] = [];
    for (const r of request.runs) signatures.push(await gainSignature(r));
    checkStageOrder(request.runs, signatures, spec);
    return { nCells, signatures };
  } catch (err) {
    await closeDarkPassReuse(reuse); // the workers prepareDarkPass started
    throw err;
  }
}

/** Options of stage s's pass (accumulator shape, gain selection, threads, progress, shared reuse). */
function stagePassOptions(request: DarkRequest, spec: GainStageDarkSpec, s: number, nCells: number, reuse: DarkPassReuse): DarkPassOptions {
  return {
    backend: request.backend as ComputeBackend,
    nCells,
    digital: spec.digital,
    acceptGain: spec.acceptGain?.(s),
    threads: request.threads,
    progress: request.progress,
    phase: `${spec.stageNames[s]} gain`,
    reuse,
  };
}

/**
 * Sets NO_DARK_DATA on cells [c0, c1) (flags start at cell c0) that had no frames or, with per-pixel
 * counts (values rejected by gain), on pixels without any accepted value.
 */
function flagNoDarkData(flags: Uint32Array, c0: number, c1: number, nPixels: number, framesPerCell: Uint32Array, count?: Uint32Array): void {
  if (count) {
    for (let i = 0; i < flags.length; i++) if (count[i] === 0) flags[i] |= BadPixel.NO_DARK_DATA;
    return;
  }
  for (let c = c0; c < c1; c++) {
    if (framesPerCell[c] !== 0) continue;
    for (let i = (c - c0) * nPixels; i < (c - c0 + 1) * nPixels; i++) flags[i] |= BadPixel.NO_DARK_DATA;
  }
}

/**
 * Streams each stage's run and derives offset, noise and bad pixels.
 * @param request - the dark request (runs in stage order, backend, progress)
 * @param spec - how this detector's stages are characterized
 * @returns per-stage statistics, stacked constants and flags
 */
export async function characterizeGainStages(request: DarkRequest, spec: GainStageDarkSpec): Promise<GainStageDark> {
  const runs = request.runs;
  const reuse: DarkPassReuse = {};
  const { nCells, signatures } = await checkStages(request, spec, reuse);
  const backend = request.backend as ComputeBackend;
  const nPixels = spec.rows * spec.cols;
  const n = nCells * nPixels;
  // Each pass finalizes straight into its stage's slice of the stacked constants; one accumulator serves every pass.
  // With worker threads the constants live on shared memory, so the workers finalize and flag their cells.
  const shared = backend.name === 'cpu' && (request.threads ?? 1) > 1;
  const f32 = (): Float32Array => new Float32Array(shared ? new SharedArrayBuffer(4 * runs.length * n) : new ArrayBuffer(4 * runs.length * n));
  const offsetAdu = f32();
  const noiseAdu = f32();
  const digitalMeanAdu = spec.digital ? f32() : undefined;
  const digitalStdAdu = spec.digital ? f32() : undefined;
  const slice = (a: Float32Array | undefined, s: number): Float32Array | undefined => a?.subarray(s * n, (s + 1) * n);
  const badPixels = new Uint32Array(shared ? new SharedArrayBuffer(4 * runs.length * n) : new ArrayBuffer(4 * runs.length * n));
  const flagged: DarkBadPixelCounts[] = [];
  const stages: DarkPassResult[] = [];
  // once a stage is finished (its rules done by the workers): NO_DARK_DATA and the thresholds with the stage
  // before it, in stage order; while later stages are read (this thread mostly waits for the workers then)
  const complete = async (s: number): Promise<void> => {
    const st = stages[s];
    await st.finished;
    // a uniform pass's per-pixel count is only built when read: not needed then
    flagNoDarkData(badPixels.subarray(s * n, (s + 1) * n), 0, nCells, nPixels, st.framesPerCell, st.uniformCount ? undefined : st.count);
    flagged.push(st.flagged as DarkBadPixelCounts);
    if (s > 0) spec.onStagePair?.(s, stages, badPixels);
  };
  let completed: Promise<void> = Promise.resolve();
  try {
    for (let s = 0; s < runs.length; s++) {
      const st = await darkPass(runs[s], {
        ...stagePassOptions(request, spec, s, nCells, reuse),
        out: { meanAdu: offsetAdu.subarray(s * n, (s + 1) * n), stdAdu: noiseAdu.subarray(s * n, (s + 1) * n), digitalMean: slice(digitalMeanAdu, s), digitalStd: slice(digitalStdAdu, s) },
        badPixels: { flags: badPixels.subarray(s * n, (s + 1) * n), limits: spec.limits(s), zeroed: true },
        // the next stage's run is read while the workers finalize and flag this one
        deferFinish: true,
      });
      stages.push(st);
      completed = completed.then(() => complete(s));
      completed.catch(() => undefined); // surfaces where it is awaited below; a failing later pass throws first
    }
    await completed;
  } finally {
    await closeDarkPassReuse(reuse); // stops the workers and drops the accumulator, also when a pass failed
  }
  return { nCells, nPixels, stages, offsetAdu, noiseAdu, digitalMeanAdu, digitalStdAdu, badPixels, flagged, gainSignatures: signatures };
}

/** Cells [c0, c1) of one stage: (c1 - c0) * nPixels values each, cell-major; valid until onGroup resolves. */
export interface GainStageGroup {
  /** Offset, ADU. */
  offsetAdu: Float32Array;
  /** Noise, ADU. */
  noiseAdu: Float32Array;
  /** Mean gain value, when the spec asks for digital statistics. */
  digitalMeanAdu?: Float32Array;
  /** Std of the gain values, when the spec asks for digital statistics. */
  digitalStdAdu?: Float32Array;
  /** BadPixelsDark of the stage (NO_DARK_DATA included). */
  badPixels: Uint32Array;
}

/** Receiver of a grouped gain-stage characterization. */
export interface GainStageGroupSink {
  /** Memory cells per group (bounds the outputs in memory to two groups). */
  cellsPerGroup: number;
  /** Called once the runs are checked, before the first pass, with the module's memory cells. */
  begin(nCells: number, gainSignatures: readonly number[]): Promise<void>;
  /** Cells [c0, c1) of stage `stage`; stages in order, cells in order within a stage. */
  onGroup(stage: number, c0: number, c1: number, group: GainStageGroup): Promise<void>;
}

/** What a grouped characterization returns: counts per stage, the statistics having gone to the sink. */
export interface GainStageDarkSummary {
  /** Memory cells. */
  nCells: number;
  /** Pixels per frame. */
  nPixels: number;
  /** Frame counts of each stage's pass. */
  stages: DarkPassSummary[];
  /** Pixels flagged per stage and reason. */
  flagged: DarkBadPixelCounts[];
  /** Median gain value of the first frames of each run. */
  gainSignatures: number[];
}

/**
 * characterizeGainStages with bounded output memory: each stage's offset, noise, digital statistics and
 * bad pixels go to `sink` group of memory cells by group as the stage is finalized, instead of three
 * stacked arrays of nCells * nPixels values each. The values are the same as characterizeGainStages'.
 * @param request - the dark request
 * @param spec - how this detector's stages are characterized
 * @param sink - cells per group and the receiver
 * @returns frame counts and flagged pixels per stage
 */
export async function characterizeGainStagesInGroups(request: DarkRequest, spec: GainStageDarkSpec, sink: GainStageGroupSink): Promise<GainStageDarkSummary> {
  const runs = request.runs;
  const reuse: DarkPassReuse = {};
  const { nCells, signatures } = await checkStages(request, spec, reuse);
  const nPixels = spec.rows * spec.cols;
  const stages: DarkPassSummary[] = [];
  const flagged: DarkBadPixelCounts[] = [];
  try {
    await sink.begin(nCells, signatures);
    for (let s = 0; s < runs.length; s++) {
      const onGroup = async (c0: number, c1: number, g: DarkPassGroup): Promise<void> => {
        const flags = g.flags as Uint32Array;
        flagNoDarkData(flags, c0, c1, nPixels, g.framesPerCell, g.count);
        await sink.onGroup(s, c0, c1, { offsetAdu: g.meanAdu, noiseAdu: g.stdAdu, digitalMeanAdu: g.digitalMean, digitalStdAdu: g.digitalStd, badPixels: flags });
      };
      const st = await darkPassInGroups(runs[s], stagePassOptions(request, spec, s, nCells, reuse), { cellsPerGroup: sink.cellsPerGroup, limits: spec.limits(s), onGroup });
      stages.push(st);
      flagged.push(st.flagged as DarkBadPixelCounts);
    }
  } finally {
    await closeDarkPassReuse(reuse);
  }
  return { nCells, nPixels, stages, flagged, gainSignatures: signatures };
}
