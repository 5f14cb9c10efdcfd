/**
 * AGIPD dark simulation: three runs (high, medium, low gain) of analog and digital values per memory
 * cell, drawn around a per-pixel truth with hot, noisy and dead pixels. Frames are made block by block.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { AGIPD_ADC_MAX_ADU, AGIPD_ANALOG_STAGES, AGIPD_DARK_RUNS, AGIPD_DIGITAL_STAGES, AGIPD_SIM_CONDITIONS } from './dark-model.js';
import { agipdGeometry } from './geometry.js';
import { DEFAULT_DEFECT_FRACTIONS, DEFAULT_DEFECT_STRENGTH, RUN_STREAM, TRUTH_STREAM, applyDefects, badPixelsTruth, checkSimulateOptions, drawPixelMaps, firstTrainIdOf, pickDefects, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { BlockFiller, InjectedDefects, PixelMaps } from '@detcal/simulator';

/** The per-pixel truth every AGIPD simulation kind shares for one seed and module: analog and digital maps, defects. */
export interface AgipdPixelTruth {
  /** Analog offset / noise per stage, cell and pixel. */
  analog: PixelMaps;
  /** Digital (gain) value per stage, cell and pixel. */
  digital: PixelMaps;
  /** Injected hot, noisy and dead pixels. */
  defects: InjectedDefects;
}

/** Draws the module's pixel truth from the seed's TRUTH_STREAM, in a fixed order (same seed and module, same maps). */
export function drawAgipdPixelTruth(seed: number, module: number, cells: number): AgipdPixelTruth {
  const { moduleRows: rows, moduleCols: cols } = agipdGeometry;
  const rng = new Random(streamSeed(seed, module, TRUTH_STREAM));
  const analog = drawPixelMaps(rng, agipdGeometry, AGIPD_ANALOG_STAGES, cells);
  const digital = drawPixelMaps(rng, agipdGeometry, AGIPD_DIGITAL_STAGES, cells);
  const defects = pickDefects(rng, rows * cols, DEFAULT_DEFECT_FRACTIONS);
  applyDefects(analog, defects, AGIPD_ADC_MAX_ADU);
  applyDefects(digital, defects, AGIPD_ADC_MAX_ADU, DEFAULT_DEFECT_STRENGTH, { hot: false, noisy: false, dead: true });
  return { analog, digital, defects };
}

/** Simulates the three AGIPD dark runs of one module and returns them with their truth. */
export function simulateAgipdDark(options: SimulateOptions): Simulation {
  checkSimulateOptions('agipd', options, ['dark'], agipdGeometry);
  const { seed, module, cells, trains } = options;
  const { moduleRows: rows, moduleCols: cols } = agipdGeometry;
  const { analog, digital, defects } = drawAgipdPixelTruth(seed, module, cells);

  const runs = AGIPD_DARK_RUNS.map((r, i) =>
    simulatedRun(
      { run: options.firstRun + i, label: r.label, gainStage: r.gainStage },
      { module, trains, cellsPerTrain: cells, firstTrainId: firstTrainIdOf(i, trains), rows, cols, gain: 'u2', pulseIds: true },
      () => agipdDarkFiller(new Random(streamSeed(seed, module, RUN_STREAM + i)), analog, digital, r.gainStage),
    ),
  );

  const shape = { gains: 3, cells, rows, cols };
  const metadata = truthMetadata('agipd', `SIM-AGIPD-M${module}`, options, runs, { memoryCells: cells, ...AGIPD_SIM_CONDITIONS }, {
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
    badPixelFraction: (defects.hot + defects.noisy + defects.dead) / (rows * cols),
    hotOffsetSigma: DEFAULT_DEFECT_STRENGTH.hotSigma,
    noisyNoiseFactor: DEFAULT_DEFECT_STRENGTH.noisyFactor,
    adcMaxAdu: AGIPD_ADC_MAX_ADU,
    analogStages: AGIPD_ANALOG_STAGES,
    digitalStages: AGIPD_DIGITAL_STAGES,
  });
  const truth = makeConstantSet(metadata, [
    truthArray('Offset', analog.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(analog.sigmaAdu), shape, 'ADU'),
    truthArray('DigitalMean', digital.offsetAdu, shape, 'ADU'),
    truthArray('DigitalStd', rawNoiseAdu(digital.sigmaAdu), shape, 'ADU'),
    { ...truthArray('ThresholdsDark', thresholdsFromDigital(digital), { ...shape, gains: 2 }, 'ADU'), dims: ['threshold', 'cell', 'row', 'col'] },
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 3 * cells), shape, ''),
  ]);
  return { runs, truth };
}

/** Gain-switch thresholds [threshold][cell][pixel]: mean of consecutive stages' digital means (HG/MG, MG/LG). */
export function thresholdsFromDigital(digital: PixelMaps): Float32Array {
  const plane = digital.cells * digital.rows * digital.cols;
  const out = new Float32Array(2 * plane);
  const d = digital.offsetAdu;
  for (let i = 0; i < plane; i++) {
    out[i] = (d[i] + d[plane + i]) / 2;
    out[plane + i] = (d[plane + i] + d[2 * plane + i]) / 2;
  }
  return out;
}

/** Writes analog values into block.data and digital values into block.gain for frames of one gain stage. */
function agipdDarkFiller(rng: Random, analog: PixelMaps, digital: PixelMaps, stage: number): BlockFiller {
  const pixels = analog.rows * analog.cols;
  const aOff = analog.offsetAdu, aSig = analog.sigmaAdu, dOff = digital.offsetAdu, dSig = digital.sigmaAdu;
  return (block: FrameBlock) => {
    const data = block.data as Uint16Array;
    const gain = block.gain as Uint16Array;
    for (let f = 0; f < block.nFrames; f++) {
      const base = (stage * analog.cells + block.cellIds[f]) * pixels;
      const o = f * pixels;
      for (let p = 0; p < pixels; p++) {
        // +0.5 then truncation on store: rounding half up, clamped to the u2 range.
        let v = aOff[base + p] + aSig[base + p] * rng.normal() + 0.5;
        data[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
        v = dOff[base + p] + dSig[base + p] * rng.normal() + 0.5;
        gain[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
      }
    }
  };
}
