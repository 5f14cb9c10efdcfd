/**
 * Regroups the frames of scan runs by memory cell: raw runs come train by train (all cells of one
 * step together), the fit needs all steps of one cell together. One pass over each run writes every
 * frame to [cell][step][analog | digital] records, in memory when the scan fits into the buffer
 * budget, else into a scratch file (memory: one cell at a time); the runs are read into one reused block
 * buffer (fresh buffers per block, on SharedArrayBuffers, are not freed before a garbage collection that
 * their size does not trigger: a full module's run of 1.8 GB would sit in memory). Pulse-capacitor runs inject
 * different rows: each row takes its values from the run that injected it ('auto': the run in which
 * most of the row's pixel-cells switch gain, found in a first pass; 'modulo': row % runs === run).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetcalError, type FrameStream } from '@detcal/core';

/** How the runs are read and kept. */
export interface ScanStoreOptions {
  /** Most bytes of scan values kept in memory; larger scans go to a scratch file. */
  bufferBytes: number;
  /** Folder for the scratch file (default: the OS temp folder). */
  scratchDir?: string;
  /** Row assignment of several runs: 'auto' (from the data) or 'modulo' (row % runs === run index). */
  injectedRows: 'auto' | 'modulo';
  /** Digital range (ADU) above which a pixel-cell counts as switching ('auto' row assignment). */
  minDigitalSpacing: number;
  /** Called after each block with frames and bytes read and a phase label. */
  progress?(frames: number, bytes: number, phase: string): void;
}

/** The scan values of every cell, merged over the runs. */
export interface ScanStore {
  /** Memory cells. */
  cells: number;
  /** Scan steps per cell. */
  steps: number;
  /** Pixels per frame. */
  pixels: number;
  /** Where the values live. */
  where: 'memory' | 'scratch-file';
  /** Run index each row takes its values from. */
  rowRun: Int32Array;
  /** Raw bytes read from the runs. */
  bytesRead: number;
  /** Copies cell c's records ([step][analog | digital], steps * 2 * pixels values) into `into`. */
  readCell(c: number, into: Uint16Array): void;
  /** Frees the memory or removes the scratch file. */
  close(): void;
}

/** Cells and steps of a run, checked against the other runs. */
function shapeOf(runs: readonly FrameStream[]): { cells: number; steps: number; rows: number; cols: number } {
  const first = runs[0];
  const cells = first.cellsPerTrain ?? 1;
  for (const r of runs) {
    if (!r.hasGain) throw new DetcalError('BAD_INPUT', `${r.label}: no digital (gain) values; a current-source / pulse-capacitor scan needs AGIPD raw frames with analog and digital values`);
    if (r.rows !== first.rows || r.cols !== first.cols) throw new DetcalError('SHAPE_MISMATCH', `${r.label}: frames of ${r.rows}x${r.cols} but ${first.label} has ${first.rows}x${first.cols}; pass runs of one module`);
    const c = r.cellsPerTrain ?? 1;
    if (c !== cells) throw new DetcalError('SHAPE_MISMATCH', `${r.label}: ${c} memory cells per train but ${first.label} has ${cells}; merged runs must be taken with the same memory cells`);
    if (r.nFrames !== first.nFrames) throw new DetcalError('SHAPE_MISMATCH', `${r.label}: ${r.nFrames / cells} scan steps but ${first.label} has ${first.nFrames / cells}; merged runs must scan the same steps`);
  }
  const steps = Math.floor(first.nFrames / cells);
  if (steps < 20) throw new DetcalError('BAD_INPUT', `${first.label}: ${steps} scan steps (trains) per cell; a scan needs at least 20 (one train per step)`);
  return { cells, steps, rows: first.rows, cols: first.cols };
}

/** Reads the runs once (twice for 'auto' with several runs) and returns the cell-ordered store. */
export async function collectScan(runs: readonly FrameStream[], opts: ScanStoreOptions): Promise<ScanStore> {
  if (runs.length === 0) throw new DetcalError('BAD_INPUT', 'no scan runs given: pass the current-source run (or the pulse-capacitor runs)');
  const { cells, steps, rows, cols } = shapeOf(runs);
  const pixels = rows * cols;
  const record = 2 * pixels;
  const rowRun = new Int32Array(rows);
  let bytesRead = 0;
  if (runs.length > 1) {
    if (opts.injectedRows === 'modulo') {
      for (let r = 0; r < rows; r++) rowRun[r] = r % runs.length;
    } else {
      bytesRead += await assignRowsFromData(runs, cells, rows, cols, opts, rowRun);
    }
  }
  const totalValues = cells * steps * record;
  const inMemory = totalValues * 2 <= opts.bufferBytes;
  let memory: Uint16Array | undefined;
  let fd = -1;
  let scratch = '';
  if (inMemory) memory = new Uint16Array(totalValues);
  else {
    scratch = mkdtempSync(join(opts.scratchDir || tmpdir(), 'detcal-scan-'));
    fd = openSync(join(scratch, 'cells.u16'), 'w+');
  }
  const frame = new Uint16Array(record);
  try {
    for (let ri = 0; ri < runs.length; ri++) {
      const run = runs[ri];
      const seen = new Int32Array(cells);
      // row segments [start, end) this run provides
      const segments: Array<[number, number]> = [];
      for (let r = 0; r < rows; r++) {
        if (rowRun[r] !== ri) continue;
        const last = segments[segments.length - 1];
        if (last && last[1] === r) last[1] = r + 1;
        else segments.push([r, r + 1]);
      }
      const whole = segments.length === 1 && segments[0][0] === 0 && segments[0][1] === rows;
      // each block is copied before the next: one reused block buffer keeps the reading memory at one block
      for await (const block of run.blocks({ keep: 1 })) {
        const gain = block.gain as Uint16Array;
        for (let f = 0; f < block.nFrames; f++) {
          const c = block.cellIds[f];
          if (c >= cells) throw new DetcalError('BAD_INPUT', `${run.label}: frame ${block.firstFrame + f} has memory cell ${c}, but the run has ${cells} cells per train`);
          const step = seen[c]++;
          if (step >= steps) continue;
          const base = (c * steps + step) * record;
          const a = block.data.subarray(f * pixels, (f + 1) * pixels);
          const d = gain.subarray(f * pixels, (f + 1) * pixels);
          if (memory) {
            for (const [r0, r1] of segments) {
              memory.set(a.subarray(r0 * cols, r1 * cols), base + r0 * cols);
              memory.set(d.subarray(r0 * cols, r1 * cols), base + pixels + r0 * cols);
            }
          } else if (whole) {
            frame.set(a, 0);
            frame.set(d, pixels);
            writeSync(fd, frame, 0, record * 2, base * 2);
          } else {
            for (const [r0, r1] of segments) {
              frame.set(a.subarray(r0 * cols, r1 * cols), 0);
              writeSync(fd, frame, 0, (r1 - r0) * cols * 2, (base + r0 * cols) * 2);
              frame.set(d.subarray(r0 * cols, r1 * cols), 0);
              writeSync(fd, frame, 0, (r1 - r0) * cols * 2, (base + pixels + r0 * cols) * 2);
            }
          }
        }
        const bytes = block.nFrames * pixels * 4;
        bytesRead += bytes;
        opts.progress?.(block.nFrames, bytes, runs.length > 1 ? `read ${ri + 1}/${runs.length}` : 'read');
      }
      for (let c = 0; c < cells; c++) {
        if (seen[c] < steps) throw new DetcalError('BAD_INPUT', `${run.label}: memory cell ${c} has ${seen[c]} frames, expected ${steps} (one per scan step); the run has incomplete trains`);
      }
    }
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const cellValues = steps * record;
  return {
    cells,
    steps,
    pixels,
    where: memory ? 'memory' : 'scratch-file',
    rowRun,
    bytesRead,
    readCell(c: number, into: Uint16Array) {
      if (memory) into.set(memory.subarray(c * cellValues, (c + 1) * cellValues));
      else readSync(fd, into, 0, cellValues * 2, c * cellValues * 2);
    },
    close() {
      memory = undefined;
      if (fd >= 0) closeSync(fd);
      fd = -1;
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** First pass of 'auto': per run and row, the pixel-cells whose digital range reaches minDigitalSpacing; each row goes to the run with most. */
async function assignRowsFromData(runs: readonly FrameStream[], cells: number, rows: number, cols: number, opts: ScanStoreOptions, rowRun: Int32Array): Promise<number> {
  const pixels = rows * cols;
  const lo = new Uint16Array(cells * pixels);
  const hi = new Uint16Array(cells * pixels);
  const best = new Float64Array(rows).fill(-1);
  let bytes = 0;
  for (let ri = 0; ri < runs.length; ri++) {
    lo.fill(65535);
    hi.fill(0);
    for await (const block of runs[ri].blocks({ keep: 1 })) {
      const gain = block.gain as Uint16Array;
      for (let f = 0; f < block.nFrames; f++) {
        const base = block.cellIds[f] * pixels;
        if (block.cellIds[f] >= cells) continue;
        const o = f * pixels;
        for (let p = 0; p < pixels; p++) {
          const v = gain[o + p];
          if (v < lo[base + p]) lo[base + p] = v;
          if (v > hi[base + p]) hi[base + p] = v;
        }
      }
      bytes += block.nFrames * pixels * 4;
      opts.progress?.(block.nFrames, block.nFrames * pixels * 4, `rows ${ri + 1}/${runs.length}`);
    }
    for (let r = 0; r < rows; r++) {
      let switching = 0;
      for (let c = 0; c < cells; c++) {
        const base = c * pixels + r * cols;
        for (let x = 0; x < cols; x++) if (hi[base + x] - lo[base + x] >= opts.minDigitalSpacing) switching++;
      }
      if (switching > best[r]) {
        best[r] = switching;
        rowRun[r] = ri;
      }
    }
  }
  return bytes;
}
