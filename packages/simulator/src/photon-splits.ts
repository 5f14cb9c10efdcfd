/**
 * Isolated photons for light simulations of charge-sharing detectors (ePix100, pnCCD): one photon at
 * most per square cell of the frame, its charge split over the pixels of a 2 x 2 block with explicit,
 * jittered shares per kind of split (single, double, triple L, quad), so that a known share of the
 * photons is of each pattern. Cells keep photons at least two pixels apart: each event is isolated.
 * Shares (the primary pixel always holds the largest one):
 *   single 1; double: primary U(0.5, 0.75), the neighbour the rest (direction d: 0 right, 1 down,
 *   2 left, 3 up); triple (quadrant q: 0 down-right, 1 down-left, 2 up-left, 3 up-right): primary
 *   U(0.45, 0.55), the horizontal and vertical neighbours the rest split U(0.45, 0.55) : rest, the
 *   diagonal nothing; quad: primary U(0.28, 0.34), the other three the rest in weights U(0.9, 1.1).
 * At 8 keV on an ePix100 (133 ADU, noise 3 ADU) every share is at least 25 ADU, 3 noise sigmas
 * above the 5-sigma secondary threshold, and a triple's primary stays 4.6 sigmas above its sides.
 * Shared helper of the ePix100 and pnCCD plugins.
 */
import type { Random } from '@detcal/core';

/** Stream number of light photons (positions, splits, shares). */
export const PHOTON_STREAM = 300;

/** Where and how photons land. */
export interface PhotonModel {
  /** Side of the square cells, pixels; a photon's 2 x 2 block stays 1 pixel inside its cell. */
  cellPixels: number;
  /** Probability that a cell holds a photon in a frame. */
  occupancy: number;
  /** Probabilities of single, double, triple and quad splits (they sum to 1). */
  splitFractions: readonly [number, number, number, number];
}

/** Cells of 8 x 8 pixels, 10 % of them hit per frame; 40 % singles, 30 % doubles, 15 % triples, 15 % quads. */
export const DEFAULT_PHOTON_MODEL: PhotonModel = { cellPixels: 8, occupancy: 0.1, splitFractions: [0.4, 0.3, 0.15, 0.15] };

/** Photons of one frame (capacity: one per cell); photon k owns pixels[4k .. 4k+3] (-1 = unused) and their shares. */
export interface PhotonFrame {
  /** Photons in this frame. */
  count: number;
  /** Split of each photon: 1 single, 2 double, 3 triple, 4 quad. */
  split: Uint8Array;
  /** Pixel indices of each photon, primary first. */
  pixels: Int32Array;
  /** Share of the photon's charge in each of its pixels. */
  shares: Float32Array;
}

/** Row / column steps of a double's neighbour by direction: right, down, left, up. */
const DOUBLE_STEP = [[0, 1], [1, 0], [0, -1], [-1, 0]];
/** Row and column sign of quadrant q: down-right, down-left, up-left, up-right. */
const QUADRANT = [[1, 1], [1, -1], [-1, -1], [-1, 1]];

/** A PhotonFrame large enough for one photon per cell of a rows x cols frame. */
export function createPhotonFrame(rows: number, cols: number, model: PhotonModel): PhotonFrame {
  const cells = Math.floor(rows / model.cellPixels) * Math.floor(cols / model.cellPixels);
  return { count: 0, split: new Uint8Array(cells), pixels: new Int32Array(4 * cells), shares: new Float32Array(4 * cells) };
}

function between(rng: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/**
 * Draws the photons of one frame, cell by cell in raster order (a fixed number of draws per cell
 * and photon, so the frames do not depend on how they are blocked).
 * @param rng - the photon stream
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param model - cells, occupancy and split fractions
 * @param out - the frame's photons (overwritten)
 */
export function drawPhotonFrame(rng: Random, rows: number, cols: number, model: PhotonModel, out: PhotonFrame): void {
  const size = model.cellPixels, inner = size - 4;
  const [fs, fd, ft] = model.splitFractions;
  const nr = Math.floor(rows / size), nc = Math.floor(cols / size);
  let n = 0;
  for (let cr = 0; cr < nr; cr++) {
    for (let cc = 0; cc < nc; cc++) {
      if (!(rng.uniform() < model.occupancy)) continue;
      const r = cr * size + 2 + rng.int(inner), c = cc * size + 2 + rng.int(inner);
      const u = rng.uniform();
      const split = u < fs ? 1 : u < fs + fd ? 2 : u < fs + fd + ft ? 3 : 4;
      const dir = rng.int(4);
      const k = 4 * n;
      out.split[n] = split;
      out.pixels.fill(-1, k, k + 4);
      out.shares.fill(0, k, k + 4);
      out.pixels[k] = r * cols + c;
      if (split === 1) {
        out.shares[k] = 1;
      } else if (split === 2) {
        const f = between(rng, 0.5, 0.75);
        const [dr, dc] = DOUBLE_STEP[dir];
        out.shares[k] = f;
        out.pixels[k + 1] = (r + dr) * cols + c + dc;
        out.shares[k + 1] = 1 - f;
      } else {
        const [sr, sc] = QUADRANT[dir];
        out.pixels[k + 1] = r * cols + c + sc; // horizontal neighbour
        out.pixels[k + 2] = (r + sr) * cols + c; // vertical neighbour
        if (split === 3) {
          const f = between(rng, 0.45, 0.55), t = between(rng, 0.45, 0.55);
          out.shares[k] = f;
          out.shares[k + 1] = (1 - f) * t;
          out.shares[k + 2] = (1 - f) * (1 - t);
        } else {
          const f = between(rng, 0.28, 0.34);
          const w1 = between(rng, 0.9, 1.1), w2 = between(rng, 0.9, 1.1), w3 = between(rng, 0.9, 1.1);
          const rest = (1 - f) / (w1 + w2 + w3);
          out.pixels[k + 3] = (r + sr) * cols + c + sc; // diagonal
          out.shares[k] = f;
          out.shares[k + 1] = rest * w1;
          out.shares[k + 2] = rest * w2;
          out.shares[k + 3] = rest * w3;
        }
      }
      n++;
    }
  }
  out.count = n;
}

/**
 * The pattern the classification should see for photon k, from its noiseless deposits: 1 single,
 * 2 double, 3 triple, 4 quad, 5 another shape, 6 when the primary is not above its threshold
 * (expected to be missed; rare: a quad's primary in a pixel with high noise).
 * A pixel of the split counts when its deposit is above the secondary threshold.
 * @param frame - the frame's photons
 * @param k - photon index
 * @param depositAdu - deposit of a share in a pixel, in the units of the thresholds
 * @param primaryAdu - primary threshold of each pixel
 * @param secondaryAdu - secondary threshold of each pixel
 */
export function expectedSplit(
  frame: PhotonFrame, k: number, depositAdu: (pixel: number, share: number) => number,
  primaryAdu: ArrayLike<number>, secondaryAdu: ArrayLike<number>,
): number {
  const o = 4 * k, p0 = frame.pixels[o];
  if (!(depositAdu(p0, frame.shares[o]) > primaryAdu[p0])) return 6;
  const above = [1, 2, 3].map((j) => frame.pixels[o + j] >= 0 && depositAdu(frame.pixels[o + j], frame.shares[o + j]) > secondaryAdu[frame.pixels[o + j]]);
  const split = frame.split[k];
  if (split <= 2) return above[0] ? 2 : 1;
  // Triple / quad: [horizontal, vertical, diagonal] neighbours above.
  const [h, v, d] = above;
  if (!h && !v) return d ? 5 : 1;
  if (h !== v) return d ? 5 : 2;
  return d ? 4 : 3;
}
