// find on a store of 10,000 entries of one detector and constant type (the worst case: every row is a candidate).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConstant, makeConstantSet } from '@detcal/core';
import { openStore } from './store.js';

const work = mkdtempSync(join(tmpdir(), 'detcal-latency-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function median(fn: () => unknown, n: number): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(n / 2)];
}

describe('find latency', () => {
  it('answers run, time and conditions queries on 10,000 entries in milliseconds', async () => {
    const store = await openStore(join(work, 'store'));
    const set = makeConstantSet({ detectorType: 'epix100', detectorId: 'P1', module: 0, conditions: { bias: 200 }, sourceRuns: [], createdAt: '2024-01-01T00:00:00Z', toolVersion: '', parameters: {} },
      [makeConstant('pedestals', new Float32Array(704 * 768).fill(1500), [704, 768], ['row', 'col'], 'ADU')]);
    const [real] = await store.add(set, { validity: { beginRun: 5000, beginTime: '2024-07-01T00:00:00Z' } });
    const insert = store.db.prepare(`INSERT INTO constants (detector_type, detector_id, alias, module, ctype, conditions, begin_run, end_run, begin_time,
      created_at, inserted_at, version, sha256, bytes, path, dtype, shape) SELECT detector_type, detector_id, alias, module, ctype, @conditions, @begin, NULL, @time,
      created_at, inserted_at, @version, 'x', bytes, @path, dtype, shape FROM constants WHERE id = @id`);
    store.db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        if (i === 5000) continue;
        const time = new Date(Date.parse('2010-01-01T00:00:00Z') + i * 3600_000 * 12).toISOString();
        insert.run({ conditions: JSON.stringify({ bias: 100 + (i % 50) }), begin: i, time: i > 5000 ? '2030-01-01T00:00:00.000Z' : time, version: i + 2, path: `fake/${i}.h5`, id: real.id });
      }
    })();
    expect(store.list({ detectorType: 'epix100', ctype: 'pedestals' })).toHaveLength(10_000);
    const q = { detectorType: 'epix100', detectorId: 'P1', ctype: 'pedestals' };
    expect(store.findEntry({ ...q, run: 5000 }).entry.id).toBe(real.id);
    expect(store.findEntry({ ...q, run: 7000, conditions: { bias: 200 } }).entry.id).toBe(real.id);
    expect(store.findEntry({ ...q, at: '2024-08-01T00:00:00Z' }).entry.id).toBe(real.id);
    const byRun = median(() => store.findEntry({ ...q, run: 5000 }), 30);
    const byRunLate = median(() => store.findEntry({ ...q, run: 9999, conditions: { bias: 200 } }), 30);
    const byTime = median(() => store.findEntry({ ...q, at: '2024-08-01T00:00:00Z' }), 30);
    const t0 = performance.now();
    const loaded = await store.find({ ...q, run: 5000 });
    const withRead = performance.now() - t0;
    expect((loaded.constant.data as Float32Array)[0]).toBe(1500);
    console.log(`find on 10,000 entries (median ms): run ${byRun.toFixed(1)}, run+conditions ${byRunLate.toFixed(1)}, time ${byTime.toFixed(1)}; with the 704x768 payload read and checksummed ${withRead.toFixed(1)}`);
    expect(byRun).toBeLessThan(100);
    expect(byTime).toBeLessThan(100);
    store.close();
  });
});
