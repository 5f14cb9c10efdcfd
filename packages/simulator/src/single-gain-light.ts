/**
 * Light simulation of a single-gain detector (ePix100, pnCCD): the dark truth of the same seed and
 * module, a relative gain per pixel drawn after it from the truth stream, the dark frames (offset,
 * row-segment common mode, noise) and isolated photons of photonEnergyKev split over 1-4 pixels
 * (photon-splits). The truth adds RelativeGain and pixel_gain; truthBlocks gives energyKev and
 * photonPattern per frame, the pattern expected with the correction's thresholds on NoiseCM.
 * A plugin describes its detector with a SingleGainLightSpec.
 */
import { DetcalError, makeConstantSet } from '@detcal/core';
import type { Conditions, ConstantArray, DetectorGeometry, Random, SimulateOptions, Simulation } from '@detcal/core';
import type { InjectedDefects } from './bad-pixel-injection.js';
import { firstTrainIdOf } from './frame-blocks.js';
import { drawRelativeGain, simulatedLightRun } from './light-run.js';
import { DEFAULT_PHOTON_MODEL } from './photon-splits.js';
import type { PixelMaps } from './pixel-maps.js';
import { checkSimulateOptions } from './simulate-options.js';
import { rawNoiseAdu, truthArray, truthMetadata } from './truth-set.js';

/** What a single-gain detector plugin tells the light simulation. */
export interface SingleGainLightSpec {
  /** Plugin id ('epix100'), also the truth's detector type. */
  detector: string;
  /** Module geometry (row segments of the common mode are one ASIC wide). */
  geometry: DetectorGeometry;
  /** Conditions written into the truth metadata. */
  conditions: Conditions;
  /** Photon energy when the options name none, keV. */
  photonEnergyKev: number;
  /** Absolute gain of every pixel, keV/ADU. */
  gainKevPerAdu: number;
  /** Spread of the relative gain (1 + spread x N(0,1), clipped at 4 sigma). */
  relativeGainSpread: number;
  /** Common-mode rms per row segment and frame, ADU. */
  commonModeRmsAdu: number;
  /** ADC ceiling, ADU. */
  adcMaxAdu: number;
  /** Split-event primary and secondary thresholds in units of NoiseCM x RelativeGain (the correction's defaults). */
  splitThresholdsSigma: { primary: number; secondary: number };
  /** Draws the dark truth of the same seed and module (the stream continues with the relative gain). */
  drawTruth(options: SimulateOptions): { rng: Random; maps: PixelMaps; defects: InjectedDefects };
  /** The dark truth's constants. */
  darkTruthArrays(maps: PixelMaps, defects: InjectedDefects): ConstantArray[];
  /** The dark truth's metadata parameters. */
  darkTruthParameters(defects: InjectedDefects): Record<string, unknown>;
}

/**
 * Simulates one light run (frames = trains) of a single-gain detector and returns it with its truth.
 * @param spec - the detector's constants and dark truth
 * @param options - seed, module, trains, run number, photon energy
 * @returns the run and the truth constants
 */
export function simulateSingleGainLight(spec: SingleGainLightSpec, options: SimulateOptions): Simulation {
  checkSimulateOptions(spec.detector, options, ['light'], spec.geometry);
  const energy = options.photonEnergyKev ?? spec.photonEnergyKev;
  if (!(energy > 0)) throw new DetcalError('BAD_INPUT', `photon energy must be > 0 keV, got ${energy}`);
  const { module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = spec.geometry;
  const { rng, maps, defects } = spec.drawTruth(options);
  const relativeGain = drawRelativeGain(rng, rows * cols, spec.relativeGainSpread);
  const noiseCM = rawNoiseAdu(maps.sigmaAdu);
  const threshold = (sigmas: number) => Float32Array.from(noiseCM, (n, i) => sigmas * n * relativeGain[i]);
  const run = simulatedLightRun({
    label: { run: options.firstRun, label: 'light', gainStage: 0 },
    frames: { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
    seed: options.seed,
    maps,
    groupCols: asics.asicCols,
    commonModeRmsAdu: spec.commonModeRmsAdu,
    adcMaxAdu: spec.adcMaxAdu,
    photonEnergyKev: energy,
    gainKevPerAdu: spec.gainKevPerAdu,
    relativeGain,
    model: DEFAULT_PHOTON_MODEL,
    primaryAdu: threshold(spec.splitThresholdsSigma.primary),
    secondaryAdu: threshold(spec.splitThresholdsSigma.secondary),
  });
  const shape = { gains: 1, cells: 1, rows, cols };
  const metadata = truthMetadata(spec.detector, `SIM-${spec.detector.toUpperCase()}-M${module}`, options, [run], { ...spec.conditions }, {
    ...spec.darkTruthParameters(defects),
    photonEnergyKev: energy,
    gainKevPerAdu: spec.gainKevPerAdu,
    relativeGainSpread: spec.relativeGainSpread,
    photonModel: { ...DEFAULT_PHOTON_MODEL },
    photonPatternThresholds: { primarySigma: spec.splitThresholdsSigma.primary, secondarySigma: spec.splitThresholdsSigma.secondary, noise: 'NoiseCM x RelativeGain' },
    relativeGainDefinition: 'RelativeGain: factor on (raw - offset - common mode) ADU; keV = that x RelativeGain x pixel_gain',
  });
  const truth = makeConstantSet(metadata, [
    ...spec.darkTruthArrays(maps, defects),
    truthArray('RelativeGain', relativeGain, shape, ''),
    truthArray('pixel_gain', new Float32Array(rows * cols).fill(spec.gainKevPerAdu), shape, 'keV/ADU'),
  ]);
  return { runs: [run], truth };
}
