/**
 * Cosmic-ray hits in dark frames: a few small clusters of large values per frame at random positions.
 * The hits are drawn up front so that the truth can count them; cluster shapes are drawn while filling.
 */
import type { Random } from '@detcal/core';

/** The hits of a run as compressed rows: frame k owns hits starts[k] .. starts[k+1]-1. */
export interface CosmicHits {
  /** First hit of each frame; length nFrames + 1. */
  starts: Int32Array;
  /** Pixel index (row-major) of each hit's centre. */
  pixels: Int32Array;
  /** Amplitude added to the centre pixel (ADU). */
  amplitudeAdu: Float32Array;
}

/** Draws Poisson(ratePerFrame) hits per frame at uniform positions, amplitudes uniform in [minAdu, maxAdu]. */
export function drawCosmicHits(rng: Random, nFrames: number, pixels: number, ratePerFrame: number, minAdu: number, maxAdu: number): CosmicHits {
  const starts = new Int32Array(nFrames + 1);
  const where: number[] = [];
  const amplitude: number[] = [];
  for (let f = 0; f < nFrames; f++) {
    const n = rng.poisson(ratePerFrame);
    for (let k = 0; k < n; k++) {
      where.push(rng.int(pixels));
      amplitude.push(minAdu + (maxAdu - minAdu) * rng.uniform());
    }
    starts[f + 1] = where.length;
  }
  return { starts, pixels: Int32Array.from(where), amplitudeAdu: Float32Array.from(amplitude) };
}

/**
 * Adds frame `frame`'s hits to a frame stored at out[o ..]: the centre pixel gets the amplitude, each of
 * its 8 neighbours (inside the module) with probability 1/2 a 5-35 % share; dead pixels (sigma 0) are
 * left alone; values saturate at maxAdu.
 */
export function addCosmicHits(
  rng: Random,
  hits: CosmicHits,
  frame: number,
  rows: number,
  cols: number,
  sigmaAdu: Float32Array,
  maxAdu: number,
  out: Uint16Array,
  o: number,
): void {
  for (let h = hits.starts[frame]; h < hits.starts[frame + 1]; h++) {
    const centre = hits.pixels[h], a = hits.amplitudeAdu[h];
    const r0 = Math.floor(centre / cols), c0 = centre % cols;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const share = dr === 0 && dc === 0 ? 1 : rng.uniform() < 0.5 ? 0.05 + 0.3 * rng.uniform() : 0;
        const r = r0 + dr, c = c0 + dc;
        if (share === 0 || r < 0 || r >= rows || c < 0 || c >= cols) continue;
        const p = r * cols + c;
        if (sigmaAdu[p] === 0) continue;
        out[o + p] = Math.min(maxAdu, out[o + p] + Math.round(a * share));
      }
    }
  }
}
