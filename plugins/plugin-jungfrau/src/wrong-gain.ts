/**
 * Wrong gain values in Jungfrau dark runs: in a small fraction of frames a few good pixels report
 * another gain stage (and show that stage's analog level). Drawn up front so the truth can count them.
 */
import type { Random } from '@detcal/core';

/** The wrong-gain frames of one run, as compressed rows: frame k owns entries starts[k] .. starts[k+1]-1. */
export interface WrongGainEvents {
  /** Frame index (within the run) of each event frame, ascending. */
  frames: Int32Array;
  /** First entry of each event frame in pixels / stages; length frames.length + 1. */
  starts: Int32Array;
  /** Pixel index (row-major) of each wrong value. */
  pixels: Int32Array;
  /** Gain stage each wrong pixel reports. */
  stages: Uint8Array;
}

/** Draws round(frameFraction x nFrames) distinct frames (at least one), each with 1..maxPixelsPerFrame distinct defect-free pixels in another stage. */
export function drawWrongGainEvents(
  rng: Random,
  nFrames: number,
  runStage: number,
  defect: Uint8Array,
  frameFraction: number,
  maxPixelsPerFrame: number,
): WrongGainEvents {
  const nEvents = Math.min(nFrames, Math.max(1, Math.round(frameFraction * nFrames)));
  const chosen = new Set<number>();
  while (chosen.size < nEvents) chosen.add(rng.int(nFrames));
  const frames = Int32Array.from([...chosen].sort((a, b) => a - b));
  const starts = new Int32Array(nEvents + 1);
  const pixels: number[] = [];
  const stages: number[] = [];
  for (let k = 0; k < nEvents; k++) {
    const count = 1 + rng.int(maxPixelsPerFrame);
    const inFrame = new Set<number>();
    while (inFrame.size < count) {
      const p = rng.int(defect.length);
      if (defect[p] !== 0 || inFrame.has(p)) continue;
      inFrame.add(p);
      pixels.push(p);
      stages.push((runStage + 1 + rng.int(2)) % 3);
    }
    starts[k + 1] = pixels.length;
  }
  return { frames, starts, pixels: Int32Array.from(pixels), stages: Uint8Array.from(stages) };
}

/** Number of wrong gain values per [cell][pixel] of a run whose frames cycle through cellsPerTrain cells. */
export function wrongGainCounts(events: WrongGainEvents, cellsPerTrain: number, pixels: number): Uint32Array {
  const out = new Uint32Array(cellsPerTrain * pixels);
  for (let k = 0; k < events.frames.length; k++) {
    const cell = events.frames[k] % cellsPerTrain;
    for (let j = events.starts[k]; j < events.starts[k + 1]; j++) out[cell * pixels + events.pixels[j]]++;
  }
  return out;
}
