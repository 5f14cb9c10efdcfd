/**
 * Split-event (charge-sharing) pattern classification of a corrected frame, in the manner of the
 * European XFEL ePix100 / pnCCD corrections (pycalibration, split_evt_* thresholds): a photon's
 * charge cloud spreads over one to four pixels of a 2 x 2 block; classifying the pattern recovers
 * whole photons (the event's summed energy at its primary pixel) and tells singles from splits.
 *
 * One pass per frame. A pixel is a primary when it is good, above primarySigma x its noise and the
 * largest of the good pixels in its 3 x 3 window (ties: the first in raster order wins). Its event
 * is the primary plus the good 3 x 3 neighbours above secondarySigma x their noise. Codes written
 * into `patterns` (i4; the pycalibration code values were not at hand, these are detcal's):
 *   0   NONE      pixel not part of any event
 *   1   MEMBER    secondary pixel of an event (its value moved to the primary in `classified`)
 *   100 SINGLE    no neighbour above the secondary threshold
 *   200+d DOUBLE  one 4-adjacent neighbour: d = 0 right (col + 1), 1 down (row + 1), 2 left, 3 up
 *   300+q TRIPLE  an L: the primary and the two 4-adjacent neighbours of quadrant q, diagonal below
 *   400+q QUAD    the 2 x 2 block of quadrant q; q = 0 down-right, 1 down-left, 2 up-left, 3 up-right
 *   500   MULTIPLE any other shape (a diagonal-only neighbour, opposite neighbours, more than four
 *                 pixels) or an event whose members touch pixels above the secondary threshold
 *                 outside the 3 x 3 window (pile-up: two photons sharing pixels)
 *   600   BAD_NEIGHBOUR the 3 x 3 window holds a bad pixel: part of the charge may be unseen
 *   700   MIP     the primary is above mipAdu (minimum ionizing particle, cosmic ray)
 * The primary of every event (codes 100-700) gets the sum of the event's pixels in `classified`;
 * every other pixel gets 0. Bad pixels (mask != 0) are never primaries nor members. Pixels outside
 * the frame count as below threshold (charge beyond the sensor edge is lost).
 */
import { DetcalError } from '@detcal/core';

/** Pattern codes of {@link classifyPatterns} (`patterns` dataset values). */
export const Pattern = {
  NONE: 0,
  MEMBER: 1,
  SINGLE: 100,
  DOUBLE: 200,
  TRIPLE: 300,
  QUAD: 400,
  MULTIPLE: 500,
  BAD_NEIGHBOUR: 600,
  MIP: 700,
} as const;

/** Thresholds of the classification, in units of each pixel's noise (and ADU of the frame for mipAdu). */
export interface PatternThresholds {
  /** A primary is above this many noise sigmas (EuXFEL split_evt_primary_threshold). */
  primarySigma: number;
  /** A neighbour joins the event above this many noise sigmas (split_evt_secondary_threshold). */
  secondarySigma: number;
  /** A primary above this value (frame units) is a MIP, code 700 (Infinity = off). */
  mipAdu: number;
}

/** Events found, per class; classifyPatterns adds to them. */
export interface PatternCounts {
  /** Code 100 events. */
  singles: number;
  /** Codes 200-203. */
  doubles: number;
  /** Codes 300-303. */
  triples: number;
  /** Codes 400-403. */
  quads: number;
  /** Code 500. */
  multiples: number;
  /** Code 600. */
  badNeighbour: number;
  /** Code 700. */
  mips: number;
}

/** A PatternCounts with every count 0. */
export function emptyPatternCounts(): PatternCounts {
  return { singles: 0, doubles: 0, triples: 0, quads: 0, multiples: 0, badNeighbour: 0, mips: 0 };
}

/** Class of a pattern code: 1 single, 2 double, 3 triple, 4 quad, 5 multiple, 6 bad neighbour, 7 MIP, 0 none / member. */
export function patternClass(code: number): number {
  return code >= 100 ? Math.floor(code / 100) : 0;
}

// Neighbour k of the 3 x 3 window, raster order without the centre: row and column offsets, bit = 1 << k.
const DR = [-1, -1, -1, 0, 0, 1, 1, 1];
const DC = [-1, 0, 1, -1, 1, -1, 0, 1];
const UL = 1, U = 2, UR = 4, L = 8, R = 16, DL = 32, D = 64, DRB = 128;

/** Pattern code of each set of members (bit k = neighbour k above the secondary threshold). */
const CODE_OF_MEMBERS: Int32Array = (() => {
  const t = new Int32Array(256).fill(Pattern.MULTIPLE);
  t[0] = Pattern.SINGLE;
  [R, D, L, U].forEach((m, d) => { t[m] = Pattern.DOUBLE + d; });
  const quadrants = [[R, D, DRB], [L, D, DL], [L, U, UL], [R, U, UR]];
  quadrants.forEach(([a, b, diag], q) => {
    t[a | b] = Pattern.TRIPLE + q;
    t[a | b | diag] = Pattern.QUAD + q;
  });
  return t;
})();

/**
 * Classifies the split events of one frame.
 * @param frame - corrected values (offset, common mode and relative gain applied), row-major rows x cols; NaN never takes part
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param noise - noise of each pixel in the frame's units (rows x cols); thresholds are multiples of it
 * @param bad - 1 = bad pixel, never primary nor member (rows x cols)
 * @param t - primary and secondary thresholds (noise sigmas) and the MIP level
 * @param classified - out: the event sum at each primary, 0 elsewhere (rows x cols values from `o`)
 * @param patterns - out: pattern code of each pixel (see the file comment), rows x cols values from `o`
 * @param o - offset of the frame inside `classified` and `patterns`
 * @param counts - events found are added here
 */
export function classifyPatterns(
  frame: Float32Array,
  rows: number,
  cols: number,
  noise: Float32Array,
  bad: Uint8Array,
  t: PatternThresholds,
  classified: Float32Array,
  patterns: Int32Array,
  o: number,
  counts: PatternCounts,
): void {
  const n = rows * cols;
  if (frame.length < n || noise.length !== n || bad.length !== n || classified.length < o + n || patterns.length < o + n) {
    throw new DetcalError('SHAPE_MISMATCH', `classifyPatterns: frame ${frame.length}, noise ${noise.length}, bad ${bad.length} values or outputs too short for ${rows} x ${cols} from ${o}`);
  }
  classified.fill(0, o, o + n);
  patterns.fill(Pattern.NONE, o, o + n);
  const primary = t.primarySigma, secondary = t.secondarySigma, mip = t.mipAdu;
  for (let r = 0; r < rows; r++) {
    for (let c = 0, p = r * cols; c < cols; c++, p++) {
      const v = frame[p];
      if (!(v > primary * noise[p]) || bad[p] !== 0) continue;
      // Local maximum of the good pixels of the 3 x 3 window.
      let isMax = true;
      for (let k = 0; k < 8 && isMax; k++) {
        const rr = r + DR[k], cc = c + DC[k];
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        const q = rr * cols + cc;
        if (bad[q] !== 0) continue;
        const w = frame[q];
        if (w > v || (w === v && k < 4)) isMax = false;
      }
      if (!isMax) continue;
      let members = 0, touchesBad = false, sum = v;
      for (let k = 0; k < 8; k++) {
        const rr = r + DR[k], cc = c + DC[k];
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        const q = rr * cols + cc;
        if (bad[q] !== 0) { touchesBad = true; continue; }
        const w = frame[q];
        if (w > secondary * noise[q]) {
          members |= 1 << k;
          sum += w;
        }
      }
      let code: number;
      if (v > mip) code = Pattern.MIP;
      else if (touchesBad) code = Pattern.BAD_NEIGHBOUR;
      else if (members !== 0 && reachesOutside(frame, rows, cols, noise, bad, r, c, members, secondary)) code = Pattern.MULTIPLE;
      else code = CODE_OF_MEMBERS[members];
      classified[o + p] = sum;
      patterns[o + p] = code;
      for (let k = 0; k < 8; k++) if (members & (1 << k)) patterns[o + p + DR[k] * cols + DC[k]] = Pattern.MEMBER;
      count(counts, code);
    }
  }
}

/** Whether a member of the event at (r, c) has a good neighbour above the secondary threshold outside the event's 3 x 3 window. */
function reachesOutside(
  frame: Float32Array, rows: number, cols: number, noise: Float32Array, bad: Uint8Array,
  r: number, c: number, members: number, secondary: number,
): boolean {
  for (let k = 0; k < 8; k++) {
    if (!(members & (1 << k))) continue;
    const mr = r + DR[k], mc = c + DC[k];
    for (let j = 0; j < 8; j++) {
      const dr = DR[k] + DR[j], dc = DC[k] + DC[j];
      if (dr >= -1 && dr <= 1 && dc >= -1 && dc <= 1) continue;
      const rr = mr + DR[j], cc = mc + DC[j];
      if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
      const q = rr * cols + cc;
      if (bad[q] === 0 && frame[q] > secondary * noise[q]) return true;
    }
  }
  return false;
}

function count(counts: PatternCounts, code: number): void {
  switch (patternClass(code)) {
    case 1: counts.singles++; break;
    case 2: counts.doubles++; break;
    case 3: counts.triples++; break;
    case 4: counts.quads++; break;
    case 5: counts.multiples++; break;
    case 6: counts.badNeighbour++; break;
    default: counts.mips++;
  }
}
