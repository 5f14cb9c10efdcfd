#!/usr/bin/env node
// Current-source benchmark: simulate (once, cached) an AGIPD current-source scan of a few memory cells,
// then time `detcal gain current-source` in separate processes (threads 1 and 2, in-memory and through the
// scratch file) and print pixel-cells/s, the extrapolation to a full module (352 cells x 65536 pixels)
// and peak RSS. The times include reading the run and regrouping it by cell, not only the fit.
// --full-module: memory of a FULL module instead: 352 cells x 65536 pixels with few scan steps (--full-steps,
// default 20,40: 1.8 and 3.7 GB of raw data, the same again as scratch file, 1.7 GB of output), one run each,
// peak RSS per step count (it must not grow with the steps; target <= 2048 MB).
// usage: pnpm bench gain [--cells 4] [--steps 400] [--threads 1,2] [--data DIR]
//        pnpm bench gain --full-module [--full-steps 20,40] [--threads 2] [--data DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'apps/cli/bin/run.js');
const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '4' },
    steps: { type: 'string', default: '400' },
    threads: { type: 'string', default: '1,2' },
    data: { type: 'string', default: join(root, '.bench-data') },
    out: { type: 'string' },
    'full-module': { type: 'boolean', default: false },
    'full-steps': { type: 'string', default: '20,40' },
  },
});

const json = (text) => JSON.parse(text.slice(text.indexOf('{')));

/** The run folder of a simulated current-source scan of `cells` x `steps` (simulated once, then cached). */
function simulated(cells, steps) {
  const dir = join(values.data, `agipd-cs-${cells}x${steps}`);
  if (!existsSync(join(dir, 'simulation.json'))) {
    mkdirSync(dir, { recursive: true });
    console.error(`bench: simulating an AGIPD current-source scan (${cells} cells x ${steps} steps) into ${dir} ...`);
    const s = spawnSync(process.execPath, [cli, 'simulate', 'agipd', '--kind', 'current-source', '--out', dir, '--cells', String(cells), '--trains', String(steps), '--force', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (s.status !== 0) throw new Error(s.stderr);
  }
  return JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8')).runs[0].dir;
}

if (values['full-module']) {
  fullModule();
  process.exit(0);
}

/** Peak RSS of full-module runs, one per step count. */
function fullModule() {
  const threads = Number(values.threads.split(',').pop());
  const outFile = join(values.data, 'gain-bench-full-out.h5');
  const rows = [];
  for (const steps of values['full-steps'].split(',').map(Number)) {
    const run = simulated(352, steps);
    console.error(`bench: fitting 352 cells x ${steps} steps x 65536 pixels ...`);
    const r = spawnSync(process.execPath, [cli, 'gain', 'current-source', 'agipd', run, '--out', outFile, '--threads', String(threads), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(r.stderr || r.stdout);
    const rep = json(r.stdout);
    rows.push({ cells: rep.cells, steps: rep.scanSteps, pixelCells: rep.pixelCells, regroupedIn: rep.regroupedIn, cellsPerGroup: rep.cellsPerGroup, seconds: rep.seconds, cpuSeconds: rep.cpuSeconds, pixelCellsPerSecond: rep.pixelCellsPerSecond, outputMb: statSync(outFile).size / 2 ** 20, peakRssMb: rep.peakRssMb });
    rmSync(outFile, { force: true });
  }
  console.log(`AGIPD current-source fit of a FULL module (352 cells x 65536 pixels), ${threads} thread(s); peak RSS target <= 2048 MB`);
  console.log('steps  regrouped      cells/group   wall s   cpu s   pixel-cells/s   output (MB)   peak RSS (MB)');
  for (const r of rows) console.log(`${String(r.steps).padEnd(6)} ${r.regroupedIn.padEnd(14)} ${String(r.cellsPerGroup).padEnd(11)} ${r.seconds.toFixed(1).padStart(8)}  ${r.cpuSeconds.toFixed(1).padStart(6)}   ${r.pixelCellsPerSecond.toFixed(0).padStart(13)}   ${r.outputMb.toFixed(0).padStart(11)}   ${r.peakRssMb.toFixed(0).padStart(13)}`);
  mkdirSync(join(root, 'tools/bench/results'), { recursive: true });
  writeFileSync(values.out ?? join(root, 'tools/bench/results/gain-full.json'), JSON.stringify({ threads, rows, date: new Date().toISOString() }, null, 2));
}

const FULL_MODULE_PIXEL_CELLS = 352 * 65536;
const run = simulated(values.cells, values.steps);
const outFile = join(values.data, 'gain-bench-out.h5');
const cases = values.threads.split(',').map((t) => ({ threads: Number(t), params: [] }));
cases.push({ threads: Number(values.threads.split(',').pop()), params: ['--param', 'buffer_mb=0'] });
const rows = [];
for (const c of cases) {
  const r = spawnSync(process.execPath, [cli, 'gain', 'current-source', 'agipd', run, '--out', outFile, '--threads', String(c.threads), ...c.params, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr || r.stdout);
  const rep = json(r.stdout);
  rows.push({
    threads: c.threads,
    regroupedIn: rep.regroupedIn,
    pixelCells: rep.pixelCells,
    seconds: rep.seconds,
    cpuSeconds: rep.cpuSeconds,
    // with the cores to itself the run would take about cpu seconds / threads (2 cores here)
    idleMachineMinutes: (FULL_MODULE_PIXEL_CELLS / rep.pixelCells) * (rep.cpuSeconds / Math.min(c.threads, 2)) / 60,
    pixelCellsPerSecond: rep.pixelCellsPerSecond,
    fullModuleMinutes: FULL_MODULE_PIXEL_CELLS / rep.pixelCellsPerSecond / 60,
    peakRssMb: rep.peakRssMb,
  });
}
rmSync(outFile, { force: true });
// Memory of a full module: the outputs are written group of cells by group (two groups of float32 outputs
// in memory, 19 values per pixel-cell), plus two cell buffers of steps x 2 x 65536 u2; measured: --full-module.
const steps = Number(values.steps);
const groupCells = Math.floor((64 * 2 ** 20) / (19 * 4 * 65536));
const outputsMb = (2 * groupCells * 65536 * 19 * 4) / 2 ** 20;
const buffersMb = (2 * steps * 2 * 65536 * 2) / 2 ** 20;
console.log(`AGIPD current-source fit, ${values.cells} cells x ${steps} steps x 65536 pixels (times include reading and regrouping)`);
console.log('threads  regrouped      pixel-cells   wall s   cpu s   pixel-cells/s   full module (min, wall)   (min, cpu/threads)   peak RSS (MB)');
for (const r of rows) console.log(`${String(r.threads).padEnd(8)} ${r.regroupedIn.padEnd(14)} ${String(r.pixelCells).padEnd(13)} ${r.seconds.toFixed(1).padStart(6)}  ${r.cpuSeconds.toFixed(1).padStart(6)}   ${r.pixelCellsPerSecond.toFixed(0).padStart(13)}   ${r.fullModuleMinutes.toFixed(1).padStart(23)}   ${r.idleMachineMinutes.toFixed(1).padStart(18)}   ${r.peakRssMb.toFixed(0).padStart(13)}`);
console.log(`full module memory: ${outputsMb.toFixed(0)} MB of float32 outputs (2 groups of ${groupCells} cells) + ${buffersMb.toFixed(0)} MB cell buffers (scan regrouped through a scratch file); measure it with --full-module`);
mkdirSync(join(root, 'tools/bench/results'), { recursive: true });
writeFileSync(values.out ?? join(root, 'tools/bench/results/gain.json'), JSON.stringify({ cells: Number(values.cells), steps, rows, groupOutputsMb: outputsMb, cellBuffersMb: buffersMb, date: new Date().toISOString() }, null, 2));
