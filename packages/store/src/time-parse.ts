/** Times on the command line and in validity: ISO 8601, YYYYmmddHHMMSS or Unix seconds -> ISO 8601 UTC. */
import { DetcalError } from '@detcal/core';

/**
 * Parses a time: ISO 8601 ('2024-05-31T10:03:41Z'; without a zone it is UTC), a compact stamp
 * 'YYYYmmddHHMMSS' (UTC, as in payload names) or Unix seconds; returns ISO 8601 UTC with milliseconds.
 */
export function parseTime(text: string | Date, what = 'time'): string {
  if (text instanceof Date) {
    if (Number.isNaN(text.getTime())) throw new DetcalError('BAD_INPUT', `${what} is not a valid date`);
    return text.toISOString();
  }
  const s = text.trim();
  let ms: number;
  if (/^\d{14}$/.test(s)) ms = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14));
  else if (/^\d{1,11}(\.\d+)?$/.test(s)) ms = Number(s) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(s)) ms = Date.parse(`${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z`);
  else ms = Date.parse(s);
  if (!Number.isFinite(ms)) {
    throw new DetcalError('BAD_INPUT', `${what} "${text}" is not a time; use ISO 8601 (2024-05-31T10:03:41Z), YYYYmmddHHMMSS or Unix seconds`);
  }
  return new Date(ms).toISOString();
}
