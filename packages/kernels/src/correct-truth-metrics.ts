/**
 * Accuracy of a corrected light run against a simulation's truth (for the tests of the ePix100 and
 * pnCCD corrections), with the statistics behind each tolerance:
 * - energy: corrected - deposited is the pixel's noise (plus rounding and common-mode estimate
 *   error) times its gains; z = error / that sd is normal-like, |z| <= 4 for 99.994 %.
 * - patterns: each truth photon (photonPattern at its primary, isolated in its own cell) is matched
 *   with the event whose primary lies in the photon's pixels. Noise changes a class when a pixel of
 *   the event falls below the secondary threshold, a pixel around it rises above, or (triples) a
 *   side outgrows the primary; the sum of those probabilities over the photons is the expected
 *   number of changed classes, against which the found number is compared.
 */

/** Energy errors of the good pixels of a corrected run. */
export interface EnergyAccuracy {
  /** Values compared. */
  values: number;
  /** Fraction with |corrected - deposited| <= k sd. */
  withinFraction: number;
  /** Rms of (corrected - deposited) / sd: 1 when the errors are the noise. */
  zRms: number;
  /** Mean of (corrected - deposited) / sd: 0 without bias. */
  zMean: number;
}

/**
 * Compares corrected values with the deposited energy, frame by frame.
 * @param data - corrected values (nFrames x pixels)
 * @param truth - deposited values in the same unit (nFrames x pixels)
 * @param good - 1 for pixels to compare (pixels)
 * @param sdNoSignal - sd of the error of a pixel without signal (pixels)
 * @param sdSignal - sd of the error of a pixel with signal (adds the rounding of the signal) (pixels)
 * @param k - tolerance in sds (default 4)
 */
export function energyAccuracy(
  data: Float32Array, truth: Float32Array, good: Uint8Array, sdNoSignal: Float32Array, sdSignal: Float32Array, k = 4,
): EnergyAccuracy {
  const n = good.length;
  let values = 0, within = 0, sum2 = 0, sum = 0;
  for (let i = 0; i < data.length; i++) {
    const p = i % n;
    if (!good[p]) continue;
    const z = (data[i] - truth[i]) / (truth[i] !== 0 ? sdSignal[p] : sdNoSignal[p]);
    values++;
    if (Math.abs(z) <= k) within++;
    sum += z;
    sum2 += z * z;
  }
  return { values, withinFraction: within / values, zRms: Math.sqrt(sum2 / values), zMean: sum / values };
}

/** Standard normal upper tail P(Z > x) (erfc of Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function normalTail(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r / 2 : 1 - r / 2;
}

/** What the pattern comparison needs besides the corrected run. */
export interface PatternTruthInput {
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
  /** Frames. */
  nFrames: number;
  /** Pattern codes of the correction (nFrames x pixels). */
  patterns: Int32Array;
  /** Truth photonPattern (nFrames x pixels): 1-4 at each photon's primary. */
  photonPattern: Uint8Array;
  /** Truth deposited energy (nFrames x pixels), keV. */
  energyKev: Float32Array;
  /** 1 = pixel masked in the correction (pixels). */
  bad: Uint8Array;
  /** Deposited keV to corrected signal units (1 / gain when the data are ADU, 1 for keV). */
  unitsPerKev: number;
  /** Primary threshold of each pixel in corrected units. */
  primary: Float32Array;
  /** Secondary threshold of each pixel in corrected units. */
  secondary: Float32Array;
  /** Sd of a pixel without signal in corrected units. */
  sdNoSignal: Float32Array;
  /** Sd of a pixel with signal in corrected units. */
  sdSignal: Float32Array;
  /** pixels_classified of the correction (nFrames x pixels), for the energy of the events. */
  classified?: Float32Array;
}

/** Event energies of the photons found in their own class: (classified - deposited) / sd, per class. */
export interface EventEnergyZ {
  /** Photons. */
  n: number;
  /** Mean z. */
  mean: number;
  /** Rms z. */
  rms: number;
  /** Largest |z|. */
  max: number;
}

/** Photons recovered per class. */
export interface PatternRecovery {
  /** Truth photons without a bad pixel within 2 pixels of the primary, per photonPattern 1-6 (index 0 unused; 6 = expected to be missed). */
  truth: number[];
  /** Classes found for those photons: index = class of the matched event (0 none, 1-7 as patternClass, 8 more than one event). */
  found: number[];
  /** confusion[t][c]: truth class t found as class c (t = 6: expected to be missed, c = 0). */
  confusion: number[][];
  /** Photons whose class changed. */
  changed: number;
  /** Expected number of changed classes from the noise. */
  expectedChanged: number;
  /** Events whose primary lies outside every photon's pixels (noise above the primary threshold, photons near bad pixels ...). */
  eventsWithoutPhoton: number;
  /** Truth photons left out because a bad pixel lies within 2 pixels of the primary. */
  nearBad: number;
  /** Per class 1-6 (index 0 unused): event energy against the photon's deposit, when classified was given. */
  energyZ: EventEnergyZ[];
}

/** Matches events with truth photons and counts classes. */
export function patternRecovery(t: PatternTruthInput): PatternRecovery {
  const { rows, cols, nFrames } = t;
  const n = rows * cols;
  const truth = new Array(7).fill(0), found = new Array(9).fill(0);
  const confusion = Array.from({ length: 7 }, () => new Array(9).fill(0));
  let changed = 0, expectedChanged = 0, nearBad = 0, events = 0, matchedEvents = 0;
  const inEvent = new Uint8Array(n);
  const zSum = new Array(7).fill(0), z2Sum = new Array(7).fill(0), zN = new Array(7).fill(0), zMax = new Array(7).fill(0);
  for (let f = 0; f < nFrames; f++) {
    const o = f * n;
    for (let p = 0; p < n; p++) if (t.patterns[o + p] >= 100) events++;
    for (let p0 = 0; p0 < n; p0++) {
      const cls = t.photonPattern[o + p0];
      if (cls === 0) continue;
      const r0 = Math.floor(p0 / cols), c0 = p0 % cols;
      // The photon's pixels: those with a deposit in the 3 x 3 window (photons are isolated).
      const block: number[] = [];
      let clean = true;
      for (let dr = -2; dr <= 2; dr++) {
        for (let dc = -2; dc <= 2; dc++) {
          const r = r0 + dr, c = c0 + dc;
          if (r < 0 || r >= rows || c < 0 || c >= cols) continue;
          const p = r * cols + c;
          if (t.bad[p]) clean = false;
          if (Math.abs(dr) <= 1 && Math.abs(dc) <= 1 && t.energyKev[o + p] > 0) block.push(p);
        }
      }
      let hits = 0, code = 0, at = -1;
      for (const p of block) {
        if (t.patterns[o + p] >= 100) {
          hits++;
          code = t.patterns[o + p];
          at = p;
        }
      }
      matchedEvents += hits;
      if (!clean) {
        nearBad++;
        continue;
      }
      const got = hits === 0 ? 0 : hits > 1 ? 8 : Math.floor(code / 100);
      truth[cls]++;
      found[got]++;
      confusion[cls][got]++;
      const expected = cls === 6 ? 0 : cls;
      if (got !== expected) changed++;
      else if (t.classified && cls !== 6) {
        let deposit = 0, variance = 0;
        for (const p of block) {
          deposit += t.energyKev[o + p] * t.unitsPerKev;
          variance += t.sdSignal[p] ** 2;
        }
        const z = (t.classified[o + at] - deposit) / Math.sqrt(variance);
        zN[cls]++;
        zSum[cls] += z;
        z2Sum[cls] += z * z;
        zMax[cls] = Math.max(zMax[cls], Math.abs(z));
      }
      expectedChanged += changeProbability(t, o, p0, block, cls, inEvent);
    }
  }
  const energyZ = zN.map((k, c) => ({ n: k, mean: k ? zSum[c] / k : 0, rms: k ? Math.sqrt(z2Sum[c] / k) : 0, max: zMax[c] }));
  return { truth, found, confusion, changed, expectedChanged, eventsWithoutPhoton: events - matchedEvents, nearBad, energyZ };
}

/** Probability that noise changes the class of the photon at p0 (sum over the independent ways, all small). */
function changeProbability(t: PatternTruthInput, o: number, p0: number, block: number[], cls: number, mark: Uint8Array): number {
  const { cols, rows } = t;
  const dep = (p: number) => t.energyKev[o + p] * t.unitsPerKev;
  // The primary crossing its threshold (either way).
  let prob = normalTail(Math.abs(dep(p0) - t.primary[p0]) / t.sdSignal[p0]);
  if (cls === 6) return prob;
  const members: number[] = [];
  for (const p of block) {
    const above = dep(p) > t.secondary[p];
    if (p !== p0) prob += normalTail(Math.abs(dep(p) - t.secondary[p]) / t.sdSignal[p]);
    if (p === p0 || above) members.push(p);
  }
  for (const p of block) mark[p] = 1;
  // Pixels around the event rising above the secondary threshold.
  for (const m of members) {
    const r0 = Math.floor(m / cols), c0 = m % cols;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const r = r0 + dr, c = c0 + dc;
        if (r < 0 || r >= rows || c < 0 || c >= cols) continue;
        const p = r * cols + c;
        if (mark[p]) continue;
        mark[p] = 2;
        prob += normalTail(t.secondary[p] / t.sdNoSignal[p]);
      }
    }
  }
  for (const m of members) {
    const r0 = Math.floor(m / cols), c0 = m % cols;
    for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
      const r = r0 + dr, c = c0 + dc;
      if (r >= 0 && r < rows && c >= 0 && c < cols) mark[r * cols + c] = 0;
    }
  }
  for (const p of block) mark[p] = 0;
  // A triple's side outgrowing the primary leaves an L whose largest pixel is at its end: MULTIPLE.
  if (cls === 3) {
    for (const p of members) {
      if (p !== p0) prob += normalTail((dep(p0) - dep(p)) / Math.hypot(t.sdSignal[p0], t.sdSignal[p]));
    }
  }
  return prob;
}
