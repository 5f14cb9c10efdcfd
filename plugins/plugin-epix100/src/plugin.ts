/** The ePix100 detector plugin: geometry, EuXFEL raw layout, dark constants (EuXFEL and LCLS names), the dark step (euxfel, psana), the correction with pattern classification, and the dark and light simulators. */
import type { DetectorPlugin, SimulateOptions, Simulation } from '@detcal/core';
import { epix100ConstantTypes } from './constant-types.js';
import { epix100Geometry } from './geometry.js';
import { epix100Layout } from './layout.js';
import { simulateEpix100Dark } from './simulate-dark.js';
import { epix100Dark } from './dark.js';
import { EPIX100_DARK_METHOD_PARAMETERS } from './dark-parameters.js';
import { checkSimulateOptions } from '@detcal/simulator';
import { SINGLE_GAIN_CORRECT_CONSTANTS } from '@detcal/kernels';
import { simulateEpix100Light } from './simulate-light.js';
import { epix100Correct } from './correct.js';
import { EPIX100_CORRECT_PARAMETERS } from './correct-parameters.js';

/** Simulation kinds the ePix100 plugin supports. */
export const EPIX100_SIMULATION_KINDS: readonly string[] = ['dark', 'light'];

/** The ePix100 plugin. Default simulation: 500 trains (frames), 544 MB of raw values. */
export const epix100Plugin: DetectorPlugin = {
  id: 'epix100',
  displayName: 'ePix100',
  geometry: epix100Geometry,
  layout: epix100Layout,
  constantTypes: epix100ConstantTypes,
  simulationKinds: EPIX100_SIMULATION_KINDS,
  simulationDefaults: { cells: 1, trains: 500 },
  steps: {
    simulate(options: SimulateOptions): Simulation {
      checkSimulateOptions('epix100', options, EPIX100_SIMULATION_KINDS, epix100Geometry);
      return options.kind === 'light' ? simulateEpix100Light(options) : simulateEpix100Dark(options);
    },
    dark: epix100Dark,
    correct: epix100Correct,
  },
  darkMethods: ['euxfel', 'psana'],
  darkParameters: EPIX100_DARK_METHOD_PARAMETERS,
  correctConstants: SINGLE_GAIN_CORRECT_CONSTANTS,
  correctParameters: EPIX100_CORRECT_PARAMETERS,
};
