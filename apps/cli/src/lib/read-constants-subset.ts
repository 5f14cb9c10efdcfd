/**
 * Reads some named datasets of a detcal constants file (either file layout) as a ConstantSet, so that a
 * step that needs three arrays of a large file does not load all of them. Missing files and datasets
 * are one-line errors naming the flag.
 */
import { existsSync } from 'node:fs';
import { DetcalError, makeConstantSet, toEuxfelOrder, type ConstantArray, type ConstantSet } from '@detcal/core';
import { getAttribute, loadHdf5, openHdf5Sync, readConstantArray, readMetadataAttrs, getDataset } from '@detcal/hdf5';

/**
 * Opens `file` and reads the datasets `names` (all required).
 * @param file - constants file written by detcal
 * @param names - dataset names at the root
 * @param flag - the command-line flag that named the file, for messages
 */
export async function readConstantsSubset(file: string, names: readonly string[], flag: string): Promise<ConstantSet> {
  if (!existsSync(file)) throw new DetcalError('NOT_FOUND', `${flag} ${file}: no such file; pass the constants file the earlier step wrote`);
  await loadHdf5();
  const h5 = openHdf5Sync(file);
  try {
    const layout = String(getAttribute(h5, 'layout') ?? 'detcal');
    const arrays: ConstantArray[] = [];
    for (const name of names) {
      const ds = getDataset(h5, name);
      if (!ds) throw new DetcalError('BAD_INPUT', `${flag} ${file}: no dataset ${name}; pass the file written by the matching detcal step`);
      const c = readConstantArray(h5, file, `/${name}`, name, ds);
      arrays.push(layout === 'euxfel' ? toEuxfelOrder(c) : c);
    }
    return makeConstantSet(readMetadataAttrs(h5, file), arrays);
  } finally {
    h5.close();
  }
}
