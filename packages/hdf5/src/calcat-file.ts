/**
 * European XFEL CalCat constant files: /<PDU>/<Calibration>/0/data in the facility's axis order
 * (fast_scan, slow_scan, cell, gain), a `dims` attribute with the facility's axis names, as
 * EXtra's calibration module reads them.
 */
import { DetcalError, makeConstantSet, toEuxfelOrder, transpose, type ConstantArray, type ConstantSet } from '@detcal/core';
import { writeAtomically, readConstantArray, writeConstantArray, type WrittenFile } from './constants-file.js';
import { readMetadataAttrs, writeMetadataAttrs } from './constants-metadata.js';
import { h5wasm, loadHdf5 } from './h5wasm-runtime.js';
import { openHdf5Sync } from './hdf5-file.js';
import { setAttribute } from './hdf5-write.js';

/** A CalCat file's physical detector unit and its constants (in detcal axis order). */
export interface CalCatFile {
  /** Physical detector unit name (the root group). */
  pdu: string;
  /** The constants, in detcal axis order. */
  set: ConstantSet;
}

const TO_EUXFEL: Record<string, string> = { col: 'fast_scan', row: 'slow_scan' };
const FROM_EUXFEL: Record<string, string> = { fast_scan: 'col', slow_scan: 'row' };
const DETCAL_ORDER = ['module', 'gain', 'cell', 'row', 'col'];

/** Writes every constant of `set` as /<pdu>/<Name>/0/data, axes reversed to the facility order. */
export async function writeCalCatFile(file: string, pdu: string, set: ConstantSet): Promise<WrittenFile> {
  await loadHdf5();
  if (!/^[^/.][^/]*$/.test(pdu)) throw new DetcalError('BAD_INPUT', `PDU name "${pdu}" cannot be an HDF5 group name (no '/', no leading '.'); pass the PDU's physical name`);
  return writeAtomically(file, (h5) => {
    setAttribute(h5, 'format', 'euxfel-calcat');
    setAttribute(h5, 'layout', 'calcat');
    writeMetadataAttrs(h5, set.metadata);
    for (const c of Object.values(set.constants)) {
      const reversed = toEuxfelOrder(c);
      const ds = writeConstantArray(h5, `${pdu}/${c.name}/0/data`, reversed, reversed.dims.map((d) => TO_EUXFEL[d] ?? d));
      setAttribute(ds, 'creation_time', set.metadata.createdAt);
    }
  });
}

/** Reads a CalCat file (of one PDU, or of `pdu` when it holds several) into detcal axis order. */
export async function readCalCatFile(file: string, pdu?: string): Promise<CalCatFile> {
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    const pdus = h5.keys().filter((k) => h5.get(k) instanceof h5wasm.Group);
    const chosen = pdu ?? (pdus.length === 1 ? pdus[0] : undefined);
    if (!chosen || !pdus.includes(chosen)) {
      const what = pdu ? `has no PDU ${pdu}` : pdus.length === 0 ? 'has no PDU group' : `holds several PDUs (${pdus.join(', ')})`;
      throw new DetcalError('BAD_INPUT', `${file}: ${what}; pass the PDU name of one of: ${pdus.join(', ') || 'none'}`);
    }
    const arrays: ConstantArray[] = [];
    const group = h5.get(chosen) as InstanceType<typeof h5wasm.Group>;
    for (const calibration of group.keys()) {
      const versions = (h5.get(`${chosen}/${calibration}`) as InstanceType<typeof h5wasm.Group> | null)?.keys() ?? [];
      const version = versions.includes('0') ? '0' : versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b))[0];
      const dsPath = `/${chosen}/${calibration}/${version}/data`;
      const ds = version === undefined ? null : h5.get(dsPath);
      if (!(ds instanceof h5wasm.Dataset)) continue;
      arrays.push(toDetcalOrder(readConstantArray(h5, file, dsPath, calibration, ds)));
    }
    if (arrays.length === 0) throw new DetcalError('BAD_INPUT', `${file}: no /${chosen}/<Calibration>/<n>/data dataset; pass a CalCat constant file`);
    const metadata = readMetadataAttrs(h5, file);
    return { pdu: chosen, set: makeConstantSet({ ...metadata, detectorId: metadata.detectorId || chosen }, arrays) };
  } finally {
    h5.close();
  }
}

/** Facility axis names and order -> detcal's: known axes sorted module, gain, cell, row, col; unlabelled arrays reversed. */
function toDetcalOrder(c: ConstantArray): ConstantArray {
  if (c.dims.every((d, i) => d === `axis${i}`)) {
    const n = c.shape.length;
    const canon = n === 4 ? ['gain', 'cell', 'row', 'col'] : n === 3 ? ['cell', 'row', 'col'] : n === 2 ? ['row', 'col'] : c.dims.map((_, i) => `axis${n - 1 - i}`);
    return { ...toEuxfelOrder(c), dims: canon };
  }
  const renamed = { ...c, dims: c.dims.map((d) => FROM_EUXFEL[d] ?? d) };
  const rank = (d: string): number => DETCAL_ORDER.indexOf(d);
  const order = renamed.dims.map((_, i) => i).sort((a, b) => rank(renamed.dims[a]) - rank(renamed.dims[b]) || a - b);
  return order.every((v, i) => v === i) ? renamed : transpose(renamed, order);
}
