/**
 * Numbers behind the simulated AGIPD dark: analog offset / noise and digital (gain) value per gain
 * stage. Plausible orders of magnitude for AGIPD raw data (14-bit ADC, digital levels well
 * separated), not a calibration of a particular module.
 */
import type { StageModel } from '@detcal/simulator';

/** Largest raw value of the 14-bit ADC. */
export const AGIPD_ADC_MAX_ADU = 16383;

/**
 * Analog value per gain stage (high, medium, low): offset level, ASIC / pixel / cell spreads, noise.
 * Levels sit inside the EuXFEL dark notebook's hard ranges (offset HG [3000, 7000], MG/LG [6000, 10000],
 * noise [4, 20] ADU), as real modules do.
 */
export const AGIPD_ANALOG_STAGES: readonly StageModel[] = [
  { offsetAdu: 5200, asicSpreadAdu: 150, pixelSpreadAdu: 60, cellSpreadAdu: 15, noiseAdu: 10, noiseRelativeSpread: 0.1 },
  { offsetAdu: 7600, asicSpreadAdu: 150, pixelSpreadAdu: 60, cellSpreadAdu: 15, noiseAdu: 8, noiseRelativeSpread: 0.1 },
  { offsetAdu: 7900, asicSpreadAdu: 150, pixelSpreadAdu: 60, cellSpreadAdu: 15, noiseAdu: 7, noiseRelativeSpread: 0.1 },
];

/** Digital (gain) value per gain stage: HG ~4500, MG ~5500, LG ~6500 with small spreads and digital noise. */
export const AGIPD_DIGITAL_STAGES: readonly StageModel[] = [
  { offsetAdu: 4500, asicSpreadAdu: 30, pixelSpreadAdu: 40, cellSpreadAdu: 5, noiseAdu: 12, noiseRelativeSpread: 0.1 },
  { offsetAdu: 5500, asicSpreadAdu: 30, pixelSpreadAdu: 40, cellSpreadAdu: 5, noiseAdu: 12, noiseRelativeSpread: 0.1 },
  { offsetAdu: 6500, asicSpreadAdu: 30, pixelSpreadAdu: 40, cellSpreadAdu: 5, noiseAdu: 12, noiseRelativeSpread: 0.1 },
];

/** The three AGIPD dark runs, in the order a dark characterization expects them. */
export const AGIPD_DARK_RUNS: ReadonlyArray<{ label: string; gainStage: number }> = [
  { label: 'high', gainStage: 0 },
  { label: 'medium', gainStage: 1 },
  { label: 'low', gainStage: 2 },
];

/** Operating conditions written into the simulated truth (CalCat dark conditions, with the memory cells of the request). */
export const AGIPD_SIM_CONDITIONS = { biasVoltageV: 300, acquisitionRateMHz: 1.1, gainSetting: 0, gainMode: 0, integrationTime: 12 } as const;
