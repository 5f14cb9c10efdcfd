import { describe, expect, it } from 'vitest';
import { DarkStatus, Random, resolveParameters, type DarkRequest } from '@detcal/core';
import { PSANA_DARK_PARAMETERS, psanaDark, psanaDarkConstants, psanaGate, psanaOptions, type PsanaDarkOptions } from './dark-psana.js';
import { frameStreamFromFrames } from './frame-stream-from-run.js';

const DEFAULTS = psanaOptions(resolveParameters(PSANA_DARK_PARAMETERS, {}));

/**
 * DarkProc written out literally (lcls2 psana/detector/UtilsCalib.py): event() keeps the first
 * nrecs1 frames, proc_block() takes np.quantile(block, fraclo, method='lower') and
 * np.quantile(block, frachi, method='higher') per pixel, casts the gate to uint16, widens empty
 * gates, init_proc() clips to int_lo / int_hi, add_event() accumulates, summary() evaluates.
 */
function referenceDarkProc(frames: Uint16Array[], o: PsanaDarkOptions) {
  const used = frames.slice(0, o.nrecs);
  const block = used.slice(0, Math.min(o.nrecs1, used.length));
  const n1 = block.length, nPix = frames[0].length;
  const quantile = (sorted: number[], q: number, method: 'lower' | 'higher'): number => {
    const vi = n1 * q + (1 - q) - 1; // numpy _compute_virtual_index with alpha = beta = 1
    return sorted[method === 'lower' ? Math.floor(vi) : Math.ceil(vi)];
  };
  const gateLo: number[] = [], gateHi: number[] = [];
  for (let p = 0; p < nPix; p++) {
    const s = block.map((f) => f[p]).sort((a, b) => a - b);
    let lo = Math.trunc(Math.max(Math.floor(quantile(s, o.fraclo, 'lower')), o.int_lo)); // .astype(uint16)
    let hi = Math.trunc(Math.min(Math.ceil(quantile(s, o.frachi, 'higher')), o.int_hi));
    if (!(hi > lo)) hi += 1;
    lo = Math.max(o.int_lo, lo);
    hi = Math.min(o.int_hi, hi);
    gateLo.push(lo);
    gateHi.push(hi);
  }
  const sum0 = new Array(nPix).fill(0), sum1 = new Array(nPix).fill(0), sum2 = new Array(nPix).fill(0);
  const below = new Array(nPix).fill(0), above = new Array(nPix).fill(0);
  for (const raw of used) {
    for (let p = 0; p < nPix; p++) {
      const v = raw[p] & o.datbits;
      if (!(v < gateLo[p] || v > gateHi[p])) {
        sum0[p]++;
        sum1[p] += v;
        sum2[p] += v * v;
      }
      if (v < o.int_lo) below[p]++;
      if (v > o.int_hi) above[p]++;
    }
  }
  const av1 = sum1.map((s, p) => (sum0[p] ? s / sum0[p] : 0));
  const av2 = sum2.map((s, p) => (sum0[p] ? s / sum0[p] : 0));
  const rms = av2.map((a, p) => Math.sqrt(a - av1[p] ** 2));
  const limits = (a: number[], nneg: number, npos: number, limLo: number, limHi: number): [number, number] => {
    const ave = a.reduce((x, y) => x + y) / a.length;
    const std = Math.sqrt(a.reduce((x, y) => x + (y - ave) ** 2, 0) / a.length);
    return [Math.max(nneg > 0 ? ave - nneg * std : limLo, limLo), Math.min(npos > 0 ? ave + npos * std : limHi, limHi)];
  };
  const [rmsMin, rmsMax] = limits(rms, o.rmsnlo, o.rmsnhi, o.rms_lo, o.rms_hi);
  const [aveMin, aveMax] = limits(av1, o.intnlo, o.intnhi, o.int_lo, o.int_hi);
  const nevlm = Math.trunc(o.fraclm * (used.length - 1)); // counter = irec, the last event index
  const status = av1.map((_, p) =>
    (rms[p] > rmsMax ? 1 : 0) + (rms[p] < rmsMin ? 2 : 0) + (above[p] > nevlm ? 4 : 0) + (below[p] > nevlm ? 8 : 0) + (av1[p] > aveMax ? 16 : 0) + (av1[p] < aveMin ? 32 : 0));
  return { av1, rms, status, gateLo, gateHi, limits: { rmsMin, rmsMax, aveMin, aveMax, nevlm } };
}

const ROWS = 12, COLS = 20, P = ROWS * COLS;
const DEAD = 3, HOT = 17, NOISY = 40, SATURATED = 55, COLD = 61, FLAT_TOP = 77;

/** Frames around 1000 ADU (noise 4) with one pixel of each kind the status bits describe. */
function frames(nFrames: number, seed: number): Uint16Array[] {
  const rng = new Random(seed);
  const offset = Array.from({ length: P }, () => 1000 + 30 * rng.normal());
  offset[HOT] = 2500;
  const out: Uint16Array[] = [];
  for (let f = 0; f < nFrames; f++) {
    const fr = new Uint16Array(P);
    for (let p = 0; p < P; p++) fr[p] = Math.round(offset[p] + (p === NOISY ? 40 : 4) * rng.normal());
    fr[DEAD] = 1234;
    fr[SATURATED] = f % 4 === 0 ? 16383 : fr[SATURATED]; // 25 % of the frames above int_hi
    fr[COLD] = f % 3 === 0 ? 0 : fr[COLD]; // 33 % of the frames below int_lo
    fr[FLAT_TOP] = 16200; // always above int_hi: empty gate
    fr[100] |= f === 7 ? 0x8000 : 0; // a bit above datbits
    out.push(fr);
  }
  return out;
}

function streamOf(list: Uint16Array[], blockFrames = 16) {
  const data = new Uint16Array(list.length * P);
  list.forEach((f, i) => data.set(f, i * P));
  return frameStreamFromFrames({ data, nFrames: list.length, rows: ROWS, cols: COLS }, { blockFrames });
}

describe('psana DarkProc', () => {
  for (const [name, nFrames, opts] of [
    ['defaults, fewer frames than nrecs', 230, {}],
    ['nrecs cuts the run', 230, { nrecs: 120 }],
    ['fewer frames than nrecs1', 30, {}],
    ['nrecs below nrecs1', 230, { nrecs: 20 }],
    ['other quantiles and limits', 150, { nrecs1: 64, fraclo: 0.1, frachi: 0.8, intnlo: 0, rmsnhi: 3, fraclm: 0.2 }],
  ] as const) {
    it(`matches a literal DarkProc: ${name}`, async () => {
      const o = { ...DEFAULTS, ...opts };
      const list = frames(nFrames, 11);
      const ref = referenceDarkProc(list, o);
      const r = await psanaDark(streamOf(list), o);
      expect(r.frames).toBe(Math.min(nFrames, o.nrecs));
      expect(r.stage1Frames).toBe(Math.min(nFrames, o.nrecs, o.nrecs1));
      expect([...r.gateLo]).toEqual(ref.gateLo);
      expect([...r.gateHi]).toEqual(ref.gateHi);
      for (let p = 0; p < P; p++) {
        expect(r.pedestals[p], `pedestal ${p}`).toBeCloseTo(ref.av1[p], 2);
        expect(r.rms[p], `rms ${p}`).toBeCloseTo(ref.rms[p], 3);
      }
      expect(r.limits.nevlm).toBe(ref.limits.nevlm);
      for (const k of ['rmsMin', 'rmsMax', 'aveMin', 'aveMax'] as const) expect(r.limits[k]).toBeCloseTo(ref.limits[k], 6);
      expect([...r.status].map(Number)).toEqual(ref.status);
    });
  }

  it('sets the status bits of dead, hot, noisy, saturated and cold pixels', async () => {
    const r = await psanaDark(streamOf(frames(200, 2)), DEFAULTS);
    const st = (p: number) => Number(r.status[p]);
    expect(st(DEAD)).toBe(DarkStatus.RMS_LOW); // rms 0 < rms_min
    expect(st(HOT) & DarkStatus.MEAN_HIGH).toBeTruthy();
    expect(st(NOISY) & DarkStatus.RMS_HIGH).toBeTruthy();
    expect(st(SATURATED) & DarkStatus.SATURATED).toBeTruthy();
    expect(st(COLD) & DarkStatus.COLD).toBeTruthy();
    // always above int_hi: the gate [16000, 16000] stays empty, pedestal and rms are 0
    expect(st(FLAT_TOP)).toBe(DarkStatus.SATURATED | DarkStatus.RMS_LOW | DarkStatus.MEAN_LOW);
    expect(r.pedestals[FLAT_TOP]).toBe(0);
    let others = 0;
    for (let p = 0; p < P; p++) if (![DEAD, HOT, NOISY, SATURATED, COLD, FLAT_TOP].includes(p) && st(p) !== 0) others++;
    expect(others).toBe(0);
    expect(r.counts.any).toBe(6);
  });

  it('gate: an empty quantile range is widened by one and clipped to int_lo / int_hi', () => {
    const f = Uint16Array.of(5, 0, 20000, 7, 5, 0, 20000, 9, 5, 0, 20000, 8);
    const g = psanaGate(f, 3, 4, DEFAULTS);
    // constant 5: [5, 6]; constant 0: [max(0, int_lo) = 1, 0 + 1]; constant 20000: [20000, min(16001, int_hi)], empty; 7 8 9: [7, 9]
    expect([...g.lo]).toEqual([5, 1, 20000, 7]);
    expect([...g.hi]).toEqual([6, 1, 16000, 9]);
  });

  it('skips empty frames and needs three frames', async () => {
    const list = frames(60, 4);
    const withEmpty = [new Uint16Array(P), ...list.slice(0, 30), new Uint16Array(P), ...list.slice(30)];
    const a = await psanaDark(streamOf(list), DEFAULTS), b = await psanaDark(streamOf(withEmpty), DEFAULTS);
    expect(b.emptyFrames).toBe(2);
    expect([...b.pedestals]).toEqual([...a.pedestals]);
    await expect(psanaDark(streamOf(list.slice(0, 2)), DEFAULTS)).rejects.toThrow(/2 non-empty frames; the psana dark needs at least 3/);
  });

  it('makes LCLS constants with dims [row, col] and the limits in the metadata', async () => {
    const req: DarkRequest = { runs: [streamOf(frames(80, 5))], module: 0, detectorId: 'T', method: 'psana', parameters: { nrecs: 60 }, backend: undefined, conditions: {} };
    const set = await psanaDarkConstants(req, { detectorType: 'toy', detector: 'Toy', rows: ROWS, cols: COLS });
    expect(Object.values(set.constants).map((c) => [c.name, c.dtype, c.shape, c.dims])).toEqual([
      ['pedestals', 'f4', [ROWS, COLS], ['row', 'col']],
      ['pixel_rms', 'f4', [ROWS, COLS], ['row', 'col']],
      ['pixel_status', 'u8', [ROWS, COLS], ['row', 'col']],
    ]);
    expect(set.constants.pixel_status.data).toBeInstanceOf(BigUint64Array);
    expect(set.metadata.parameters).toMatchObject({ method: 'psana', nrecs: 60, nrecs1: 50, framesUsed: 60, stage1Frames: 50 });
    await expect(psanaDarkConstants({ ...req, parameters: { nrecs: 0 } }, { detectorType: 'toy', detector: 'Toy', rows: ROWS, cols: COLS })).rejects.toThrow(/nrecs=0/);
  });
});
