#!/usr/bin/env node
// Dark benchmark: per detector, simulate (once, cached) dark runs, then time in separate processes
//   - the read-only floor (tools/bench/read-floor.mjs; the fastest of three), with the reader detcal uses
//     (direct fs reads of uncompressed datasets) and with h5wasm only,
//   - `detcal dark` with each backend (its --json report: MB/s, frames/s, peak RSS),
//   - the numpy/h5py reference (tools/bench/numpy_dark.py: per-cell sum/sumsq, one pass),
//   - for ePix100 and pnCCD also the numpy/h5py reference of the same method (tools/bench/numpy_dark_cm.py:
//     offset / noise, common-mode-corrected noise, bad-pixel maps, pnCCD cosmics: the passes detcal makes),
//     compared with detcal's constants file (largest differences printed below the table),
// and print a table. usage: pnpm bench dark [--detectors agipd,jungfrau] [--backends cpu,gpu] [--data DIR] [--repeat N]
// With --repeat N, detcal and the numpy references run N times in alternation; a row gives the median seconds and the
// range, and 'vs numpy' the median of the same-round ratios (the numpy reference alone varied 1.2-1.7 s on AGIPD).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'apps/cli/bin/run.js');
const { values } = parseArgs({
  options: {
    detectors: { type: 'string', default: 'agipd,jungfrau,epix100,pnccd' },
    backends: { type: 'string', default: 'cpu,gpu' },
    data: { type: 'string', default: join(root, '.bench-data') },
    out: { type: 'string', default: join(root, 'tools/bench/results/dark.json') },
    repeat: { type: 'string', default: '1' },
  },
  allowPositionals: true,
});

// Simulation sizes: about 0.4-1 GB of raw data per detector, defaults of `detcal simulate` otherwise.
const SIZES = { agipd: ['--cells', '32', '--trains', '32'], jungfrau: ['--trains', '200'], epix100: ['--trains', '500'], pnccd: ['--trains', '200'] };
// Where the numpy reference finds the pixel data (and cell ids) of each detector's raw files.
const NUMPY = {
  agipd: { ds: 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/data', axes: 'frame-analog-digital', cells: 'INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/cellId' },
  jungfrau: { ds: 'INSTRUMENT/FXE_XAD_JF1M/DET/JNGFR01:daqOutput/data/adc', axes: 'train-cell' },
  epix100: { ds: 'INSTRUMENT/MID_EXP_EPIX-1/DET/RECEIVER:daqOutput/data/image/pixels', axes: 'frame' },
  pnccd: { ds: 'INSTRUMENT/SQS_NQS_PNCCD1MP/CAL/PNCCD_FMT-0:output/data/image', axes: 'frame' },
};
// Detectors whose detcal dark is more than per-cell mean / std: numpy_dark_cm.py does the same statistics.
const NUMPY_SAME_METHOD = new Set(['epix100', 'pnccd']);

const json = (text) => JSON.parse(text.trim().split('\n').filter((l) => l.startsWith('{')).pop());
const rows = [];
for (const det of values.detectors.split(',')) {
  const dir = join(values.data, det);
  if (!existsSync(join(dir, 'simulation.json'))) {
    mkdirSync(dir, { recursive: true });
    console.error(`bench: simulating ${det} into ${dir} ...`);
    execFileSync(process.execPath, [cli, 'simulate', det, '--out', dir, '--force', ...SIZES[det]], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const sim = JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8'));
  const runs = sim.runs.map((r) => r.dir);
  const files = sim.runs.flatMap((r) => r.files);
  // the floor is the fastest of three reads (single reads of the same files varied 0.28-0.55 s on this VM)
  const floors = [0, 1, 2].map(() => json(execFileSync(process.execPath, [join(root, 'tools/bench/read-floor.mjs'), det, ...runs], { encoding: 'utf8' })));
  const floor = floors.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  rows.push({ ...floor, detector: det, impl: 'read-only floor' });
  const floorH5wasm = json(execFileSync(process.execPath, [join(root, 'tools/bench/read-floor.mjs'), det, ...runs, '--h5wasm'], { encoding: 'utf8' }));
  rows.push({ ...floorH5wasm, detector: det, impl: 'read-only floor (h5wasm only)' });
  const repeat = Math.max(1, Number(values.repeat) || 1);
  const rounds = [];
  for (let round = 0; round < repeat; round++) {
    const got = [];
    for (const backend of values.backends.split(',')) {
      const r = spawnSync(process.execPath, [cli, 'dark', det, ...runs, '--out', join(dir, `dark-${backend}.h5`), '--backend', backend, '--json'], { encoding: 'utf8' });
      if (r.status !== 0) { got.push({ detector: det, impl: `detcal ${backend}`, error: r.stderr.trim() || r.stdout.trim() }); continue; }
      const rep = JSON.parse(r.stdout);
      // MB/s and frames/s of the files (read once), whatever number of passes the method makes over them
      const passes = rep.rawBytes / floor.bytes;
      got.push({ detector: det, impl: `detcal ${backend} (${rep.backend.choice})`, seconds: rep.seconds, MBps: floor.bytes / 1e6 / rep.seconds, framesPerSecond: floor.frames / rep.seconds, peakRssMB: rep.peakRssMb, passes });
    }
    const n = NUMPY[det];
    const py = spawnSync('/usr/bin/python3', [join(root, 'tools/bench/numpy_dark.py'), n.ds, ...files, '--axes', n.axes, ...(n.cells ? ['--cell-dataset', n.cells] : [])], { encoding: 'utf8' });
    got.push(py.status === 0 ? { ...json(py.stdout), detector: det, impl: 'numpy reference' } : { detector: det, impl: 'numpy reference', error: py.stderr.trim().split('\n').pop() });
    if (NUMPY_SAME_METHOD.has(det)) {
      const detcalFile = join(dir, `dark-${values.backends.split(',')[0]}.h5`);
      const args = [join(root, 'tools/bench/numpy_dark_cm.py'), det, n.ds, ...files, ...(existsSync(detcalFile) ? ['--compare', detcalFile] : [])];
      const cm = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
      const impl = 'numpy reference (same method)';
      got.push(cm.status === 0 ? { ...json(cm.stdout), detector: det, impl } : { detector: det, impl, error: cm.stderr.trim().split('\n').pop() });
    }
    rounds.push(got);
  }
  // per implementation: the median round's row, with the range of seconds and the same-round ratios to the references
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  for (const first of rounds[0]) {
    const all = rounds.map((g) => g.find((x) => x.impl === first.impl)).filter((x) => x && !x.error);
    if (all.length < rounds.length) { rows.push(rounds.map((g) => g.find((x) => x.impl === first.impl)).find((x) => x?.error) ?? first); continue; }
    const secs = all.map((x) => x.seconds);
    const mid = all.find((x) => x.seconds === median(secs));
    const ratio = (refImpl) => {
      const per = rounds.map((g) => { const ref = g.find((x) => x.impl === refImpl); return ref?.seconds ? ref.seconds / g.find((x) => x.impl === first.impl).seconds : undefined; });
      return per.every((v) => v !== undefined) ? median(per) : undefined;
    };
    rows.push({ ...mid, range: [Math.min(...secs), Math.max(...secs)], vsNumpy: ratio('numpy reference'), vsSame: ratio('numpy reference (same method)') });
  }
}

const f = (v, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '-');
// 'vs numpy' compares seconds on the same files (numpy reads them once; detcal's multi-pass methods read them more often)
// 'vs numpy (same method)' compares with numpy_dark_cm.py, which makes the same passes as detcal (ePix100, pnCCD)
console.log(['detector', 'implementation', 'seconds', ...(Number(values.repeat) > 1 ? ['range s'] : []), 'MB/s', 'frames/s', 'peak RSS MB', 'passes', 'vs floor', 'vs numpy', 'vs numpy (same method)'].join(' | '));
for (const r of rows) {
  const floor = rows.find((x) => x.detector === r.detector && x.impl === 'read-only floor');
  const numpy = rows.find((x) => x.detector === r.detector && x.impl === 'numpy reference');
  const same = rows.find((x) => x.detector === r.detector && x.impl === 'numpy reference (same method)');
  if (r.error) { console.log(`${r.detector} | ${r.impl} | error: ${r.error}`); continue; }
  const ratio = (ref, perRound) => (perRound !== undefined ? `${f(perRound, 2)}x` : ref?.seconds ? `${f(ref.seconds / r.seconds, 2)}x` : '-');
  const range = Number(values.repeat) > 1 ? [r.range ? `${f(r.range[0], 2)}-${f(r.range[1], 2)}` : '-'] : [];
  console.log([r.detector, r.impl, f(r.seconds, 2), ...range, f(r.MBps), f(r.framesPerSecond), f(r.peakRssMB), r.passes ? f(r.passes, 1) : '1', `${f((100 * floor.seconds) / r.seconds)}%`, ratio(numpy, r.vsNumpy), ratio(same, r.vsSame)].join(' | '));
}
// Agreement of the same-method reference with detcal's constants (max |difference|, float32 ulps, differing flags)
for (const r of rows.filter((x) => x.compare)) {
  const parts = Object.entries(r.compare).map(([name, c]) =>
    typeof c === 'string' ? `${name}: ${c}` : 'pixelsDiffering' in c ? `${name}: ${c.pixelsDiffering} pixels differ (${c.badDetcal} bad)` : `${name}: max ${c.maxAbs.toExponential(1)} ADU = ${c.maxUlps} ulp`);
  console.log(`${r.detector}: numpy (same method) vs detcal: ${parts.join(', ')}`);
}
mkdirSync(join(values.out, '..'), { recursive: true });
writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), cpus: (await import('node:os')).cpus().length, rows }, null, 2));
console.error(`bench: wrote ${values.out}`);
