/**
 * Independent random streams of one simulation. The truth, each run's frames and each kind of rare
 * event draw from their own stream, so that a run's values do not depend on the other runs or on the
 * block size the writer asks for. Shared helper: identical in the four built-in detector plugins.
 */

/** Stream number of the per-pixel truth (offsets, noise, bad pixels). */
export const TRUTH_STREAM = 1;
/** Stream number of rare events drawn up front (wrong gain values, cosmic hits); add the run index. */
export const EVENT_STREAM = 100;
/** Stream number of run 0's frame values; add the run index. */
export const RUN_STREAM = 200;

/** Derives the seed of one random stream from the user's seed, the module index and a stream number. */
export function streamSeed(seed: number, module: number, stream: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  let h = mix(low ^ 0x9e3779b9);
  h = mix(h ^ Math.imul(high + 0x632be5ab, 0x85ebca6b));
  h = mix(h ^ Math.imul(module + 0x1b873593, 0xcc9e2d51));
  h = mix(h ^ Math.imul(stream + 0x7f4a7c15, 0x27d4eb2f));
  return h;
}

function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
