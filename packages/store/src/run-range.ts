/** Run ranges as psana writes them: `A-B` or `A-end` (open ended). */
import { DetcalError } from '@detcal/core';

/** A run range; end null = open ended ("end"). */
export interface RunRange {
  /** First run (inclusive). */
  begin: number;
  /** Last run (inclusive), null for "end". */
  end: number | null;
}

/** Parses 'A-B' or 'A-end' (also a single run 'A', meaning A-A). */
export function parseRunRange(text: string, what = '--run-range'): RunRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+|end))?\s*$/i.exec(text);
  if (!m) throw new DetcalError('BAD_INPUT', `${what} "${text}" is not a run range; write A-B or A-end (e.g. 10-end)`);
  const begin = Number(m[1]);
  const end = m[2] === undefined ? begin : m[2].toLowerCase() === 'end' ? null : Number(m[2]);
  if (end !== null && end < begin) throw new DetcalError('BAD_INPUT', `${what} "${text}" ends before it begins; write the first run first (e.g. ${end}-${begin})`);
  return { begin, end };
}

/** 'A-B' or 'A-end'. */
export function formatRunRange(r: { begin: number | null; end: number | null }): string {
  return `${r.begin ?? 0}-${r.end === null ? 'end' : r.end}`;
}
