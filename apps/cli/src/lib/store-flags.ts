/**
 * Flags the `detcal constants` commands share: the store (--store or DETCAL_STORE), the query that
 * selects a constant (detector, ctype, run, time, conditions), and validity (--run-range, times).
 */
import { Flags } from '@oclif/core';
import { DetcalError, type Conditions, type Validity } from '@detcal/core';
import { openStore, parseRunRange, parseTime, type ConstantStore, type FindQuery } from '@detcal/store';

/** --store DIR (default $DETCAL_STORE). */
export const storeFlags = {
  store: Flags.string({ summary: 'Constants store folder (default: $DETCAL_STORE); the first write creates it.', helpValue: 'DIR' }),
};

/** The store folder from --store or DETCAL_STORE; a one-line error naming both when neither is set. */
export function storeDir(flag: string | undefined): string {
  const dir = flag || process.env.DETCAL_STORE;
  if (!dir) throw new DetcalError('BAD_INPUT', 'no constants store given: pass --store DIR or set DETCAL_STORE');
  return dir;
}

/** Opens the store of --store / DETCAL_STORE (read-only commands pass create: false). */
export function openStoreFromFlag(flag: string | undefined, create: boolean): Promise<ConstantStore> {
  return openStore(storeDir(flag), { create });
}

/** Flags that select a stored constant (find, export, deploy). */
export const queryFlags = {
  id: Flags.integer({ summary: 'Entry id (see `detcal constants list`) instead of a query.', min: 1 }),
  detector: Flags.string({ char: 'd', summary: 'Detector type (detcal id or LCLS name: epix100 / epix100a, jungfrau, agipd, pnccd).' }),
  'detector-id': Flags.string({ summary: 'Detector / panel id, or its alias (0001).' }),
  module: Flags.integer({ summary: 'Module index.', min: 0 }),
  ctype: Flags.string({ char: 't', summary: 'Constant type (Offset, Noise, pedestals, pixel_status; gain / rms / status accepted).' }),
  run: Flags.integer({ char: 'r', summary: 'Run the constant must be valid for (psana rule: latest begin wins, then the narrower range).', min: 0 }),
  at: Flags.string({ summary: 'Time the constant must be valid at (ISO 8601 UTC, YYYYmmddHHMMSS or Unix seconds).' }),
  strategy: Flags.string({ summary: 'How --at picks: prior = latest begin at or before it, closest = begin nearest to it.', options: ['prior', 'closest'], default: 'prior' }),
  condition: Flags.string({ char: 'c', summary: 'Operating condition NAME=VALUE that must match (repeatable).', multiple: true }),
  tolerance: Flags.string({ summary: 'Allowed difference NAME=DELTA for a numeric condition (repeatable).', multiple: true }),
  defaults: Flags.boolean({ summary: 'Fall back to the detector type default when nothing matches (--no-defaults: fail instead).', allowNo: true, default: true }),
};

/** Values of queryFlags. */
export interface QueryFlagValues {
  detector?: string;
  'detector-id'?: string;
  module?: number;
  ctype?: string;
  run?: number;
  at?: string;
  strategy?: string;
  condition?: string[];
  tolerance?: string[];
  defaults?: boolean;
}

/** The FindQuery the flags describe; --detector and --ctype are required. */
export function queryFromFlags(f: QueryFlagValues): FindQuery {
  if (!f.detector) throw new DetcalError('BAD_INPUT', 'which constant? pass --detector TYPE and --ctype NAME (with --run / --at / --condition), or --id N');
  if (!f.ctype) throw new DetcalError('BAD_INPUT', 'which constant type? pass --ctype NAME (e.g. Offset, pedestals, pixel_status)');
  return {
    detectorType: f.detector,
    ctype: f.ctype,
    ...(f['detector-id'] ? { detectorId: f['detector-id'] } : {}),
    ...(f.module !== undefined ? { module: f.module } : {}),
    ...(f.run !== undefined ? { run: f.run } : {}),
    ...(f.at ? { at: parseTime(f.at, '--at'), strategy: (f.strategy ?? 'prior') as 'prior' | 'closest' } : {}),
    ...(f.condition?.length ? { conditions: parseConditions(f.condition, '--condition') } : {}),
    ...(f.tolerance?.length ? { tolerances: parseTolerances(f.tolerance) } : {}),
    useDefaults: f.defaults !== false,
  };
}

/** NAME=VALUE list -> conditions (numbers where the value is one). */
export function parseConditions(items: readonly string[], flag: string): Conditions {
  const out: Conditions = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new DetcalError('BAD_INPUT', `${flag} "${item}" is not NAME=VALUE; write e.g. ${flag} "Sensor Bias Voltage=300"`);
    const key = item.slice(0, i).trim();
    const text = item.slice(i + 1).trim();
    out[key] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return out;
}

/** NAME=DELTA list -> tolerances. */
export function parseTolerances(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parseConditions(items, '--tolerance'))) {
    if (typeof v !== 'number' || v < 0) throw new DetcalError('BAD_INPUT', `--tolerance ${k}=${v}: the tolerance must be a number >= 0`);
    out[k] = v;
  }
  return out;
}

/** Flags that set validity. */
export const validityFlags = {
  'run-range': Flags.string({ summary: 'Runs the constants are valid for: A-B or A-end.', helpValue: 'A-B|A-end' }),
  'begin-time': Flags.string({ summary: 'Start of validity (ISO 8601 UTC, YYYYmmddHHMMSS or Unix seconds).' }),
  'end-time': Flags.string({ summary: 'End of validity (same forms); default open ended.' }),
};

/** The validity the flags give (only the fields that were passed). */
export function validityFromFlags(f: { 'run-range'?: string; 'begin-time'?: string; 'end-time'?: string }): Partial<Validity> {
  const v: Partial<Validity> = {};
  if (f['run-range']) {
    const r = parseRunRange(f['run-range']);
    v.beginRun = r.begin;
    v.endRun = r.end;
  }
  if (f['begin-time']) v.beginTime = parseTime(f['begin-time'], '--begin-time');
  if (f['end-time']) v.endTime = parseTime(f['end-time'], '--end-time');
  return v;
}
