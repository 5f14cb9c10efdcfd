/**
 * pnCCD light simulation: the dark truth of the same seed and module (drawPnccdTruth), a relative
 * gain per pixel drawn after it from the truth stream, the dark frames (offset, half-row common mode,
 * noise; no cosmic rays) and isolated photons of photonEnergyKev split over 1-4 pixels (@detcal/simulator
 * photon-splits). The truth adds RelativeGain and pixel_gain; truthBlocks gives energyKev and
 * photonPattern per frame, the pattern expected with the correction's default thresholds on NoiseCM.
 */
import { DetcalError, makeConstantSet, resolveParameters } from '@detcal/core';
import type { SimulateOptions, Simulation } from '@detcal/core';
import { DEFAULT_PHOTON_MODEL, checkSimulateOptions, drawRelativeGain, firstTrainIdOf, rawNoiseAdu, simulatedLightRun, truthArray, truthMetadata } from '@detcal/simulator';
import { PNCCD_ADC_MAX_ADU, PNCCD_COMMON_MODE_RMS_ADU, PNCCD_SIM_CONDITIONS } from './dark-model.js';
import { PNCCD_CORRECT_PARAMETERS } from './correct-parameters.js';
import { pnccdGeometry } from './geometry.js';
import { PNCCD_PHOTON_ENERGY_KEV, PNCCD_RELATIVE_GAIN_SPREAD, PNCCD_SIM_GAIN_KEV_PER_ADU } from './light-model.js';
import { drawPnccdTruth, pnccdDarkTruthArrays, pnccdDarkTruthParameters } from './simulate-dark.js';

/** Simulates one pnCCD light run (frames = trains) and returns it with its truth. */
export function simulatePnccdLight(options: SimulateOptions): Simulation {
  checkSimulateOptions('pnccd', options, ['light'], pnccdGeometry);
  const energy = options.photonEnergyKev ?? PNCCD_PHOTON_ENERGY_KEV;
  if (!(energy > 0)) throw new DetcalError('BAD_INPUT', `photon energy must be > 0 keV, got ${energy}`);
  const { module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = pnccdGeometry;
  const { rng, maps, defects } = drawPnccdTruth(options);
  const relativeGain = drawRelativeGain(rng, rows * cols, PNCCD_RELATIVE_GAIN_SPREAD);
  const p = resolveParameters(PNCCD_CORRECT_PARAMETERS, {});
  const noiseCM = rawNoiseAdu(maps.sigmaAdu);
  const threshold = (sigmas: number) => Float32Array.from(noiseCM, (n, i) => sigmas * n * relativeGain[i]);
  const run = simulatedLightRun({
    label: { run: options.firstRun, label: 'light', gainStage: 0 },
    frames: { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
    seed: options.seed,
    maps,
    groupCols: asics.asicCols,
    commonModeRmsAdu: PNCCD_COMMON_MODE_RMS_ADU,
    adcMaxAdu: PNCCD_ADC_MAX_ADU,
    photonEnergyKev: energy,
    gainKevPerAdu: PNCCD_SIM_GAIN_KEV_PER_ADU,
    relativeGain,
    model: DEFAULT_PHOTON_MODEL,
    primaryAdu: threshold(p.split_evt_primary_threshold as number),
    secondaryAdu: threshold(p.split_evt_secondary_threshold as number),
  });
  const shape = { gains: 1, cells: 1, rows, cols };
  const metadata = truthMetadata('pnccd', `SIM-PNCCD-M${module}`, options, [run], { ...PNCCD_SIM_CONDITIONS }, {
    ...pnccdDarkTruthParameters(defects),
    photonEnergyKev: energy,
    gainKevPerAdu: PNCCD_SIM_GAIN_KEV_PER_ADU,
    relativeGainSpread: PNCCD_RELATIVE_GAIN_SPREAD,
    photonModel: { ...DEFAULT_PHOTON_MODEL },
    photonPatternThresholds: { primarySigma: p.split_evt_primary_threshold, secondarySigma: p.split_evt_secondary_threshold, noise: 'NoiseCM x RelativeGain' },
    relativeGainDefinition: 'RelativeGain: factor on (raw - offset - common mode) ADU; keV = that x RelativeGain x pixel_gain',
  });
  const truth = makeConstantSet(metadata, [
    ...pnccdDarkTruthArrays(maps, defects),
    truthArray('RelativeGain', relativeGain, shape, ''),
    truthArray('pixel_gain', new Float32Array(rows * cols).fill(PNCCD_SIM_GAIN_KEV_PER_ADU), shape, 'keV/ADU'),
  ]);
  return { runs: [run], truth };
}
