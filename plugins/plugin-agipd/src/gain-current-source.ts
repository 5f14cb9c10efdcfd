/**
 * `detcal gain current-source agipd`: the AGIPD seed's current-source scan (fit3DynamicScanSlopes)
 * per memory cell and pixel, also for pulse-capacitor runs (rows injected in different runs, merged
 * first). The runs are regrouped by cell (gain-current-source-cells.ts), then each cell's pixels are
 * fitted over worker threads while the next cell is read. Outputs carry the seed's names and shapes:
 * analogGains / analogLineOffsets / analogFitStdDevs (3, cells, 128, 512), digitalMeans /
 * digitalStdDeviations (cells, 3, 128, 512), digitalThresholds (2, cells, 128, 512),
 * digitalSpacingsSafetyFactors (cells, 2, 128, 512), where (128, 512) is the transposed raw frame;
 * with layout=detcal every array is [gain|threshold][cell][row][col] like the dark constants.
 */
import { DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, numberParam, resolveParameters, type ConstantSet, type GainRequest, type GainStep } from '@detcal/core';
import { GainScanPool, sharedFloat32, sharedScanBuffer, type GainScanFitCounts, type GainScanFitSettings, type GainScanOutputs } from '@detcal/kernels';
import { AGIPD_CS_PARAMETERS } from './gain-current-source-parameters.js';
import { collectScan, type ScanStore } from './gain-current-source-cells.js';

/** Fraction of pixel-cells without gain switching above which the input is rejected (not a scan). */
const MAX_NO_SWITCHING_FRACTION = 0.5;

/** Runs the current-source (or pulse-capacitor) scan fit of one module. */
export async function agipdCurrentSource(request: GainRequest): Promise<ConstantSet> {
  const p = resolveParameters(AGIPD_CS_PARAMETERS, request.parameters);
  const layout = String(p.layout);
  if (layout !== 'reference' && layout !== 'detcal') throw new DetcalError('BAD_INPUT', `parameter layout=${layout}: use reference or detcal`);
  const injectedRows = String(p.injected_rows);
  if (injectedRows !== 'auto' && injectedRows !== 'modulo') throw new DetcalError('BAD_INPUT', `parameter injected_rows=${injectedRows}: use auto or modulo`);
  const settings: GainScanFitSettings = {
    stages: 3,
    maxSpikeWidth: numberParam(p, 'max_spike_width'),
    minSpikeHeight: numberParam(p, 'min_spike_height'),
    refinementSteps: numberParam(p, 'refinement_steps_count'),
    minDigitalSpacing: numberParam(p, 'min_digital_spacing'),
    shrinkFactor: numberParam(p, 'linear_fit_data_shrink_factor'),
  };
  if (!(settings.shrinkFactor >= 0 && settings.shrinkFactor < 0.5)) throw new DetcalError('BAD_INPUT', `parameter linear_fit_data_shrink_factor=${settings.shrinkFactor}: must be in [0, 0.5)`);
  if (!(Number.isInteger(settings.maxSpikeWidth) && settings.maxSpikeWidth >= 0 && settings.maxSpikeWidth <= 8)) throw new DetcalError('BAD_INPUT', `parameter max_spike_width=${settings.maxSpikeWidth}: must be a whole number 0..8`);
  const store = await collectScan(request.runs, {
    bufferBytes: numberParam(p, 'buffer_mb') * 1024 * 1024,
    scratchDir: String(p.scratch_dir),
    injectedRows,
    minDigitalSpacing: settings.minDigitalSpacing,
    progress: request.progress,
  });
  try {
    const fitted = await fitCells(store, settings, layout === 'reference', request);
    const { cells, pixels } = store;
    const rows = request.runs[0].rows, cols = request.runs[0].cols;
    const total = cells * pixels;
    if (fitted.counts.noSwitching > MAX_NO_SWITCHING_FRACTION * total) {
      throw new DetcalError(
        'BAD_INPUT',
        `${request.runs.map((r) => r.label).join(', ')}: ${((100 * fitted.counts.noSwitching) / total).toFixed(1)}% of pixel-cells never switch gain (digital means closer than min_digital_spacing=${settings.minDigitalSpacing} ADU); pass a current-source or pulse-capacitor scan, not a dark or fixed-gain run`,
      );
    }
    const ref = layout === 'reference';
    const frame = ref ? [cols, rows] : [rows, cols];
    const frameDims = ref ? ['col', 'row'] : ['row', 'col'];
    const o = fitted.outputs;
    const perStage = (name: string, data: Float32Array, unit: string) => makeConstant(name, data, [3, cells, ...frame], ['gain', 'cell', ...frameDims], unit);
    const cellFirst = (name: string, data: Float32Array, n: number, label: string, unit: string) =>
      ref ? makeConstant(name, data, [cells, n, ...frame], ['cell', label, ...frameDims], unit) : makeConstant(name, data, [n, cells, ...frame], [label, 'cell', ...frameDims], unit);
    const rowRuns = request.runs.length > 1 ? request.runs.map((_, ri) => store.rowRun.reduce((n, r) => n + (r === ri ? 1 : 0), 0)) : undefined;
    return makeConstantSet(
      {
        detectorType: 'agipd',
        detectorId: request.detectorId,
        module: request.module,
        conditions: { ...request.conditions, memoryCells: cells },
        sourceRuns: request.runs.map((r) => (r.run !== undefined ? String(r.run) : r.label)),
        createdAt: new Date().toISOString(),
        toolVersion: DETCAL_VERSION,
        parameters: {
          method: 'agipd-seed fit3DynamicScanSlopes',
          ...p,
          scanSteps: store.steps,
          slopeUnit: 'ADU per scan step (x = train index within the run)',
          noSwitchingPixelCells: fitted.counts.noSwitching,
          stageFitsMissing: fitted.counts.stageFitsMissing,
          spikesRemoved: fitted.counts.spikes,
          regroupedIn: store.where,
          ...(rowRuns ? { rowsPerRun: rowRuns } : {}),
        },
      },
      [
        perStage('analogGains', o.analogGains, 'ADU/step'),
        perStage('analogLineOffsets', o.analogLineOffsets, 'ADU'),
        perStage('analogFitStdDevs', o.analogFitStdDevs, 'ADU'),
        cellFirst('digitalMeans', o.digitalMeans, 3, 'gain', 'ADU'),
        cellFirst('digitalStdDeviations', o.digitalStdDeviations, 3, 'gain', 'ADU'),
        makeConstant('digitalThresholds', o.digitalThresholds, [2, cells, ...frame], ['threshold', 'cell', ...frameDims], 'ADU'),
        cellFirst('digitalSpacingsSafetyFactors', o.digitalSpacingsSafetyFactors, 2, 'threshold', ''),
      ],
    );
  } finally {
    store.close();
  }
}

/** Fits every cell of the store; reading cell c + 1 overlaps the fit of cell c. */
async function fitCells(store: ScanStore, settings: GainScanFitSettings, transposed: boolean, request: GainRequest): Promise<{ outputs: GainScanOutputs; counts: GainScanFitCounts }> {
  const { cells, steps, pixels } = store;
  const rows = request.runs[0].rows, cols = request.runs[0].cols;
  const plane = cells * pixels;
  let pixelOut: Int32Array | undefined;
  if (transposed) {
    pixelOut = new Int32Array(pixels);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pixelOut[r * cols + c] = c * rows + r;
  }
  const outputs: GainScanOutputs = {
    analogGains: sharedFloat32(3 * plane),
    analogLineOffsets: sharedFloat32(3 * plane),
    analogFitStdDevs: sharedFloat32(3 * plane),
    analog: { base: 0, stride: plane },
    digitalMeans: sharedFloat32(3 * plane),
    digitalStdDeviations: sharedFloat32(3 * plane),
    digital: { base: 0, stride: plane },
    digitalThresholds: sharedFloat32(2 * plane),
    thresholds: { base: 0, stride: plane },
    digitalSpacingsSafetyFactors: sharedFloat32(2 * plane),
    safety: { base: 0, stride: plane },
    pixelOut,
  };
  const threads = Math.max(1, request.threads ?? 1);
  const pool = new GainScanPool(threads, pixels, steps, settings, outputs);
  const buffers = [sharedScanBuffer(steps * 2 * pixels), sharedScanBuffer(steps * 2 * pixels)];
  const counts: GainScanFitCounts = { noSwitching: 0, stageFitsMissing: 0, spikes: 0 };
  const add = (c: GainScanFitCounts): void => {
    counts.noSwitching += c.noSwitching;
    counts.stageFitsMissing += c.stageFitsMissing;
    counts.spikes += c.spikes;
  };
  try {
    let pending: Promise<GainScanFitCounts> | undefined;
    for (let c = 0; c < cells; c++) {
      const data = buffers[c % 2];
      store.readCell(c, data);
      if (pending) {
        add(await pending);
        request.progress?.(pixels, 0, 'fit');
      }
      pending = pool.fitCell(
        { data, nSteps: steps, frameStride: 2 * pixels, analogOffset: 0, digitalOffset: pixels },
        {
          analog: { base: c * pixels, stride: plane },
          digital: transposed ? { base: c * 3 * pixels, stride: pixels } : { base: c * pixels, stride: plane },
          thresholds: { base: c * pixels, stride: plane },
          safety: transposed ? { base: c * 2 * pixels, stride: pixels } : { base: c * pixels, stride: plane },
        },
      );
    }
    if (pending) {
      add(await pending);
      request.progress?.(pixels, 0, 'fit');
    }
  } finally {
    await pool.close();
  }
  return { outputs, counts };
}

/** The current-source / pulse-capacitor gain step of the AGIPD plugin. */
export const agipdCurrentSourceStep: GainStep = {
  description: 'current-source (or pulse-capacitor) scan: per cell and pixel, spike filter, k-means of the digital values into 3 stages, trimmed line per stage, thresholds and safety factors (AGIPD seed fit3DynamicScanSlopes)',
  inputs: [],
  parameters: AGIPD_CS_PARAMETERS,
  run: agipdCurrentSource,
};
