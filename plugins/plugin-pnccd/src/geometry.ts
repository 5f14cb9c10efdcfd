/**
 * pnCCD geometry: one 1024 x 1024 module, single gain, 75 um. Tiled as 2 x 2 "ASICs" of 512 x 512:
 * top and bottom halves, each row read out as two halves of 512 pixels (the common-mode groups).
 */
import type { DetectorGeometry } from '@detcal/core';

/** Geometry of the pnCCD module in EuXFEL files. */
export const pnccdGeometry: DetectorGeometry = {
  modules: 1,
  moduleRows: 1024,
  moduleCols: 1024,
  maxMemoryCells: 1,
  gainStages: 1,
  gainStageNames: ['single'],
  asics: { rows: 2, cols: 2, asicRows: 512, asicCols: 512 },
  pixelSizeUm: 75,
};
