/** Where AGIPD frames live in EuXFEL raw files: INSTRUMENT/SPB_DET_AGIPD1M-1/DET/{m}CH0:xtdf/image/data (N, 2, 512, 128) u2. */
import type { RawLayout } from '@detcal/core';

/** EuXFEL raw layout of an AGIPD 1M module: analog and digital (gain) values on axis 1 of image/data. */
export const agipdLayout: RawLayout = {
  aggregator: (module: number) => `AGIPD${String(module).padStart(2, '0')}`,
  source: (module: number) => `SPB_DET_AGIPD1M-1/DET/${module}CH0:xtdf`,
  group: 'image',
  dataName: 'data',
  axes: 'frame-analog-digital',
  cellIdName: 'cellId',
  trainIdName: 'trainId',
  pulseIdName: 'pulseId',
  dtype: 'u2',
};
