// Throughput of the Jungfrau correctBlock on 512 x 1024 frames (blocks pre-simulated, the correction alone is timed).
// Run: pnpm --filter @detcal/plugin-jungfrau build && node plugins/plugin-jungfrau/bench/correct-throughput.mjs
import { jungfrauPlugin } from '../dist/index.js';
const P = 512 * 1024, FRAMES = 64, BLOCK = 16;
const sim = jungfrauPlugin.steps.simulate({ kind: 'light', seed: 1, trains: FRAMES, cells: 1, module: 0, firstRun: 1, framesPerSequence: 1000 });
const blocks = [...sim.runs[0].blocks(BLOCK)];
const t = sim.truth.constants;
const constants = { Offset: t.Offset, BadPixelsDark: { ...t.BadPixelsTruth, name: 'BadPixelsDark' }, RelativeGain: t.RelativeGain };
const out = { data: new Float32Array(BLOCK * P), mask: new Uint32Array(BLOCK * P), gain: new Uint8Array(BLOCK * P) };
for (const [label, parameters] of [['keV', {}], ['keV + common mode', { common_mode: true }], ['photons', { photon_energy_kev: 12 }], ['ADU only (Offset)', null]]) {
  const c = jungfrauPlugin.steps.correct({ module: 0, constants: parameters ? constants : { Offset: t.Offset }, parameters: parameters ?? {}, rows: 512, cols: 1024, backend: null });
  for (const b of blocks) c.correctBlock(b, out); // warm-up pass
  const reps = 5, times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const b of blocks) c.correctBlock(b, out);
    times.push((performance.now() - t0) / 1000);
  }
  const best = Math.min(...times);
  const fps = FRAMES / best, mb = (fps * P * 3) / 1e6;
  console.log(`${label.padEnd(20)} ${fps.toFixed(0).padStart(5)} frames/s  ${mb.toFixed(0).padStart(5)} MB/s raw (adc u2 + gain u1)  ${(best * 1e9 / FRAMES / P).toFixed(2)} ns/pixel`);
}
