import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures/formulas.js';
import { hdf5Module, loadHdf5 } from './h5wasm-runtime.js';
import { hdf5Reason, withHdf5Errors } from './hdf5-errors.js';
import { getDataset, withHdf5File } from './hdf5-file.js';

const fixture = (name: string) => path.join(FIXTURES, name);

describe('HDF5 errors', () => {
  it('turn into one DetcalError line with the telling reason', async () => {
    await withHdf5File(fixture('lzf.h5'), (h5) => {
      const err = (() => {
        try {
          withHdf5Errors('lzf.h5: writing', 'open it for writing', () => h5.create_dataset({ name: 'x', data: new Uint8Array(1) }));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(DetcalError);
      expect((err as DetcalError).message).toMatch(/^lzf\.h5: writing: .+; open it for writing$/);
      expect((err as DetcalError).message).not.toContain('\n');
    });
  });

  it('pick the filter line of an HDF5 error stack', () => {
    const stack = [
      'HDF5-DIAG: Error detected in HDF5 (2.0.0):',
      '  #000: H5D.c line 1051 in H5Dread(): can\'t synchronously read data',
      '    major: Dataset',
      "  #008: H5Z.c line 1435 in H5Z_pipeline(): required filter 'HDF5 lz4 filter' is not registered",
      '  #009: H5PLint.c line 276 in H5PL_load(): can\'t find plugin',
    ].join('\n');
    expect(hdf5Reason(new Error(stack))).toBe("required filter 'HDF5 lz4 filter' is not registered");
    expect(hdf5Reason(new Error('plain message\nmore'))).toBe('plain message');
  });
});

describe('the read backstop', () => {
  // Runs in its own test process (vitest isolates files): the lz4 plugin must not have been loaded yet.
  it('turns a read that lacks its filter plugin into an error instead of wrong values', async () => {
    await loadHdf5();
    const module = hdf5Module();
    const saved = module.get_plugin_search_paths();
    while (module.get_plugin_search_paths().length > 0) module.remove_plugin_search_path(0);
    try {
      await withHdf5File(fixture('lz4.h5'), (h5) => {
        const read = () => withHdf5Errors('lz4.h5: reading /data', 'install the plugin', () => getDataset(h5, 'data')?.slice([[0, 2]]));
        expect(read).toThrow(DetcalError);
        expect(read).toThrow(/^lz4\.h5: reading \/data: required filter 'HDF5 lz4 filter.*' is not registered; install the plugin$/);
      });
    } finally {
      for (const p of [...saved].reverse()) module.insert_plugin_search_path(p, 0);
    }
  });
});
