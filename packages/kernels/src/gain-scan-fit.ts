/**
 * Gain-stage scan fit (current-source / pulse-capacitor scans of detectors with a digital gain value,
 * AGIPD seed fit3DynamicScanSlopes) for a range of pixels of one memory cell: per pixel the analog and
 * digital series over the scan steps -> spike removal -> fast k-means of the digital values into the
 * stages -> thresholds (mid-points of adjacent digital means) -> trimmed least-squares line of the
 * analog values per stage (x = scan step) -> residual std per stage, digital std per stage and
 * safety factors (spacing of adjacent digital means / sum of their stds). Pixels are handled in tiles
 * whose series are gathered step by step (contiguous reads), so the frame-major input stays cache friendly.
 */
import { removeSpikes } from './spike-filter.js';
import { initLevelsFromEnds, kmeans1d, levelOf } from './kmeans-1d.js';
import { trimmedLineFit } from './trimmed-line-fit.js';

/** Settings of the scan fit, with the seed's defaults in the plugin's parameter list. */
export interface GainScanFitSettings {
  /** Number of gain stages (AGIPD: 3). */
  stages: number;
  /** Widest spike removed, samples (seed: 2). */
  maxSpikeWidth: number;
  /** Smallest spike height, ADU (seed: 300). */
  minSpikeHeight: number;
  /** Lloyd iterations of the k-means (seed: 3). */
  refinementSteps: number;
  /** Adjacent digital means closer than this (ADU) mean the pixel did not switch: no fit (seed: 600). */
  minDigitalSpacing: number;
  /** Fraction of each stage's samples dropped at both ends before the line fit (seed: 0.3). */
  shrinkFactor: number;
}

/** Where the scan values of one cell are: a frame-major buffer of nSteps frames. */
export interface GainScanInput {
  /** Raw values: step t, pixel p at data[t * frameStride + analogOffset + p] (analog) and [... + digitalOffset + p] (digital). */
  data: Uint16Array;
  /** Scan steps (frames of this cell). */
  nSteps: number;
  /** Values between consecutive steps (AGIPD raw frame: 2 * pixels). */
  frameStride: number;
  /** Offset of the analog plane within a step. */
  analogOffset: number;
  /** Offset of the digital plane within a step. */
  digitalOffset: number;
}

/** Output arrays (float32) and where one cell's values go: element = base + stage * stride + pixelOut[p]. */
export interface GainScanOutputs {
  /** Line slope per stage (ADU per scan step). */
  analogGains: Float32Array;
  /** Line value at step 0 per stage (ADU). */
  analogLineOffsets: Float32Array;
  /** Std of the residuals of the fitted samples per stage (ADU). */
  analogFitStdDevs: Float32Array;
  /** Base and stage stride of the three analog arrays. */
  analog: { base: number; stride: number };
  /** Digital mean per stage (ADU). */
  digitalMeans: Float32Array;
  /** Digital std per stage (ADU). */
  digitalStdDeviations: Float32Array;
  /** Base and stage stride of the two digital arrays. */
  digital: { base: number; stride: number };
  /** Thresholds between adjacent stages (ADU): (mean[j] + mean[j+1]) / 2. */
  digitalThresholds: Float32Array;
  /** Base and stride of the thresholds. */
  thresholds: { base: number; stride: number };
  /** (mean[j+1] - mean[j]) / (std[j] + std[j+1]). */
  digitalSpacingsSafetyFactors: Float32Array;
  /** Base and stride of the safety factors. */
  safety: { base: number; stride: number };
  /** Output position of each input pixel (e.g. a transposed frame); identity when absent. */
  pixelOut?: Int32Array;
}

/** Counts of one call. */
export interface GainScanFitCounts {
  /** Pixels whose digital values gave no separated stages (all outputs NaN). */
  noSwitching: number;
  /** Stage lines not fitted for lack of samples (summed over stages). */
  stageFitsMissing: number;
  /** Samples replaced by the spike filter (analog and digital). */
  spikes: number;
}

/** Pixels gathered per tile. */
const TILE = 64;

/** Workspace of the fit for series of up to maxSteps samples; reuse across calls. */
export class GainScanWorkspace {
  readonly analog: Float32Array;
  readonly digital: Float32Array;
  readonly series: Float32Array;
  readonly seriesD: Float32Array;
  readonly labels: Uint8Array;
  readonly scratch: Float64Array;
  readonly means: Float64Array;
  readonly counts: Float64Array;
  readonly stds: Float64Array;
  readonly shift: Float64Array;
  readonly line: Float64Array;

  constructor(readonly maxSteps: number, stages: number) {
    this.analog = new Float32Array(TILE * maxSteps);
    this.digital = new Float32Array(TILE * maxSteps);
    this.series = new Float32Array(maxSteps);
    this.seriesD = new Float32Array(maxSteps);
    this.labels = new Uint8Array(maxSteps);
    this.scratch = new Float64Array(maxSteps + 64);
    this.means = new Float64Array(stages);
    this.counts = new Float64Array(stages);
    this.stds = new Float64Array(stages);
    this.shift = new Float64Array(stages);
    this.line = new Float64Array(3);
  }
}

/**
 * Fits pixels [p0, p1) of one cell.
 * @param input - the cell's scan values
 * @param p0 - first pixel (inclusive)
 * @param p1 - last pixel (exclusive)
 * @param s - settings
 * @param out - output arrays and placement of this cell
 * @param ws - workspace (maxSteps >= input.nSteps)
 * @returns counts of failures and spikes
 */
export function fitGainScanPixels(input: GainScanInput, p0: number, p1: number, s: GainScanFitSettings, out: GainScanOutputs, ws: GainScanWorkspace): GainScanFitCounts {
  const n = input.nSteps;
  if (n > ws.maxSteps) throw new RangeError(`fitGainScanPixels: ${n} steps exceed the workspace's ${ws.maxSteps}`);
  const counts: GainScanFitCounts = { noSwitching: 0, stageFitsMissing: 0, spikes: 0 };
  const { data, frameStride, analogOffset, digitalOffset } = input;
  const { analog, digital } = ws;
  for (let t0 = p0; t0 < p1; t0 += TILE) {
    const m = Math.min(TILE, p1 - t0);
    // gather: tile[q * n + t] = value of pixel t0 + q at step t
    for (let t = 0; t < n; t++) {
      const a = t * frameStride + analogOffset + t0;
      const d = t * frameStride + digitalOffset + t0;
      for (let q = 0; q < m; q++) {
        analog[q * n + t] = data[a + q];
        digital[q * n + t] = data[d + q];
      }
    }
    for (let q = 0; q < m; q++) fitOnePixel(t0 + q, q * n, n, s, out, ws, counts);
  }
  return counts;
}

function fitOnePixel(p: number, off: number, n: number, s: GainScanFitSettings, out: GainScanOutputs, ws: GainScanWorkspace, counts: GainScanFitCounts): void {
  const k = s.stages;
  const a = ws.series, d = ws.seriesD, labels = ws.labels, means = ws.means, cnt = ws.counts, stds = ws.stds, line = ws.line;
  for (let t = 0; t < n; t++) {
    a[t] = ws.analog[off + t];
    d[t] = ws.digital[off + t];
  }
  counts.spikes += removeSpikes(a, n, s.maxSpikeWidth, s.minSpikeHeight, ws.scratch);
  counts.spikes += removeSpikes(d, n, s.maxSpikeWidth, s.minSpikeHeight, ws.scratch);
  initLevelsFromEnds(d, n, k, means);
  kmeans1d(d, n, k, means, s.refinementSteps, cnt);
  const po = out.pixelOut ? out.pixelOut[p] : p;
  let separated = true;
  for (let j = 0; j + 1 < k; j++) if (!(means[j + 1] - means[j] >= s.minDigitalSpacing)) separated = false;
  if (!separated) {
    counts.noSwitching++;
    for (let j = 0; j < k; j++) {
      const ia = out.analog.base + j * out.analog.stride + po;
      out.analogGains[ia] = NaN;
      out.analogLineOffsets[ia] = NaN;
      out.analogFitStdDevs[ia] = NaN;
      const id = out.digital.base + j * out.digital.stride + po;
      out.digitalMeans[id] = NaN;
      out.digitalStdDeviations[id] = NaN;
      if (j + 1 < k) {
        out.digitalThresholds[out.thresholds.base + j * out.thresholds.stride + po] = NaN;
        out.digitalSpacingsSafetyFactors[out.safety.base + j * out.safety.stride + po] = NaN;
      }
    }
    return;
  }
  // labels and digital std per stage (ddof 0)
  for (let j = 0; j < k; j++) {
    cnt[j] = 0;
    stds[j] = 0;
  }
  const shift = ws.shift;
  for (let j = 0; j < k; j++) shift[j] = 0;
  const t0 = 0.5 * (means[0] + means[1]);
  const t1 = k === 3 ? 0.5 * (means[1] + means[2]) : 0;
  for (let t = 0; t < n; t++) {
    const v = d[t];
    // three stages inline (strict mid-point intervals as levelOf), else the generic search
    const j = k === 3 ? (v < t0 ? 0 : v > t0 && v < t1 ? 1 : v > t1 ? 2 : -1) : levelOf(v, means, k);
    labels[t] = j < 0 ? 255 : j;
    if (j >= 0) {
      // sums shifted by the k-means level (close to the stage mean): no cancellation
      const dv = d[t] - means[j];
      shift[j] += dv;
      stds[j] += dv * dv;
      cnt[j]++;
    }
  }
  for (let j = 0; j < k; j++) {
    const mean = shift[j] / cnt[j];
    stds[j] = cnt[j] > 0 ? Math.sqrt(Math.max(0, stds[j] / cnt[j] - mean * mean)) : NaN;
    if (trimmedLineFit(a, labels, n, j, s.shrinkFactor, line) === 0) counts.stageFitsMissing++;
    const ia = out.analog.base + j * out.analog.stride + po;
    out.analogGains[ia] = line[0];
    out.analogLineOffsets[ia] = line[1];
    out.analogFitStdDevs[ia] = line[2];
    const id = out.digital.base + j * out.digital.stride + po;
    out.digitalMeans[id] = means[j];
    out.digitalStdDeviations[id] = stds[j];
  }
  for (let j = 0; j + 1 < k; j++) {
    out.digitalThresholds[out.thresholds.base + j * out.thresholds.stride + po] = 0.5 * (means[j] + means[j + 1]);
    out.digitalSpacingsSafetyFactors[out.safety.base + j * out.safety.stride + po] = (means[j + 1] - means[j]) / (stds[j] + stds[j + 1]);
  }
}
