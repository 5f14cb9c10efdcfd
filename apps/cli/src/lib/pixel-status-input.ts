/**
 * Inputs of `detcal pixel-status`: the frames of one detector segment (a run folder, a raw file, or
 * any HDF5 file with --dataset) as a FrameStream, and pedestals for feature 11 from a detcal
 * constants file (Offset or pedestals) or an LCLS text file.
 */
import { readFileSync } from 'node:fs';
import { DetcalError, type DetectorPlugin, type FrameStream } from '@detcal/core';
import { isHdf5File, readConstantsFile } from '@detcal/hdf5';
import { openRun } from './open-runs.js';
import { parseTextArray, type PedestalSource } from '@detcal/pixel-status';

/** An opened run: the stream of one segment and its run number. */
export interface PixelStatusInput {
  /** Frames of the segment. */
  stream: FrameStream;
  /** Files read. */
  files: string[];
  /** Run number from the file names, if any. */
  run?: number;
}

/**
 * Opens the frames of segment `segind` of a run (openRun, after checking the segment exists).
 * @param plugin - detector plugin (its raw layout finds the frames unless `dataset` is given)
 * @param input - run folder, raw file, or HDF5 file
 * @param segind - module / segment index
 * @param dataset - dataset path inside an HDF5 file, instead of the layout
 */
export async function openPixelStatusInput(plugin: DetectorPlugin, input: string, segind: number, dataset?: string): Promise<PixelStatusInput> {
  if (!dataset && segind >= plugin.geometry.modules) {
    throw new DetcalError('BAD_INPUT', `--segind ${segind}: ${plugin.id} has segments (modules) 0..${plugin.geometry.modules - 1}`);
  }
  const stream = await openRun(plugin, input, { module: segind, dataset });
  return { stream, files: stream.files, ...(stream.run !== undefined ? { run: stream.run } : {}) };
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
