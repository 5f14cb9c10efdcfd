/**
 * AGIPD light simulation: one run of X-ray frames on the same pixel truth as `--kind dark` (same seed
 * and module, same offsets, digital levels and bad pixels), with per-pixel gains per stage and
 * adaptive gain switching: each pixel's deposited charge picks the stage, the analog value is the
 * stage's offset plus charge x gain plus noise, the digital value is the stage's digital level.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation, TruthBlock } from '@detcal/core';
import { Defect, checkSimulateOptions, firstTrainIdOf, simulatedTruthRun, streamSeed, truthArray, truthMetadata, rawNoiseAdu, badPixelsTruth } from '@detcal/simulator';
import type { LightFiller } from '@detcal/simulator';
import { AGIPD_ADC_MAX_ADU, AGIPD_SIM_CONDITIONS } from './dark-model.js';
import { agipdGeometry } from './geometry.js';
import { drawAgipdPixelTruth, thresholdsFromDigital, type AgipdPixelTruth } from './simulate-dark.js';

/** Default photon energy of the light simulation (SPB/SFX at European XFEL), keV. */
export const AGIPD_LIGHT_PHOTON_ENERGY_KEV = 9.3;

/** Gain model of the simulated module: high-gain ADU per keV and the stage ratios, with relative spreads. */
export const AGIPD_GAIN_MODEL = {
  /** High-gain ADU per keV (about 65 ADU per 9.3 keV photon). */
  highAduPerKev: 7,
  /** Pixel-to-pixel relative spread of the high gain. */
  pixelSpread: 0.05,
  /** Cell-to-cell relative spread. */
  cellSpread: 0.01,
  /** High / medium gain ratio. */
  highOverMedium: 30,
  /** Medium / low gain ratio. */
  mediumOverLow: 4.5,
  /** Relative spread of the ratios per pixel. */
  ratioSpread: 0.03,
  /** Analog swing (ADU above offset) at which a stage switches to the next. */
  switchAdu: 7000,
} as const;

/** Mean photons per pixel and frame away from the bright spots. */
const BACKGROUND_PHOTONS = 0.1;
/** Fraction of pixels in bright spots, whose mean photon count is log-uniform in [BRIGHT_MIN, BRIGHT_MAX]. */
const BRIGHT_FRACTION = 0.03;
const BRIGHT_MIN_PHOTONS = 20;
const BRIGHT_MAX_PHOTONS = 20000;
/** Random streams of the light simulation (TRUTH_STREAM = 1 draws the shared dark truth). */
const GAIN_STREAM = 300;
const LIGHT_STREAM = 400;

/** Per-stage gains in ADU per keV [stage][cell][pixel] and the mean photons per pixel. */
export interface AgipdLightTruth {
  /** ADU per keV per stage, cell and pixel. */
  gainAduPerKev: Float32Array;
  /** Mean photons per frame of each pixel. */
  meanPhotons: Float32Array;
}

/** Draws the gains and the illumination from their own random streams (the dark truth is untouched). */
export function drawAgipdLightTruth(seed: number, module: number, cells: number): AgipdLightTruth {
  const m = AGIPD_GAIN_MODEL;
  const pixels = agipdGeometry.moduleRows * agipdGeometry.moduleCols;
  const rng = new Random(streamSeed(seed, module, GAIN_STREAM));
  const gainAduPerKev = new Float32Array(3 * cells * pixels);
  const meanPhotons = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const high = m.highAduPerKev * (1 + m.pixelSpread * rng.normal());
    const medium = high / (m.highOverMedium * (1 + m.ratioSpread * rng.normal()));
    const low = medium / (m.mediumOverLow * (1 + m.ratioSpread * rng.normal()));
    for (let c = 0; c < cells; c++) {
      const cellFactor = 1 + m.cellSpread * rng.normal();
      gainAduPerKev[c * pixels + p] = high * cellFactor;
      gainAduPerKev[(cells + c) * pixels + p] = medium * cellFactor;
      gainAduPerKev[(2 * cells + c) * pixels + p] = low * cellFactor;
    }
    meanPhotons[p] = rng.uniform() < BRIGHT_FRACTION
      ? BRIGHT_MIN_PHOTONS * Math.exp(Math.log(BRIGHT_MAX_PHOTONS / BRIGHT_MIN_PHOTONS) * rng.uniform())
      : BACKGROUND_PHOTONS;
  }
  return { gainAduPerKev, meanPhotons };
}

/** Simulates one AGIPD light run of one module and returns it with its truth (per-frame truth via truthBlocks). */
export function simulateAgipdLight(options: SimulateOptions): Simulation {
  checkSimulateOptions('agipd', options, ['light'], agipdGeometry);
  const { seed, module, cells, trains } = options;
  const { moduleRows: rows, moduleCols: cols } = agipdGeometry;
  const photonEnergyKev = options.photonEnergyKev ?? AGIPD_LIGHT_PHOTON_ENERGY_KEV;
  const pixelTruth = drawAgipdPixelTruth(seed, module, cells);
  const light = drawAgipdLightTruth(seed, module, cells);
  const run = simulatedTruthRun(
    { run: options.firstRun, label: 'light', gainStage: 0 },
    { module, trains, cellsPerTrain: cells, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'u2', pulseIds: true },
    [{ name: 'energyKev', dtype: 'f4' }, { name: 'gainStage', dtype: 'u1' }],
    () => agipdLightFiller(new Random(streamSeed(seed, module, LIGHT_STREAM)), pixelTruth, light, photonEnergyKev),
  );
  const { analog, digital, defects } = pixelTruth;
  const shape = { gains: 3, cells, rows, cols };
  const gainKevPerAdu = light.gainAduPerKev.map((g) => 1 / g);
  const metadata = truthMetadata('agipd', `SIM-AGIPD-M${module}`, options, [run], { memoryCells: cells, ...AGIPD_SIM_CONDITIONS }, {
    photonEnergyKev,
    gainModel: AGIPD_GAIN_MODEL,
    backgroundPhotons: BACKGROUND_PHOTONS,
    brightFraction: BRIGHT_FRACTION,
    brightPhotons: [BRIGHT_MIN_PHOTONS, BRIGHT_MAX_PHOTONS],
    adcMaxAdu: AGIPD_ADC_MAX_ADU,
    perFrameTruth: 'energyKev (deposited keV) and gainStage (0 high, 1 medium, 2 low) per frame and pixel',
  });
  const truth = makeConstantSet(metadata, [
    truthArray('Offset', analog.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(analog.sigmaAdu), shape, 'ADU'),
    { ...truthArray('ThresholdsDark', thresholdsFromDigital(digital), { ...shape, gains: 2 }, 'ADU'), dims: ['threshold', 'cell', 'row', 'col'] },
    truthArray('GainKevPerAdu', gainKevPerAdu, shape, 'keV/ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 3 * cells), shape, ''),
    { name: 'MeanPhotons', dtype: 'f4', shape: [rows, cols], dims: ['row', 'col'], unit: 'photons', data: light.meanPhotons },
  ]);
  return { runs: [run], truth };
}

/** Fills analog and digital values of a light block plus its truth (deposited keV, gain stage). */
function agipdLightFiller(rng: Random, t: AgipdPixelTruth, light: AgipdLightTruth, photonEnergyKev: number): LightFiller {
  const { analog, digital, defects } = t;
  const pixels = analog.rows * analog.cols;
  const cells = analog.cells;
  const aOff = analog.offsetAdu, aSig = analog.sigmaAdu, dOff = digital.offsetAdu, dSig = digital.sigmaAdu;
  const gain = light.gainAduPerKev, mean = light.meanPhotons, dead = defects.defect;
  const switchAdu = AGIPD_GAIN_MODEL.switchAdu;
  return (block: FrameBlock, truth: TruthBlock) => {
    const data = block.data as Uint16Array;
    const dig = block.gain as Uint16Array;
    const energy = truth.arrays.energyKev as Float32Array;
    const stageOut = truth.arrays.gainStage as Uint8Array;
    for (let f = 0; f < block.nFrames; f++) {
      const cell = block.cellIds[f];
      const o = f * pixels;
      for (let p = 0; p < pixels; p++) {
        const q = dead[p] === Defect.DEAD ? 0 : rng.poisson(mean[p]) * photonEnergyKev;
        let stage = 0;
        let i = cell * pixels + p;
        if (q * gain[i] > switchAdu) {
          stage = 1;
          i = (cells + cell) * pixels + p;
          if (q * gain[i] > switchAdu) {
            stage = 2;
            i = (2 * cells + cell) * pixels + p;
          }
        }
        let v = aOff[i] + q * gain[i] + aSig[i] * rng.normal() + 0.5;
        data[o + p] = v < 0 ? 0 : v > AGIPD_ADC_MAX_ADU ? AGIPD_ADC_MAX_ADU : v;
        v = dOff[i] + dSig[i] * rng.normal() + 0.5;
        dig[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
        energy[o + p] = q;
        stageOut[o + p] = stage;
      }
    }
  };
}
