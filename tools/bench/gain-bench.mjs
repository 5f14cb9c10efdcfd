#!/usr/bin/env node
// Current-source benchmark: simulate (once, cached) an AGIPD current-source scan of a few memory cells,
// then time `detcal gain current-source` in separate processes (threads 1 and 2, in-memory and through the
// scratch file) and print pixel-cells/s, the extrapolation to a full module (352 cells x 65536 pixels)
// and peak RSS. The times include reading the run and regrouping it by cell, not only the fit.
// usage: pnpm bench gain [--cells 4] [--steps 400] [--threads 1,2] [--data DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    out: { type: 'string', default: join(root, 'tools/bench/results/gain.json') },
  },
});

const FULL_MODULE_PIXEL_CELLS = 352 * 65536;
const json = (text) => JSON.parse(text.slice(text.indexOf('{')));
const dir = join(values.data, `agipd-cs-${values.cells}x${values.steps}`);
if (!existsSync(join(dir, 'simulation.json'))) {
  mkdirSync(dir, { recursive: true });
  console.error(`bench: simulating an AGIPD current-source scan (${values.cells} cells x ${values.steps} steps) into ${dir} ...`);
  const s = spawnSync(process.execPath, [cli, 'simulate', 'agipd', '--kind', 'current-source', '--out', dir, '--cells', values.cells, '--trains', values.steps, '--force', '--json'], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(s.stderr);
}
const run = JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8')).runs[0].dir;
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
// Memory of a full module: the float32 outputs (19 values per pixel-cell: 3 x 3 analog, 2 x 3 digital, 2 + 2
// thresholds / safety factors), two cell buffers of steps x 2 x 65536 u2, the rest as measured at this size.
const steps = Number(values.steps);
const outputsMb = (FULL_MODULE_PIXEL_CELLS * 19 * 4) / 2 ** 20;
const buffersMb = (2 * steps * 2 * 65536 * 2) / 2 ** 20;
console.log(`AGIPD current-source fit, ${values.cells} cells x ${steps} steps x 65536 pixels (times include reading and regrouping)`);
console.log('threads  regrouped      pixel-cells   wall s   cpu s   pixel-cells/s   full module (min, wall)   (min, cpu/threads)   peak RSS (MB)');
for (const r of rows) console.log(`${String(r.threads).padEnd(8)} ${r.regroupedIn.padEnd(14)} ${String(r.pixelCells).padEnd(13)} ${r.seconds.toFixed(1).padStart(6)}  ${r.cpuSeconds.toFixed(1).padStart(6)}   ${r.pixelCellsPerSecond.toFixed(0).padStart(13)}   ${r.fullModuleMinutes.toFixed(1).padStart(23)}   ${r.idleMachineMinutes.toFixed(1).padStart(18)}   ${r.peakRssMb.toFixed(0).padStart(13)}`);
console.log(`full module memory estimate: ${outputsMb.toFixed(0)} MB of float32 outputs + ${buffersMb.toFixed(0)} MB cell buffers (scan regrouped through a scratch file)`);
mkdirSync(join(root, 'tools/bench/results'), { recursive: true });
writeFileSync(values.out, JSON.stringify({ cells: Number(values.cells), steps, rows, fullModuleOutputsMb: outputsMb, cellBuffersMb: buffersMb, date: new Date().toISOString() }, null, 2));
