/**
 * Numbers behind the simulated ePix100 light run: 8 keV photons, the LCLS epix100a default gain of
 * 0.06 keV/ADU (133 ADU per photon, noise 3 ADU = 0.18 keV), a per-pixel relative gain of 5 % rms.
 * Plausible values, not the calibration of a particular camera.
 */

/** Photon energy of `simulate epix100 --kind light` without --photon-energy, keV. */
export const EPIX100_PHOTON_ENERGY_KEV = 8;

/** Absolute gain of the simulated camera, keV/ADU (the store's built-in epix100 pixel_gain default). */
export const EPIX100_SIM_GAIN_KEV_PER_ADU = 0.06;

/** Rms of the per-pixel relative gain factor around 1. */
export const EPIX100_RELATIVE_GAIN_SPREAD = 0.05;
