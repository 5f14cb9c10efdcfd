import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { checkFilters, filterName, isDecodableFilter } from './filters.js';
import { collect, expectedFrames, range } from './fixtures/collect.js';
import { COLS, FIXTURES, genericValue, ROWS } from './fixtures/formulas.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { openFrameSource } from './frame-source.js';
import { h5wasm, hdf5PluginStatus, loadHdf5 } from './h5wasm-runtime.js';
import { withHdf5File } from './hdf5-file.js';

const tempDir = useTempDirs();
const fixture = (name: string) => path.join(FIXTURES, name);

describe('checkFilters', () => {
  it('loads the h5wasm-plugins filters at init', async () => {
    await loadHdf5();
    expect(hdf5PluginStatus().plugins).toEqual(expect.arrayContaining(['lz4', 'bshuf', 'blosc', 'zstd', 'bz2']));
    for (const id of [1, 2, 3, 32000, 32001, 32004, 32008, 32015, 307]) expect(isDecodableFilter(id)).toBe(true);
    expect(isDecodableFilter(32017)).toBe(false);
  });

  it.each([
    ['agipd-r0007/RAW-R0007-AGIPD00-S00000.h5', '/INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image/data', ['shuffle', 'gzip']],
    ['lzf.h5', '/data', ['lzf']],
    ['lz4.h5', '/data', ['lz4']],
    ['blosc.h5', '/data', ['blosc']],
    ['nexus.h5', 'entry/instrument/detector/pixel_mask', []],
  ])('lists the filters of %s %s', async (name, dataset, names) => {
    const filters = await withHdf5File(fixture(name), (h5) => checkFilters(h5, fixture(name), dataset));
    expect(filters.map((f) => f.name)).toEqual(names);
    expect(filters.every((f) => f.decodable)).toBe(true);
  });

  it('throws one UNSUPPORTED_FILTER line naming file, dataset, filter and fix', async () => {
    const file = fixture('unsupported-filter.h5');
    const err = await withHdf5File(file, (h5) => checkFilters(h5, file, 'data')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetcalError);
    expect((err as DetcalError).code).toBe('UNSUPPORTED_FILTER');
    expect((err as DetcalError).message).toBe(`${file}: dataset /data uses filter sz (id 32017) which detcal cannot decode; rewrite it with a filter detcal reads, e.g. \`h5repack -f GZIP=4 ${file} out.h5\` on a machine that has the sz plugin`);
  });

  it('names unknown filters from the file or by id', () => {
    expect(filterName(32004)).toBe('lz4');
    expect(filterName(40000, 'myfilter; see http://x')).toBe('myfilter');
    expect(filterName(40001)).toBe('filter-40001');
  });

  it.each([
    ['bitshuffle + lz4', 32008, [0, 2]],
    ['bitshuffle', 32008, [0, 0]],
    ['zstd', 32015, [3]],
    ['bzip2', 307, [9]],
  ])('decodes %s written through h5wasm-plugins (no h5py writer for it on Debian)', async (_label, id, opts) => {
    await loadHdf5();
    const file = path.join(tempDir(), 'plugin.h5');
    const values = Uint16Array.from(expectedFrames(genericValue, range(0, 6), ROWS, COLS));
    const h5 = new h5wasm.File(file, 'w');
    h5.create_dataset({ name: 'data', data: values, shape: [6, ROWS, COLS], chunks: [2, ROWS, COLS], compression: id, compression_opts: opts });
    h5.close();
    const filters = await withHdf5File(file, (f) => checkFilters(f, file, 'data'));
    expect(filters.map((f) => f.id)).toEqual([id]);
    const got = await collect(await openFrameSource({ files: [file], module: 0, dataset: 'data', blockFrames: 4 }));
    expect(got.data).toEqual(Array.from(values));
  });
});
