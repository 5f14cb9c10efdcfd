/**
 * Worker thread of the parallel gain-scan fit: fits its pixel range [p0, p1) of every cell the main
 * thread posts; inputs and outputs live on SharedArrayBuffers (no copies).
 */
import { parentPort } from 'node:worker_threads';
import { GainScanWorkspace, fitGainScanPixels, type GainScanFitSettings, type GainScanInput, type GainScanOutputs } from './gain-scan-fit.js';

/** First message: settings, shared outputs, this worker's pixel range and the longest series. */
export interface GainScanWorkerInit {
  type: 'init';
  settings: GainScanFitSettings;
  outputs: GainScanOutputs;
  p0: number;
  p1: number;
  maxSteps: number;
}

/** Where one cell's results go: bases and strides, and optionally other (shared) output arrays than the init ones. */
export type GainScanPlacement = Pick<GainScanOutputs, 'analog' | 'digital' | 'thresholds' | 'safety'> &
  Partial<Pick<GainScanOutputs, 'analogGains' | 'analogLineOffsets' | 'analogFitStdDevs' | 'digitalMeans' | 'digitalStdDeviations' | 'digitalThresholds' | 'digitalSpacingsSafetyFactors'>>;

/** One cell to fit: its input (a view on a shared buffer) and where its results go. */
export interface GainScanWorkerCell {
  type: 'cell';
  id: number;
  input: GainScanInput;
  placement: GainScanPlacement;
}

let init: GainScanWorkerInit | undefined;
let ws: GainScanWorkspace | undefined;

parentPort?.on('message', (msg: GainScanWorkerInit | GainScanWorkerCell) => {
  if (msg.type === 'init') {
    init = msg;
    ws = new GainScanWorkspace(msg.maxSteps, msg.settings.stages);
    return;
  }
  if (!init || !ws) throw new Error('gain-scan worker: cell before init');
  const counts = fitGainScanPixels(msg.input, init.p0, init.p1, init.settings, { ...init.outputs, ...msg.placement }, ws);
  parentPort?.postMessage({ id: msg.id, counts });
});
