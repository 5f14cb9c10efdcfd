/**
 * Numbers behind the simulated AGIPD current-source and pulse-capacitor scans. The injected charge
 * rises linearly with the scan step; the analog value follows a line per gain stage and drops at each
 * switch. Real scans step the integration time non-uniformly to give the medium and low gain many
 * steps at gain ratios of ~30 and ~4; with a linear scan the simulated ratios are compressed (2.5 and
 * 2.2) so that every stage keeps enough steps for a precise line. Levels stay inside the 14-bit ADC.
 */

/** Rise of the high-gain analog value from the dark offset to the first switch, ADU. */
export const CS_HG_RISE_ADU = 7000;

/** Fraction of the scan steps before the HG->MG switch and before the MG->LG switch. */
export const CS_SWITCH_FRACTIONS: readonly [number, number] = [0.25, 0.55];

/** Relative spread of the switch steps between pixels and cells (sigma). */
export const CS_SWITCH_SPREAD = 0.03;

/** Slope ratios HG/MG and MG/LG (compressed, see above). */
export const CS_SLOPE_RATIOS: readonly [number, number] = [2.5, 2.2];

/** Relative spread of the HG slope between pixels (sigma) and between cells of one pixel (sigma). */
export const CS_SLOPE_SPREAD = { pixel: 0.03, cell: 0.01 } as const;

/** Relative spread of the slope ratios between pixels and cells (sigma). */
export const CS_RATIO_SPREAD = 0.02;

/** Where the MG and LG lines start after a switch: dark MG / LG offset minus this, ADU. */
export const CS_START_BELOW_DARK_ADU: readonly [number, number] = [1000, 500];

/** Sigma of the start levels after a switch, ADU. */
export const CS_START_SPREAD_ADU = 100;

/** Fraction of (cell, pixel) series that get one spike, and the spike height range (ADU). */
export const CS_SPIKES = { fraction: 0.02, minHeightAdu: 400, maxHeightAdu: 1500 } as const;

/** Pulse-capacitor scans: rows injected by run r are those with row % CS_PC_RUNS === r. */
export const CS_PC_RUNS = 8;

/** Simulation kinds of the scans. */
export const CS_KINDS = ['current-source', 'pulse-capacitor'] as const;
