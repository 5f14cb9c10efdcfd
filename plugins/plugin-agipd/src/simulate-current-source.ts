/**
 * AGIPD current-source and pulse-capacitor scan simulation. One train per scan step, all memory
 * cells in every train; per (cell, pixel) the analog value follows line g (offset_g + slope_g * step)
 * of the gain stage g it is in, the digital value sits at the stage's digital level; the stage
 * switches at two steps per (cell, pixel). Pixel truth shared with `--kind dark` of the same seed:
 * the high-gain line offset is the dark HG offset, digital levels and noise are the dark ones, the
 * same pixels are hot / noisy / dead (dead pixels do not respond). A few series get a spike of one or
 * two steps. Pulse capacitor: CS_PC_RUNS runs, run r injects only rows with row % CS_PC_RUNS === r;
 * the other rows stay at their dark high-gain values.
 */
import { DetcalError, Random, makeConstant, makeConstantSet } from '@detcal/core';
import type { FrameBlock, SimulateOptions, Simulation, SimulatedRun } from '@detcal/core';
import { RUN_STREAM, Defect, badPixelsTruth, firstTrainIdOf, simulatedRun, streamSeed, truthArray, truthMetadata } from '@detcal/simulator';
import { drawAgipdPixelTruth, type AgipdPixelTruth } from './simulate-dark.js';
import type { BlockFiller } from '@detcal/simulator';
import { AGIPD_ADC_MAX_ADU, AGIPD_SIM_CONDITIONS } from './dark-model.js';
import { agipdGeometry } from './geometry.js';
import { CS_HG_RISE_ADU, CS_PC_RUNS, CS_RATIO_SPREAD, CS_SLOPE_RATIOS, CS_SLOPE_SPREAD, CS_SPIKES, CS_START_BELOW_DARK_ADU, CS_START_SPREAD_ADU, CS_SWITCH_FRACTIONS, CS_SWITCH_SPREAD } from './current-source-model.js';

/** Random stream of the scan truth (slopes, switch steps, spikes), apart from the dark truth stream. */
const SCAN_TRUTH_STREAM = 300;

/** The dark pixel truth of a seed and module, drawn exactly as simulateAgipdDark draws it. */
export type AgipdDarkTruth = AgipdPixelTruth;

/** Draws the dark truth in the same order and from the same stream as simulateAgipdDark. */
export function drawAgipdDarkTruth(seed: number, module: number, cells: number): AgipdDarkTruth {
  return drawAgipdPixelTruth(seed, module, cells);
}

/** Per (cell, pixel) scan truth, [stage or switch][cell][pixel] planes. */
export interface ScanTruth {
  /** Scan steps. */
  steps: number;
  /** Memory cells. */
  cells: number;
  /** Line slopes per stage, ADU per step (NaN for dead pixels). */
  slopeAdu: Float32Array;
  /** Line offsets per stage (value at step 0), ADU. */
  lineOffsetAdu: Float32Array;
  /** First step in MG and first step in LG. */
  switchStep: Uint16Array;
  /** Step of the spike, -1 for none. */
  spikeStep: Int16Array;
  /** Width of the spike (1 or 2). */
  spikeWidth: Uint8Array;
}

/** Draws slopes, line offsets, switch steps and spikes for every (cell, pixel). */
export function drawScanTruth(dark: AgipdDarkTruth, seed: number, module: number, steps: number): ScanTruth {
  const { cells, rows, cols } = dark.analog;
  const pixels = rows * cols;
  const plane = cells * pixels;
  const rng = new Random(streamSeed(seed, module, SCAN_TRUTH_STREAM));
  const slopeAdu = new Float32Array(3 * plane);
  const lineOffsetAdu = new Float32Array(3 * plane);
  const switchStep = new Uint16Array(2 * plane);
  const spikeStep = new Int16Array(plane).fill(-1);
  const spikeWidth = new Uint8Array(plane);
  const pixelSlope = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) pixelSlope[p] = (CS_HG_RISE_ADU / (CS_SWITCH_FRACTIONS[0] * steps)) * (1 + CS_SLOPE_SPREAD.pixel * rng.normal());
  const off = dark.analog.offsetAdu;
  for (let c = 0; c < cells; c++) {
    for (let p = 0; p < pixels; p++) {
      const i = c * pixels + p;
      const sHG = pixelSlope[p] * (1 + CS_SLOPE_SPREAD.cell * rng.normal());
      const sMG = sHG / (CS_SLOPE_RATIOS[0] * (1 + CS_RATIO_SPREAD * rng.normal()));
      const sLG = sMG / (CS_SLOPE_RATIOS[1] * (1 + CS_RATIO_SPREAD * rng.normal()));
      let k1 = Math.round(CS_SWITCH_FRACTIONS[0] * steps * (1 + CS_SWITCH_SPREAD * rng.normal()));
      let k2 = Math.round(CS_SWITCH_FRACTIONS[1] * steps * (1 + CS_SWITCH_SPREAD * rng.normal()));
      k1 = Math.max(1, Math.min(steps - 2, k1));
      k2 = Math.max(k1 + 1, Math.min(steps - 1, k2));
      const startMG = off[plane + i] - CS_START_BELOW_DARK_ADU[0] + CS_START_SPREAD_ADU * rng.normal();
      const startLG = off[2 * plane + i] - CS_START_BELOW_DARK_ADU[1] + CS_START_SPREAD_ADU * rng.normal();
      const dead = dark.defects.defect[p] === Defect.DEAD;
      slopeAdu[i] = dead ? NaN : sHG;
      slopeAdu[plane + i] = dead ? NaN : sMG;
      slopeAdu[2 * plane + i] = dead ? NaN : sLG;
      lineOffsetAdu[i] = off[i];
      lineOffsetAdu[plane + i] = startMG - sMG * k1;
      lineOffsetAdu[2 * plane + i] = startLG - sLG * k2;
      switchStep[i] = k1;
      switchStep[plane + i] = k2;
      if (rng.uniform() < CS_SPIKES.fraction) {
        spikeStep[i] = rng.int(steps);
        spikeWidth[i] = 1 + rng.int(2);
      }
    }
  }
  return { steps, cells, slopeAdu, lineOffsetAdu, switchStep, spikeStep, spikeWidth };
}

/** Simulates an AGIPD current-source scan (one run) or pulse-capacitor scan (CS_PC_RUNS runs) with truth. */
export function simulateAgipdCurrentSource(options: SimulateOptions): Simulation {
  const pulseCapacitor = options.kind === 'pulse-capacitor';
  if (!pulseCapacitor && options.kind !== 'current-source') throw new DetcalError('BAD_INPUT', `simulateAgipdCurrentSource: kind ${options.kind} is neither current-source nor pulse-capacitor`);
  const { seed, module, cells, trains: steps } = options;
  if (steps < 20) throw new DetcalError('BAD_INPUT', `--trains ${steps}: a ${options.kind} scan needs at least 20 steps (one train per step; 300 or more give slopes to 1%)`);
  const { moduleRows: rows, moduleCols: cols } = agipdGeometry;
  const dark = drawAgipdDarkTruth(seed, module, cells);
  const scan = drawScanTruth(dark, seed, module, steps);
  const nRuns = pulseCapacitor ? CS_PC_RUNS : 1;
  const runs: SimulatedRun[] = [];
  for (let r = 0; r < nRuns; r++) {
    runs.push(
      simulatedRun(
        { run: options.firstRun + r, label: pulseCapacitor ? `pc-rows-${r}-of-${nRuns}` : 'current-source', gainStage: 0 },
        { module, trains: steps, cellsPerTrain: cells, firstTrainId: firstTrainIdOf(r, steps), rows, cols, gain: 'u2', pulseIds: true },
        () => scanFiller(new Random(streamSeed(seed, module, RUN_STREAM + r)), dark, scan, pulseCapacitor ? { runs: nRuns, run: r } : null),
      ),
    );
  }
  const plane = cells * rows * cols;
  const thresholds = new Float32Array(2 * plane);
  const dm = dark.digital.offsetAdu;
  for (let i = 0; i < plane; i++) {
    thresholds[i] = (dm[i] + dm[plane + i]) / 2;
    thresholds[plane + i] = (dm[plane + i] + dm[2 * plane + i]) / 2;
  }
  const shape = { gains: 3, cells, rows, cols };
  const d = dark.defects;
  const metadata = truthMetadata('agipd', `SIM-AGIPD-M${module}`, options, runs, { memoryCells: cells, ...AGIPD_SIM_CONDITIONS }, {
    scanSteps: steps,
    hgRiseAdu: CS_HG_RISE_ADU,
    switchFractions: CS_SWITCH_FRACTIONS,
    slopeRatios: CS_SLOPE_RATIOS,
    spikes: CS_SPIKES,
    pulseCapacitorRuns: pulseCapacitor ? nRuns : 0,
    injectedRows: pulseCapacitor ? `row % ${nRuns} === run index` : 'all',
    hotPixels: d.hot,
    noisyPixels: d.noisy,
    deadPixels: d.dead,
    slopeUnit: 'ADU per scan step (x = train index within the run)',
  });
  const truth = makeConstantSet(metadata, [
    truthArray('analogGains', scan.slopeAdu, shape, 'ADU/step'),
    truthArray('analogLineOffsets', scan.lineOffsetAdu, shape, 'ADU'),
    truthArray('digitalMeans', dark.digital.offsetAdu, shape, 'ADU'),
    makeConstant('digitalThresholds', thresholds, [2, cells, rows, cols], ['threshold', 'cell', 'row', 'col'], 'ADU'),
    makeConstant('switchSteps', scan.switchStep, [2, cells, rows, cols], ['threshold', 'cell', 'row', 'col'], 'step'),
    truthArray('Offset', dark.analog.offsetAdu, shape, 'ADU'),
    truthArray('BadPixelsTruth', badPixelsTruth(d, 3 * cells), shape, ''),
  ]);
  return { runs, truth };
}

/** Writes the scan frames of one run: analog into block.data, digital into block.gain. */
function scanFiller(rng: Random, dark: AgipdDarkTruth, scan: ScanTruth, pc: { runs: number; run: number } | null): BlockFiller {
  const { cells, rows, cols } = dark.analog;
  const pixels = rows * cols;
  const plane = cells * pixels;
  const aSig = dark.analog.sigmaAdu, dOff = dark.digital.offsetAdu, dSig = dark.digital.sigmaAdu, aOff = dark.analog.offsetAdu;
  const { slopeAdu, lineOffsetAdu, switchStep, spikeStep, spikeWidth } = scan;
  const defect = dark.defects.defect;
  return (block: FrameBlock) => {
    const data = block.data as Uint16Array;
    const gain = block.gain as Uint16Array;
    for (let f = 0; f < block.nFrames; f++) {
      const c = block.cellIds[f];
      const step = Math.floor((block.firstFrame + f) / cells);
      const o = f * pixels;
      for (let r = 0; r < rows; r++) {
        const injected = pc === null || r % pc.runs === pc.run;
        for (let col = 0; col < cols; col++) {
          const p = r * cols + col;
          const i = c * pixels + p;
          let a: number, dv: number;
          if (!injected || defect[p] === Defect.DEAD) {
            // not injected (or dead): the dark high-gain value
            a = aOff[i] + aSig[i] * rng.normal();
            dv = dOff[i] + dSig[i] * rng.normal();
          } else {
            const g = step < switchStep[i] ? 0 : step < switchStep[plane + i] ? 1 : 2;
            const j = g * plane + i;
            a = lineOffsetAdu[j] + slopeAdu[j] * step + aSig[j] * rng.normal();
            dv = dOff[j] + dSig[j] * rng.normal();
            const s = spikeStep[i];
            if (s >= 0 && step >= s && step < s + spikeWidth[i]) a += CS_SPIKES.minHeightAdu + (CS_SPIKES.maxHeightAdu - CS_SPIKES.minHeightAdu) * rng.uniform();
          }
          // +0.5 then truncation on store: rounding half up, clamped to the ADC range
          a += 0.5;
          dv += 0.5;
          data[o + p] = a < 0 ? 0 : a > AGIPD_ADC_MAX_ADU ? AGIPD_ADC_MAX_ADU : a;
          gain[o + p] = dv < 0 ? 0 : dv > AGIPD_ADC_MAX_ADU ? AGIPD_ADC_MAX_ADU : dv;
        }
      }
    }
  };
}
