/** Algorithm parameters: defaults from ParameterSpecs, overrides from `--param name=value`, checked by name. */
import { DetcalError } from './errors.js';
import type { ParameterSpec, ParameterValue } from './plugin-types.js';

/** Parses one `name=value` (value: number, true/false, [a,b] / a,b lists, or text). */
export function parseParameter(text: string): [string, ParameterValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new DetcalError('BAD_INPUT', `--param ${text}: write name=value, e.g. --param thresholds_noise_sigma=4`);
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (/^(true|false)$/i.test(raw)) return [name, raw.toLowerCase() === 'true'];
  if (/^[+-]?(nan|inf(inity)?)$/i.test(raw)) return [name, /nan/i.test(raw) ? NaN : raw.startsWith('-') ? -Infinity : Infinity];
  const list = raw.replace(/^\[|\]$/g, '');
  if (/^\s*-?[\d.eE+-]+(\s*,\s*-?[\d.eE+-]+)+\s*$/.test(list)) return [name, list.split(',').map(Number)];
  if (raw !== '' && !Number.isNaN(Number(raw))) return [name, Number(raw)];
  return [name, raw];
}

/** Merges overrides into the defaults; an unknown name or a value of the wrong kind is a one-line error. */
export function resolveParameters(specs: readonly ParameterSpec[], given: Record<string, ParameterValue>): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const s of specs) out[s.name] = s.defaultValue;
  for (const [name, value] of Object.entries(given)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      throw new DetcalError('BAD_INPUT', `unknown parameter '${name}': valid parameters are ${specs.map((s) => s.name).join(', ')}`);
    }
    const want = Array.isArray(spec.defaultValue) ? 'list' : typeof spec.defaultValue;
    const got = Array.isArray(value) ? 'list' : typeof value;
    if (want !== got || (Array.isArray(spec.defaultValue) && Array.isArray(value) && value.length !== spec.defaultValue.length)) {
      throw new DetcalError('BAD_INPUT', `parameter ${name}=${JSON.stringify(value)}: expected ${JSON.stringify(spec.defaultValue)}-like value (${spec.description})`);
    }
    out[name] = value;
  }
  return out;
}

/** A resolved numeric parameter. */
export function numberParam(p: Record<string, ParameterValue>, name: string): number {
  return p[name] as number;
}

/** A resolved [lo, hi] parameter. */
export function rangeParam(p: Record<string, ParameterValue>, name: string): [number, number] {
  const v = p[name] as number[];
  return [v[0], v[1]];
}
