/** AGIPD 1M module geometry: 16 modules of 512 x 128 pixels (8 x 2 ASICs of 64 x 64), 352 memory cells, 3 gain stages. */
import type { DetectorGeometry } from '@detcal/core';

/** Geometry of one AGIPD 1M module as the EuXFEL raw data presents it (slow scan 512, fast scan 128). */
export const agipdGeometry: DetectorGeometry = {
  modules: 16,
  moduleRows: 512,
  moduleCols: 128,
  maxMemoryCells: 352,
  gainStages: 3,
  gainStageNames: ['high', 'medium', 'low'],
  asics: { rows: 8, cols: 2, asicRows: 64, asicCols: 64 },
  pixelSizeUm: 200,
};
