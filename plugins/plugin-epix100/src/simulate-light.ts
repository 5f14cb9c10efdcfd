/**
 * ePix100 light simulation: the dark truth of the same seed and module (drawEpix100Truth), a relative
 * gain per pixel drawn after it from the truth stream, the dark frames (offset, row common mode,
 * noise) and isolated photons of photonEnergyKev split over 1-4 pixels (@detcal/simulator
 * photon-splits). The truth adds RelativeGain and pixel_gain; truthBlocks gives energyKev and
 * photonPattern per frame, the pattern expected with the correction's default thresholds on NoiseCM.
 */
import { DetcalError, makeConstantSet, resolveParameters } from '@detcal/core';
import type { SimulateOptions, Simulation } from '@detcal/core';
import { DEFAULT_PHOTON_MODEL, checkSimulateOptions, drawRelativeGain, firstTrainIdOf, rawNoiseAdu, simulatedLightRun, truthArray, truthMetadata } from '@detcal/simulator';
import { EPIX100_ADC_MAX_ADU, EPIX100_COMMON_MODE_RMS_ADU, EPIX100_SIM_CONDITIONS } from './dark-model.js';
import { EPIX100_CORRECT_PARAMETERS } from './correct-parameters.js';
import { epix100Geometry } from './geometry.js';
import { EPIX100_PHOTON_ENERGY_KEV, EPIX100_RELATIVE_GAIN_SPREAD, EPIX100_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { drawEpix100Truth, epix100DarkTruthArrays, epix100DarkTruthParameters } from './simulate-dark.js';

/** Simulates one ePix100 light run (frames = trains) and returns it with its truth. */
export function simulateEpix100Light(options: SimulateOptions): Simulation {
  checkSimulateOptions('epix100', options, ['light'], epix100Geometry);
  const energy = options.photonEnergyKev ?? EPIX100_PHOTON_ENERGY_KEV;
  if (!(energy > 0)) throw new DetcalError('BAD_INPUT', `photon energy must be > 0 keV, got ${energy}`);
  const { module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = epix100Geometry;
  const { rng, maps, defects } = drawEpix100Truth(options);
  const relativeGain = drawRelativeGain(rng, rows * cols, EPIX100_RELATIVE_GAIN_SPREAD);
  const p = resolveParameters(EPIX100_CORRECT_PARAMETERS, {});
  const noiseCM = rawNoiseAdu(maps.sigmaAdu);
  const threshold = (sigmas: number) => Float32Array.from(noiseCM, (n, i) => sigmas * n * relativeGain[i]);
  const run = simulatedLightRun({
    label: { run: options.firstRun, label: 'light', gainStage: 0 },
    frames: { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
    seed: options.seed,
    maps,
    groupCols: asics.asicCols,
    commonModeRmsAdu: EPIX100_COMMON_MODE_RMS_ADU,
    adcMaxAdu: EPIX100_ADC_MAX_ADU,
    photonEnergyKev: energy,
    gainKevPerAdu: EPIX100_SIM_GAIN_KEV_PER_ADU,
    relativeGain,
    model: DEFAULT_PHOTON_MODEL,
    primaryAdu: threshold(p.split_evt_primary_threshold as number),
    secondaryAdu: threshold(p.split_evt_secondary_threshold as number),
  });
  const shape = { gains: 1, cells: 1, rows, cols };
  const metadata = truthMetadata('epix100', `SIM-EPIX100-M${module}`, options, [run], { ...EPIX100_SIM_CONDITIONS }, {
    ...epix100DarkTruthParameters(defects),
    photonEnergyKev: energy,
    gainKevPerAdu: EPIX100_SIM_GAIN_KEV_PER_ADU,
    relativeGainSpread: EPIX100_RELATIVE_GAIN_SPREAD,
    photonModel: { ...DEFAULT_PHOTON_MODEL },
    photonPatternThresholds: { primarySigma: p.split_evt_primary_threshold, secondarySigma: p.split_evt_secondary_threshold, noise: 'NoiseCM x RelativeGain' },
    relativeGainDefinition: 'RelativeGain: factor on (raw - offset - common mode) ADU; keV = that x RelativeGain x pixel_gain',
  });
  const truth = makeConstantSet(metadata, [
    ...epix100DarkTruthArrays(maps, defects),
    truthArray('RelativeGain', relativeGain, shape, ''),
    truthArray('pixel_gain', new Float32Array(rows * cols).fill(EPIX100_SIM_GAIN_KEV_PER_ADU), shape, 'keV/ADU'),
  ]);
  return { runs: [run], truth };
}
