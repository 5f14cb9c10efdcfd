import { describe, expect, it } from 'vitest';
import { BadPixel, Random, type DarkRequest, type FrameBlock, type FrameStream } from '@detcal/core';
import { createCpuBackend } from './cpu-backend.js';
import { characterizeGainStages, characterizeGainStagesInGroups, type GainStageDarkSpec } from './dark-gain-stages.js';

const rows = 4, cols = 8, nPixels = rows * cols;

/**
 * One gain-stage run: u2 analog values around a per-pixel offset (pixel 5 hot, pixel 9 noisy), u2 gain
 * values around `gainLevel`; cell `emptyCell` gets no frames (NO_DARK_DATA), and with `wrongGainEvery`
 * every such frame carries another gain value (rejected by acceptGain: counts then differ per pixel).
 */
function stageRun(stage: number, nCells: number, nTrains: number, gainLevel: number, opts: { emptyCell?: number; wrongGainEvery?: number; exactGain?: boolean }): FrameStream {
  const rng = new Random(11 + stage);
  const cellsUsed = Array.from({ length: nCells }, (_, c) => c).filter((c) => c !== opts.emptyCell);
  const nFrames = nTrains * cellsUsed.length;
  const analog = new Uint16Array(nFrames * nPixels);
  const gain = new Uint16Array(nFrames * nPixels);
  for (let f = 0; f < nFrames; f++) {
    for (let p = 0; p < nPixels; p++) {
      const offset = 3000 + 40 * stage + 7 * p + (p === 5 ? 2000 : 0);
      analog[f * nPixels + p] = Math.round(offset + (p === 9 ? 60 : 5) * rng.normal());
      const wrong = opts.wrongGainEvery !== undefined && (f * nPixels + p) % opts.wrongGainEvery === 0;
      gain[f * nPixels + p] = opts.exactGain ? (wrong ? gainLevel + 1 : gainLevel) : Math.round(gainLevel + 8 * rng.normal());
    }
  }
  return {
    label: `stage ${stage}`, nFrames, rows, cols, cellsPerTrain: nCells, hasGain: true,
    async *blocks(o?: { frames?: number }): AsyncGenerator<FrameBlock> {
      const last = Math.min(nFrames, o?.frames ?? nFrames);
      for (let f0 = 0; f0 < last; f0 += 6) {
        const n = Math.min(6, last - f0);
        yield {
          module: 0, firstFrame: f0, nFrames: n, rows, cols,
          data: analog.slice(f0 * nPixels, (f0 + n) * nPixels),
          gain: gain.slice(f0 * nPixels, (f0 + n) * nPixels),
          cellIds: Uint16Array.from({ length: n }, (_, i) => cellsUsed[(f0 + i) % cellsUsed.length]),
          trainIds: Float64Array.from({ length: n }, (_, i) => Math.floor((f0 + i) / cellsUsed.length)),
        };
      }
    },
  };
}

const limits = { offsetSigma: 3, offsetHardAdu: [0, 0] as const, noiseSigma: 3, noiseHardAdu: [0, 0] as const };

/** Grouped output stacked back into [stage][cell][pixel] arrays. */
async function grouped(request: DarkRequest, spec: GainStageDarkSpec, cellsPerGroup: number) {
  const stacked: Record<string, Float32Array | Uint32Array> = {};
  const order: string[] = [];
  let nCells = 0;
  const r = await characterizeGainStagesInGroups(request, spec, {
    cellsPerGroup,
    async begin(cells) {
      nCells = cells;
      const n = 3 * cells * nPixels;
      for (const k of ['offsetAdu', 'noiseAdu', 'digitalMeanAdu', 'digitalStdAdu']) stacked[k] = new Float32Array(n).fill(-1);
      stacked.badPixels = new Uint32Array(n).fill(0xffffffff);
    },
    async onGroup(stage, c0, c1, g) {
      order.push(`${stage}:${c0}-${c1}`);
      const at = (stage * nCells + c0) * nPixels;
      for (const [k, v] of Object.entries(g)) {
        if (v === undefined) continue;
        expect(v.length).toBe((c1 - c0) * nPixels);
        stacked[k].set(v, at);
      }
    },
  });
  return { r, stacked, order };
}

describe('characterizeGainStagesInGroups', () => {
  const nCells = 5;
  it('hands on, group by group, the same offset, noise, digital statistics and flags as characterizeGainStages (pair accumulator, 1 thread and 2 workers)', async () => {
    const spec: GainStageDarkSpec = { detector: 'TEST', stageNames: ['high', 'medium', 'low'], rows, cols, digital: true, limits: () => limits };
    for (const threads of [1, 2]) {
      const request = (): DarkRequest => ({
        runs: [0, 1, 2].map((s) => stageRun(s, nCells, 12, 4000 + 1000 * s, { emptyCell: 3 })),
        module: 0, detectorId: 'T', method: 'euxfel', parameters: {}, conditions: {}, backend: createCpuBackend(), threads,
      });
      const full = await characterizeGainStages(request(), spec);
      const { r, stacked, order } = await grouped(request(), spec, 2);
      expect(order).toEqual(['0:0-2', '0:2-4', '0:4-5', '1:0-2', '1:2-4', '1:4-5', '2:0-2', '2:2-4', '2:4-5']);
      expect(Array.from(stacked.offsetAdu)).toEqual(Array.from(full.offsetAdu));
      expect(Array.from(stacked.noiseAdu)).toEqual(Array.from(full.noiseAdu));
      expect(Array.from(stacked.digitalMeanAdu)).toEqual(Array.from(full.digitalMeanAdu as Float32Array));
      expect(Array.from(stacked.digitalStdAdu)).toEqual(Array.from(full.digitalStdAdu as Float32Array));
      expect(Array.from(stacked.badPixels)).toEqual(Array.from(full.badPixels));
      expect(r.flagged).toEqual(full.flagged);
      expect(r.gainSignatures).toEqual(full.gainSignatures);
      expect(r.stages.map((s) => s.frames)).toEqual(full.stages.map((s) => s.frames));
      // the injected defects are there: hot pixel 5 and noisy pixel 9 in every cell with data, nothing in cell 3
      const flags = stacked.badPixels as Uint32Array;
      expect(flags[(0 * nCells + 1) * nPixels + 5] & BadPixel.OFFSET_OUT_OF_THRESHOLD).toBeTruthy();
      expect(flags[(2 * nCells + 4) * nPixels + 9] & BadPixel.NOISE_OUT_OF_THRESHOLD).toBeTruthy();
      expect(flags.subarray((1 * nCells + 3) * nPixels, (1 * nCells + 4) * nPixels).every((v) => (v & BadPixel.NO_DARK_DATA) !== 0)).toBe(true);
    }
  });

  it('matches characterizeGainStages on the general accumulators too (gain values accepted per stage, per-pixel counts)', async () => {
    const spec: GainStageDarkSpec = { detector: 'TEST', stageNames: ['g0', 'g1', 'g2'], rows, cols, digital: false, acceptGain: (s) => [0, 1, 3][s], limits: () => limits };
    const request = (): DarkRequest => ({
      runs: [0, 1, 2].map((s) => stageRun(s, nCells, 10, [0, 1, 3][s], { exactGain: true, wrongGainEvery: 7, emptyCell: 1 })),
      module: 0, detectorId: 'T', method: 'euxfel', parameters: {}, conditions: {}, backend: createCpuBackend(), threads: 2,
    });
    const full = await characterizeGainStages(request(), spec);
    const { stacked, r } = await grouped(request(), spec, 3);
    expect(Array.from(stacked.offsetAdu)).toEqual(Array.from(full.offsetAdu));
    expect(Array.from(stacked.noiseAdu)).toEqual(Array.from(full.noiseAdu));
    expect(Array.from(stacked.badPixels)).toEqual(Array.from(full.badPixels));
    expect(r.flagged).toEqual(full.flagged);
  });

  it('stops with the error of a failing receiver and leaves no worker running', async () => {
    const spec: GainStageDarkSpec = { detector: 'TEST', stageNames: ['high', 'medium', 'low'], rows, cols, digital: true, limits: () => limits };
    const request: DarkRequest = {
      runs: [0, 1, 2].map((s) => stageRun(s, nCells, 4, 4000 + 1000 * s, {})),
      module: 0, detectorId: 'T', method: 'euxfel', parameters: {}, conditions: {}, backend: createCpuBackend(), threads: 2,
    };
    let calls = 0;
    await expect(
      characterizeGainStagesInGroups(request, spec, {
        cellsPerGroup: 1,
        async begin() {},
        async onGroup() {
          if (++calls === 2) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(calls).toBe(2);
  });
});
