/** Text output of the `detcal constants` commands: entry tables, entry details, statistics. */
import type { ConstantStatistics, StoreEntry } from '@detcal/store';
import { formatBytes, formatTable } from './format-table.js';

/** 'A-B' / 'A-end' of an entry. */
export function runsOf(e: StoreEntry): string {
  return `${e.validity.beginRun ?? 0}-${e.validity.endRun ?? 'end'}`;
}

/** One table row per entry. */
export function entriesTable(entries: readonly StoreEntry[]): string {
  return formatTable(
    ['id', 'detector', 'detector id', 'alias', 'mod', 'ctype', 'runs', 'begin time', 'created', 'v', 'comment'],
    entries.map((e) => [
      e.id,
      e.detectorType,
      e.isDefault ? '(default)' : e.detectorId,
      e.isDefault ? '' : e.alias,
      e.module,
      e.ctype,
      runsOf(e),
      e.validity.beginTime ? e.validity.beginTime.slice(0, 19) : '-',
      e.createdAt.slice(0, 19),
      e.version,
      e.comment,
    ]),
  );
}

/** `key: value` lines describing an entry (full: also source runs, import source and algorithm parameters). */
export function entryLines(e: StoreEntry, full = true): string[] {
  const cond = Object.entries(e.conditions).map(([k, v]) => `${k}=${v}`).join(', ') || '-';
  const lines = [
    `entry ${e.id}: ${e.ctype} of ${e.detectorType} ${e.isDefault ? '(default)' : `${e.detectorId} (alias ${e.alias})`}, module ${e.module}, version ${e.version}`,
    `  array:      ${e.dtype} [${e.shape.join(', ')}]${e.unit ? ` ${e.unit}` : ''}`,
    `  runs:       ${runsOf(e)}`,
    `  time:       ${e.validity.beginTime ?? '-'} .. ${e.validity.endTime ?? 'open'}`,
    `  conditions: ${cond}`,
    `  created:    ${e.createdAt}  (added ${e.insertedAt} by ${e.user}@${e.host}, detcal ${e.toolVersion})`,
    `  exp / run:  ${e.exp || '-'} / ${e.run ?? '-'}`,
    `  payload:    ${e.path}  (${formatBytes(e.bytes)}, sha256 ${e.sha256})`,
  ];
  if (e.comment) lines.push(`  comment:    ${e.comment}`);
  if (!full) return lines;
  if (e.source) lines.push(`  source:     ${e.source}`);
  if (e.sourceRuns.length) lines.push(`  from runs:  ${e.sourceRuns.join(', ')}`);
  if (Object.keys(e.parameters).length) lines.push(`  parameters: ${JSON.stringify(e.parameters)}`);
  return lines;
}

/** Statistics lines. */
export function statisticsLines(s: ConstantStatistics): string[] {
  const num = (v: number | null): string => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(6));
  const lines = [`  values:     ${s.count}  min ${num(s.min)}  max ${num(s.max)}  mean ${num(s.mean)}  std ${num(s.std)}  zeros ${s.zeros}  non-finite ${s.nonFinite}`];
  if (s.valueCounts) lines.push(`  counts:     ${s.valueCounts.slice(0, 16).map((c) => `${c.value}: ${c.count}`).join(', ')}${s.valueCounts.length > 16 ? ', ...' : ''}`);
  return lines;
}
