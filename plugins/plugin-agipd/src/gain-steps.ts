/** The AGIPD gain steps of this file set: current-source (also pulse capacitor) and combine. */
import type { GainStep } from '@detcal/core';
import { agipdCombineStep } from './gain-combine.js';
import { agipdCurrentSourceStep } from './gain-current-source.js';

/** steps.gain entries 'current-source' and 'combine' (spread into the plugin's gain record). */
export const AGIPD_CS_GAIN_STEPS: Readonly<Record<string, GainStep>> = {
  'current-source': agipdCurrentSourceStep,
  combine: agipdCombineStep,
};
