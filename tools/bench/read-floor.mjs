#!/usr/bin/env node
// The I/O floor of the dark benchmark: stream the same runs through @detcal/hdf5 and do nothing
// else. Prints one JSON line (MB/s of raw data, frames/s, peak RSS).
// usage: read-floor.mjs <detector> <run>...
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const requireFromCli = createRequire(join(root, 'apps/cli/package.json'));
const load = (name) => import(pathToFileURL(requireFromCli.resolve(name)).href);
const [{ discoverRun, openFrameSource }, plugin] = await Promise.all([load('@detcal/hdf5'), load(`@detcal/plugin-${process.argv[2]}`)]);
const layout = plugin.default.getPlugin().layout;
const t0 = performance.now();
let bytes = 0, frames = 0;
for (const input of process.argv.slice(3)) {
  const { files } = await discoverRun(input, { layout, module: 0 });
  const source = await openFrameSource({ files, layout, module: 0, blockFrames: 64 });
  for await (const b of source.blocks()) {
    bytes += b.data.byteLength + (b.gain?.byteLength ?? 0);
    frames += b.nFrames;
  }
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ impl: 'read-only', frames, bytes, seconds: s, MBps: bytes / 1e6 / s, framesPerSecond: frames / s, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
