/**
 * Jungfrau light simulation: one run ('light', dynamic gain) of adc values and gain bits per train and
 * memory cell over the same pixel truth as the dark simulation of the seed (offsets, noise, bad
 * pixels), plus gains per stage in signed ADU/keV and per-frame truth (deposited energy, gain stage,
 * invalid gain bits, common mode) streamed block by block through truthBlocks().
 */
import { DetcalError, Random, makeConstant, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, SimulatedRun, Simulation, TruthBlock } from '@detcal/core';
import { DEFAULT_DEFECT_STRENGTH, RUN_STREAM, badPixelsTruth, checkSimulateOptions, firstTrainIdOf, frameBlocks, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { RunFrames } from '@detcal/simulator';
import { JUNGFRAU_ADC_MAX_ADU, JUNGFRAU_SIM_CONDITIONS, JUNGFRAU_STAGES } from './dark-model.js';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import { drawJungfrauGainTruth } from './gain-truth.js';
import { jungfrauGeometry } from './geometry.js';
import { JungfrauLightFrames, allocateLightTruth } from './light-frames.js';
import type { LightFrameTruth } from './light-frames.js';
import { GAIN_CELL_SPREAD, GAIN_PIXEL_SPREAD, INVALID_GAIN_BITS, JUNGFRAU_DEFAULT_PHOTON_ENERGY_KEV, JUNGFRAU_GAIN_ADU_PER_KEV, JUNGFRAU_LIGHT, JUNGFRAU_SWITCH_KEV, SWITCH_JITTER_KEV, SWITCH_PIXEL_SPREAD } from './light-model.js';
import { drawJungfrauPixelTruth } from './pixel-truth.js';

/** Stream number of the light run's frames (dark runs use RUN_STREAM + 0..2). */
export const LIGHT_RUN_STREAM = RUN_STREAM + 10;

/** What the gain truth means, written into the truth parameters. */
export const GAIN_CONVENTION = 'RelativeGain: signed ADU per keV of deposited energy per gain stage and cell, raw = offset + gain x E (G1, G2 negative: PSI / LCLS convention); E = (raw - offset) / gain';

/** Simulates the Jungfrau light run of one module and returns it with its truth. */
export function simulateJungfrauLight(options: SimulateOptions): Simulation {
  checkSimulateOptions('jungfrau', options, ['light'], jungfrauGeometry);
  const { seed, module, cells, trains } = options;
  const photonEnergyKev = options.photonEnergyKev ?? JUNGFRAU_DEFAULT_PHOTON_ENERGY_KEV;
  if (!(Number.isFinite(photonEnergyKev) && photonEnergyKev > 0)) {
    throw new DetcalError('BAD_INPUT', `photon energy must be a positive number of keV, got ${photonEnergyKev}`);
  }
  const { moduleRows: rows, moduleCols: cols } = jungfrauGeometry;
  const pixels = rows * cols;
  const { maps, defects } = drawJungfrauPixelTruth(seed, module, cells);
  const gains = drawJungfrauGainTruth(seed, module, cells, pixels);
  const frames: RunFrames = { module, trains, cellsPerTrain: cells, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'u1', pulseIds: false };
  const newFrames = (): JungfrauLightFrames => new JungfrauLightFrames(new Random(streamSeed(seed, module, LIGHT_RUN_STREAM)), maps, gains, photonEnergyKev);

  const base = simulatedRun({ run: options.firstRun, label: 'light', gainStage: 0 }, frames, () => {
    const gen = newFrames();
    const scratch = allocateLightTruth(1, pixels);
    return (block: FrameBlock) => {
      for (let f = 0; f < block.nFrames; f++) gen.fillFrame(block.cellIds[f], block.data as Uint16Array, block.gain as Uint8Array, f * pixels, scratch, 0);
    };
  });
  const run: SimulatedRun = {
    ...base,
    *truthBlocks(maxFrames: number): Iterable<TruthBlock> {
      const gen = newFrames();
      let truth: LightFrameTruth = allocateLightTruth(0, pixels);
      const fill = (block: FrameBlock): void => {
        truth = allocateLightTruth(block.nFrames, pixels);
        for (let f = 0; f < block.nFrames; f++) gen.fillFrame(block.cellIds[f], block.data as Uint16Array, block.gain as Uint8Array, f * pixels, truth, f * pixels);
      };
      for (const b of frameBlocks(frames, maxFrames, fill)) {
        yield { firstFrame: b.firstFrame, nFrames: b.nFrames, arrays: { ...truth } };
      }
    },
  };

  const shape = { gains: 3, cells, rows, cols };
  const metadata = truthMetadata('jungfrau', `SIM-JUNGFRAU-M${module}`, options, [run], { memoryCells: cells, ...JUNGFRAU_SIM_CONDITIONS }, {
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
    badPixelFraction: (defects.hot + defects.noisy + defects.dead) / pixels,
    hotOffsetSigma: DEFAULT_DEFECT_STRENGTH.hotSigma,
    noisyNoiseFactor: DEFAULT_DEFECT_STRENGTH.noisyFactor,
    adcMaxAdu: JUNGFRAU_ADC_MAX_ADU,
    stages: JUNGFRAU_STAGES,
    gainBits: JUNGFRAU_GAIN_BITS,
    invalidGainBits: INVALID_GAIN_BITS,
    gainConvention: GAIN_CONVENTION,
    gainAduPerKev: JUNGFRAU_GAIN_ADU_PER_KEV,
    gainPixelSpread: GAIN_PIXEL_SPREAD,
    gainCellSpread: GAIN_CELL_SPREAD,
    switchKev: JUNGFRAU_SWITCH_KEV,
    switchPixelSpread: SWITCH_PIXEL_SPREAD,
    switchJitterKev: SWITCH_JITTER_KEV,
    photonEnergyKev,
    ...JUNGFRAU_LIGHT,
    commonModeStages: 'G0 only',
    truthBlocks: 'energyKev (f4, keV), gainStage (u1, 0..2), wrongGain (u1, 1 = bits written as 2), commonModeAdu (f4, ADU added)',
  });
  const truth = makeConstantSet(metadata, [
    truthArray('Offset', maps.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(maps.sigmaAdu), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 3 * cells), shape, ''),
    truthArray('RelativeGain', gains.gainAduPerKev, shape, 'ADU/keV'),
    makeConstant('GainSwitchKev', gains.switchKev, [2, 1, rows, cols], ['switch', 'cell', 'row', 'col'], 'keV'),
  ]);
  return { runs: [run], truth };
}
