/**
 * `detcal gain current-source agipd`: the AGIPD seed's current-source scan (fit3DynamicScanSlopes)
 * per memory cell and pixel, also for pulse-capacitor runs (rows injected in different runs, merged
 * first). The runs are regrouped by cell (gain-current-source-cells.ts), then each cell's pixels are
 * fitted over worker threads while the next cell is read, in groups of cells whose constants go to a
 * ConstantSink as each group is done (gain-current-source-groups.ts: a full module in bounded memory).
 * Outputs carry the seed's names and shapes:
 * analogGains / analogLineOffsets / analogFitStdDevs (3, cells, 128, 512), digitalMeans /
 * digitalStdDeviations (cells, 3, 128, 512), digitalThresholds (2, cells, 128, 512),
 * digitalSpacingsSafetyFactors (cells, 2, 128, 512), where (128, 512) is the transposed raw frame;
 * with layout=detcal every array is [gain|threshold][cell][row][col] like the dark constants.
 */
import {
  DETCAL_VERSION,
  DetcalError,
  collectingSink,
  makeConstant,
  numberParam,
  resolveParameters,
  type ConstantLayout,
  type ConstantMetadata,
  type ConstantSet,
  type ConstantSink,
  type GainRequest,
  type GainStep,
} from '@detcal/core';
import type { GainScanFitSettings } from '@detcal/kernels';
import { AGIPD_CS_PARAMETERS } from './gain-current-source-parameters.js';
import { collectScan } from './gain-current-source-cells.js';
import { CS_OUTPUTS_PER_PIXEL_CELL, fitCellGroups, type CsGroupArrays } from './gain-current-source-groups.js';

/** Fraction of pixel-cells without gain switching above which the input is rejected (not a scan). */
const MAX_NO_SWITCHING_FRACTION = 0.5;

/** Output bytes of one cell group when cells_per_group=0 (auto): 13 cells of a 512 x 128 module, two groups in memory. */
const AUTO_GROUP_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Layouts of the constants of `cells` cells (the whole set, or one group of it); every value is float32. */
function csLayouts(cells: number, rows: number, cols: number, ref: boolean): Array<ConstantLayout & { name: keyof CsGroupArrays }> {
  const frame = ref ? [cols, rows] : [rows, cols];
  const frameDims = ref ? ['col', 'row'] : ['row', 'col'];
  const make = (name: keyof CsGroupArrays, shape: number[], dims: string[], unit: string) => ({ name, dtype: 'f4' as const, shape, dims, unit });
  const perStage = (name: keyof CsGroupArrays, unit: string) => make(name, [3, cells, ...frame], ['gain', 'cell', ...frameDims], unit);
  const cellFirst = (name: keyof CsGroupArrays, n: number, label: string, unit: string) =>
    ref ? make(name, [cells, n, ...frame], ['cell', label, ...frameDims], unit) : make(name, [n, cells, ...frame], [label, 'cell', ...frameDims], unit);
  return [
    perStage('analogGains', 'ADU/step'),
    perStage('analogLineOffsets', 'ADU'),
    perStage('analogFitStdDevs', 'ADU'),
    cellFirst('digitalMeans', 3, 'gain', 'ADU'),
    cellFirst('digitalStdDeviations', 3, 'gain', 'ADU'),
    make('digitalThresholds', [2, cells, ...frame], ['threshold', 'cell', ...frameDims], 'ADU'),
    cellFirst('digitalSpacingsSafetyFactors', 2, 'threshold', ''),
  ];
}

/**
 * Runs the current-source (or pulse-capacitor) scan fit of one module, delivering the constants to
 * `sink` one group of cells_per_group memory cells at a time; returns the metadata of the whole set.
 */
export async function agipdCurrentSourceToSink(request: GainRequest, sink: ConstantSink): Promise<ConstantMetadata> {
  const p = resolveParameters(AGIPD_CS_PARAMETERS, request.parameters);
  const layout = String(p.layout);
  if (layout !== 'reference' && layout !== 'detcal') throw new DetcalError('BAD_INPUT', `parameter layout=${layout}: use reference or detcal`);
  const injectedRows = String(p.injected_rows);
  if (injectedRows !== 'auto' && injectedRows !== 'modulo') throw new DetcalError('BAD_INPUT', `parameter injected_rows=${injectedRows}: use auto or modulo`);
  const cellsPerGroup = numberParam(p, 'cells_per_group');
  if (!(Number.isInteger(cellsPerGroup) && cellsPerGroup >= 0)) throw new DetcalError('BAD_INPUT', `parameter cells_per_group=${cellsPerGroup}: must be a whole number, 0 (auto) or more`);
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
    const { cells, pixels } = store;
    const rows = request.runs[0].rows, cols = request.runs[0].cols;
    const ref = layout === 'reference';
    const groupCells = Math.min(cells, cellsPerGroup > 0 ? cellsPerGroup : Math.max(1, Math.floor(AUTO_GROUP_OUTPUT_BYTES / (CS_OUTPUTS_PER_PIXEL_CELL * 4 * pixels))));
    let pixelOut: Int32Array | undefined;
    if (ref) {
      pixelOut = new Int32Array(pixels);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pixelOut[r * cols + c] = c * rows + r;
    }
    await sink.begin(csLayouts(cells, rows, cols, ref));
    const counts = await fitCellGroups(store, settings, pixelOut, groupCells, request, async (c0, c1, arrays) => {
      const part = Object.fromEntries(csLayouts(c1 - c0, rows, cols, ref).map((l) => [l.name, makeConstant(l.name, arrays[l.name], l.shape, l.dims, l.unit)]));
      await sink.write(c0, c1, part);
    });
    const total = cells * pixels;
    if (counts.noSwitching > MAX_NO_SWITCHING_FRACTION * total) {
      throw new DetcalError(
        'BAD_INPUT',
        `${request.runs.map((r) => r.label).join(', ')}: ${((100 * counts.noSwitching) / total).toFixed(1)}% of pixel-cells never switch gain (digital means closer than min_digital_spacing=${settings.minDigitalSpacing} ADU); pass a current-source or pulse-capacitor scan, not a dark or fixed-gain run`,
      );
    }
    const rowRuns = request.runs.length > 1 ? request.runs.map((_, ri) => store.rowRun.reduce((n, r) => n + (r === ri ? 1 : 0), 0)) : undefined;
    return {
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
        noSwitchingPixelCells: counts.noSwitching,
        stageFitsMissing: counts.stageFitsMissing,
        spikesRemoved: counts.spikes,
        regroupedIn: store.where,
        cellsPerGroup: groupCells,
        ...(rowRuns ? { rowsPerRun: rowRuns } : {}),
      },
    };
  } finally {
    store.close();
  }
}

/** Runs the current-source (or pulse-capacitor) scan fit of one module and returns the whole set in memory. */
export async function agipdCurrentSource(request: GainRequest): Promise<ConstantSet> {
  const collect = collectingSink();
  const metadata = await agipdCurrentSourceToSink(request, collect.sink);
  return collect.set(metadata);
}

/** The current-source / pulse-capacitor gain step of the AGIPD plugin. */
export const agipdCurrentSourceStep: GainStep = {
  description: 'current-source (or pulse-capacitor) scan: per cell and pixel, spike filter, k-means of the digital values into 3 stages, trimmed line per stage, thresholds and safety factors (AGIPD seed fit3DynamicScanSlopes)',
  inputs: [],
  parameters: AGIPD_CS_PARAMETERS,
  run: agipdCurrentSource,
  runToSink: agipdCurrentSourceToSink,
};
