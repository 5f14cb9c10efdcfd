/** Where ePix100 frames live in EuXFEL raw files: INSTRUMENT/MID_EXP_EPIX-1/DET/RECEIVER:daqOutput/data/image/pixels (N, 708, 768) u2. */
import type { RawLayout } from '@detcal/core';

/** EuXFEL raw layout of the ePix100: one frame per train under data/image/pixels. */
export const epix100Layout: RawLayout = {
  aggregator: (module: number) => `EPIX${String(module + 1).padStart(2, '0')}`,
  source: () => 'MID_EXP_EPIX-1/DET/RECEIVER:daqOutput',
  group: 'data',
  dataName: 'image/pixels',
  axes: 'frame',
  trainIdName: 'trainId',
  dtype: 'u2',
};
