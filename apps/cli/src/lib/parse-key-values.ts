/** Parses repeated `name=value` flags (--param, --condition) into a record. */
import { parseParameter, type ParameterValue } from '@detcal/core';

/** `['a=1', 'b=[1,2]']` -> `{ a: 1, b: [1, 2] }`. */
export function parseKeyValues(items: readonly string[] | undefined): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const item of items ?? []) {
    const [k, v] = parseParameter(item);
    out[k] = v;
  }
  return out;
}
