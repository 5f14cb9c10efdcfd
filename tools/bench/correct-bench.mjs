#!/usr/bin/env node
// Correction benchmark: simulate (once, cached) AGIPD darks and a light run of the same module,
// characterize the darks, then time in separate processes, write path included:
//   - `detcal correct agipd` with 1 thread, with N threads (one sequence file each), and the gpu.js kernel,
//   - the numpy/h5py reference of the same correction (tools/bench/numpy_correct.py),
// and print MB/s of raw data, frames/s and peak RSS. With --repeat N the whole set runs N times in
// rounds (detcal and numpy back to back in each round, so that each ratio compares runs taken under the
// same load) and every round is printed, then the median of the rounds.
// Then, per other detector (--detectors, default jungfrau,epix100,pnccd), the same with `detcal correct`
// (1 and N threads) on a simulated light run corrected with its dark constants and the simulation's gains;
// there is no numpy reference for those (the issue asks for one of the AGIPD correction).
// usage: pnpm bench correct [--cells 32] [--trains 32] [--threads 2] [--repeat 1] [--detectors LIST] [--data DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'apps/cli/bin/run.js');
const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '32' },
    trains: { type: 'string', default: '32' },
    threads: { type: 'string', default: String(availableParallelism()) },
    repeat: { type: 'string', default: '1' },
    detectors: { type: 'string', default: 'jungfrau,epix100,pnccd' },
    backends: { type: 'string', default: 'cpu,gpu' },
    data: { type: 'string', default: join(root, '.bench-data/correct') },
    out: { type: 'string', default: join(root, 'tools/bench/results/correct.json') },
  },
});

const run = (args) => execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const dir = values.data;
const key = `agipd-c${values.cells}-t${values.trains}`;
const base = join(dir, key);
if (!existsSync(join(base, 'light', 'simulation.json'))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  console.error(`bench: simulating AGIPD darks and a light run (${values.cells} cells x ${values.trains} trains) into ${base} ...`);
  const darks = JSON.parse(run(['simulate', 'agipd', '--kind', 'dark', '--out', join(base, 'dark'), '--cells', values.cells, '--trains', '16', '--json'])).runs.map((r) => r.dir);
  run(['dark', 'agipd', ...darks, '--out', join(base, 'dark.h5')]);
  // sequence files of 256 frames, so that threads have files to share
  run(['simulate', 'agipd', '--kind', 'light', '--out', join(base, 'light'), '--cells', values.cells, '--trains', values.trains, '--run', '50', '--frames-per-sequence', '256', '--json']);
}
const sim = JSON.parse(readFileSync(join(base, 'light', 'simulation.json'), 'utf8'));
const lightRun = sim.runs[0].dir;
const variants = [{ label: 'detcal cpu, 1 thread', args: ['--threads', '1'] }, { label: `detcal cpu, ${values.threads} threads`, args: ['--threads', values.threads] }];
if (values.backends.split(',').includes('gpu')) variants.push({ label: 'detcal gpu.js kernel, 1 thread', args: ['--threads', '1', '--backend', 'gpu'] });
const raw = readdirSync(lightRun).filter((f) => f.endsWith('.h5')).sort().map((f) => join(lightRun, f));

/** One round: every detcal variant, then the numpy reference. */
function runRound(round) {
  const out = [];
  for (const v of variants) {
    const corr = join(base, 'corr');
    rmSync(corr, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [cli, 'correct', 'agipd', lightRun, '--constants', join(base, 'dark.h5'), '--out', corr, '--json', ...v.args], { encoding: 'utf8' });
    if (r.status !== 0) { out.push({ impl: v.label, round, error: r.stderr.trim() }); continue; }
    const rep = JSON.parse(r.stdout);
    out.push({ impl: v.label, round, seconds: rep.seconds, MBps: rep.mbPerSecond, framesPerSecond: rep.framesPerSecond, peakRssMB: rep.peakRssMb, bytes: rep.rawBytes, frames: rep.frames });
  }
  const npOut = join(base, 'npcorr');
  rmSync(npOut, { recursive: true, force: true });
  const py = spawnSync('/usr/bin/python3', [join(root, 'tools/bench/numpy_correct.py'), join(base, 'dark.h5'), npOut, ...raw], { encoding: 'utf8' });
  out.push(py.status === 0 ? { impl: 'numpy reference, 1 process', round, ...JSON.parse(py.stdout.trim().split('\n').pop()) } : { impl: 'numpy reference', round, error: py.stderr.trim().split('\n').pop() });
  rmSync(npOut, { recursive: true, force: true });
  rmSync(join(base, 'corr'), { recursive: true, force: true });
  const numpy = out.find((r) => r.impl.startsWith('numpy') && !r.error);
  for (const r of out) if (numpy && !r.error) r.vsNumpy = r.MBps / numpy.MBps;
  return out;
}

const repeat = Math.max(1, Number(values.repeat) || 1);
const rows = [];
for (let round = 1; round <= repeat; round++) rows.push(...runRound(round));

const f = (x, d = 0) => (typeof x === 'number' ? x.toFixed(d) : '-');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`AGIPD correction, ${sim.runs[0].frames} frames (${values.cells} cells), ${sim.runs[0].files.length} sequence files, write path included${repeat > 1 ? `, ${repeat} rounds` : ''}`);
console.log([...(repeat > 1 ? ['round'] : []), 'implementation', 'seconds', 'MB/s', 'frames/s', 'peak RSS MB', 'vs numpy'].join(' | '));
for (const r of rows) {
  const head = repeat > 1 ? [String(r.round)] : [];
  if (r.error) { console.log([...head, r.impl, `error: ${r.error}`].join(' | ')); continue; }
  console.log([...head, r.impl, f(r.seconds, 2), f(r.MBps), f(r.framesPerSecond), f(r.peakRssMB), `${f(r.vsNumpy, 2)}x`].join(' | '));
}
if (repeat > 1) {
  console.log(`median of ${repeat} rounds`);
  console.log(['implementation', 'MB/s', 'vs numpy (same round)'].join(' | '));
  for (const impl of [...new Set(rows.map((r) => r.impl))]) {
    const ok = rows.filter((r) => r.impl === impl && !r.error);
    console.log([impl, f(median(ok.map((r) => r.MBps))), `${f(median(ok.map((r) => r.vsNumpy)), 2)}x`].join(' | '));
  }
}
// Other detectors: simulated dark -> constants, a light run in 4 sequence files, corrected with the
// dark constants and the truth file's gains (later --constants files win).
const OTHER = {
  jungfrau: { dark: ['--cells', '1', '--trains', '100'], light: ['--cells', '1', '--trains', '400'], perSequence: 100 },
  epix100: { dark: ['--trains', '300'], light: ['--trains', '400'], perSequence: 100 },
  pnccd: { dark: ['--trains', '100'], light: ['--trains', '200'], perSequence: 50 },
};
const others = values.detectors.split(',').filter((d) => d && d !== 'agipd');
const otherRows = [];
for (const det of others) {
  const spec = OTHER[det];
  if (!spec) throw new Error(`bench correct: no settings for detector ${det}`);
  const b = join(dir, det);
  if (!existsSync(join(b, 'light', 'simulation.json'))) {
    rmSync(b, { recursive: true, force: true });
    mkdirSync(b, { recursive: true });
    console.error(`bench: simulating ${det} darks and a light run into ${b} ...`);
    const darks = JSON.parse(run(['simulate', det, '--kind', 'dark', '--out', join(b, 'dark'), ...spec.dark, '--json'])).runs.map((r) => r.dir);
    run(['dark', det, ...darks, '--out', join(b, 'dark.h5')]);
    run(['simulate', det, '--kind', 'light', '--out', join(b, 'light'), ...spec.light, '--run', '50', '--frames-per-sequence', String(spec.perSequence), '--json']);
  }
  const s2 = JSON.parse(readFileSync(join(b, 'light', 'simulation.json'), 'utf8'));
  for (let round = 1; round <= repeat; round++) {
    for (const v of variants.filter((x) => !x.args.includes('gpu'))) {
      const corr = join(b, 'corr');
      rmSync(corr, { recursive: true, force: true });
      const r = spawnSync(process.execPath, [cli, 'correct', det, s2.runs[0].dir, '--constants', s2.truthFile, '--constants', join(b, 'dark.h5'), '--out', corr, '--json', ...v.args], { encoding: 'utf8' });
      rmSync(corr, { recursive: true, force: true });
      if (r.status !== 0) { otherRows.push({ detector: det, impl: v.label, round, error: r.stderr.trim() }); continue; }
      const rep = JSON.parse(r.stdout);
      otherRows.push({ detector: det, impl: v.label, round, seconds: rep.seconds, MBps: rep.mbPerSecond, framesPerSecond: rep.framesPerSecond, peakRssMB: rep.peakRssMb, frames: rep.frames, files: s2.runs[0].files.length });
    }
  }
}
if (otherRows.length) {
  console.log('other detectors (write path included; no numpy reference)');
  console.log(['detector', ...(repeat > 1 ? ['round'] : []), 'implementation', 'frames', 'files', 'seconds', 'MB/s', 'frames/s', 'peak RSS MB'].join(' | '));
  for (const r of otherRows) {
    const head = [r.detector, ...(repeat > 1 ? [String(r.round)] : []), r.impl];
    if (r.error) { console.log([...head, `error: ${r.error}`].join(' | ')); continue; }
    console.log([...head, String(r.frames), String(r.files), f(r.seconds, 2), f(r.MBps), f(r.framesPerSecond), f(r.peakRssMB)].join(' | '));
  }
}
rows.push(...otherRows);
mkdirSync(join(values.out, '..'), { recursive: true });
writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), cpus: availableParallelism(), rows }, null, 2));
console.error(`bench: wrote ${values.out}`);
