/**
 * ePix100 geometry as the EuXFEL raw data presents it: one module of 708 x 768 pixels (4 ASICs, 2 x 2
 * of 354 x 384), single gain, 50 um. LCLS presents the same sensor as 704 x 768 (4 ASICs of 352 x 384);
 * the EuXFEL raw frame has 4 more rows, so this plugin uses 708 rows.
 */
import type { DetectorGeometry } from '@detcal/core';

/** Geometry of the ePix100 module in EuXFEL raw files (708 rows). */
export const epix100Geometry: DetectorGeometry = {
  modules: 1,
  moduleRows: 708,
  moduleCols: 768,
  maxMemoryCells: 1,
  gainStages: 1,
  gainStageNames: ['single'],
  asics: { rows: 2, cols: 2, asicRows: 354, asicCols: 384 },
  pixelSizeUm: 50,
};

/** Rows of the same sensor in LCLS data and constants (704 x 768, ASICs of 352 x 384). */
export const EPIX100_LCLS_ROWS = 704;
