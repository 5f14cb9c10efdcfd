/** Human-readable rendering of an inspect() result: a run summary, then one dataset table per file. */
import type { InspectResult } from './inspect.js';

/** Renders rows as left-aligned columns separated by two spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Compact list of sorted integers: 0-4, 7, 9-11. */
export function formatIntRanges(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Bytes as B, KiB, MiB, GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const shapeText = (s: readonly (number | null)[] | null): string => (s ? `(${s.map((v) => (v === null ? 'inf' : String(v))).join(', ')})` : '-');

const sameShape = (a: readonly number[] | null, b: readonly (number | null)[] | null): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The inspect() result as text tables (maxshape '=' when equal to shape; filters marked '!' cannot be decoded by detcal). */
export function formatInspect(result: InspectResult): string {
  const out: string[] = [];
  const run = result.run;
  if (run) {
    const name = run.run !== undefined ? `run ${run.run}` : 'run';
    out.push(`${name}: ${run.sequenceFiles.length} sequence file(s)${run.aggregators.length ? `, aggregators ${run.aggregators.join(', ')}` : ''}`);
    out.push(`trains: ${run.trains}${run.firstTrainId !== undefined ? ` (ids ${run.firstTrainId} .. ${run.lastTrainId})` : ''}`);
    out.push('');
    out.push(
      formatTable(
        ['source', 'entries', 'frames', 'cells'],
        run.sources.map((s) => [
          s.source,
          String(s.entries),
          String(s.frames),
          s.cellIds ? `${s.cellIds.length} (${formatIntRanges(s.cellIds)})` : s.cellsAxis ? String(s.cellsAxis) : '-',
        ]),
      ),
    );
    out.push('');
  }
  for (const f of result.files) {
    out.push(`${f.file} (${formatBytes(f.bytes)})`);
    out.push(
      formatTable(
        ['dataset', 'shape', 'maxshape', 'dtype', 'filters', 'chunks'],
        f.datasets.map((d) => [d.path, shapeText(d.shape), sameShape(d.shape, d.maxshape) ? '=' : shapeText(d.maxshape), d.dtype, d.filters.join('+') || '-', shapeText(d.chunks)]),
      ),
    );
    out.push('');
  }
  return out.join('\n').trimEnd() + '\n';
}
