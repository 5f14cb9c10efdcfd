import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random, type Validity } from '@detcal/core';
import { conditionsMatch, orderedCandidates, rankCandidates } from './find-constant.js';
import { openStore } from './store.js';
import type { StoreEntry } from './index-db.js';

function entry(id: number, v: Partial<Validity>, extra: Partial<StoreEntry> = {}): StoreEntry {
  return {
    id, detectorType: 'epix100', detectorId: 'A', alias: '0001', module: 0, ctype: 'pedestals', conditions: {},
    validity: { beginRun: 0, endRun: null, beginTime: null, endTime: null, ...v },
    createdAt: '2024-01-01T00:00:00.000Z', insertedAt: '', version: id, sha256: '', bytes: 0, path: `p${id}`, dtype: 'f4', shape: [1], unit: '',
    exp: '', run: null, comment: '', user: '', host: '', toolVersion: '', parameters: {}, sourceRuns: [], isDefault: false, source: '', ...extra,
  };
}
const ids = (list: StoreEntry[]): number[] => list.map((e) => e.id);

describe('run rule (psana CalibFileFinder)', () => {
  const entries = [entry(1, { beginRun: 0 }), entry(2, { beginRun: 137 }), entry(3, { beginRun: 137, endRun: 150 }), entry(4, { beginRun: 200, endRun: 210 })];
  it('latest begin wins; for equal begins the narrower range', () => {
    expect(ids(rankCandidates(entries, { run: 140 }))).toEqual([3, 2, 1]);
    expect(ids(rankCandidates(entries, { run: 160 }))).toEqual([2, 1]);
    expect(ids(rankCandidates(entries, { run: 205 }))).toEqual([4, 2, 1]);
    expect(ids(rankCandidates(entries, { run: 5 }))).toEqual([1]);
  });
  it('ranges include both ends; identical ranges: the newest entry wins', () => {
    expect(ids(rankCandidates([...entries, entry(5, { beginRun: 137, endRun: 150 })], { run: 150 }))).toEqual([5, 3, 2, 1]);
    expect(ids(rankCandidates(entries, { run: 210 }))[0]).toBe(4);
    expect(ids(rankCandidates(entries, { run: 211 }))[0]).toBe(2);
  });
  it('without run or time: newest entry first', () => {
    expect(ids(rankCandidates(entries, {}))).toEqual([4, 3, 2, 1]);
  });
});

describe('time rule (CalCat prior / closest)', () => {
  const t = (s: string): Partial<Validity> => ({ beginTime: s });
  const entries = [
    entry(1, t('2024-01-10T00:00:00Z')),
    entry(2, t('2024-02-10T00:00:00Z')),
    entry(3, { beginTime: '2024-03-10T00:00:00Z', endTime: '2024-03-20T00:00:00Z' }),
    entry(4, {}, { createdAt: '2024-01-20T00:00:00.000Z' }),
  ];
  it('prior: the latest begin at or before the time; an ended validity does not apply', () => {
    expect(ids(rankCandidates(entries, { at: '2024-02-15T00:00:00Z' }))).toEqual([2, 4, 1]);
    expect(ids(rankCandidates(entries, { at: '2024-03-15T00:00:00Z', strategy: 'prior' }))[0]).toBe(3);
    expect(ids(rankCandidates(entries, { at: '2024-03-25T00:00:00Z' }))[0]).toBe(2);
    expect(rankCandidates(entries, { at: '2023-12-31T00:00:00Z' })).toEqual([]);
  });
  it('closest: the begin time nearest to the time, before or after', () => {
    expect(ids(rankCandidates(entries, { at: '2024-02-08T00:00:00Z', strategy: 'closest' }))[0]).toBe(2);
    expect(ids(rankCandidates(entries, { at: '2023-12-31T00:00:00Z', strategy: 'closest' }))[0]).toBe(1);
    expect(ids(rankCandidates(entries, { at: '2024-01-19T00:00:00Z', strategy: 'closest' }))[0]).toBe(4);
  });
  it('accepts YYYYmmddHHMMSS and Unix seconds, and a run with a time', () => {
    expect(ids(rankCandidates(entries, { at: '20240215000000' }))[0]).toBe(2);
    expect(ids(rankCandidates(entries, { at: String(Date.parse('2024-02-15T00:00:00Z') / 1000) }))[0]).toBe(2);
    const withRuns = [entry(1, { beginRun: 0, beginTime: '2024-01-01T00:00:00Z' }), entry(2, { beginRun: 50, beginTime: '2024-02-01T00:00:00Z' })];
    expect(ids(rankCandidates(withRuns, { run: 10, at: '2024-03-01T00:00:00Z' }))).toEqual([1]);
  });
});

describe('conditions', () => {
  const have = { 'Sensor Bias Voltage': 300, 'Memory cells': 352, 'Gain mode': 'dynamic', 'Integration time': 12.0 };
  it('every given condition must be present and equal', () => {
    expect(conditionsMatch(have, { 'Memory cells': 352 })).toBe(true);
    expect(conditionsMatch(have, { 'Memory cells': 351 })).toBe(false);
    expect(conditionsMatch(have, { 'Gain mode': 'DYNAMIC' })).toBe(true);
    expect(conditionsMatch(have, { Temperature: 291 })).toBe(false);
    expect(conditionsMatch(have, {})).toBe(true);
  });
  it('numbers match within a tolerance per parameter', () => {
    expect(conditionsMatch(have, { 'Sensor Bias Voltage': 305 }, { 'Sensor Bias Voltage': 5 })).toBe(true);
    expect(conditionsMatch(have, { 'Sensor Bias Voltage': 305.1 }, { 'Sensor Bias Voltage': 5 })).toBe(false);
    expect(conditionsMatch(have, { 'Integration time': '12' })).toBe(true);
  });
});

describe('the SQL order findEntry uses equals rankCandidates', () => {
  it('for run, prior and closest queries on random entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detcal-order-'));
    const store = await openStore(dir);
    const rng = new Random(7);
    const insert = store.db.prepare(`INSERT INTO constants (detector_type, detector_id, alias, module, ctype, begin_run, end_run, begin_time, end_time, created_at,
      inserted_at, version, sha256, bytes, path, dtype, shape) VALUES ('pnccd', 'D', '0001', 0, 'pedestals', @b, @e, @bt, @et, @c, '', 1, '', 0, @p, 'f4', '[1]')`);
    const day = (k: number): string => new Date(Date.UTC(2024, 0, 1) + Math.floor(k) * 86_400_000).toISOString();
    for (let i = 0; i < 300; i++) {
      const b = Math.floor(rng.uniform() * 40);
      insert.run({ b, e: rng.uniform() < 0.5 ? null : b + Math.floor(rng.uniform() * 20), bt: rng.uniform() < 0.3 ? null : day(rng.uniform() * 60),
        et: rng.uniform() < 0.8 ? null : day(30 + rng.uniform() * 60), c: day(rng.uniform() * 60), p: `p${i}` });
    }
    const ctx = { dir, db: store.db, author: { user: '', host: '', toolVersion: '' } };
    const all = orderedCandidates(ctx, { detectorType: 'pnccd', ctype: 'pedestals' });
    expect(all).toHaveLength(300);
    for (const q of [{ run: 25 }, { run: 3 }, { at: day(20.5) }, { at: day(45.25), strategy: 'closest' as const }, { run: 30, at: day(50) }, {}]) {
      expect(ids(orderedCandidates(ctx, { detectorType: 'pnccd', ctype: 'pedestals', ...q })), JSON.stringify(q)).toEqual(ids(rankCandidates(all, q)));
    }
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
