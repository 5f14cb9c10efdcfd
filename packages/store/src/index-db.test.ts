import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from './index-db.js';

/** An error as better-sqlite3 throws it. */
function sqliteError(code: string): Error {
  return Object.assign(new Error(code === 'SQLITE_BUSY' ? 'database is locked' : 'disk I/O error'), { code });
}

describe('retryWhileBusy (opening an index that another process is creating)', () => {
  it('tries again while SQLite answers SQLITE_BUSY, and returns what the work returns', () => {
    let calls = 0;
    const got = retryWhileBusy(() => {
      calls++;
      if (calls < 4) throw sqliteError('SQLITE_BUSY');
      return 'wal';
    }, 5_000);
    expect([got, calls]).toEqual(['wal', 4]);
  });

  it('throws any other error at once', () => {
    let calls = 0;
    expect(() => retryWhileBusy(() => {
      calls++;
      throw sqliteError('SQLITE_IOERR');
    }, 5_000)).toThrow('disk I/O error');
    expect(calls).toBe(1);
  });

  it('gives up with the busy error once the timeout has passed', () => {
    const t0 = Date.now();
    let calls = 0;
    expect(() => retryWhileBusy(() => {
      calls++;
      throw sqliteError('SQLITE_BUSY');
    }, 150)).toThrow('database is locked');
    expect(calls).toBeGreaterThan(2);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
