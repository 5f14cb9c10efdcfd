/**
 * Numbers behind the simulated Jungfrau dark. Orders of magnitude of Jungfrau pedestal maps (G0 a few
 * thousand ADU, G1 / G2 near the top of the 14-bit range, noise a few ADU in G0 and about 1 ADU in
 * G1 / G2); plausible values, not the calibration of a particular module.
 */
import type { StageModel } from '@detcal/simulator';

/** Largest raw value of the 14-bit ADC. */
export const JUNGFRAU_ADC_MAX_ADU = 16383;

/** Offset and noise per gain stage (G0, G1, G2). */
export const JUNGFRAU_STAGES: readonly StageModel[] = [
  { offsetAdu: 3000, asicSpreadAdu: 300, pixelSpreadAdu: 150, cellSpreadAdu: 10, noiseAdu: 3.5, noiseRelativeSpread: 0.1 },
  { offsetAdu: 13500, asicSpreadAdu: 100, pixelSpreadAdu: 80, cellSpreadAdu: 10, noiseAdu: 1.5, noiseRelativeSpread: 0.1 },
  { offsetAdu: 14000, asicSpreadAdu: 100, pixelSpreadAdu: 80, cellSpreadAdu: 10, noiseAdu: 1.0, noiseRelativeSpread: 0.1 },
];

/** The three Jungfrau dark runs (adaptive gain mode), in the order a dark characterization expects them. */
export const JUNGFRAU_DARK_RUNS: ReadonlyArray<{ label: string; gainStage: number }> = [
  { label: 'dynamic', gainStage: 0 },
  { label: 'forceswitchg1', gainStage: 1 },
  { label: 'forceswitchg2', gainStage: 2 },
];

/** Wrong gain values: fraction of a run's frames (at least one frame per run) and most pixels hit in such a frame. */
export const JUNGFRAU_WRONG_GAIN = { frameFraction: 0.001, maxPixelsPerFrame: 16 } as const;

/** Operating conditions written into the simulated truth (with the memory cells of the request). */
export const JUNGFRAU_SIM_CONDITIONS = { biasVoltageV: 180, integrationTimeUs: 10, gainSetting: 0, gainMode: 0, sensorTemperatureK: 291 } as const;
