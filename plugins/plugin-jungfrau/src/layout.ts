/** Where Jungfrau frames live in EuXFEL raw files: INSTRUMENT/FXE_XAD_JF1M/DET/JNGFR{nn}:daqOutput/data/adc (trains, cells, 512, 1024) u2. */
import type { RawLayout } from '@detcal/core';

/** Two-digit module number of the EuXFEL names: module 0 -> '01'. */
export function jungfrauModuleNumber(module: number): string {
  return String(module + 1).padStart(2, '0');
}

/** EuXFEL raw layout of a Jungfrau module: adc and separate gain values (u1, same shape) per train and memory cell. */
export const jungfrauLayout: RawLayout = {
  aggregator: (module: number) => `JNGFR${jungfrauModuleNumber(module)}`,
  source: (module: number) => `FXE_XAD_JF1M/DET/JNGFR${jungfrauModuleNumber(module)}:daqOutput`,
  group: 'data',
  dataName: 'adc',
  axes: 'train-cell',
  gainName: 'gain',
  cellIdName: 'memoryCell',
  trainIdName: 'trainId',
  dtype: 'u2',
};
