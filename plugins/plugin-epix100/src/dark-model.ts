/**
 * Numbers behind the simulated ePix100 dark: offset of a few thousand ADU with per-ASIC structure,
 * noise about 3 ADU, and a per-frame common mode per row of each ASIC (rms 8 ADU, above the noise).
 * Plausible values, not the calibration of a particular camera.
 */
import type { StageModel } from '@detcal/simulator';

/** Largest raw value of the 14-bit ADC. */
export const EPIX100_ADC_MAX_ADU = 16383;

/** Offset and noise of the single gain stage. */
export const EPIX100_STAGE: StageModel = { offsetAdu: 2500, asicSpreadAdu: 150, pixelSpreadAdu: 40, cellSpreadAdu: 0, noiseAdu: 3, noiseRelativeSpread: 0.1 };

/** Rms of the per-frame common mode of each row of an ASIC (384 pixels read out together). */
export const EPIX100_COMMON_MODE_RMS_ADU = 8;

/** Operating conditions written into the simulated truth. */
export const EPIX100_SIM_CONDITIONS = { biasVoltageV: 200, integrationTimeUs: 10, temperatureC: -10, inVacuum: 0 } as const;
