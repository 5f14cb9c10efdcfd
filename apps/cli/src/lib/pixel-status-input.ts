/**
 * Inputs of `detcal pixel-status`: the frames of one detector segment (a run folder, a raw file, or
 * any HDF5 file with --dataset) as a FrameStream, and pedestals for feature 11 from a detcal
 * constants file (Offset or pedestals) or an LCLS text file.
 */
import { readFileSync } from 'node:fs';
import { DetcalError, type DetectorPlugin, type FrameStream } from '@detcal/core';
import { discoverRun, isHdf5File, openFrameSource, readConstantsFile, type FrameSource } from '@detcal/hdf5';
import { parseTextArray, type PedestalSource } from '@detcal/pixel-status';

/** Target bytes of raw values per block read. */
const BLOCK_BYTES = 8 * 1024 * 1024;

/** An opened run: the stream and what it was opened from. */
export interface PixelStatusInput {
  /** Frames of the segment. */
  stream: FrameStream;
  /** The frame source behind the stream. */
  source: FrameSource;
  /** Files read. */
  files: string[];
  /** Run number from the file names, if any. */
  run?: number;
}

/**
 * Opens the frames of segment `segind` of a run.
 * @param plugin - detector plugin (its raw layout finds the frames unless `dataset` is given)
 * @param input - run folder, raw file, or HDF5 file
 * @param segind - module / segment index
 * @param dataset - dataset path inside an HDF5 file, instead of the layout
 */
export async function openPixelStatusInput(plugin: DetectorPlugin, input: string, segind: number, dataset?: string): Promise<PixelStatusInput> {
  if (!dataset && segind >= plugin.geometry.modules) {
    throw new DetcalError('BAD_INPUT', `--segind ${segind}: ${plugin.id} has segments (modules) 0..${plugin.geometry.modules - 1}`);
  }
  const run = await discoverRun(input, dataset ? { dataset } : { layout: plugin.layout, module: segind });
  const open = (blockFrames?: number) => openFrameSource({ files: run.files, module: segind, ...(dataset ? { dataset } : { layout: plugin.layout }), ...(blockFrames ? { blockFrames } : {}) });
  let source = await open();
  // Blocks of about 8 MB: large frames (ePix100: 1 MB) in small blocks keep the h5wasm heap small.
  const blockFrames = Math.max(1, Math.min(source.blockFrames, Math.floor(BLOCK_BYTES / (source.rows * source.cols * 2))));
  if (blockFrames !== source.blockFrames) source = await open(blockFrames);
  const stream: FrameStream = {
    label: input,
    ...(run.run !== undefined ? { run: run.run } : {}),
    nFrames: source.nFrames,
    rows: source.rows,
    cols: source.cols,
    ...(source.cellsPerTrain !== undefined ? { cellsPerTrain: source.cellsPerTrain } : {}),
    hasGain: source.hasGain,
    blocks: () => source.blocks(),
  };
  return { stream, source, files: run.files, ...(run.run !== undefined ? { run: run.run } : {}) };
}

const PEDESTAL_NAMES = ['pedestals', 'offset'];

/**
 * Reads pedestals for feature 11.
 * @param file - a detcal constants file holding Offset or pedestals, or an LCLS text array file
 */
export async function readPedestals(file: string): Promise<PedestalSource> {
  if (isHdf5File(file)) {
    const set = await readConstantsFile(file);
    const names = Object.keys(set.constants);
    const name = names.find((n) => PEDESTAL_NAMES.includes(n.toLowerCase()));
    if (!name) throw new DetcalError('NOT_FOUND', `${file}: no Offset or pedestals constant (it holds ${names.join(', ')}); pass the pedestals of this detector`);
    const c = set.constants[name];
    const values = c.data instanceof BigUint64Array ? Float64Array.from(c.data, Number) : (c.data as ArrayLike<number>);
    return { values, shape: c.shape, dims: c.dims, label: `${file}:${name}` };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DetcalError('NOT_FOUND', `--pedestals ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); pass a detcal constants file or an LCLS text file`);
  }
  const a = parseTextArray(text, file);
  return { values: a.values, shape: a.shape, label: file };
}
