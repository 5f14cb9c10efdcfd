/**
 * pnCCD dark simulation: one run of frames drawn around a per-pixel truth with hot, noisy and dead
 * pixels, a per-frame common mode per half row and a few cosmic-ray clusters per frame.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { ConstantArray, FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { addCosmicHits, drawCosmicHits } from './cosmic-hits.js';
import type { CosmicHits } from './cosmic-hits.js';
import { PNCCD_ADC_MAX_ADU, PNCCD_COMMON_MODE_RMS_ADU, PNCCD_COSMICS, PNCCD_SIM_CONDITIONS, PNCCD_STAGE } from './dark-model.js';
import { pnccdGeometry } from './geometry.js';
import { DEFAULT_DEFECT_FRACTIONS, DEFAULT_DEFECT_STRENGTH, EVENT_STREAM, RUN_STREAM, TRUTH_STREAM, applyDefects, badPixelsTruth, checkSimulateOptions, drawPixelMaps, fillRowCommonModeFrame, firstTrainIdOf, pickDefects, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { BlockFiller, InjectedDefects, PixelMaps } from '@detcal/simulator';

/** The per-pixel truth every pnCCD simulation kind shares, drawn in this order from the truth stream; rng continues after it. */
export interface PnccdTruth {
  /** The truth stream, positioned after the dark truth (further per-pixel truth is drawn from here). */
  rng: Random;
  /** Offset and noise sigma of each pixel, defects applied. */
  maps: PixelMaps;
  /** Hot, noisy and dead pixels. */
  defects: InjectedDefects;
}

/** Draws the pnCCD dark truth of a seed and module: the same maps for --kind dark and --kind light. */
export function drawPnccdTruth(options: SimulateOptions): PnccdTruth {
  const { moduleRows: rows, moduleCols: cols } = pnccdGeometry;
  const rng = new Random(streamSeed(options.seed, options.module, TRUTH_STREAM));
  const maps = drawPixelMaps(rng, pnccdGeometry, [PNCCD_STAGE], 1);
  const defects = pickDefects(rng, rows * cols, DEFAULT_DEFECT_FRACTIONS);
  applyDefects(maps, defects, PNCCD_ADC_MAX_ADU);
  return { rng, maps, defects };
}

/** Truth parameters of the dark part without cosmics (defects, stage, common mode). */
export function pnccdDarkTruthParameters(defects: InjectedDefects): Record<string, unknown> {
  const { moduleRows: rows, moduleCols: cols, asics } = pnccdGeometry;
  return {
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
    badPixelFraction: (defects.hot + defects.noisy + defects.dead) / (rows * cols),
    hotOffsetSigma: DEFAULT_DEFECT_STRENGTH.hotSigma,
    noisyNoiseFactor: DEFAULT_DEFECT_STRENGTH.noisyFactor,
    adcMaxAdu: PNCCD_ADC_MAX_ADU,
    stage: PNCCD_STAGE,
    commonModeRmsAdu: PNCCD_COMMON_MODE_RMS_ADU,
    commonModeGroup: `per frame, per half row (${asics.asicCols} pixels)`,
  };
}

/** Truth arrays of the dark part: Offset, Noise, NoiseCM, BadPixelsTruth ([1, 1, rows, cols]). */
export function pnccdDarkTruthArrays(maps: PixelMaps, defects: InjectedDefects): ConstantArray[] {
  const shape = { gains: 1, cells: 1, rows: maps.rows, cols: maps.cols };
  return [
    truthArray('Offset', maps.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(maps.sigmaAdu, PNCCD_COMMON_MODE_RMS_ADU ** 2), shape, 'ADU'),
    truthArray('NoiseCM', rawNoiseAdu(maps.sigmaAdu), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 1), shape, ''),
  ];
}

/** Simulates one pnCCD dark run (frames = trains, one per train) and returns it with its truth. */
export function simulatePnccdDark(options: SimulateOptions): Simulation {
  checkSimulateOptions('pnccd', options, ['dark'], pnccdGeometry);
  const { seed, module, trains } = options;
  const { moduleRows: rows, moduleCols: cols, asics } = pnccdGeometry;
  const { maps, defects } = drawPnccdTruth(options);
  const c = PNCCD_COSMICS;
  const hits = simulatedCosmicHits(options);

  const runs = [
    simulatedRun(
      { run: options.firstRun, label: 'dark', gainStage: 0 },
      { module, trains, cellsPerTrain: 1, firstTrainId: firstTrainIdOf(0, trains), rows, cols, gain: 'none', pulseIds: false },
      () => pnccdDarkFiller(new Random(streamSeed(seed, module, RUN_STREAM)), maps, asics.asicCols, hits),
    ),
  ];
  const metadata = truthMetadata('pnccd', `SIM-PNCCD-M${module}`, options, runs, { ...PNCCD_SIM_CONDITIONS }, {
    ...pnccdDarkTruthParameters(defects),
    noiseCMDefinition: 'NoiseCM: std without common mode, sqrt(sigma^2 + 1/12); Noise adds the common-mode variance; neither includes cosmic hits',
    cosmicRatePerFrame: c.ratePerFrame,
    cosmicAmplitudeAdu: [c.minAmplitudeAdu, c.maxAmplitudeAdu],
    cosmicHits: hits.pixels.length,
    cosmicFramesHit: countFramesHit(hits),
  });
  return { runs, truth: makeConstantSet(metadata, pnccdDarkTruthArrays(maps, defects)) };
}

/** The cosmic hits (frames, centres, amplitudes) that simulatePnccdDark(options) puts into its run. */
export function simulatedCosmicHits(options: SimulateOptions): CosmicHits {
  const c = PNCCD_COSMICS;
  const rng = new Random(streamSeed(options.seed, options.module, EVENT_STREAM));
  const pixels = pnccdGeometry.moduleRows * pnccdGeometry.moduleCols;
  return drawCosmicHits(rng, options.trains, pixels, c.ratePerFrame, c.minAmplitudeAdu, c.maxAmplitudeAdu);
}

function countFramesHit(hits: CosmicHits): number {
  let n = 0;
  for (let f = 0; f + 1 < hits.starts.length; f++) if (hits.starts[f + 1] > hits.starts[f]) n++;
  return n;
}

/** Writes frames with a common mode per half row, then adds the frame's cosmic hits. */
function pnccdDarkFiller(rng: Random, maps: PixelMaps, groupCols: number, hits: CosmicHits): BlockFiller {
  const pixels = maps.rows * maps.cols;
  return (block: FrameBlock) => {
    const data = block.data as Uint16Array;
    for (let f = 0; f < block.nFrames; f++) {
      fillRowCommonModeFrame(rng, maps.offsetAdu, maps.sigmaAdu, PNCCD_COMMON_MODE_RMS_ADU, maps.rows, maps.cols, groupCols, data, f * pixels);
      addCosmicHits(rng, hits, block.firstFrame + f, maps.rows, maps.cols, maps.sigmaAdu, PNCCD_ADC_MAX_ADU, data, f * pixels);
    }
  };
}
