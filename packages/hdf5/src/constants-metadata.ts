/** ConstantMetadata <-> HDF5 attributes (snake_case names, JSON strings for nested values). */
import { DetcalError, type ConstantMetadata, type Validity } from '@detcal/core';
import type { H5File } from './hdf5-file.js';
import { getAttribute, setAttribute } from './hdf5-write.js';

/** Attribute holder (a file, group or dataset). */
type AttrTarget = Pick<H5File, 'attrs' | 'create_attribute'>;

/** Writes the metadata as attributes of `target`. */
export function writeMetadataAttrs(target: AttrTarget, m: ConstantMetadata): void {
  setAttribute(target, 'detector_type', m.detectorType);
  setAttribute(target, 'detector_id', m.detectorId);
  setAttribute(target, 'module', m.module);
  setAttribute(target, 'conditions', JSON.stringify(m.conditions));
  // HDF5 rejects empty attribute arrays: no runs, no attribute (read back as []).
  if (m.sourceRuns.length > 0) setAttribute(target, 'source_runs', m.sourceRuns.map(String));
  setAttribute(target, 'created_at', m.createdAt);
  setAttribute(target, 'tool_version', m.toolVersion);
  setAttribute(target, 'parameters', JSON.stringify(m.parameters));
  if (m.validity) setAttribute(target, 'validity', JSON.stringify(m.validity));
}

/** Reads metadata attributes written by writeMetadataAttrs; missing ones get empty defaults. */
export function readMetadataAttrs(target: AttrTarget, file: string): ConstantMetadata {
  const str = (name: string): string => {
    const v = getAttribute(target, name);
    return v === undefined || v === null ? '' : String(v);
  };
  const json = <T>(name: string, fallback: T): T => {
    const text = str(name);
    if (text === '') return fallback;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new DetcalError('BAD_INPUT', `${file}: attribute ${name} is not valid JSON (${(err as Error).message}); rewrite the file with detcal or fix the attribute`);
    }
  };
  const runs = getAttribute(target, 'source_runs');
  const module = Number(getAttribute(target, 'module') ?? 0);
  const validity = json<Validity | null>('validity', null);
  return {
    detectorType: str('detector_type'),
    detectorId: str('detector_id'),
    module: Number.isFinite(module) ? module : 0,
    conditions: json('conditions', {}),
    sourceRuns: Array.isArray(runs) ? runs.map(String) : runs === undefined ? [] : [String(runs)],
    createdAt: str('created_at'),
    toolVersion: str('tool_version'),
    parameters: json('parameters', {}),
    ...(validity ? { validity } : {}),
  };
}
