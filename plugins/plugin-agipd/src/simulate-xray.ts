/**
 * AGIPD X-ray tube (flat field) simulation: one run of single-cell frames (memory cell 0, one frame
 * per train) in high gain. Per pixel and frame: photons ~ Poisson(photonsPerFrame of the pixel),
 * analog = offset + photons * photonSpacing + baseline drift(frame) + noise; digital = the HG
 * digital level + its noise. Offsets, noise, digital levels and defects are the dark truth of the
 * same seed, module and cells (the same draws as simulateAgipdDark; HG cell 0 is used).
 */
import { Random, makeConstant, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { Defect, RUN_STREAM, asicIndexMap, badPixelsTruth, checkSimulateOptions, firstTrainIdOf, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import { drawAgipdPixelTruth } from './simulate-dark.js';
import type { BlockFiller, PixelMaps } from '@detcal/simulator';
import { AGIPD_ADC_MAX_ADU, AGIPD_SIM_CONDITIONS } from './dark-model.js';
import { agipdGeometry } from './geometry.js';

/** Numbers behind the simulated X-ray tube run. */
export const AGIPD_XRAY_MODEL = {
  /** Photon energy when the request names none: Cu K-alpha of an X-ray tube, keV. */
  photonEnergyKev: 8.05,
  /** Mean high-gain conversion, ADU per keV (8 ADU/keV x 8.05 keV = 64 ADU per photon). */
  hgGainAduPerKev: 8,
  /** Relative sigma of the per-ASIC gain. */
  asicGainSpread: 0.03,
  /** Relative sigma of the per-pixel gain (around its ASIC's). */
  pixelGainSpread: 0.03,
  /** Mean photons per frame: uniform per pixel in this range (flat field with a smooth falloff is not modelled). */
  photonsPerFrame: [0.5, 1.5] as const,
  /** Baseline drift over the run: a linear ramp of this many ADU from the first to the last frame ... */
  driftRampAdu: 30,
  /** ... plus a sine of this amplitude, ADU ... */
  driftSineAdu: 6,
  /** ... and this period, frames. The same drift for the whole module. */
  driftPeriodFrames: 1700,
} as const;

/** Random stream of the X-ray-only truth (gains, photon means); the dark truth keeps its own. */
const XRAY_TRUTH_STREAM = 40;

/** Baseline drift of frame t of n frames, ADU. */
export function xrayDriftAdu(t: number, n: number): number {
  const m = AGIPD_XRAY_MODEL;
  return m.driftRampAdu * (n > 1 ? t / (n - 1) : 0) + m.driftSineAdu * Math.sin((2 * Math.PI * t) / m.driftPeriodFrames);
}

/** Simulates one X-ray tube run of one module and returns it with its truth (photonSpacing (512, 128), drift per frame). */
export function simulateAgipdXray(options: SimulateOptions): Simulation {
  checkSimulateOptions('agipd', options, ['xray'], agipdGeometry);
  const { seed, module, cells, trains } = options;
  const g = agipdGeometry;
  const rows = g.moduleRows, cols = g.moduleCols, pixels = rows * cols;
  const m = AGIPD_XRAY_MODEL;
  const energyKev = options.photonEnergyKev ?? m.photonEnergyKev;
  // The dark truth, drawn exactly as simulateAgipdDark does for the same seed, module and cells.
  const { analog, digital, defects } = drawAgipdPixelTruth(seed, module, cells);

  const xr = new Random(streamSeed(seed, module, XRAY_TRUTH_STREAM));
  const asicOf = asicIndexMap(g);
  const asicGain = Float64Array.from({ length: g.asics.rows * g.asics.cols }, () => 1 + m.asicGainSpread * xr.normal());
  const photonSpacing = new Float32Array(pixels);
  const photonsPerFrame = new Float32Array(pixels);
  const [lo, hi] = m.photonsPerFrame;
  for (let p = 0; p < pixels; p++) {
    photonSpacing[p] = m.hgGainAduPerKev * energyKev * asicGain[asicOf[p]] * (1 + m.pixelGainSpread * xr.normal());
    // dead pixels do not see photons
    photonsPerFrame[p] = defects.defect[p] === Defect.DEAD ? 0 : lo + (hi - lo) * xr.uniform();
  }
  const drift = Float32Array.from({ length: trains }, (_, t) => xrayDriftAdu(t, trains));

  const runs = [
    simulatedRun(
      { run: options.firstRun, label: 'xray', gainStage: 0 },
      { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'u2', pulseIds: true },
      () => xrayFiller(new Random(streamSeed(seed, module, RUN_STREAM)), analog, digital, photonSpacing, photonsPerFrame, drift),
    ),
  ];
  const shape = { gains: 1, cells: 1, rows, cols };
  const metadata = truthMetadata('agipd', `SIM-AGIPD-M${module}`, options, runs, { memoryCells: 1, ...AGIPD_SIM_CONDITIONS, photonEnergyKev: energyKev }, {
    ...AGIPD_XRAY_MODEL,
    photonEnergyKev: energyKev,
    photonsPerFrame: [...m.photonsPerFrame],
    cellUsed: 0,
    darkCellsDrawn: cells,
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
  });
  const truth = makeConstantSet(metadata, [
    makeConstant('photonSpacing', photonSpacing, [rows, cols], ['row', 'col'], 'ADU'),
    makeConstant('photonsPerFrame', photonsPerFrame, [rows, cols], ['row', 'col'], 'photons'),
    makeConstant('baselineDrift', drift, [trains], ['frame'], 'ADU'),
    truthArray('Offset', analog.offsetAdu.slice(0, pixels), shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(analog.sigmaAdu.slice(0, pixels)), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 1), shape, ''),
  ]);
  return { runs, truth };
}

/** Standard normal quantiles at (i + 0.5) / 65536: two normal deviates from one 32-bit draw (tails cut at 4.3 sigma, which no test of this simulation reaches). */
let normalTable: Float32Array | undefined;

function normalQuantiles(): Float32Array {
  if (normalTable) return normalTable;
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = inverseNormalCdf((i + 0.5) / 65536);
  return (normalTable = t);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormalCdf(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Largest photon count drawn per pixel and frame (P(k > 15) < 1e-12 for means up to 1.5). */
const MAX_PHOTONS = 16;

/**
 * Analog (photons, drift, noise) into block.data and the HG digital level into block.gain, cell 0 of
 * the dark truth. Photons by inversion of each pixel's Poisson CDF (one 32-bit draw), the two normal
 * deviates from one 32-bit draw through a quantile table: about 5x faster than Knuth's method and
 * the polar method, which matters for runs of thousands of full-module frames.
 */
function xrayFiller(rng: Random, analog: PixelMaps, digital: PixelMaps, spacing: Float32Array, mean: Float32Array, drift: Float32Array): BlockFiller {
  const pixels = analog.rows * analog.cols;
  const aOff = analog.offsetAdu, aSig = analog.sigmaAdu, dOff = digital.offsetAdu, dSig = digital.sigmaAdu;
  const normal = normalQuantiles();
  // Poisson CDF per pixel, as 32-bit thresholds: k photons while the draw is >= cdf[k].
  const cdf = new Float64Array(pixels * MAX_PHOTONS);
  for (let p = 0; p < pixels; p++) {
    let term = Math.exp(-mean[p]), sum = 0;
    for (let k = 0; k < MAX_PHOTONS; k++) {
      sum += term;
      term *= mean[p] / (k + 1);
      cdf[p * MAX_PHOTONS + k] = k === MAX_PHOTONS - 1 ? Infinity : sum * 4294967296;
    }
  }
  return (block: FrameBlock) => {
    const data = block.data as Uint16Array;
    const gain = block.gain as Uint16Array;
    for (let f = 0; f < block.nFrames; f++) {
      const d = drift[block.firstFrame + f];
      const o = f * pixels;
      for (let p = 0; p < pixels; p++) {
        const u = rng.nextUint32();
        let k = 0;
        const c0 = p * MAX_PHOTONS;
        while (u >= cdf[c0 + k]) k++;
        const z = rng.nextUint32();
        let v = aOff[p] + d + k * spacing[p] + aSig[p] * normal[z >>> 16] + 0.5;
        data[o + p] = v < 0 ? 0 : v > AGIPD_ADC_MAX_ADU ? AGIPD_ADC_MAX_ADU : v;
        v = dOff[p] + dSig[p] * normal[z & 0xffff] + 0.5;
        gain[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
      }
    }
  };
}
