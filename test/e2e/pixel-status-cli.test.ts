// `detcal pixel-status` end to end through the built binary: a simulated ePix100 dark run with
// injected hot / noisy / dead pixels (features 1, 2, 3), a synthetic light stack in an HDF5 file
// (features 1, 6 on worker threads, checked against the in-process library), feature 11 with psana
// text pedestals or pedestals from the store, saving into the store, and one-line errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PixelStatus, Random } from '@detcal/core';
import { readConstantsFile, writeAtomically, writeNumericDataset } from '@detcal/hdf5';
import { arrayFrameStream, computePixelStatus } from '@detcal/pixel-status';
import { detcal } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-pixel-status-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** EuXFEL BadPixels bits of the simulator's truth. */
const OFFSET_BIT = 1, NOISE_BIT = 2, STD_ZERO_BIT = 1 << 14;

async function statusArray(file: string, name: string): Promise<number[]> {
  const set = await readConstantsFile(file);
  const c = set.constants[name];
  expect(c.dtype).toBe('u8');
  return Array.from(c.data as BigUint64Array, Number);
}

describe('detcal pixel-status on a simulated ePix100 dark run', () => {
  let runDir = '';
  let truthFile = '';
  beforeAll(() => {
    const r = detcal(['simulate', 'epix100', '--kind', 'dark', '--out', join(work, 'sim'), '--trains', '120', '--json']);
    expect(r.status, r.stderr).toBe(0);
    runDir = r.json().runs[0].dir;
    truthFile = r.json().truthFile;
  });

  it('-F 1,2,3 finds the injected hot, noisy and dead pixels (recall >= 99%, few false flags)', async () => {
    const out = join(work, 'status-dark.h5');
    const r = detcal(['pixel-status', 'epix100', runDir, '-F', '1,2,3', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.ctype).toBe('status_dark');
    expect([rep.rows, rep.cols]).toEqual([708, 768]);
    expect(rep.frames).toMatchObject({ records: 120 });
    expect(rep.bits.map((b: { octal: string }) => b.octal)).toEqual(['0o1', '0o2', '0o4', '0o10']);
    expect(rep.output.file).toBe(out);
    expect(rep.memory.heldFramesBytes).toBe(0);

    const status = await statusArray(out, 'status_dark');
    const truth = Array.from((await readConstantsFile(truthFile)).constants.BadPixelsTruth.data as Uint32Array);
    const found = { hot: [0, 0], noisy: [0, 0], dead: [0, 0] };
    let falseFlags = 0, good = 0;
    truth.forEach((t, i) => {
      const s = status[i];
      if (t === 0) {
        good++;
        if (s !== 0) falseFlags++;
      } else if (t & STD_ZERO_BIT) found.dead = [found.dead[0] + Number((s & PixelStatus.F3_STD_LOW) !== 0), found.dead[1] + 1];
      else if (t & OFFSET_BIT) found.hot = [found.hot[0] + Number((s & PixelStatus.F2_MEAN_HIGH) !== 0), found.hot[1] + 1];
      else if (t & NOISE_BIT) found.noisy = [found.noisy[0] + Number((s & PixelStatus.F3_STD_HIGH) !== 0), found.noisy[1] + 1];
    });
    for (const [kind, [hit, n]] of Object.entries(found)) {
      expect(n, kind).toBeGreaterThan(1000);
      expect(hit / n, `${kind}: ${hit} of ${n}`).toBeGreaterThanOrEqual(0.99);
    }
    expect(falseFlags / good).toBeLessThan(1e-3);
  });

  it('prints the det_pixel_status summary and the consumed time', () => {
    const r = detcal(['pixel-status', 'epix100', runDir, '--out', join(work, 'status-dark-2.h5'), '-n', '60']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Summary of the bad pixel status evaluation for SNR=8\.00, status_dark array$/m);
    expect(r.stdout).toMatch(/^ {19}0o2: +\d+ \/ 543744 \( *\d+\.\d{3}%\) pixels Feat\.2 mean >= \d+\.\d{3}$/m);
    expect(r.stdout).toMatch(/^ {18}0o10: +\d+ \/ 543744 \( *\d+\.\d{3}%\) pixels Feat\.3 std >= \d+\.\d{3}$/m);
    expect(r.stdout).toMatch(/^ {4}Any bad status bit: +\d+ \/ 543744 \( *\d+\.\d{3}%\) pixels$/m);
    expect(r.stdout).toMatch(/^Consumed time \d+\.\d{3} sec$/m);
    expect(r.stdout).toMatch(/^Feat\.1: 60 good frames of 60 records/m);
  });

  it('-F 11 takes pedestals from a psana text file and streams every event', async () => {
    const offset = (await readConstantsFile(truthFile)).constants.Offset;
    const rows = [];
    const d = offset.data as Float32Array;
    for (let r = 0; r < 708; r++) rows.push(Array.from(d.subarray(r * 768, (r + 1) * 768), (v) => v.toFixed(3)).join(' '));
    const peds = join(work, 'pedestals.data');
    writeFileSync(peds, `# TITLE pedestals\n# SHAPE (708,768)\n${rows.join('\n')}\n`);
    const out = join(work, 'status-max.h5');
    const r = detcal(['pixel-status', 'epix100', runDir, '-F', '11,', '--pedestals', peds, '-n', '1000000', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.ctype).toBe('status_max');
    expect(rep.maxEvents).toBe(120);
    expect(rep.bits.map((b: { octal: string }) => b.octal)).toEqual(['0o400', '0o1000']);
    // dead pixels never rise above their pedestal: all on the low side
    const status = await statusArray(out, 'status_max');
    const truth = (await readConstantsFile(truthFile)).constants.BadPixelsTruth.data as Uint32Array;
    let dead = 0, deadLow = 0;
    truth.forEach((t, i) => {
      if (t & STD_ZERO_BIT) {
        dead++;
        if (status[i] & PixelStatus.F11_MAX_LOW) deadLow++;
      }
    });
    expect(deadLow / dead).toBeGreaterThanOrEqual(0.99);
  });

  it('saves into the store, takes feature-11 pedestals from it, and merge-status ORs the results', () => {
    const store = join(work, 'store');
    const id = 'MID_EXP_EPIX-1/DET/RECEIVER:daqOutput';
    const dark = detcal(['pixel-status', 'epix100', runDir, '-n', '60', '--store', store, '--json']);
    expect(dark.status, dark.stderr).toBe(0);
    expect(dark.json().store.entries.map((e: { ctype: string }) => e.ctype)).toEqual(['status_dark']);
    expect(dark.json().detectorId).toBe(id);
    const noPeds = detcal(['pixel-status', 'epix100', runDir, '-F', '11', '--store', store]);
    expect(noPeds.status).not.toBe(0);
    expect(noPeds.stderr).toMatch(/feature 11 needs pedestals: none of epix100 .* in the store .*; pass --pedestals FILE/);
    const add = detcal(['constants', 'add', truthFile, '-t', 'Offset', '--store', store, '--detector-id', id, '--run-range', '0-end', '--json']);
    expect(add.status, add.stderr).toBe(0);
    const max = detcal(['pixel-status', 'epix100', runDir, '-F', '11', '--store', store, '--json']);
    expect(max.status, max.stderr).toBe(0);
    expect(max.json().store.entries[0].ctype).toBe('status_max');
    expect(max.json().bits[0].count).toBeGreaterThan(1000); // dead pixels: max - pedestals <= limit
    const merged = detcal(['constants', 'merge-status', '-d', 'epix100', '--detector-id', id, '--store', store, '--json']);
    expect(merged.status, merged.stderr).toBe(0);
  });

  it('fails in one line without a destination, for features 4 / 5 and a non-HDF5 --out', () => {
    for (const args of [[], ['-F', '1,4', '--out', join(work, 'x.h5')], ['--out', join(work, 'x.txt')]]) {
      const r = detcal(['pixel-status', 'epix100', runDir, ...args], { DETCAL_STORE: '' });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(detcal(['pixel-status', 'epix100', runDir], { DETCAL_STORE: '' }).stderr).toMatch(/pass --store DIR \(or set DETCAL_STORE\).*--out FILE\.h5/);
  });
});

describe('detcal pixel-status -F 1,6 on a light stack (HDF5 file with --dataset)', () => {
  const rows = 64, cols = 96, frames = 48;
  const stack = new Uint16Array(frames * rows * cols);
  const hot = 10 * cols + 10, cold = 40 * cols + 70, noisy = 50 * cols + 20;
  const rng = new Random(9);
  for (let f = 0; f < frames; f++) {
    const o = f * rows * cols;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) stack[o + r * cols + c] = Math.round(3000 + 40 * Math.sin(f) + (1 + 0.05 * f) * c - 0.5 * r + 4 * rng.normal());
    stack[o + hot] += 70;
    stack[o + cold] -= 70;
    stack[o + noisy] += Math.round(70 * rng.normal());
  }
  const file = join(work, 'light.h5');
  beforeAll(async () => {
    await writeAtomically(file, (h5) => { writeNumericDataset(h5, 'entry/data', stack, [frames, rows, cols], 'u2'); });
  });

  it('flags the injected pixels on worker threads, identical to the library in one thread', async () => {
    const out = join(work, 'status-light.h5');
    const r = detcal(['pixel-status', 'epix100', file, '--dataset', '/entry/data', '-F', '1,6', '--threads', '2', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = r.json();
    expect(rep.ctype).toBe('status_light');
    expect(rep.threads).toBe(2);
    expect(rep.memory.heldFramesBytes).toBe(frames * rows * cols * 2);
    const status = await statusArray(out, 'status_light');
    expect(status[hot] & PixelStatus.F6_RESIDUAL_MEDIAN_HIGH).toBeTruthy();
    expect(status[cold] & PixelStatus.F6_RESIDUAL_MEDIAN_LOW).toBeTruthy();
    expect(status[noisy] & PixelStatus.F6_RESIDUAL_MAD_HIGH).toBeTruthy();
    expect(rep.anyBad.count).toBeLessThanOrEqual(6);
    const lib = await computePixelStatus(arrayFrameStream(stack, rows, cols), { features: [1, 6], threads: 1 });
    expect(status).toEqual(Array.from(lib.status));
    expect(rep.ranges.map((x: { lo: number }) => x.lo)).toEqual(lib.summary.ranges.map((x) => x.lo));
  });
});
