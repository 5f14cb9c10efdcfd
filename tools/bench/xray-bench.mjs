#!/usr/bin/env node
// X-ray tube benchmark: simulate (once, cached) an AGIPD X-ray tube run of one module, then time
// `detcal gain xray` in separate processes for each thread count and print pixels/s, the time
// extrapolated to a full module (65536 pixels; the run here is a full module, so it is the measured
// time scaled by 65536 / pixels), pixel-frames/s and peak RSS.
// usage: pnpm bench xray [--trains 2000] [--threads 1,4] [--data DIR] [--param NAME=VALUE ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'apps/cli/bin/run.js');
const { values } = parseArgs({
  options: {
    trains: { type: 'string', default: '2000' },
    threads: { type: 'string', default: `1,${availableParallelism()}` },
    data: { type: 'string', default: join(root, '.bench-data') },
    param: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(root, 'tools/bench/results/xray.json') },
  },
});

const dir = join(values.data, `agipd-xray-${values.trains}`);
if (!existsSync(join(dir, 'simulation.json'))) {
  mkdirSync(dir, { recursive: true });
  console.error(`bench: simulating an AGIPD X-ray tube run of ${values.trains} frames into ${dir} ...`);
  execFileSync(process.execPath, [cli, 'simulate', 'agipd', '--kind', 'xray', '--trains', values.trains, '--out', dir, '--force'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const sim = JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8'));
const run = sim.runs[0];
const rows = [];
for (const threads of values.threads.split(',').map(Number)) {
  const args = ['gain', 'xray', 'agipd', run.dir, '--out', join(dir, `xray-t${threads}.h5`), '--threads', String(threads), '--json', ...values.param.flatMap((p) => ['--param', p])];
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (r.status !== 0) { rows.push({ threads, error: (r.stderr || r.stdout).trim() }); continue; }
  const rep = JSON.parse(r.stdout);
  rows.push({ threads, frames: rep.framesUsed, seconds: rep.seconds, pixelsPerSecond: rep.pixelsPerSecond, fullModuleSeconds: rep.fullModuleSeconds, pixelFramesPerSecond: (rep.pixels * rep.framesUsed) / rep.seconds, memoryBoundMB: rep.memoryBoundMb, peakRssMB: rep.peakRssMb, pixelsOk: rep.pixelsOk });
}
const f = (v, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '-');
console.log(['threads', 'frames', 'seconds', 'pixels/s', 'full module s', 'Mpixel-frames/s', 'memory bound MB', 'peak RSS MB'].join(' | '));
for (const r of rows) {
  if (r.error) { console.log(`${r.threads} | error: ${r.error}`); continue; }
  console.log([r.threads, r.frames, f(r.seconds, 1), f(r.pixelsPerSecond), f(r.fullModuleSeconds, 1), f(r.pixelFramesPerSecond / 1e6, 1), f(r.memoryBoundMB), f(r.peakRssMB)].join(' | '));
}
mkdirSync(join(values.out, '..'), { recursive: true });
writeFileSync(values.out, JSON.stringify({ date: new Date().toISOString(), cpus: availableParallelism(), trains: Number(values.trains), rows }, null, 2));
console.error(`bench: wrote ${values.out}`);
