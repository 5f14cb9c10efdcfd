/**
 * Defaults per detector type, kept in `<dettype>/default/` and used by find when nothing else matches
 * (the result says so). Built-in ones are written when a store is created: the LCLS epix100a gain of
 * 0.06 keV/ADU (704 x 768, as the LCLS repository's epix100a default). More can be added with
 * `detcal constants add --default`.
 */
import { DETCAL_VERSION, makeConstant, makeConstantSet, type ConstantArray } from '@detcal/core';
import { addConstants } from './add-constant.js';
import { getMeta, setMeta, type StoreEntry } from './index-db.js';
import type { StoreContext } from './store-context.js';

/** A default constant every store has. */
export interface BuiltinDefault {
  /** Canonical detector type. */
  detectorType: string;
  /** Constant type. */
  ctype: string;
  /** Why this value (stored as the entry comment). */
  comment: string;
  /** Builds the array. */
  make(): ConstantArray;
}

/** The built-in defaults. */
export const BUILTIN_DEFAULTS: readonly BuiltinDefault[] = [
  {
    detectorType: 'epix100',
    ctype: 'pixel_gain',
    comment: 'LCLS epix100a default gain 0.06 keV/ADU',
    make: () => makeConstant('pixel_gain', new Float32Array(704 * 768).fill(0.06), [704, 768], ['row', 'col'], 'keV/ADU'),
  },
];

const SEEDED_KEY = 'builtin_defaults';

/** Adds the built-in defaults a store does not have yet (once per store; safe when several processes create it at once). */
export async function seedDefaults(ctx: StoreContext): Promise<StoreEntry[]> {
  if (getMeta(ctx.db, SEEDED_KEY) === String(BUILTIN_DEFAULTS.length)) return [];
  const added: StoreEntry[] = [];
  for (const d of BUILTIN_DEFAULTS) {
    const set = makeConstantSet(
      { detectorType: d.detectorType, detectorId: 'default', module: 0, conditions: {}, sourceRuns: [], createdAt: new Date().toISOString(), toolVersion: DETCAL_VERSION, parameters: { builtinDefault: true } },
      [d.make()],
    );
    added.push(...(await addConstants(ctx, set, { isDefault: true, onlyIfNoDefault: true, comment: d.comment, validity: { beginRun: 0, endRun: null }, action: 'init' })));
  }
  setMeta(ctx.db, SEEDED_KEY, String(BUILTIN_DEFAULTS.length));
  return added;
}
