/**
 * Runs a streamed step (GainStep.runToSink, DetectorSteps.darkToSink) into a constants file: the step
 * writes through a ConstantsFileWriter (`<out>.tmp` until complete, removed when anything fails), and the
 * set is handed on read lazily from the file, constants in the step's order.
 *
 * With layout 'euxfel' the step streams into a hidden detcal-layout scratch file next to `out`
 * (`.<name>.detcal.tmp`), which is then transposed into `out` slab by slab (transposeToEuxfelFile,
 * bounded memory) and removed, whether that succeeds or not.
 */
import path from 'node:path';
import { makeConstantSet, type ConstantLayout, type ConstantMetadata, type ConstantSet, type ConstantSink } from '@detcal/core';
import { ConstantsFileWriter, readConstantsFileLazily, removeQuietly, transposeToEuxfelFile, type ConstantsLayout, type WrittenFile } from '@detcal/hdf5';

/** What a streamed step left: the file, its constants (read on access) and the time spent writing. */
export interface StreamedConstants {
  /** The constants file written. */
  written: WrittenFile;
  /** The set, each constant read from the file when its data is read. */
  set: ConstantSet;
  /** Layouts of the constants, in the order the step produced them. */
  layouts: ConstantLayout[];
  /** Seconds spent in the writer's calls on this thread (begin, write, read back, finish) and transposing to the euxfel layout. */
  writeSeconds: number;
  /** Seconds spent in `opts.inspect`. */
  inspectSeconds: number;
}

/** Options of streamConstantsToFile. */
export interface StreamConstantsOptions {
  /** Axis order of the file written (default 'detcal'). */
  layout?: ConstantsLayout;
  /** Gets the complete detcal-layout file (the output, or the scratch file before it is transposed), e.g. to summarize it slab by slab. */
  inspect?: (detcalFile: string, layouts: readonly ConstantLayout[]) => Promise<void>;
}

/** The hidden detcal-layout scratch file of an euxfel-layout output. */
export function detcalScratchPath(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.detcal.tmp`);
}

/**
 * @param out - the constants file to write
 * @param produce - runs the step into the sink and returns the set's metadata
 * @param opts - layout of the file, and what to do with the detcal-layout file once complete
 * @returns the written file, the lazily read set and the write time
 */
export async function streamConstantsToFile(out: string, produce: (sink: ConstantSink) => Promise<ConstantMetadata>, opts: StreamConstantsOptions = {}): Promise<StreamedConstants> {
  const euxfel = opts.layout === 'euxfel';
  const detcalFile = euxfel ? detcalScratchPath(out) : out;
  const writer = new ConstantsFileWriter(detcalFile);
  let writeSeconds = 0;
  let inspectSeconds = 0;
  const timed = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const t = performance.now();
    try {
      return await fn(...args);
    } finally {
      writeSeconds += (performance.now() - t) / 1000;
    }
  };
  const sink: ConstantSink = {
    begin: timed((l) => writer.begin(l)),
    write: timed((c0, c1, part, at) => writer.write(c0, c1, part, at)),
    read: timed((name, c0, c1, at) => writer.read(name, c0, c1, at)),
  };
  let written: WrittenFile;
  try {
    const metadata = await produce(sink);
    written = await timed((m: ConstantMetadata) => writer.finish(m))(metadata);
  } catch (err) {
    writer.abort();
    throw err;
  }
  const layouts = writer.layouts;
  try {
    if (opts.inspect) {
      const t = performance.now();
      await opts.inspect(detcalFile, layouts);
      inspectSeconds = (performance.now() - t) / 1000;
    }
    if (euxfel) written = await timed(() => transposeToEuxfelFile(detcalFile, out))();
  } catch (err) {
    // a failed run leaves no output (transposeToEuxfelFile removes its own temp file)
    if (!euxfel) removeQuietly([out]);
    throw err;
  } finally {
    if (euxfel) removeQuietly([detcalFile]);
  }
  const lazy = await readConstantsFileLazily(written.file);
  return { written, set: makeConstantSet(lazy.metadata, layouts.map((l) => lazy.constants[l.name])), layouts, writeSeconds, inspectSeconds };
}
