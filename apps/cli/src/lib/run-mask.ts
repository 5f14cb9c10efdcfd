/**
 * `detcal mask`: builds badCellMask (cells, rows, cols) and BadPixelsMask flags from a manual mask,
 * a systematic mask, an ASIC-border template and confidence intervals on constants (given as flags
 * or chosen in the terminal from a printed histogram), in that order; cells already masked are left
 * out of later histograms. Flags: manual and systematic -> EXPERT_CHOICE, ASIC borders ->
 * NON_STANDARD_SIZE (AGIPD's larger edge pixels), intervals -> VALUE_OUT_OF_RANGE (VALUE_IS_NAN for NaN).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { BadPixel, DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, type ConstantArray, type ConstantSet, type DetectorPlugin } from '@detcal/core';
import { readConstantsFile, writeConstantsFile } from '@detcal/hdf5';
import { applyInterval, applyMaskShapes, applyNpyMask, applyPngMask, asicBorderTemplate, formatTextHistogram, mergeMask, parseInterval, parseMaskShapes, unmaskedValues, type MaskExtent } from '@detcal/mask';

/** Asks for an interval after showing a histogram; resolves to the typed line ('' = no interval). */
export type IntervalPrompt = (constant: string, unit: string, histogram: string[]) => Promise<string>;

/** What `detcal mask` was asked to do. */
export interface MaskJob {
  /** Memory cells of the mask. */
  cells: number;
  /** Manual mask files (shapes text, .png or .npy). */
  manual: string[];
  /** Systematic mask files (same formats; typically `cells LIST` lines). */
  systematic: string[];
  /** ASIC border width in pixels (0 = none). */
  asicBorders: number;
  /** Intervals NAME=LO:HI in the order given. */
  intervals: string[];
  /** Constants files the intervals read. */
  constants: string[];
  /** Ask for an interval for every other constant of the files (prompt). */
  interactive?: IntervalPrompt;
  /** Output file. */
  out: string;
  /** Axis order of the output file. */
  layout: 'detcal' | 'euxfel';
  /** Module index. */
  module: number;
  /** Detector / module identifier. */
  detectorId?: string;
}

/** One masking stage and what it added. */
export interface MaskStage {
  stage: string;
  source: string;
  flag: string;
  newlyMasked: number;
  maskedAfter: number;
}

/** What `detcal mask` did. */
export interface MaskReport {
  detector: string;
  module: number;
  cells: number;
  rows: number;
  cols: number;
  stages: MaskStage[];
  masked: number;
  maskedFraction: number;
  out: string;
  bytesWritten: number;
}

/** Constants that are flags or masks themselves are not offered for intervals. */
function isFlagConstant(c: ConstantArray): boolean {
  return /^BadPixels|mask|status/i.test(c.name) && (c.dtype === 'u1' || c.dtype === 'u4' || c.dtype === 'u8');
}

/** Builds the mask and writes it. */
export async function runMask(plugin: DetectorPlugin, job: MaskJob): Promise<{ set: ConstantSet; report: MaskReport }> {
  const g = plugin.geometry;
  if (!Number.isInteger(job.cells) || job.cells < 1 || job.cells > g.maxMemoryCells) {
    throw new DetcalError('BAD_INPUT', `--cells ${job.cells}: ${plugin.id} has 1 to ${g.maxMemoryCells} memory cells`);
  }
  const extent: MaskExtent = { cells: job.cells, rows: g.moduleRows, cols: g.moduleCols };
  const size = extent.cells * extent.rows * extent.cols;
  const mask = new Uint8Array(size), flags = new Uint32Array(size);
  const stages: MaskStage[] = [];
  let masked = 0;
  const record = (stage: string, source: string, flag: string, n: number): void => {
    masked += n;
    stages.push({ stage, source, flag, newlyMasked: n, maskedAfter: masked });
  };

  for (const [stage, files] of [['manual', job.manual], ['systematic', job.systematic]] as const) {
    for (const file of files) {
      const sel = new Uint8Array(size);
      readMaskFile(file, extent, sel);
      record(stage, file, 'EXPERT_CHOICE', mergeMask(sel, BadPixel.EXPERT_CHOICE, mask, flags));
    }
  }
  if (job.asicBorders > 0) {
    const t = new Uint8Array(extent.rows * extent.cols);
    asicBorderTemplate(g, job.asicBorders, t);
    const sel = new Uint8Array(size);
    for (let c = 0; c < extent.cells; c++) sel.set(t, c * t.length);
    record('asic-borders', `${job.asicBorders} px`, 'NON_STANDARD_SIZE', mergeMask(sel, BadPixel.NON_STANDARD_SIZE, mask, flags));
  }

  const constants = new Map<string, { c: ConstantArray; file: string }>();
  for (const file of job.constants) {
    const set = await readConstantsFile(file);
    for (const c of Object.values(set.constants)) {
      const prev = constants.get(c.name);
      if (prev) throw new DetcalError('BAD_INPUT', `constant ${c.name} is in both ${prev.file} and ${file}: pass only one of them`);
      constants.set(c.name, { c, file });
    }
  }
  const intervals: Record<string, string> = {};
  const apply = (key: string, text: string, how: string): void => {
    const m = /^([^[\]=]+)(?:\[(\d+)\])?$/.exec(key);
    if (!m) throw new DetcalError('BAD_INPUT', `--interval ${key}=${text}: write NAME=LO:HI or NAME[PLANE]=LO:HI, e.g. Offset[0]=3000:7000`);
    const name = m[1], plane = m[2] === undefined ? undefined : Number(m[2]);
    const found = constants.get(name);
    if (!found) throw new DetcalError('BAD_INPUT', `--interval ${key}: no constant ${name} in the --constants files (${[...constants.keys()].join(', ') || 'none given'})`);
    const [lo, hi] = parseInterval(text, `--interval ${key}`);
    intervals[key] = text;
    record(`interval ${how}`, `${key} in ${found.file} [${lo}, ${hi}]`, 'VALUE_OUT_OF_RANGE', applyInterval(found.c, extent, lo, hi, mask, flags, plane));
  };
  for (const item of job.intervals) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new DetcalError('BAD_INPUT', `--interval ${item}: write NAME=LO:HI, e.g. --interval Offset=3000:7000`);
    apply(item.slice(0, eq), item.slice(eq + 1), 'flag');
  }
  if (job.interactive) {
    for (const [name, { c }] of constants) {
      if (isFlagConstant(c) || !c.dims.includes('row') || !c.dims.includes('col')) continue;
      // one question per plane (gain stage ...) when the constant has several
      const pa = c.dims.findIndex((d) => d !== 'row' && d !== 'col' && d !== 'cell');
      const planes = pa >= 0 && c.shape[pa] > 1 ? Array.from({ length: c.shape[pa] }, (_, i) => i) : [undefined];
      for (const plane of planes) {
        const key = plane === undefined ? name : `${name}[${plane}]`;
        if (key in intervals || name in intervals) continue;
        const lines = formatTextHistogram(unmaskedValues(c, extent, mask, plane));
        const answer = (await job.interactive(key, c.unit, lines)).trim();
        if (answer) apply(key, answer, 'interactive');
      }
    }
  }

  const shape = [extent.cells, extent.rows, extent.cols], dims = ['cell', 'row', 'col'];
  const set = makeConstantSet(
    {
      detectorType: plugin.id,
      detectorId: job.detectorId ?? `${plugin.id.toUpperCase()}-M${job.module}`,
      module: job.module,
      conditions: { memoryCells: job.cells },
      sourceRuns: [],
      createdAt: new Date().toISOString(),
      toolVersion: DETCAL_VERSION,
      parameters: { step: 'mask', manual: job.manual, systematic: job.systematic, asicBorders: job.asicBorders, constants: job.constants, intervals, stages },
    },
    [makeConstant('badCellMask', mask, shape, dims, ''), makeConstant('BadPixelsMask', flags, shape, dims, '')],
  );
  const written = await writeConstantsFile(job.out, set, { layout: job.layout });
  return {
    set,
    report: { detector: plugin.id, module: job.module, ...extent, stages, masked, maskedFraction: masked / size, out: written.file, bytesWritten: written.bytes },
  };
}

/** Reads a manual / systematic mask file by its extension: .png, .npy, else the shapes text format. */
function readMaskFile(file: string, extent: MaskExtent, sel: Uint8Array): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new DetcalError('NOT_FOUND', `${file}: cannot read the mask file; check the path`);
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.png') applyPngMask(bytes, file, extent, sel);
  else if (ext === '.npy') applyNpyMask(bytes, file, extent, sel);
  else applyMaskShapes(parseMaskShapes(new TextDecoder().decode(bytes), file, extent), extent, sel);
}
