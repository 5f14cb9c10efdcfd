/**
 * Numbers behind the simulated pnCCD light run: 8 keV photons, an absolute gain of 0.02 keV/ADU
 * (400 ADU per photon, noise 4.5 ADU = 0.09 keV), a per-pixel relative gain of 5 % rms; no cosmic
 * rays (the dark run has them). Plausible values, not the calibration of a particular camera.
 */

/** Photon energy of `simulate pnccd --kind light` without --photon-energy, keV. */
export const PNCCD_PHOTON_ENERGY_KEV = 8;

/** Absolute gain of the simulated camera, keV/ADU. */
export const PNCCD_SIM_GAIN_KEV_PER_ADU = 0.02;

/** Rms of the per-pixel relative gain factor around 1. */
export const PNCCD_RELATIVE_GAIN_SPREAD = 0.05;
