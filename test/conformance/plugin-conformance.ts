/**
 * The conformance suite every detector plugin must pass, built-in or third-party:
 * geometry consistent, constant types well formed, simulate -> write -> inspect works, and the
 * raw layout read back equals what was simulated, frame by frame.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validatePlugin, type DetectorPlugin, type FrameBlock, type SimulateOptions } from '@detcal/core';
import { discoverRun, inspect, openFrameSource, readConstantsFile, writeConstantsFile, writeRawRun } from '@detcal/hdf5';

/** Small simulation settings that keep the suite fast for any detector size. */
export function conformanceOptions(plugin: DetectorPlugin): SimulateOptions {
  return { kind: 'dark', seed: 11, trains: 6, cells: Math.min(2, plugin.geometry.maxMemoryCells), module: 0, firstRun: 7, framesPerSequence: 4 };
}

async function collect(blocks: AsyncIterable<FrameBlock> | Iterable<FrameBlock>): Promise<FrameBlock[]> {
  const out: FrameBlock[] = [];
  for await (const b of blocks) out.push({ ...b, data: b.data.slice(), gain: b.gain?.slice(), cellIds: b.cellIds.slice(), trainIds: b.trainIds.slice() });
  return out;
}

function concat<T extends { length: number; set(a: ArrayLike<number>, o: number): void }>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p as unknown as ArrayLike<number>, o); o += p.length; }
  return out;
}

/** Registers the conformance tests for one plugin in the current vitest file. */
export function describePluginConformance(plugin: DetectorPlugin): void {
  describe(`plugin conformance: ${plugin.id}`, () => {
    const dir = mkdtempSync(join(tmpdir(), `detcal-conf-${plugin.id}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const g = plugin.geometry;

    it('has a consistent geometry and contract', () => {
      expect(() => validatePlugin(plugin, plugin.id)).not.toThrow();
      expect(g.asics.rows * g.asics.asicRows).toBe(g.moduleRows);
      expect(g.asics.cols * g.asics.asicCols).toBe(g.moduleCols);
      expect(plugin.simulationKinds).toContain('dark');
      expect(plugin.layout.aggregator(0)).toMatch(/^[A-Z0-9]+$/);
      for (const c of plugin.constantTypes) {
        expect(c.dims.length, `${c.name} dims`).toBeGreaterThan(0);
        expect(c.description.length, `${c.name} description`).toBeGreaterThan(0);
      }
    });

    it('simulates truth in the constants axis order [gain][cell][row][col]', () => {
      const opts = conformanceOptions(plugin);
      const sim = plugin.steps.simulate(opts);
      for (const name of ['Offset', 'Noise']) {
        const t = sim.truth.constants[name];
        expect(t, `truth ${name}`).toBeDefined();
        expect(t.dims).toEqual(['gain', 'cell', 'row', 'col']);
        expect(t.shape).toEqual([g.gainStages, opts.cells, g.moduleRows, g.moduleCols]);
      }
      expect(sim.runs.length).toBeGreaterThan(0);
      for (const r of sim.runs) expect(r.nFrames).toBe(r.trains * r.cellsPerTrain);
    });

    it('writes raw runs that read back equal to what was simulated, and inspect sees them', async () => {
      const opts = conformanceOptions(plugin);
      const sim = plugin.steps.simulate(opts);
      const run = sim.runs[0];
      const runDir = join(dir, `r${run.run}`);
      const written = await writeRawRun(runDir, plugin.layout, opts.module, run, { framesPerSequence: opts.framesPerSequence, compression: 'gzip' });
      expect(written.files.length).toBeGreaterThan(1); // several sequence files
      const expected = await collect(plugin.steps.simulate(opts).runs[0].blocks(5));
      const found = await discoverRun(runDir, { layout: plugin.layout, module: opts.module });
      expect(found.files).toEqual(written.files);
      const source = await openFrameSource({ files: found.files, layout: plugin.layout, module: opts.module, blockFrames: 4 });
      const got = await collect(source.blocks());
      const px = g.moduleRows * g.moduleCols;
      const e = { data: concat(expected.map((b) => b.data as Uint16Array), (n) => new Uint16Array(n)), cell: concat(expected.map((b) => b.cellIds), (n) => new Uint16Array(n)), train: concat(expected.map((b) => b.trainIds), (n) => new Float64Array(n)) };
      const a = { data: concat(got.map((b) => b.data as Uint16Array), (n) => new Uint16Array(n)), cell: concat(got.map((b) => b.cellIds), (n) => new Uint16Array(n)), train: concat(got.map((b) => b.trainIds), (n) => new Float64Array(n)) };
      expect(a.data.length).toBe(run.nFrames * px);
      expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(e.data.buffer))).toBe(0);
      expect([...a.cell]).toEqual([...e.cell]);
      expect([...a.train]).toEqual([...e.train]);
      if (expected[0].gain) {
        const eg = concat(expected.map((b) => b.gain as Uint16Array), (n) => new Uint16Array(n));
        const ag = concat(got.map((b) => b.gain as Uint16Array), (n) => new Uint16Array(n));
        expect(Buffer.compare(Buffer.from(new Uint16Array(ag).buffer), Buffer.from(new Uint16Array(eg).buffer))).toBe(0);
      }
      const info = (await inspect(runDir)) as unknown as Record<string, unknown>;
      const text = JSON.stringify(info);
      expect(text).toContain(plugin.layout.source(0));
      expect(text).toContain(String(run.nFrames));
    });

    it('round-trips its truth through a constants file', async () => {
      const sim = plugin.steps.simulate(conformanceOptions(plugin));
      const path = join(dir, 'truth.h5');
      await writeConstantsFile(path, sim.truth);
      const back = await readConstantsFile(path);
      for (const [name, c] of Object.entries(sim.truth.constants)) {
        expect(back.constants[name].shape, name).toEqual(c.shape);
        expect(back.constants[name].dims, name).toEqual(c.dims);
        expect(Buffer.compare(Buffer.from(back.constants[name].data.buffer), Buffer.from(c.data.buffer)), name).toBe(0);
      }
      expect(back.metadata.detectorType).toBe(plugin.id);
    });
  });
}
