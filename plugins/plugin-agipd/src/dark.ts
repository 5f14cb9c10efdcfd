/**
 * `detcal dark agipd`: three dark runs (high, medium, low gain) -> Offset, Noise per gain, cell and
 * pixel; ThresholdsDark (HG/MG and MG/LG: mean of adjacent stages' digital means) with the
 * digital means and stds; BadPixelsDark with the EuXFEL bits, GAIN_THRESHOLDING_ERROR where the
 * digital levels of adjacent stages are not separated by thresholds_gain_sigma summed stds.
 */
import { BadPixel, darkMetadata, makeConstant, makeConstantSet, numberParam, resolveParameters, type ConstantArray, type ConstantLayout, type ConstantMetadata, type ConstantSet, type ConstantSink, type DarkRequest } from '@detcal/core';
import { characterizeGainStages, characterizeGainStagesInGroups, type GainStageDarkSpec } from '@detcal/kernels';
import { AGIPD_DARK_PARAMETERS, agipdStageLimits } from './dark-parameters.js';
import { agipdGeometry } from './geometry.js';

/**
 * One gain-stage pair's thresholds over values [0, n) of its arrays: threshold = mean of the two
 * stages' digital means; GAIN_THRESHOLDING_ERROR on both stages where the digital levels are not
 * separated by gainSigma summed stds (NaN separations fail the comparison too, so they are flagged).
 * @returns pixels newly flagged (neither stage had the bit before)
 */
function thresholdPair(
  lo: Float32Array, hi: Float32Array, slo: Float32Array, shi: Float32Array, gainSigma: number,
  flagsLo: Uint32Array, flagsHi: Uint32Array, thresholds: Float32Array,
): number {
  let flagged = 0;
  for (let i = 0; i < thresholds.length; i++) {
    thresholds[i] = (lo[i] + hi[i]) / 2;
    const separation = hi[i] - lo[i];
    if (!(separation > gainSigma * (slo[i] + shi[i]))) {
      if ((flagsLo[i] & BadPixel.GAIN_THRESHOLDING_ERROR) === 0 && (flagsHi[i] & BadPixel.GAIN_THRESHOLDING_ERROR) === 0) flagged++;
      flagsLo[i] |= BadPixel.GAIN_THRESHOLDING_ERROR;
      flagsHi[i] |= BadPixel.GAIN_THRESHOLDING_ERROR;
    }
  }
  return flagged;
}

/**
 * The HG/MG (upper 1) or MG/LG (upper 2) thresholds into `thresholds` ([2][cell][pixel]) and
 * GAIN_THRESHOLDING_ERROR flags of the two stages.
 * @param upper - the later stage of the pair
 * @param digitalMean - digital mean per stage (cell-major)
 * @param digitalStd - digital std per stage
 * @param gainSigma - thresholds_gain_sigma
 * @param badPixels - stacked flags [stage][cell][pixel]
 * @param thresholds - stacked thresholds [pair][cell][pixel]
 * @returns pixels newly flagged (neither stage had the bit)
 */
function stagePairThresholds(upper: number, digitalMean: readonly Float32Array[], digitalStd: readonly Float32Array[], gainSigma: number, badPixels: Uint32Array, thresholds: Float32Array): number {
  const n = digitalMean[0].length, t = upper - 1;
  return thresholdPair(
    digitalMean[t], digitalMean[upper], digitalStd[t], digitalStd[upper], gainSigma,
    badPixels.subarray(t * n, upper * n), badPixels.subarray(upper * n, (upper + 1) * n), thresholds.subarray(t * n, upper * n),
  );
}

/** Thresholds [2][cell][pixel] and GAIN_THRESHOLDING_ERROR flags from the digital statistics of the three stages. */
export function agipdThresholds(
  digitalMean: readonly Float32Array[],
  digitalStd: readonly Float32Array[],
  gainSigma: number,
  badPixels: Uint32Array,
): { thresholds: Float32Array; flagged: number } {
  const thresholds = new Float32Array(2 * digitalMean[0].length);
  let flagged = 0;
  for (let upper = 1; upper <= 2; upper++) flagged += stagePairThresholds(upper, digitalMean, digitalStd, gainSigma, badPixels, thresholds);
  return { thresholds, flagged };
}

/** How AGIPD's three gain-stage runs are characterized. */
function agipdStageSpec(p: ReturnType<typeof resolveParameters>): GainStageDarkSpec {
  const g = agipdGeometry;
  return { detector: 'AGIPD', stageNames: g.gainStageNames, rows: g.moduleRows, cols: g.moduleCols, digital: true, limits: (s) => agipdStageLimits(p, s) };
}

/** Layouts of the AGIPD dark constants, in the order agipdDark returns them. */
function agipdDarkLayouts(nCells: number): ConstantLayout[] {
  const g = agipdGeometry;
  const dims = ['gain', 'cell', 'row', 'col'];
  const shape = [3, nCells, g.moduleRows, g.moduleCols];
  return [
    { name: 'Offset', dtype: 'f4', shape, dims, unit: 'ADU' },
    { name: 'Noise', dtype: 'f4', shape, dims, unit: 'ADU' },
    { name: 'ThresholdsDark', dtype: 'f4', shape: [2, nCells, g.moduleRows, g.moduleCols], dims: ['threshold', 'cell', 'row', 'col'], unit: 'ADU' },
    { name: 'DigitalMean', dtype: 'f4', shape, dims, unit: 'ADU' },
    { name: 'DigitalStd', dtype: 'f4', shape, dims, unit: 'ADU' },
    { name: 'BadPixelsDark', dtype: 'u4', shape, dims, unit: '' },
  ];
}

/** Runs the AGIPD dark characterization. */
export async function agipdDark(request: DarkRequest): Promise<ConstantSet> {
  const p = resolveParameters(AGIPD_DARK_PARAMETERS, request.parameters);
  const gainSigma = numberParam(p, 'thresholds_gain_sigma');
  // each pair of stages as soon as both are finished: HG/MG while the workers still finish the low stage
  let th = { thresholds: new Float32Array(0), flagged: 0 };
  const r = await characterizeGainStages(request, {
    ...agipdStageSpec(p),
    onStagePair(upper, stages, badPixels) {
      const mean = stages.map((st) => st.digitalMean as Float32Array), std = stages.map((st) => st.digitalStd as Float32Array);
      if (th.thresholds.length !== 2 * mean[0].length) th = { thresholds: new Float32Array(2 * mean[0].length), flagged: 0 };
      th.flagged += stagePairThresholds(upper, mean, std, gainSigma, badPixels, th.thresholds);
    },
  });
  const data: Record<string, ConstantArray['data']> = { Offset: r.offsetAdu, Noise: r.noiseAdu, ThresholdsDark: th.thresholds, DigitalMean: r.digitalMeanAdu as Float32Array, DigitalStd: r.digitalStdAdu as Float32Array, BadPixelsDark: r.badPixels };
  return makeConstantSet(
    darkMetadata(request, 'agipd', { ...p, gainThresholdingErrors: th.flagged, gainSignatures: r.gainSignatures }, { memoryCells: r.nCells }),
    agipdDarkLayouts(r.nCells).map((l) => makeConstant(l.name, data[l.name], l.shape, l.dims, l.unit)),
  );
}

/** Memory cells per group of agipdDarkToSink: 16 cells are 4 MB per statistic. */
const CELLS_PER_GROUP = 16;

/**
 * agipdDark with bounded memory: each stage's constants go to `sink` in cell groups as the stage is
 * finalized (ConstantSink.write with { gain: stage } / { threshold: t }); the same values as agipdDark.
 * The thresholds between two stages need the earlier stage's digital mean and std and update its flags:
 * with a sink that reads back (a constants file) they are read per group, else the earlier stage's are
 * kept in memory (12 bytes per cell and pixel). Besides that, memory holds the accumulator and two groups.
 * @param request - the dark request (three runs: high, medium, low gain)
 * @param sink - receives the constants (begin: the layouts of agipdDark's constants)
 * @returns the metadata of the set
 */
export async function agipdDarkToSink(request: DarkRequest, sink: ConstantSink): Promise<ConstantMetadata> {
  const p = resolveParameters(AGIPD_DARK_PARAMETERS, request.parameters);
  const gainSigma = numberParam(p, 'thresholds_gain_sigma');
  const g = agipdGeometry;
  const nPixels = g.moduleRows * g.moduleCols;
  const last = g.gainStageNames.length - 1;
  let carry: { mean: Float32Array; std: Float32Array; flags: Uint32Array } | undefined;
  let thresholds = new Float32Array(0);
  let flaggedTotal = 0;
  let layouts: ConstantLayout[] = [];
  const part = (name: string, data: ConstantArray['data'], n: number): Record<string, ConstantArray> => {
    const l = layouts.find((x) => x.name === name) as ConstantLayout;
    return { [name]: { ...l, shape: [1, n, g.moduleRows, g.moduleCols], data } };
  };
  /** The earlier stage's digital mean, std and flags of cells [c0, c1). */
  const earlier = async (stage: number, c0: number, c1: number): Promise<{ mean: Float32Array; std: Float32Array; flags: Uint32Array }> => {
    if (carry) return { mean: carry.mean.subarray(c0 * nPixels, c1 * nPixels), std: carry.std.subarray(c0 * nPixels, c1 * nPixels), flags: carry.flags.subarray(c0 * nPixels, c1 * nPixels) };
    const read = sink.read as NonNullable<ConstantSink['read']>;
    const at = { gain: stage };
    return { mean: (await read('DigitalMean', c0, c1, at)) as Float32Array, std: (await read('DigitalStd', c0, c1, at)) as Float32Array, flags: (await read('BadPixelsDark', c0, c1, at)) as Uint32Array };
  };
  const r = await characterizeGainStagesInGroups(request, agipdStageSpec(p), {
    cellsPerGroup: CELLS_PER_GROUP,
    async begin(nCells) {
      layouts = agipdDarkLayouts(nCells);
      await sink.begin(layouts);
      const n = nCells * nPixels;
      if (!sink.read) carry = { mean: new Float32Array(n), std: new Float32Array(n), flags: new Uint32Array(n) };
      thresholds = new Float32Array(CELLS_PER_GROUP * nPixels);
    },
    async onGroup(stage, c0, c1, grp) {
      const n = c1 - c0;
      const mean = grp.digitalMeanAdu as Float32Array, std = grp.digitalStdAdu as Float32Array;
      if (stage > 0) {
        // thresholds between the earlier stage and this one; the earlier stage's flags are then final
        const e = await earlier(stage - 1, c0, c1);
        const th = thresholds.subarray(0, n * nPixels);
        flaggedTotal += thresholdPair(e.mean, mean, e.std, std, gainSigma, e.flags, grp.badPixels, th);
        await sink.write(c0, c1, part('ThresholdsDark', th, n), { threshold: stage - 1 });
        await sink.write(c0, c1, part('BadPixelsDark', e.flags, n), { gain: stage - 1 });
      }
      await sink.write(c0, c1, { ...part('Offset', grp.offsetAdu, n), ...part('Noise', grp.noiseAdu, n), ...part('DigitalMean', mean, n), ...part('DigitalStd', std, n) }, { gain: stage });
      if (carry && stage < last) {
        carry.mean.set(mean, c0 * nPixels);
        carry.std.set(std, c0 * nPixels);
        carry.flags.set(grp.badPixels, c0 * nPixels);
      } else {
        // final for the last stage; otherwise read back and rewritten with the next stage's thresholds
        await sink.write(c0, c1, part('BadPixelsDark', grp.badPixels, n), { gain: stage });
      }
    },
  });
  return darkMetadata(request, 'agipd', { ...p, gainThresholdingErrors: flaggedTotal, gainSignatures: r.gainSignatures }, { memoryCells: r.nCells });
}
