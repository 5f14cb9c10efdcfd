#!/usr/bin/env node
// Dark benchmark: per detector, simulate (once, cached) dark runs, then time in separate processes
//   - the read-only floor (tools/bench/read-floor.mjs), with the reader detcal uses (direct fs reads of
//     uncompressed datasets) and with h5wasm only,
//   - `detcal dark` with each backend (its --json report: MB/s, frames/s, peak RSS),
//   - the numpy/h5py reference (tools/bench/numpy_dark.py: per-cell sum/sumsq),
// and print a table. usage: pnpm bench dark [--detectors agipd,jungfrau] [--backends cpu,gpu] [--data DIR]
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
  const floor = json(execFileSync(process.execPath, [join(root, 'tools/bench/read-floor.mjs'), det, ...runs], { encoding: 'utf8' }));
  rows.push({ ...floor, detector: det, impl: 'read-only floor' });
  const floorH5wasm = json(execFileSync(process.execPath, [join(root, 'tools/bench/read-floor.mjs'), det, ...runs, '--h5wasm'], { encoding: 'utf8' }));
  rows.push({ ...floorH5wasm, detector: det, impl: 'read-only floor (h5wasm only)' });
  for (const backend of values.backends.split(',')) {
    const r = spawnSync(process.execPath, [cli, 'dark', det, ...runs, '--out', join(dir, `dark-${backend}.h5`), '--backend', backend, '--json'], { encoding: 'utf8' });
    if (r.status !== 0) { rows.push({ detector: det, impl: `detcal ${backend}`, error: r.stderr.trim() || r.stdout.trim() }); continue; }
    const rep = JSON.parse(r.stdout);
    // MB/s and frames/s of the files (read once), whatever number of passes the method makes over them
    const passes = rep.rawBytes / floor.bytes;
    rows.push({ detector: det, impl: `detcal ${backend} (${rep.backend.choice})`, seconds: rep.seconds, MBps: floor.bytes / 1e6 / rep.seconds, framesPerSecond: floor.frames / rep.seconds, peakRssMB: rep.peakRssMb, passes });
  }
  const n = NUMPY[det];
  const py = spawnSync('/usr/bin/python3', [join(root, 'tools/bench/numpy_dark.py'), n.ds, ...files, '--axes', n.axes, ...(n.cells ? ['--cell-dataset', n.cells] : [])], { encoding: 'utf8' });
  rows.push(py.status === 0 ? { ...json(py.stdout), detector: det, impl: 'numpy reference' } : { detector: det, impl: 'numpy reference', error: py.stderr.trim().split('\n').pop() });
}

const f = (v, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '-');
// 'vs numpy' compares seconds on the same files (numpy reads them once; detcal's multi-pass methods read them more often)
console.log(['detector', 'implementation', 'seconds', 'MB/s', 'frames/s', 'peak RSS MB', 'passes', 'vs floor', 'vs numpy'].join(' | '));
for (const r of rows) {
  const floor = rows.find((x) => x.detector === r.detector && x.impl === 'read-only floor');
  const numpy = rows.find((x) => x.detector === r.detector && x.impl === 'numpy reference');
  if (r.error) { console.log(`${r.detector} | ${r.impl} | error: ${r.error}`); continue; }
  console.log([r.detector, r.impl, f(r.seconds, 2), f(r.MBps), f(r.framesPerSecond), f(r.peakRssMB), r.passes ? f(r.passes, 1) : '1', `${f((100 * floor.seconds) / r.seconds)}%`, numpy?.seconds ? `${f(numpy.seconds / r.seconds, 2)}x` : '-'].join(' | '));
}
mkdirSync(join(values.out, '..'), { recursive: true });
writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), cpus: (await import('node:os')).cpus().length, rows }, null, 2));
console.error(`bench: wrote ${values.out}`);
