/**
 * Numbers behind the simulated pnCCD dark: offsets with per-quadrant structure, noise of a few ADU, a
 * per-frame common mode per half row (512 pixels, rms 8 ADU) and a few cosmic-ray clusters per frame.
 * Plausible values, not the calibration of a particular camera.
 */
import type { StageModel } from '@detcal/simulator';

/** Largest raw value of the 14-bit ADC; cosmic hits saturate there. */
export const PNCCD_ADC_MAX_ADU = 16383;

/** Offset and noise of the single gain stage. */
export const PNCCD_STAGE: StageModel = { offsetAdu: 4000, asicSpreadAdu: 200, pixelSpreadAdu: 50, cellSpreadAdu: 0, noiseAdu: 4.5, noiseRelativeSpread: 0.1 };

/** Rms of the per-frame common mode of each half row (512 pixels read out together). */
export const PNCCD_COMMON_MODE_RMS_ADU = 8;

/** Cosmic rays: mean hits per frame (Poisson) and the range of a hit's central amplitude. */
export const PNCCD_COSMICS = { ratePerFrame: 3, minAmplitudeAdu: 300, maxAmplitudeAdu: 3000 } as const;

/** Operating conditions written into the simulated truth. */
export const PNCCD_SIM_CONDITIONS = { biasVoltageV: 300, integrationTimeUs: 70, gainSetting: 16, temperatureK: 233 } as const;
