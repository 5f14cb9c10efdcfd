/**
 * The LCLS single-gain dark (slac-lcls/lcls2 psana/detector/UtilsCalib.py DarkProc, as
 * det_dark_proc runs it): stage 1 holds the first nrecs1 frames and sets a per-pixel gate from
 * their quantiles, [max(floor(q_fraclo), int_lo), min(ceil(q_frachi), int_hi)] (numpy 'lower' /
 * 'higher' quantiles; hi += 1 where hi <= lo, then both clipped again to int_lo / int_hi);
 * stage 2 streams nrecs frames (the held ones first) of raw & datbits and accumulates, per pixel,
 * the count, sum and sum of squares of the in-gate values (gate_lo <= v <= gate_hi) and counts
 * values below int_lo and above int_hi. pedestals = sum1 / sum0 (0 where sum0 = 0),
 * pixel_rms = sqrt(sum2 / sum0 - pedestal^2), and pixel_status bits (core DarkStatus):
 * 1 rms > rms_max, 2 rms < rms_min, 4 more than int(fraclm x (frames - 1)) values above int_hi,
 * 8 as many below int_lo, 16 pedestal > ave_max, 32 pedestal < ave_min, where
 * [min, max] = mean -+ n x std of the array over all pixels, clipped to the absolute limits.
 * detcal skips all-zero frames (no data) and does not count them; the reference has no such
 * frames (it skips events without data).
 */
import {
  DarkStatus, DetcalError, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters,
  type ConstantSet, type DarkRequest, type FrameStream, type ParameterSpec, type ParameterValue,
} from '@detcal/core';
import { selectInPlace } from './quickselect.js';
import { singleGainRun } from './dark-single-gain.js';

/** Parameters of `--method psana` with the DarkProc / det_dark_proc defaults. */
export const PSANA_DARK_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'nrecs', defaultValue: 500, description: 'frames used in total (stage 1 frames included)' },
  { name: 'nrecs1', defaultValue: 50, description: 'frames of stage 1, whose quantiles set the per-pixel gate' },
  { name: 'fraclo', defaultValue: 0.05, description: 'quantile of the stage-1 values that sets the gate low edge' },
  { name: 'frachi', defaultValue: 0.95, description: 'quantile of the stage-1 values that sets the gate high edge' },
  { name: 'int_lo', defaultValue: 1, description: 'lowest intensity accepted, ADU; values below count toward COLD' },
  { name: 'int_hi', defaultValue: 16000, description: 'highest intensity accepted, ADU; values above count toward SATURATED' },
  { name: 'intnlo', defaultValue: 6, description: 'MEAN_LOW below mean - intnlo x std of the pedestals (0 = use int_lo)' },
  { name: 'intnhi', defaultValue: 6, description: 'MEAN_HIGH above mean + intnhi x std of the pedestals (0 = use int_hi)' },
  { name: 'rms_lo', defaultValue: 0.001, description: 'absolute lower limit of pixel_rms, ADU' },
  { name: 'rms_hi', defaultValue: 16000, description: 'absolute upper limit of pixel_rms, ADU' },
  { name: 'rmsnlo', defaultValue: 6, description: 'RMS_LOW below mean - rmsnlo x std of pixel_rms (0 = use rms_lo)' },
  { name: 'rmsnhi', defaultValue: 6, description: 'RMS_HIGH above mean + rmsnhi x std of pixel_rms (0 = use rms_hi)' },
  { name: 'fraclm', defaultValue: 0.1, description: 'SATURATED / COLD when more than this fraction of frames is beyond int_hi / int_lo' },
  { name: 'datbits', defaultValue: 0x3fff, description: 'data bits of integer raw values (raw & datbits), 16383 = 14 bits' },
];

/** Settings of {@link psanaDark} (parameter names as DarkProc's keyword arguments). */
export interface PsanaDarkOptions {
  nrecs: number;
  nrecs1: number;
  fraclo: number;
  frachi: number;
  int_lo: number;
  int_hi: number;
  intnlo: number;
  intnhi: number;
  rms_lo: number;
  rms_hi: number;
  rmsnlo: number;
  rmsnhi: number;
  fraclm: number;
  datbits: number;
  /** Progress callback: frames and raw bytes of each block read. */
  progress?(frames: number, bytes: number, phase: string): void;
}

/** Limits the status bits used. */
export interface PsanaDarkLimits {
  rmsMin: number;
  rmsMax: number;
  aveMin: number;
  aveMax: number;
  /** A pixel is SATURATED / COLD with more than this many values beyond int_hi / int_lo. */
  nevlm: number;
}

/** What {@link psanaDark} found. */
export interface PsanaDarkResult {
  /** pedestals per pixel, ADU. */
  pedestals: Float32Array;
  /** pixel_rms per pixel, ADU. */
  rms: Float32Array;
  /** pixel_status per pixel (DarkStatus bits), uint64 as LCLS stores it. */
  status: BigUint64Array;
  /** Gate per pixel: lowest and highest accepted value, ADU. */
  gateLo: Float32Array;
  gateHi: Float32Array;
  /** In-gate values per pixel. */
  inGate: Uint32Array;
  /** Frames used (stage 2), and of them the stage-1 frames. */
  frames: number;
  stage1Frames: number;
  /** All-zero frames skipped. */
  emptyFrames: number;
  /** Limits of the status bits. */
  limits: PsanaDarkLimits;
  /** Pixels per status bit, by DarkStatus name, and with any bit. */
  counts: Record<string, number>;
}

/** Options of {@link psanaDark} from resolved parameters. */
export function psanaOptions(p: Record<string, ParameterValue>): PsanaDarkOptions {
  const names = ['nrecs', 'nrecs1', 'fraclo', 'frachi', 'int_lo', 'int_hi', 'intnlo', 'intnhi', 'rms_lo', 'rms_hi', 'rmsnlo', 'rmsnhi', 'fraclm', 'datbits'] as const;
  const o = {} as Record<(typeof names)[number], number>;
  for (const n of names) o[n] = numberParam(p, n);
  return o;
}

/** numpy's virtual index of quantile q over n sorted values (method 'linear' family: alpha = beta = 1). */
function virtualIndex(n: number, q: number): number {
  return n * q + (1 - q) - 1;
}

/**
 * Per-pixel gate of stage 1 from the held frames: numpy quantile 'lower' at fraclo, 'higher' at frachi.
 * @param frames - nFrames frames, frame-major
 * @param nFrames - frames held (>= 1)
 * @param nPixels - pixels per frame
 * @param opts - fraclo, frachi, int_lo, int_hi
 * @returns gate low and high edges per pixel, ADU
 */
export function psanaGate(
  frames: Uint16Array | Float32Array,
  nFrames: number,
  nPixels: number,
  opts: Pick<PsanaDarkOptions, 'fraclo' | 'frachi' | 'int_lo' | 'int_hi'>,
): { lo: Float32Array; hi: Float32Array } {
  const kLo = Math.floor(virtualIndex(nFrames, opts.fraclo));
  const kHi = Math.min(nFrames - 1, Math.ceil(virtualIndex(nFrames, opts.frachi)));
  const integer = frames instanceof Uint16Array;
  const lo = new Float32Array(nPixels), hi = new Float32Array(nPixels);
  const TILE = 1024;
  const tile = new Float64Array(TILE * nFrames);
  for (let p0 = 0; p0 < nPixels; p0 += TILE) {
    const w = Math.min(TILE, nPixels - p0);
    // Transpose a tile of pixels so each pixel's values are contiguous.
    for (let f = 0; f < nFrames; f++) {
      const src = f * nPixels + p0;
      for (let t = 0, k = f; t < w; t++, k += nFrames) {
        const v = frames[src + t];
        tile[k] = v === v ? v : Infinity;
      }
    }
    for (let t = 0; t < w; t++) {
      const a = t * nFrames, b = a + nFrames;
      const qlo = selectInPlace(tile, a + kLo, a, b);
      const qhi = selectInPlace(tile, a + kHi, a, b);
      let gl = Math.max(Math.floor(qlo), opts.int_lo);
      let gh = Math.min(Math.ceil(qhi), opts.int_hi);
      // DarkProc casts the gate to the raw dtype (uint16), then widens an empty gate by one.
      if (integer) {
        gl = Math.min(65535, Math.max(0, Math.trunc(gl)));
        gh = Math.min(65535, Math.max(0, Math.trunc(gh)));
      }
      if (!(gh > gl)) gh += 1;
      // init_proc clips both again to the absolute limits.
      lo[p0 + t] = Math.max(gl, opts.int_lo);
      hi[p0 + t] = Math.min(gh, opts.int_hi);
    }
  }
  return { lo, hi };
}

/** Stage-2 sums of the gated values. */
interface PsanaSums {
  sum0: Uint32Array;
  sum1: Float64Array;
  sum2: Float64Array;
  below: Uint32Array;
  above: Uint32Array;
}

function accumulateU16(
  data: Uint16Array, o: number, n: number, bits: number, lo: Float32Array, hi: Float32Array,
  intLo: number, intHi: number, s: PsanaSums,
): void {
  const { sum0, sum1, sum2, below, above } = s;
  for (let p = 0; p < n; p++) {
    const v = data[o + p] & bits;
    if (v < intLo) below[p]++;
    if (v > intHi) above[p]++;
    if (v >= lo[p] && v <= hi[p]) {
      sum0[p]++;
      sum1[p] += v;
      sum2[p] += v * v;
    }
  }
}

function accumulateF32(
  data: Float32Array, o: number, n: number, lo: Float32Array, hi: Float32Array,
  intLo: number, intHi: number, s: PsanaSums,
): void {
  const { sum0, sum1, sum2, below, above } = s;
  for (let p = 0; p < n; p++) {
    const v = data[o + p];
    if (v < intLo) below[p]++;
    if (v > intHi) above[p]++;
    if (v >= lo[p] && v <= hi[p]) {
      sum0[p]++;
      sum1[p] += v;
      sum2[p] += v * v;
    }
  }
}

function isEmpty(data: Uint16Array | Float32Array, o: number, n: number): boolean {
  for (let p = o, end = o + n; p < end; p++) if (data[p] !== 0) return false;
  return true;
}

/** evaluate_limits: mean -+ n x std of the array (ddof 0), clipped to [limLo, limHi]; n = 0 uses the absolute limit. */
export function psanaLimits(values: Float64Array, nneg: number, npos: number, limLo: number, limHi: number): [number, number] {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const ave = s / values.length;
  let q = 0;
  for (let i = 0; i < values.length; i++) q += (values[i] - ave) * (values[i] - ave);
  const std = Math.sqrt(q / values.length);
  const lo = nneg > 0 ? ave - nneg * std : limLo;
  const hi = npos > 0 ? ave + npos * std : limHi;
  return [Math.max(lo, limLo), Math.min(hi, limHi)];
}

/**
 * Runs DarkProc over a stream: holds the first nrecs1 non-empty frames, sets the gate, streams
 * up to nrecs frames in total, and evaluates pedestals, pixel_rms and pixel_status.
 * @param stream - the dark run (raw u2 values, or float values used as they are)
 * @param opts - DarkProc parameters
 * @returns constants, gate, limits and counts
 */
export async function psanaDark(stream: FrameStream, opts: PsanaDarkOptions): Promise<PsanaDarkResult> {
  const nPixels = stream.rows * stream.cols;
  for (const n of ['nrecs', 'nrecs1'] as const) {
    if (!(Number.isInteger(opts[n]) && opts[n] >= 1)) throw new DetcalError('BAD_INPUT', `parameter ${n}=${opts[n]}: must be a positive integer`);
  }
  const nHold = Math.min(opts.nrecs1, opts.nrecs);
  let held: Uint16Array | Float32Array | undefined;
  let nHeld = 0;
  let gate: { lo: Float32Array; hi: Float32Array } | undefined;
  const sums: PsanaSums = {
    sum0: new Uint32Array(nPixels),
    sum1: new Float64Array(nPixels),
    sum2: new Float64Array(nPixels),
    below: new Uint32Array(nPixels),
    above: new Uint32Array(nPixels),
  };
  let frames = 0, emptyFrames = 0;
  const bits = opts.datbits;
  const add = (data: Uint16Array | Float32Array, o: number): void => {
    if (data instanceof Uint16Array) accumulateU16(data, o, nPixels, bits, gate!.lo, gate!.hi, opts.int_lo, opts.int_hi, sums);
    else accumulateF32(data, o, nPixels, gate!.lo, gate!.hi, opts.int_lo, opts.int_hi, sums);
  };
  const closeStage1 = (): void => {
    gate = psanaGate(held!, nHeld, nPixels, opts);
    for (let f = 0; f < nHeld; f++) add(held!, f * nPixels);
    held = undefined; // stage 1 memory is released
  };
  // every frame is used or copied before the next block is read: two reused block buffers suffice
  for await (const block of stream.blocks({ keep: 2 })) {
    const data = block.data;
    for (let f = 0; f < block.nFrames && frames < opts.nrecs; f++) {
      const o = f * nPixels;
      if (isEmpty(data, o, nPixels)) {
        emptyFrames++;
        continue;
      }
      frames++;
      if (!gate) {
        held ??= data instanceof Uint16Array ? new Uint16Array(nHold * nPixels) : new Float32Array(nHold * nPixels);
        held.set(data.subarray(o, o + nPixels), nHeld * nPixels);
        nHeld++;
        if (nHeld === nHold) closeStage1();
      } else add(data, o);
    }
    opts.progress?.(block.nFrames, block.data.byteLength, 'psana dark');
    if (frames >= opts.nrecs) break;
  }
  if (frames < 3) {
    throw new DetcalError('BAD_INPUT', `${stream.label}: ${frames} non-empty frames${emptyFrames ? ` (${emptyFrames} empty frames skipped)` : ''}; the psana dark needs at least 3`);
  }
  if (!gate) closeStage1();
  return summarize(sums, gate!, frames, nHeld, emptyFrames, opts);
}

function summarize(
  s: PsanaSums, gate: { lo: Float32Array; hi: Float32Array }, frames: number, stage1Frames: number, emptyFrames: number, o: PsanaDarkOptions,
): PsanaDarkResult {
  const n = s.sum0.length;
  const av1 = new Float64Array(n), rms = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const c = s.sum0[p];
    if (c === 0) continue; // divide_protected: 0
    const m = s.sum1[p] / c;
    const v = s.sum2[p] / c - m * m;
    av1[p] = m;
    rms[p] = v > 0 ? Math.sqrt(v) : 0;
  }
  const [rmsMin, rmsMax] = psanaLimits(rms, o.rmsnlo, o.rmsnhi, o.rms_lo, o.rms_hi);
  const [aveMin, aveMax] = psanaLimits(av1, o.intnlo, o.intnhi, o.int_lo, o.int_hi);
  // DarkProc's counter is the index of the last event: frames - 1.
  const nevlm = Math.trunc(o.fraclm * (frames - 1));
  const status = new BigUint64Array(n);
  const bitNames = ['RMS_HIGH', 'RMS_LOW', 'SATURATED', 'COLD', 'MEAN_HIGH', 'MEAN_LOW'] as const;
  const counts: Record<string, number> = { any: 0 };
  for (const b of bitNames) counts[b] = 0;
  for (let p = 0; p < n; p++) {
    let st = 0;
    if (rms[p] > rmsMax) st |= DarkStatus.RMS_HIGH;
    if (rms[p] < rmsMin) st |= DarkStatus.RMS_LOW;
    if (s.above[p] > nevlm) st |= DarkStatus.SATURATED;
    if (s.below[p] > nevlm) st |= DarkStatus.COLD;
    if (av1[p] > aveMax) st |= DarkStatus.MEAN_HIGH;
    if (av1[p] < aveMin) st |= DarkStatus.MEAN_LOW;
    if (st !== 0) {
      status[p] = BigInt(st);
      counts.any++;
      for (const b of bitNames) if (st & DarkStatus[b]) counts[b]++;
    }
  }
  return {
    pedestals: Float32Array.from(av1),
    rms: Float32Array.from(rms),
    status,
    gateLo: gate.lo,
    gateHi: gate.hi,
    inGate: s.sum0,
    frames,
    stage1Frames,
    emptyFrames,
    limits: { rmsMin, rmsMax, aveMin, aveMax, nevlm },
    counts,
  };
}

/** How a detector presents its psana dark constants. */
export interface PsanaDarkSpec {
  /** Plugin id written into the metadata ('epix100'). */
  detectorType: string;
  /** Detector name for messages ('ePix100'). */
  detector: string;
  /** Rows of the module's frames (the constants' rows). */
  rows: number;
  /** Columns of the module's frames. */
  cols: number;
}

/**
 * `--method psana` of a single-gain detector: DarkProc over the one run, as LCLS constants
 * pedestals (f4), pixel_rms (f4), pixel_status (u8) with dims ['row', 'col'].
 * @param request - the dark request (one run)
 * @param spec - detector id, name and frame shape
 * @returns the constants with the parameters, limits and counts in the metadata
 */
export async function psanaDarkConstants(request: DarkRequest, spec: PsanaDarkSpec): Promise<ConstantSet> {
  const p = resolveParameters(PSANA_DARK_PARAMETERS, request.parameters);
  const stream = singleGainRun(request, spec.detector, spec.rows, spec.cols);
  const r = await psanaDark(stream, { ...psanaOptions(p), progress: request.progress });
  const shape = [spec.rows, spec.cols], dims = ['row', 'col'];
  return makeConstantSet(
    darkMetadata(request, spec.detectorType, {
      ...p,
      framesUsed: r.frames,
      stage1Frames: r.stage1Frames,
      emptyFrames: r.emptyFrames,
      limits: r.limits,
      statusCounts: r.counts,
    }),
    [
      makeConstant('pedestals', r.pedestals, shape, dims, 'ADU'),
      makeConstant('pixel_rms', r.rms, shape, dims, 'ADU'),
      makeConstant('pixel_status', r.status, shape, dims, ''),
    ],
  );
}
