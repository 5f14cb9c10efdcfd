/**
 * Runs a streamed step (GainStep.runToSink, DetectorSteps.darkToSink) into a constants file: the step
 * writes through a ConstantsFileWriter (`<out>.tmp` until complete, removed when anything fails), and the
 * set is handed on read lazily from the file, constants in the step's order.
 */
import { makeConstantSet, type ConstantLayout, type ConstantMetadata, type ConstantSet, type ConstantSink } from '@detcal/core';
import { ConstantsFileWriter, readConstantsFileLazily, type WrittenFile } from '@detcal/hdf5';

/** What a streamed step left: the file, its constants (read on access) and the time spent writing. */
export interface StreamedConstants {
  /** The constants file written. */
  written: WrittenFile;
  /** The set, each constant read from the file when its data is read. */
  set: ConstantSet;
  /** Layouts of the constants, in the order the step produced them. */
  layouts: ConstantLayout[];
  /** Seconds spent in the writer's calls on this thread (begin, write, read back, finish). */
  writeSeconds: number;
}

/**
 * @param out - the constants file to write
 * @param produce - runs the step into the sink and returns the set's metadata
 * @returns the written file, the lazily read set and the write time
 */
export async function streamConstantsToFile(out: string, produce: (sink: ConstantSink) => Promise<ConstantMetadata>): Promise<StreamedConstants> {
  const writer = new ConstantsFileWriter(out);
  let writeSeconds = 0;
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
  const lazy = await readConstantsFileLazily(written.file);
  return { written, set: makeConstantSet(lazy.metadata, layouts.map((l) => lazy.constants[l.name])), layouts, writeSeconds };
}
