/** Jungfrau module geometry: 512 x 1024 pixels (2 x 4 ASICs of 256 x 256), up to 16 memory cells, 3 gain stages, 75 um. */
import type { DetectorGeometry } from '@detcal/core';

/** Geometry of one Jungfrau module; FXE's JF1M has two modules (JNGFR01, JNGFR02). */
export const jungfrauGeometry: DetectorGeometry = {
  modules: 2,
  moduleRows: 512,
  moduleCols: 1024,
  maxMemoryCells: 16,
  gainStages: 3,
  gainStageNames: ['G0', 'G1', 'G2'],
  asics: { rows: 2, cols: 4, asicRows: 256, asicCols: 256 },
  pixelSizeUm: 75,
};
