/**
 * ePix100 dark simulation: one run of frames drawn around a per-pixel truth with hot, noisy and dead
 * pixels, plus a per-frame common mode per row of each ASIC. Frames are made block by block.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { EPIX100_ADC_MAX_ADU, EPIX100_COMMON_MODE_RMS_ADU, EPIX100_SIM_CONDITIONS, EPIX100_STAGE } from './dark-model.js';
import { epix100Geometry } from './geometry.js';
import { DEFAULT_DEFECT_FRACTIONS, DEFAULT_DEFECT_STRENGTH, RUN_STREAM, TRUTH_STREAM, applyDefects, badPixelsTruth, checkSimulateOptions, drawPixelMaps, fillRowCommonModeFrame, firstTrainIdOf, pickDefects, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { BlockFiller, PixelMaps } from '@detcal/simulator';

/** Simulates one ePix100 dark run (frames = trains, one per train) and returns it with its truth. */
export function simulateEpix100Dark(options: SimulateOptions): Simulation {
  checkSimulateOptions('epix100', options, ['dark'], epix100Geometry);
  const { seed, module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = epix100Geometry;
  const rng = new Random(streamSeed(seed, module, TRUTH_STREAM));
  const maps = drawPixelMaps(rng, epix100Geometry, [EPIX100_STAGE], 1);
  const defects = pickDefects(rng, rows * cols, DEFAULT_DEFECT_FRACTIONS);
  applyDefects(maps, defects, EPIX100_ADC_MAX_ADU);

  const runs = [
    simulatedRun(
      { run: options.firstRun, label: 'dark', gainStage: 0 },
      { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
      () => epix100DarkFiller(new Random(streamSeed(seed, module, RUN_STREAM)), maps, asics.asicCols),
    ),
  ];
  const shape = { gains: 1, cells: 1, rows, cols };
  const cm2 = EPIX100_COMMON_MODE_RMS_ADU ** 2;
  const metadata = truthMetadata('epix100', `SIM-EPIX100-M${module}`, options, runs, { ...EPIX100_SIM_CONDITIONS }, {
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
    badPixelFraction: (defects.hot + defects.noisy + defects.dead) / (rows * cols),
    hotOffsetSigma: DEFAULT_DEFECT_STRENGTH.hotSigma,
    noisyNoiseFactor: DEFAULT_DEFECT_STRENGTH.noisyFactor,
    adcMaxAdu: EPIX100_ADC_MAX_ADU,
    stage: EPIX100_STAGE,
    commonModeRmsAdu: EPIX100_COMMON_MODE_RMS_ADU,
    commonModeGroup: `per frame, per row of each ASIC (${asics.asicCols} pixels)`,
    noiseCMDefinition: 'NoiseCM: std without common mode, sqrt(sigma^2 + 1/12); Noise adds the common-mode variance',
  });
  const truth = makeConstantSet(metadata, [
    truthArray('Offset', maps.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(maps.sigmaAdu, cm2), shape, 'ADU'),
    truthArray('NoiseCM', rawNoiseAdu(maps.sigmaAdu), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 1), shape, ''),
  ]);
  return { runs, truth };
}

/** Writes frames with a common mode per row of each ASIC column. */
function epix100DarkFiller(rng: Random, maps: PixelMaps, groupCols: number): BlockFiller {
  const pixels = maps.rows * maps.cols;
  return (block: FrameBlock) => {
    for (let f = 0; f < block.nFrames; f++) {
      fillRowCommonModeFrame(rng, maps.offsetAdu, maps.sigmaAdu, EPIX100_COMMON_MODE_RMS_ADU, maps.rows, maps.cols, groupCols, block.data as Uint16Array, f * pixels);
    }
  };
}
