/** Where pnCCD frames live in EuXFEL files: INSTRUMENT/SQS_NQS_PNCCD1MP/CAL/PNCCD_FMT-0:output/data/image (N, 1024, 1024) u2. */
import type { RawLayout } from '@detcal/core';

/** EuXFEL raw layout of the pnCCD: one frame per train under data/image. */
export const pnccdLayout: RawLayout = {
  aggregator: (module: number) => `PNCCD${String(module + 1).padStart(2, '0')}`,
  source: () => 'SQS_NQS_PNCCD1MP/CAL/PNCCD_FMT-0:output',
  group: 'data',
  dataName: 'image',
  axes: 'frame',
  trainIdName: 'trainId',
  dtype: 'u2',
};
