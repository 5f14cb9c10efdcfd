/**
 * Worker thread of the frame-parallel common-mode noise pass: builds its own
 * CommonModeNoiseContext, corrects and accumulates its frames [f0, f1) of every block the main
 * thread posts (arrays on shared memory; pending blocks: it reads those frames from the run's files first), and on 'finish' posts its accumulators, max, hit pixels and
 * counters back (views of the SIMD kernels' shared WebAssembly memory, read in place by the main thread;
 * plain arrays where the JS kernel ran, transferred). Failures are posted as { type: 'error', code, message }
 * so the main thread can throw the same one-line DetcalError.
 */
import { parentPort } from 'node:worker_threads';
import { DetcalError, pendingFrameReader, type PendingFrameRun } from '@detcal/core';
import { CommonModeNoiseContext, type CommonModeNoiseInit, type CommonModeNoisePartial } from './common-mode-noise-context.js';
import type { BlockData } from './compute-backend.js';

/** Messages from the main thread. */
export type CommonModeNoiseWorkerRequest =
  | { type: 'init'; init: CommonModeNoiseInit }
  | { type: 'block'; id: number; data: BlockData; cellIds: Uint16Array; nFrames: number; f0: number; f1: number; frameBase: number; pending?: readonly PendingFrameRun[] }
  | { type: 'finish' };

/** Messages to the main thread. */
export type CommonModeNoiseWorkerReply =
  | { type: 'done'; id: number }
  | { type: 'result'; partial: CommonModeNoisePartial }
  | { type: 'error'; code: DetcalError['code']; message: string };

let context: CommonModeNoiseContext | undefined;

function reply(msg: CommonModeNoiseWorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(msg, transfer);
}

/** The plain ArrayBuffers of a partial, to hand over without a copy (arrays in the SIMD kernels' shared memory are posted as views of it). */
function buffersOf(p: CommonModeNoisePartial): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [];
  for (const acc of [p.corrected, p.raw]) if (acc) arrays.push(acc.count, acc.rejected, acc.ref, acc.sum, acc.sumSq);
  if (p.maxAdu) arrays.push(p.maxAdu);
  if (p.hitPixel) arrays.push(p.hitPixel);
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (!(a.buffer instanceof SharedArrayBuffer)) out.add(a.buffer);
  return [...out];
}

/** Reads whole frames [f0, f1) of a pending block of nFrames frames into its shared values array. */
function readFrames(runs: readonly PendingFrameRun[], data: BlockData, nFrames: number, f0: number, f1: number): void {
  const frameValues = data.length / nFrames;
  const bpe = data.BYTES_PER_ELEMENT;
  const reader = pendingFrameReader(runs, { data: bpe }, 0, frameValues);
  try {
    for (let f = f0; f < f1; f++) reader.read(f, data, f * frameValues * bpe, undefined, 0);
  } finally {
    reader.close();
  }
}

parentPort?.on('message', (msg: CommonModeNoiseWorkerRequest) => {
  try {
    if (msg.type === 'init') {
      context = new CommonModeNoiseContext(msg.init, undefined, true);
      return;
    }
    if (!context) throw new DetcalError('INTERNAL', `common-mode worker: ${msg.type} before init`);
    if (msg.type === 'block') {
      // a pending block: this worker reads the frames it corrects, [f0, f1)
      if (msg.pending) readFrames(msg.pending, msg.data, msg.nFrames, msg.f0, msg.f1);
      context.addBlock(msg.data, msg.cellIds, msg.nFrames, msg.f0, msg.f1, msg.frameBase);
      reply({ type: 'done', id: msg.id });
      return;
    }
    // arrays in the SIMD kernels' shared memory go as views (the main thread reads them in place)
    const partial = context.partial;
    context = undefined;
    reply({ type: 'result', partial }, buffersOf(partial));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ type: 'error', code: e instanceof DetcalError ? e.code : 'INTERNAL', message: e instanceof DetcalError ? e.message : `common-mode worker: ${e.message}` });
  }
});
