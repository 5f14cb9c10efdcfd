#!/usr/bin/env node
// pixel-status benchmark (issue 4 targets on 2 cores: F1,2,3 <= 10 s and F1,6 <= 60 s on 1000 frames).
// Each case runs in its own process, so peak RSS (process.resourceUsage().maxRSS) is the case's own:
//   - cli: `detcal pixel-status epix100 <run> -F ... --json` on a simulated ePix100 run of --frames
//     frames (708 x 768 u2, EuXFEL raw file, simulated once into --data), reading included;
//   - lib: computePixelStatus on --frames synthetic light frames of 704 x 768 (the LCLS ePix100 shape:
//     tilted planes + noise + hot / cold / noisy pixels) made block by block in memory, no file I/O.
// seconds: wall clock of the evaluation (reading included for cli); CPU seconds: user + system of all
// threads (the lib cases without generating the frames), the time on idle cores when the machine is shared.
// usage: pnpm bench pixel-status [--frames 1000] [--threads N] [--cases cli-dark,cli-light,lib-dark,lib-light] [--data DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'apps/cli/bin/run.js');
const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    cases: { type: 'string', default: 'cli-dark,cli-light,lib-dark,lib-light' },
    data: { type: 'string', default: join(root, '.bench-data/pixel-status') },
    out: { type: 'string' },
    child: { type: 'string' },
  },
});
const frames = Number(values.frames);
const threads = Number(values.threads);

if (values.child) {
  // Child process of a lib case: time computePixelStatus on generated 704 x 768 frames.
  const { computePixelStatus, generatedFrameStream } = await import('@detcal/pixel-status');
  const rows = 704, cols = 768, pixels = rows * cols;
  const noise = new Float32Array(1 << 20);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  for (let i = 0; i < noise.length; i++) noise[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  const offset = new Float32Array(pixels);
  const spread = values.child === 'light' ? 2 : 30; // fixed pattern: a light plane fit sees it as residual median
  for (let p = 0; p < pixels; p++) offset[p] = 2000 + spread * noise[(p * 7) & (noise.length - 1)];
  const hot = 1000, cold = 250000, noisy = 400000;
  let genMs = 0;
  const stream = generatedFrameStream(frames, rows, cols, (f, out) => {
    const t = performance.now();
    const light = values.child === 'light';
    const ax = light ? 0.5 + 0.01 * f : 0, by = light ? 0.2 - 0.002 * f : 0, c = light ? 50 * Math.sin(f) : 3 * noise[f];
    let k = (f * 7919) & (noise.length - 1);
    for (let r = 0, p = 0; r < rows; r++) {
      const base = c + by * r;
      for (let x = 0; x < cols; x++, p++) {
        out[p] = offset[p] + base + ax * x + 5 * noise[k] + 0.5;
        k = (k + 1) & (noise.length - 1);
      }
    }
    const amp = light ? 100 : 400;
    out[hot] += amp;
    out[cold] -= amp;
    out[noisy] += amp * noise[(f * 31) & (noise.length - 1)];
    genMs += performance.now() - t;
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await computePixelStatus(stream, { features: values.child === 'light' ? '1,6' : '1,2,3', nrecs: frames, events: frames, threads });
  const seconds = (performance.now() - t0 - genMs) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 - genMs / 1000;
  console.log(JSON.stringify({ seconds, cpuSeconds, generateSeconds: genMs / 1000, records: r.summary.frames.records, bad: r.summary.anyBad.count, threads: r.summary.threads, memory: r.summary.memory, peakRssBytes: process.resourceUsage().maxRSS * 1024, rawBytes: frames * pixels * 2 }));
  process.exit(0);
}

const rowsOut = [];
const cases = values.cases.split(',');
if (cases.some((c) => c.startsWith('cli'))) {
  const dir = join(values.data, `epix100-${frames}`);
  if (!existsSync(join(dir, 'simulation.json'))) {
    mkdirSync(dir, { recursive: true });
    console.error(`bench: simulating an ePix100 run of ${frames} frames into ${dir} ...`);
    execFileSync(process.execPath, [cli, 'simulate', 'epix100', '--kind', 'dark', '--out', dir, '--trains', String(frames), '--force'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const run = JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8')).runs[0].dir;
  for (const [name, features] of [['cli-dark', '1,2,3'], ['cli-light', '1,6']]) {
    if (!cases.includes(name)) continue;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'pixel-status', 'epix100', run, '-F', features, '-n', String(frames), '-r', String(frames), '--threads', String(threads), '--out', join(dir, `${name}.h5`), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) { rowsOut.push({ case: name, features, error: r.stderr.trim() }); continue; }
    const rep = JSON.parse(r.stdout);
    const rawBytes = rep.frames.records * rep.rows * rep.cols * 2;
    rowsOut.push({ case: name, features, shape: `${rep.rows}x${rep.cols}`, frames: rep.frames.records, seconds: rep.totalSeconds, cpuSeconds: rep.cpuSeconds, processSeconds: wall, framesPerSecond: rep.frames.records / rep.totalSeconds, MBps: rawBytes / 1e6 / rep.totalSeconds, peakRssMB: rep.peakRssBytes / 1e6, heldMB: rep.memory.heldFramesBytes / 1e6, threads: rep.threads, bad: rep.anyBad.count });
  }
}
for (const [name, kind, features] of [['lib-dark', 'dark', '1,2,3'], ['lib-light', 'light', '1,6']]) {
  if (!cases.includes(name)) continue;
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', kind, '--frames', String(frames), '--threads', String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) { rowsOut.push({ case: name, features, error: r.stderr.trim() }); continue; }
  const rep = JSON.parse(r.stdout.trim().split('\n').pop());
  rowsOut.push({ case: name, features, shape: '704x768', frames: rep.records, seconds: rep.seconds, cpuSeconds: rep.cpuSeconds, framesPerSecond: rep.records / rep.seconds, MBps: rep.rawBytes / 1e6 / rep.seconds, peakRssMB: rep.peakRssBytes / 1e6, heldMB: rep.memory.heldFramesBytes / 1e6, threads: rep.threads, bad: rep.bad });
}

const f = (v, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '-');
console.log(['case', 'features', 'frames', 'shape', 'seconds', 'CPU seconds', 'frames/s', 'MB/s', 'peak RSS MB', 'held frames MB', 'threads', 'bad pixels'].join(' | '));
for (const r of rowsOut) {
  if (r.error) { console.log(`${r.case} | ${r.features} | error: ${r.error}`); continue; }
  console.log([r.case, r.features, r.frames, r.shape, f(r.seconds, 2), f(r.cpuSeconds, 2), f(r.framesPerSecond, 1), f(r.MBps, 1), f(r.peakRssMB), f(r.heldMB), r.threads, r.bad].join(' | '));
}
const out = values.out ?? join(values.data, 'results.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, frames, threads, rows: rowsOut }, null, 2));
console.error(`bench: wrote ${out}`);
