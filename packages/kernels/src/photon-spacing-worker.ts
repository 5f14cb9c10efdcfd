/**
 * Worker thread of the parallel X-ray photon-spacing pass: keeps the ring and histograms of its
 * pixel range, adds every block the main thread posts, and on 'finish' writes its pixels' results
 * into the shared outputs.
 */
import { parentPort } from 'node:worker_threads';
import { PhotonSpacingRange, type PhotonSpacingOutput, type PhotonSpacingSettings } from './photon-spacing.js';

/** First message: the pixel range, the frame size, the settings and the shared outputs. */
export interface PhotonSpacingWorkerInit {
  type: 'init';
  p0: number;
  p1: number;
  nPixels: number;
  settings: PhotonSpacingSettings;
  out: PhotonSpacingOutput;
}

/** Frames to add (a view of a shared slot) or the end of the stream. */
export type PhotonSpacingWorkerMessage =
  | PhotonSpacingWorkerInit
  | { type: 'block'; id: number; data: Uint16Array | Float32Array; nFrames: number }
  | { type: 'finish'; id: number };

let range: PhotonSpacingRange | undefined;
let out: PhotonSpacingOutput | undefined;
let nPixels = 0;

parentPort?.on('message', (msg: PhotonSpacingWorkerMessage) => {
  if (msg.type === 'init') {
    range = new PhotonSpacingRange(msg.p0, msg.p1, msg.settings);
    out = msg.out;
    nPixels = msg.nPixels;
    return;
  }
  if (!range || !out) throw new Error('photon-spacing worker: message before init');
  if (msg.type === 'block') {
    for (let f = 0; f < msg.nFrames; f++) range.push(msg.data, f * nPixels);
  } else {
    range.finish(out);
  }
  parentPort?.postMessage(msg.id);
});
