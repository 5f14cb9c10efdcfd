/**
 * Numbers behind the simulated Jungfrau light run. Gains follow the PSI / LCLS convention: signed
 * ADU per keV, raw = offset + gain x E, so the G1 and G2 gains are negative (their raw values fall
 * from a pedestal near the top of the 14-bit range as charge grows). Nominal gains are the LCLS-I
 * defaults 41.5 / -1.39 / -0.11 ADU/keV; switch points and spot intensities keep every stage inside
 * the ADC range for any photon energy (spots are drawn in keV, not in photons).
 */

/** Nominal gain of G0, G1, G2 in ADU/keV (signed; raw = offset + gain x E). */
export const JUNGFRAU_GAIN_ADU_PER_KEV: readonly number[] = [41.5, -1.39, -0.11];

/** Relative sigma of a pixel's gain around the stage's nominal gain (shared by its memory cells). */
export const GAIN_PIXEL_SPREAD = 0.03;

/** Relative sigma of a memory cell's gain around its pixel's gain. */
export const GAIN_CELL_SPREAD = 0.005;

/** Deposited energy at which a pixel switches G0 -> G1 and G1 -> G2 (module means), keV. */
export const JUNGFRAU_SWITCH_KEV: readonly number[] = [220, 7000];

/** Relative sigma of a pixel's switch points around the module means. */
export const SWITCH_PIXEL_SPREAD = 0.02;

/** Sigma of the frame-to-frame jitter of the switch decision, keV (G0 -> G1, G1 -> G2). */
export const SWITCH_JITTER_KEV: readonly number[] = [2, 50];

/** Photon energy when the request gives none, keV. */
export const JUNGFRAU_DEFAULT_PHOTON_ENERGY_KEV = 12;

/** Photons in the light run: diffuse background and Gaussian spots (Bragg-like) per frame. */
export const JUNGFRAU_LIGHT = {
  /** Mean background photons per pixel and frame. */
  backgroundPhotonsPerPixel: 0.005,
  /** Spots per frame. */
  spotsPerFrame: 20,
  /** Spot energy is log-uniform in this range, keV (peak pixel ~ 10 % of it). */
  spotEnergyKev: [1200, 360_000] as const,
  /** Spot Gaussian sigma is uniform in this range, pixels. */
  spotSigmaPx: [0.8, 2] as const,
  /** Common mode per frame and bank (256 x 64 pixels), rms ADU, added to G0 pixels only. */
  commonModeRmsAdu: 5,
  /** Fraction of pixel values whose gain bits are written as the invalid value 2. */
  wrongGainFraction: 1e-5,
} as const;

/** Raw gain value the simulation writes for an invalid gain switch. */
export const INVALID_GAIN_BITS = 2;
