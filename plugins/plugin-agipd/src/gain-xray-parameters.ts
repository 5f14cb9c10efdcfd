/** Tunable parameters of the AGIPD X-ray tube step (`detcal gain xray agipd --param NAME=VALUE`). */
import { DetcalError, numberParam, type ParameterSpec, type ParameterValue } from '@detcal/core';
import type { PhotonSpacingSettings } from '@detcal/kernels';

/** Parameters with defaults; the seed's values where it had one (smoothing 11 bins, min. peak distance 40 -> 30 here, spacing > 20). */
export const AGIPD_XRAY_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'cell', defaultValue: 0, description: 'memory cell whose frames are histogrammed (X-ray tube runs: one cell)' },
  { name: 'drift_correction', defaultValue: true, description: 'subtract the running low-pass of each pixel (false: one constant per pixel from the first window)' },
  { name: 'lowpass_window', defaultValue: 401, description: 'window of the running order statistic, frames (odd); the seed used 1603' },
  { name: 'lowpass_step', defaultValue: 200, description: 'frames between evaluations of the low-pass, linear in between (1 = every frame)' },
  { name: 'lowpass_order', defaultValue: 'mode', description: "order statistic of the low-pass: 'mode' (rank of the densest part of the first window, as the seed) or 'median'" },
  { name: 'histogram_range_adu', defaultValue: [-256, 512], description: 'histogram range relative to the low-pass, ADU [lo, hi)' },
  { name: 'bin_width_adu', defaultValue: 1, description: 'histogram bin width, ADU' },
  { name: 'smooth_width_adu', defaultValue: 11, description: 'width of the moving-sum smoothing of the histogram, ADU (seed: 11)' },
  { name: 'min_peak_distance_adu', defaultValue: 30, description: 'smallest distance between two photon peaks, ADU (smaller spacings fail)' },
  { name: 'min_prominence', defaultValue: 0.1, description: 'smallest peak prominence, fraction of the highest smoothed bin' },
  { name: 'peak_window', defaultValue: 0.35, description: 'half width of the centroid window of each peak, fraction of the distance of the two peaks' },
  { name: 'min_ok_fraction', defaultValue: 0.01, description: 'fail when fewer pixels than this fraction show two photon peaks (not an X-ray run?)' },
  { name: 'min_entries', defaultValue: 100, description: 'fewest values inside the histogram range (fewer: FF_NO_ENTRIES)' },
];

/** Histogram and peak settings from resolved parameters for a run of nFrames frames of u2 or f4 values. */
export function xraySettings(p: Record<string, ParameterValue>, nFrames: number, valueType: 'u2' | 'f4'): PhotonSpacingSettings {
  const range = p.histogram_range_adu as number[];
  const bw = numberParam(p, 'bin_width_adu');
  const window = numberParam(p, 'lowpass_window');
  const order = String(p.lowpass_order);
  if (order !== 'mode' && order !== 'median') throw new DetcalError('BAD_INPUT', `--param lowpass_order=${order}: use mode or median`);
  if (!(bw > 0)) throw new DetcalError('BAD_INPUT', `--param bin_width_adu=${bw}: the bin width must be > 0 ADU`);
  if (!(range[1] > range[0])) throw new DetcalError('BAD_INPUT', `--param histogram_range_adu=[${range}]: need lo < hi`);
  if (!(Number.isInteger(window) && window % 2 === 1)) throw new DetcalError('BAD_INPUT', `--param lowpass_window=${window}: use an odd number of frames`);
  const nBins = Math.ceil((range[1] - range[0]) / bw);
  const smooth = Math.max(1, Math.round(numberParam(p, 'smooth_width_adu') / bw));
  return {
    histogram: {
      window,
      step: numberParam(p, 'lowpass_step'),
      order,
      driftCorrection: p.drift_correction === true,
      lo: range[0],
      binWidth: bw,
      nBins,
      valueType,
      countType: nFrames <= 65535 ? 'u2' : 'u4',
    },
    peaks: {
      smoothBins: smooth % 2 === 1 ? smooth : smooth + 1,
      minDistanceBins: numberParam(p, 'min_peak_distance_adu') / bw,
      minProminence: numberParam(p, 'min_prominence'),
      peakWindow: numberParam(p, 'peak_window'),
      minEntries: numberParam(p, 'min_entries'),
    },
  };
}
