/**
 * Jungfrau dark simulation: three runs (dynamic = G0, forceswitchg1, forceswitchg2) of adc values and
 * gain bits per train and memory cell, drawn around a per-pixel truth with hot, noisy and dead pixels
 * and a few wrong gain values. Frames are made block by block.
 */
import { Random, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation } from '@detcal/core';
import { JUNGFRAU_ADC_MAX_ADU, JUNGFRAU_DARK_RUNS, JUNGFRAU_SIM_CONDITIONS, JUNGFRAU_STAGES, JUNGFRAU_WRONG_GAIN } from './dark-model.js';
import { JUNGFRAU_GAIN_BITS } from './gain-bits.js';
import { drawJungfrauPixelTruth } from './pixel-truth.js';
import { jungfrauGeometry } from './geometry.js';
import { DEFAULT_DEFECT_STRENGTH, EVENT_STREAM, RUN_STREAM, badPixelsTruth, checkSimulateOptions, firstTrainIdOf, rawNoiseAdu, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import type { BlockFiller, PixelMaps } from '@detcal/simulator';
import { drawWrongGainEvents, wrongGainCounts } from './wrong-gain.js';
import type { WrongGainEvents } from './wrong-gain.js';

/** Simulates the three Jungfrau dark runs of one module and returns them with their truth. */
export function simulateJungfrauDark(options: SimulateOptions): Simulation {
  checkSimulateOptions('jungfrau', options, ['dark'], jungfrauGeometry);
  const { seed, module, cells, trains } = options;
  const { moduleRows: rows, moduleCols: cols } = jungfrauGeometry;
  const pixels = rows * cols;
  const { maps, defects } = drawJungfrauPixelTruth(seed, module, cells);

  const events = JUNGFRAU_DARK_RUNS.map((r, i) =>
    drawWrongGainEvents(
      new Random(streamSeed(seed, module, EVENT_STREAM + i)),
      trains * cells,
      r.gainStage,
      defects.defect,
      JUNGFRAU_WRONG_GAIN.frameFraction,
      JUNGFRAU_WRONG_GAIN.maxPixelsPerFrame,
    ),
  );
  const runs = JUNGFRAU_DARK_RUNS.map((r, i) =>
    simulatedRun(
      { run: options.firstRun + i, label: r.label, gainStage: r.gainStage },
      { module, trains, cellsPerTrain: cells, firstTrainId: firstTrainIdOf(i, trains), rows, cols, gain: 'u1', pulseIds: false },
      () => jungfrauDarkFiller(new Random(streamSeed(seed, module, RUN_STREAM + i)), maps, r.gainStage, events[i]),
    ),
  );

  const wrongGain = new Uint32Array(3 * cells * pixels);
  JUNGFRAU_DARK_RUNS.forEach((r, i) => wrongGain.set(wrongGainCounts(events[i], cells, pixels), r.gainStage * cells * pixels));
  const shape = { gains: 3, cells, rows, cols };
  const metadata = truthMetadata('jungfrau', `SIM-JUNGFRAU-M${module}`, options, runs, { memoryCells: cells, ...JUNGFRAU_SIM_CONDITIONS }, {
    hotPixels: defects.hot,
    noisyPixels: defects.noisy,
    deadPixels: defects.dead,
    badPixelFraction: (defects.hot + defects.noisy + defects.dead) / pixels,
    hotOffsetSigma: DEFAULT_DEFECT_STRENGTH.hotSigma,
    noisyNoiseFactor: DEFAULT_DEFECT_STRENGTH.noisyFactor,
    adcMaxAdu: JUNGFRAU_ADC_MAX_ADU,
    stages: JUNGFRAU_STAGES,
    gainBits: JUNGFRAU_GAIN_BITS,
    wrongGainFrameFraction: JUNGFRAU_WRONG_GAIN.frameFraction,
    wrongGainFrames: events.map((e) => e.frames.length),
    wrongGainValues: events.map((e) => e.pixels.length),
  });
  const truth = makeConstantSet(metadata, [
    truthArray('Offset', maps.offsetAdu, shape, 'ADU'),
    truthArray('Noise', rawNoiseAdu(maps.sigmaAdu), shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(defects, 3 * cells), shape, ''),
    truthArray('WrongGainCount', wrongGain, shape, 'frames'),
  ]);
  return { runs, truth };
}

/** Writes adc values into block.data and gain bits into block.gain for frames of one gain stage, then the wrong gain values. */
function jungfrauDarkFiller(rng: Random, maps: PixelMaps, stage: number, events: WrongGainEvents): BlockFiller {
  const pixels = maps.rows * maps.cols;
  const off = maps.offsetAdu, sig = maps.sigmaAdu;
  let next = 0;
  return (block: FrameBlock) => {
    const data = block.data as Uint16Array;
    const gain = block.gain as Uint8Array;
    for (let f = 0; f < block.nFrames; f++) {
      const cell = block.cellIds[f];
      const base = (stage * maps.cells + cell) * pixels;
      const o = f * pixels;
      for (let p = 0; p < pixels; p++) {
        // +0.5 then truncation on store: rounding half up, clamped to the u2 range.
        const v = off[base + p] + sig[base + p] * rng.normal() + 0.5;
        data[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
      }
      gain.fill(JUNGFRAU_GAIN_BITS[stage], o, o + pixels);
      const frame = block.firstFrame + f;
      while (next < events.frames.length && events.frames[next] <= frame) {
        if (events.frames[next] === frame) {
          for (let j = events.starts[next]; j < events.starts[next + 1]; j++) {
            const p = events.pixels[j], s = events.stages[j];
            const b = (s * maps.cells + cell) * pixels;
            const v = off[b + p] + sig[b + p] * rng.normal() + 0.5;
            data[o + p] = v < 0 ? 0 : v > 65535 ? 65535 : v;
            gain[o + p] = JUNGFRAU_GAIN_BITS[s];
          }
        }
        next++;
      }
    }
  };
}
