#!/usr/bin/env node
// The I/O floor of the dark benchmark: stream the same runs through @detcal/hdf5 and do nothing
// else. Prints one JSON line (MB/s of raw data, frames/s, peak RSS) for the reader detcal uses
// (direct fs reads of uncompressed datasets into two reused block buffers, as the dark pass reads),
// and with --h5wasm for h5wasm only (fresh buffers).
// usage: read-floor.mjs <detector> <run>... [--h5wasm]
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const requireFromCli = createRequire(join(root, 'apps/cli/package.json'));
const load = (name) => import(pathToFileURL(requireFromCli.resolve(name)).href);
const [{ discoverRun, openFrameSource }, plugin] = await Promise.all([load('@detcal/hdf5'), load(`@detcal/plugin-${process.argv[2]}`)]);
const layout = plugin.default.getPlugin().layout;
const h5wasmOnly = process.argv.includes('--h5wasm');
const runs = process.argv.slice(3).filter((a) => a !== '--h5wasm');
const t0 = performance.now();
let bytes = 0, frames = 0;
for (const input of runs) {
  const { files } = await discoverRun(input, { layout, module: 0 });
  const source = await openFrameSource({ files, layout, module: 0, blockFrames: 64, directRead: !h5wasmOnly });
  for await (const b of source.blocks(h5wasmOnly ? undefined : { keep: 2 })) {
    bytes += b.data.byteLength + (b.gain?.byteLength ?? 0);
    frames += b.nFrames;
  }
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ impl: h5wasmOnly ? 'read-only (h5wasm)' : 'read-only', frames, bytes, seconds: s, MBps: bytes / 1e6 / s, framesPerSecond: frames / s, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
