/**
 * Constants for `detcal correct`: from constants files (--constants, later files win) and / or the
 * store (by run, time and conditions); files take precedence over the store name by name. Every
 * constant remembers where it came from, for the report and the CORR file's attributes.
 */
import { DetcalError, type ConstantArray, type Conditions, type DetectorPlugin } from '@detcal/core';
import { readConstantsFile } from '@detcal/hdf5';
import { openStore } from '@detcal/store';

/** A constant and where it came from. */
export interface ResolvedConstant {
  /** The constant. */
  constant: ConstantArray;
  /** 'file <path>' or 'store entry <id> (<validity>)'. */
  source: string;
}

/** How to look constants up. */
export interface ConstantsQuery {
  /** Constants files, in order (later ones win for the same name). */
  files: readonly string[];
  /** Store folder, if any. */
  store?: string;
  /** Module index. */
  module: number;
  /** Detector id in the store (any of the type when omitted). */
  detectorId?: string;
  /** Run the constants must be valid for. */
  run?: number;
  /** Time the constants must be valid at. */
  at?: string;
  /** Operating conditions the constants must match. */
  conditions: Conditions;
}

/** Finds the constants the plugin's correction needs (required ones must be found) and those it can use. */
export async function resolveCorrectConstants(plugin: DetectorPlugin, q: ConstantsQuery): Promise<Record<string, ResolvedConstant>> {
  const wanted = plugin.correctConstants ?? { required: [], optional: [] };
  const names = [...wanted.required, ...wanted.optional];
  const found: Record<string, ResolvedConstant> = {};
  for (const file of q.files) {
    const set = await readConstantsFile(file, names);
    if (set.metadata.detectorType && set.metadata.detectorType !== plugin.id) {
      throw new DetcalError('BAD_INPUT', `${file} holds ${set.metadata.detectorType} constants, not ${plugin.id}: pass the ${plugin.id} module's constants`);
    }
    for (const [key, value] of Object.entries(q.conditions)) {
      const have = set.metadata.conditions?.[key];
      if (have !== undefined && String(have) !== String(value)) {
        throw new DetcalError('BAD_INPUT', `${file} was taken at ${key}=${have}, the data at ${key}=${value}: use constants for these conditions (or drop --condition ${key})`);
      }
    }
    for (const name of names) if (set.constants[name]) found[name] = { constant: set.constants[name], source: `file ${file}` };
  }
  if (q.store) {
    const store = await openStore(q.store, { create: false });
    try {
      for (const name of names) {
        if (found[name]) continue;
        try {
          const r = await store.find({ detectorType: plugin.id, detectorId: q.detectorId, module: q.module, ctype: name, run: q.run, at: q.at, conditions: q.conditions, useDefaults: true });
          const e = r.entry;
          found[name] = { constant: r.constant, source: `store entry ${e.id} (runs ${e.validity.beginRun ?? "?"}-${e.validity.endRun ?? "end"}${r.usedDefault ? ', default' : ''})` };
        } catch (err) {
          if (!(err instanceof DetcalError) || err.code !== 'NOT_FOUND' || wanted.required.includes(name)) {
            if (err instanceof DetcalError && err.code === 'NOT_FOUND') {
              throw new DetcalError('NOT_FOUND', `no valid ${name} for ${plugin.id} module ${q.module}${q.run !== undefined ? ` run ${q.run}` : ''} in the store ${q.store}: ${err.message}`);
            }
            throw err;
          }
        }
      }
    } finally {
      store.close();
    }
  }
  const missing = wanted.required.filter((n) => !found[n]);
  if (missing.length > 0) {
    const where = [q.files.length ? `files ${q.files.join(', ')}` : '', q.store ? `store ${q.store}` : ''].filter(Boolean).join(' and ');
    throw new DetcalError('NOT_FOUND', `no ${missing.join(', ')} for ${plugin.id} module ${q.module} in ${where || 'nothing given'}: run \`detcal dark ${plugin.id}\` first and pass --constants FILE or --store DIR`);
  }
  return found;
}

/** The memory-cell count of a constant (its 'cell' axis; 1 when it has none). */
export function cellsOf(c: ConstantArray): number {
  const i = c.dims.indexOf('cell');
  return i < 0 ? 1 : c.shape[i];
}
