/**
 * ePix100 dark simulation: one run of frames drawn around a per-pixel truth with hot, noisy and dead
 * pixels, plus a per-frame common mode per row of each ASIC. Frames are made block by block.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { ConstantArray, FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { EPIX100_ADC_MAX_ADU, EPIX100_COMMON_MODE_RMS_ADU, EPIX100_SIM_CONDITIONS, EPIX100_STAGE } from './dark-model.js';
import { epix100Geometry } from './geometry.js';
import { DEFAULT_DEFECT_FRACTIONS, DEFAULT_DEFECT_STRENGTH, RUN_STREAM, TRUTH_STREAM, applyDefects, badPixelsTruth, checkSimulateOptions, drawPixelMaps, fillRowCommonModeFrame, firstTrainIdOf, pickDefects, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { BlockFiller, InjectedDefects, PixelMaps } from '@detcal/simulator';

/** The per-pixel truth every ePix100 simulation kind shares, drawn in this order from the truth stream; rng continues after it. */
export interface Epix100Truth {
  /** The truth stream, positioned after the dark truth (further per-pixel truth is drawn from here). */
  rng: Random;
  /** Offset and noise sigma of each pixel, defects applied. */
  maps: PixelMaps;
  /** Hot, noisy and dead pixels. */
  defects: InjectedDefects;
}

/** Draws the ePix100 dark truth of a seed and module: the same maps for --kind dark and --kind light. */
export function drawEpix100Truth(options: SimulateOptions): Epix100Truth {
  const { moduleRows: rows, moduleCols: cols } = epix100Geometry;
  const rng = new Random(streamSeed(options.seed, options.module, TRUTH_STREAM));
  const maps = drawPixelMaps(rng, epix100Geometry, [EPIX100_STAGE], 1);
  const defects = pickDefects(rng, rows * cols, DEFAULT_DEFECT_FRACTIONS);
  applyDefects(maps, defects, EPIX100_ADC_MAX_ADU);
  return { rng, maps, defects };
}

/** Truth parameters of the dark part (defects, stage, common mode). */
export function epix100DarkTruthParameters(defects: InjectedDefects): Record<string, unknown> {
  const { moduleRows: rows, moduleCols: cols, asics } = epix100Geometry;
  return {
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
  };
}

/** Truth arrays of the dark part: Offset, Noise, NoiseCM, BadPixelsTruth ([1, 1, rows, cols]). */
export function epix100DarkTruthArrays(maps: PixelMaps, defects: InjectedDefects): ConstantArray[] {
  const shape = { gains: 1, cells: 1, rows: maps.rows, cols: maps.cols };
  return [
    truthArray('Offset', maps.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(maps.sigmaAdu, EPIX100_COMMON_MODE_RMS_ADU ** 2), shape, 'ADU'),
    truthArray('NoiseCM', rawNoiseAdu(maps.sigmaAdu), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 1), shape, ''),
  ];
}

/** Simulates one ePix100 dark run (frames = trains, one per train) and returns it with its truth. */
export function simulateEpix100Dark(options: SimulateOptions): Simulation {
  checkSimulateOptions('epix100', options, ['dark'], epix100Geometry);
  const { seed, module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = epix100Geometry;
  const { maps, defects } = drawEpix100Truth(options);

  const runs = [
    simulatedRun(
      { run: options.firstRun, label: 'dark', gainStage: 0 },
      { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
      () => epix100DarkFiller(new Random(streamSeed(seed, module, RUN_STREAM)), maps, asics.asicCols),
    ),
  ];
  const metadata = truthMetadata('epix100', `SIM-EPIX100-M${module}`, options, runs, { ...EPIX100_SIM_CONDITIONS }, epix100DarkTruthParameters(defects));
  return { runs, truth: makeConstantSet(metadata, epix100DarkTruthArrays(maps, defects)) };
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
