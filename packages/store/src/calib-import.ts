/**
 * Importing a whole psana calib tree: every `<Group>::CalibV1/<source>/<ctype>/<begin>-<end>.data` file
 * becomes an entry (detector type from the group, detector id = source, validity = the run range,
 * experiment / run / comment / user / host from the file's HISTORY line when there is one). Arrays are
 * read with the psana text reader, geometry files kept as text. Files already imported (same content,
 * same place) are skipped, so importing a tree again only adds what is new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DETCAL_VERSION, makeConstant, makeConstantSet, type ConstantArray } from '@detcal/core';
import { addConstants } from './add-constant.js';
import { listCalibFiles, parseHistory, type CalibFile, type CalibFilter, type HistoryRecord } from './calib-dir.js';
import { detectorTypeForGroup } from './detector-types.js';
import type { StoreEntry } from './index-db.js';
import { sha256File } from './payload-io.js';
import { parsePsanaText } from './psana-text.js';
import type { StoreContext } from './store-context.js';
import { textConstant, TEXT_CTYPES } from './text-constant.js';

/** What an import of a calib tree did. */
export interface CalibImportResult {
  /** New entries, one per imported file. */
  imported: StoreEntry[];
  /** Files not imported and why (already in the store, unreadable). */
  skipped: Array<{ file: string; reason: string }>;
}

/** Imports every valid constants file of a calib tree (or the part the filter selects). */
export async function importCalibDir(ctx: StoreContext, calibDir: string, filter: CalibFilter = {}): Promise<CalibImportResult> {
  const root = path.resolve(calibDir);
  const result: CalibImportResult = { imported: [], skipped: [] };
  const histories = new Map<string, HistoryRecord[]>();
  for (const f of listCalibFiles(root, filter)) {
    const detectorType = detectorTypeForGroup(f.group);
    const sha = sha256File(f.path);
    const dup = ctx.db.prepare(`SELECT id FROM constants WHERE source_sha256 = ? AND detector_type = ? AND detector_id = ? AND ctype = ?
      AND begin_run IS ? AND end_run IS ? LIMIT 1`).get(sha, detectorType, f.source, f.ctype, f.begin, f.end) as { id: number } | undefined;
    if (dup) {
      result.skipped.push({ file: f.path, reason: `already in the store (entry ${dup.id})` });
      continue;
    }
    let constant: ConstantArray;
    let header: Record<string, string> = {};
    const text = fs.readFileSync(f.path);
    try {
      if (TEXT_CTYPES.includes(f.ctype)) constant = textConstant(f.ctype, text);
      else {
        const parsed = parsePsanaText(text.toString('utf8'), f.path, f.ctype);
        constant = makeConstant(f.ctype, parsed.data, parsed.shape, parsed.shape.length === 2 ? ['row', 'col'] : parsed.shape.map((_, i) => `axis${i}`), '');
        header = parsed.fields;
      }
    } catch (err) {
      result.skipped.push({ file: f.path, reason: (err as Error).message });
      continue;
    }
    const dir = path.dirname(f.path);
    if (!histories.has(dir)) histories.set(dir, fs.existsSync(path.join(dir, 'HISTORY')) ? parseHistory(fs.readFileSync(path.join(dir, 'HISTORY'), 'utf8')) : []);
    const hist = [...(histories.get(dir) ?? [])].reverse().find((h) => h.fields.file === f.name)?.fields ?? {};
    const histRun = hist.run !== undefined && /^\d+$/.test(hist.run) ? Number(hist.run) : undefined;
    const set = makeConstantSet({
      detectorType,
      detectorId: f.source,
      module: 0,
      conditions: {},
      sourceRuns: histRun !== undefined ? [String(histRun)] : [],
      createdAt: fs.statSync(f.path).mtime.toISOString(),
      toolVersion: DETCAL_VERSION,
      parameters: { psanaGroup: f.group, psanaSource: f.source, psanaFile: path.relative(root, f.path), ...(Object.keys(header).length ? { psanaHeader: header } : {}), ...(hist.copy_of ? { copyOf: hist.copy_of } : {}), ...(hist.cptime ? { deployedAt: `${hist.cptime}${hist.zone ? ` ${hist.zone}` : ''}` } : {}) },
    }, [constant]);
    const entries = await addConstants(ctx, set, {
      validity: { beginRun: f.begin, endRun: f.end },
      exp: hist.exp ?? '',
      run: histRun ?? f.begin,
      comment: hist.comment ?? hist.cmt ?? '',
      author: { ...(hist.user ? { user: hist.user } : {}), ...(hist.host ? { host: hist.host } : {}) },
      source: `calib:${f.path}`,
      sourceSha256: sha,
      action: 'import',
      logDetails: { from: f.path, format: 'psana-calib' },
    });
    result.imported.push(...entries);
  }
  return result;
}

/** Short description of a calib file for messages. */
export function describeCalibFile(f: CalibFile): string {
  return `${f.group}/${f.source}/${f.ctype}/${f.name}`;
}
