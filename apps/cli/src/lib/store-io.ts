/**
 * The store as other commands use it: `detcal dark` / `detcal pixel-status` save their ConstantSet
 * with --store (or DETCAL_STORE), `detcal correct` resolves its constants from it.
 */
import type { ConstantSet } from '@detcal/core';
import { openStore, type AddOptions, type FindQuery, type FoundSet, type StoreEntry } from '@detcal/store';

/** The store folder from a --store flag or DETCAL_STORE, or undefined when neither is set. */
export function optionalStoreDir(flag: string | undefined): string | undefined {
  return flag || process.env.DETCAL_STORE || undefined;
}

/** Adds every constant of `set` (or opts.ctypes) to the store in `dir`, creating it on the first write. */
export async function saveSetToStore(dir: string, set: ConstantSet, opts: AddOptions = {}): Promise<StoreEntry[]> {
  const store = await openStore(dir);
  try {
    return await store.add(set, opts);
  } finally {
    store.close();
  }
}

/** Finds several constant types for one detector (run / time / conditions, defaults as fallback) in the store in `dir`. */
export async function resolveFromStore(dir: string, query: Omit<FindQuery, 'ctype'> & { ctypes: readonly string[] }): Promise<FoundSet> {
  const store = await openStore(dir, { create: false });
  try {
    return await store.findSet(query);
  } finally {
    store.close();
  }
}
