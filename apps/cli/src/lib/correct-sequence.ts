/**
 * Corrects one raw sequence file into one CORR file: streams the module's frames block by block
 * through the plugin's Corrector and writes each block at once (bounded memory: one block of raw
 * values and one of outputs). The CORR file appears only when complete.
 */
import { DetcalError, type ConstantArray, type CorrectedDataset, type DetectorPlugin, type NumericArray, type ParameterValue } from '@detcal/core';
import { CorrectedFileWriter, allocateOutputs, openFrameSource } from '@detcal/hdf5';
import { createCpuBackend, createGpuBackend, type ComputeBackend } from '@detcal/kernels';
import { blockFramesFor } from './open-runs.js';

/** One file to correct. */
export interface SequenceJob {
  /** Raw sequence file. */
  input: string;
  /** CORR file to write. */
  output: string;
  /** Module index. */
  module: number;
  /** Resolved constants by name. */
  constants: Record<string, ConstantArray>;
  /** Parameter overrides. */
  parameters: Record<string, ParameterValue>;
  /** Backend family to run the correction kernel on. */
  backend: 'cpu' | 'gpu';
  /** Attributes written on the corrected group. */
  attributes: Record<string, string | number>;
  /** Frames per block (default: about 8 MB of raw values). */
  blockFrames?: number;
}

/** What correcting one file did. */
export interface SequenceResult {
  input: string;
  output: string;
  frames: number;
  rawBytes: number;
  bytesWritten: number;
  seconds: number;
  unit: string;
  summary: Record<string, number>;
}

/** The output buffers of the last file this thread corrected. */
let keptOutputs: { key: string; out: Record<string, NumericArray> } | undefined;

/** Zeroed buffers for one block of outputs, taken over from the previous file when they fit (fresh pages cost more than a fill). */
function outputBuffers(outputs: readonly CorrectedDataset[], values: number): Record<string, NumericArray> {
  const key = `${outputs.map((o) => `${o.name}:${o.dtype}`).join(',')}x${values}`;
  if (keptOutputs?.key === key) {
    for (const a of Object.values(keptOutputs.out)) (a as Float32Array).fill(0);
    return keptOutputs.out;
  }
  keptOutputs = { key, out: allocateOutputs(outputs, values) };
  return keptOutputs.out;
}

/** Set when the run was stopped (another file failed). */
const STOPPED = 'correction stopped: another sequence file failed';

/** Lets queued events (worker messages, progress) run between blocks: a block takes tens of ms. */
const yieldToEvents = () => new Promise<void>((resolveYield) => setImmediate(resolveYield));

/**
 * Corrects one sequence file; onBlock is called with the frames and raw bytes of each block, and
 * when shouldStop() turns true between blocks the file is abandoned (its .tmp removed, an error thrown).
 */
export async function correctSequence(plugin: DetectorPlugin, job: SequenceJob, onBlock?: (frames: number, bytes: number) => void, shouldStop?: () => boolean): Promise<SequenceResult> {
  const t0 = performance.now();
  if (!plugin.steps.correct) throw new DetcalError('BAD_INPUT', `detector ${plugin.id} has no correct step`);
  // Blocks are corrected and written before the next is read: they can share their buffers.
  let source = await openFrameSource({ files: [job.input], layout: plugin.layout, module: job.module, blockFrames: job.blockFrames ?? 32 });
  if (job.blockFrames === undefined) {
    const sized = blockFramesFor(source.rows * source.cols * 2 * (source.hasGain ? 2 : 1), 64);
    if (sized !== source.blockFrames) source = source.withBlockFrames(sized);
  }
  const backend: ComputeBackend = job.backend === 'gpu' ? createGpuBackend() : createCpuBackend();
  try {
    const corrector = plugin.steps.correct({ module: job.module, constants: job.constants, parameters: job.parameters, rows: source.rows, cols: source.cols, backend });
    const writer = await CorrectedFileWriter.create({
      file: job.output,
      layout: plugin.layout,
      module: job.module,
      nFrames: source.nFrames,
      rows: source.rows,
      cols: source.cols,
      outputs: corrector.outputs,
      attributes: { ...job.attributes, rawFile: job.input },
    });
    let rawBytes = 0;
    try {
      const out = outputBuffers(corrector.outputs, source.blockFrames * source.rows * source.cols);
      let at = 0;
      // each block is corrected and written before the next is read: one set of block buffers, reused
      for await (const block of source.blocks({ keep: 1 })) {
        corrector.correctBlock(block, out);
        writer.write(block, out, at);
        at += block.nFrames;
        const bytes = block.data.byteLength + (block.gain?.byteLength ?? 0);
        rawBytes += bytes;
        onBlock?.(block.nFrames, bytes);
        if (shouldStop) {
          await yieldToEvents();
          if (shouldStop()) throw new DetcalError('INTERNAL', STOPPED);
        }
      }
    } catch (err) {
      writer.abort();
      throw err;
    }
    const written = writer.finish();
    return {
      input: job.input,
      output: written.file,
      frames: source.nFrames,
      rawBytes,
      bytesWritten: written.bytes,
      seconds: (performance.now() - t0) / 1000,
      unit: corrector.outputs[0]?.unit ?? '',
      summary: corrector.summary(),
    };
  } finally {
    backend.dispose();
  }
}
