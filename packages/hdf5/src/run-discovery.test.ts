import fs from 'node:fs';
import path from 'node:path';
import { DetcalError } from '@detcal/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures/formulas.js';
import { useTempDirs } from './fixtures/temp-dir.js';
import { agipdLike, jungfrauLike } from './fixtures/test-layouts.js';
import { discoverRun } from './run-discovery.js';

const tempDir = useTempDirs();
const agipdRun = path.join(FIXTURES, 'agipd-r0007');
const jungfrauFile = path.join(FIXTURES, 'RAW-R0012-JNGFR01-S00000.h5');

async function failure(p: Promise<unknown>): Promise<DetcalError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DetcalError);
  expect((err as DetcalError).message).not.toContain('\n');
  return err as DetcalError;
}

function folderWith(names: string[]): string {
  const dir = tempDir();
  for (const n of names) fs.writeFileSync(path.join(dir, n), '');
  return dir;
}

describe('discoverRun', () => {
  it('finds the sequence files of a run folder in order', async () => {
    const run = await discoverRun(agipdRun, { layout: agipdLike, module: 0 });
    expect(run).toEqual({
      kind: 'run-folder',
      run: 7,
      aggregator: 'AGIPD00',
      files: [path.join(agipdRun, 'RAW-R0007-AGIPD00-S00000.h5'), path.join(agipdRun, 'RAW-R0007-AGIPD00-S00001.h5')],
    });
    expect((await discoverRun(agipdRun)).files).toHaveLength(2);
  });

  it('sorts sequence numbers numerically and keeps only the module aggregator', async () => {
    const dir = folderWith(['RAW-R0001-AGIPD01-S100000.h5', 'RAW-R0001-AGIPD01-S99999.h5', 'RAW-R0001-AGIPD01-S00002.h5', 'RAW-R0001-AGIPD00-S00000.h5', 'RAW-R0001-DA01-S00000.h5', 'notes.txt']);
    const run = await discoverRun(dir, { layout: agipdLike, module: 1 });
    expect(run.files.map((f) => path.basename(f))).toEqual(['RAW-R0001-AGIPD01-S00002.h5', 'RAW-R0001-AGIPD01-S99999.h5', 'RAW-R0001-AGIPD01-S100000.h5']);
    expect(run.aggregator).toBe('AGIPD01');
  });

  it('lists the aggregators found when none matches the module', async () => {
    const dir = folderWith(['RAW-R0001-AGIPD00-S00000.h5', 'RAW-R0001-DA01-S00000.h5']);
    const err = await failure(discoverRun(dir, { layout: agipdLike, module: 5 }));
    expect(err.code).toBe('LAYOUT');
    expect(err.message).toBe(`${dir}: no sequence files of aggregator AGIPD05 (module 5); found aggregators AGIPD00, DA01; pass the --module whose aggregator is one of them, or the right --detector`);
  });

  it('asks for --detector / --module with several aggregators and no layout, and for one run folder', async () => {
    const several = folderWith(['RAW-R0001-AGIPD00-S00000.h5', 'RAW-R0001-AGIPD01-S00000.h5']);
    expect((await failure(discoverRun(several))).message).toMatch(/several aggregators \(AGIPD00, AGIPD01\); pass --detector and --module/);
    const runs = folderWith(['RAW-R0001-AGIPD00-S00000.h5', 'RAW-R0002-AGIPD00-S00000.h5']);
    expect((await failure(discoverRun(runs, { layout: agipdLike }))).message).toMatch(/several runs \(1, 2\); pass the folder of one run$/);
  });

  it('reports missing paths, folders without raw files and non-HDF5 files in one line', async () => {
    const missing = path.join(tempDir(), 'nope');
    const err = await failure(discoverRun(missing));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(new RegExp(`^${missing}: no such file or folder; pass a run folder`));
    const nexusFolder = tempDir();
    fs.copyFileSync(path.join(FIXTURES, 'nexus.h5'), path.join(nexusFolder, 'scan.nxs'));
    expect((await failure(discoverRun(nexusFolder))).message).toMatch(/no raw sequence files .*pass that file with --dataset <path>$/);
    const text = path.join(tempDir(), 'RAW-R0001-AGIPD00-S00000.h5');
    fs.writeFileSync(text, 'hello');
    expect((await failure(discoverRun(text))).message).toBe(`${text}: not an HDF5 file (no HDF5 signature); pass a .h5 / .hdf5 / .nxs file written by HDF5`);
  });

  it('accepts a single raw file and checks its aggregator against the module', async () => {
    expect(await discoverRun(jungfrauFile, { layout: jungfrauLike, module: 0 })).toEqual({ kind: 'file', files: [jungfrauFile], run: 12, aggregator: 'JNGFR01' });
    expect((await failure(discoverRun(jungfrauFile, { layout: jungfrauLike, module: 1 }))).message).toMatch(/is a file of aggregator JNGFR01, but module 1 is JNGFR02/);
  });

  it('accepts a renamed raw file that holds the layout data', async () => {
    const file = path.join(tempDir(), 'mydata.h5');
    fs.copyFileSync(path.join(agipdRun, 'RAW-R0007-AGIPD00-S00000.h5'), file);
    expect(await discoverRun(file, { layout: agipdLike })).toEqual({ kind: 'file', files: [file] });
  });

  it('reads any HDF5 file through --dataset and lists candidates otherwise', async () => {
    const nexus = path.join(FIXTURES, 'nexus.h5');
    expect(await discoverRun(nexus, { dataset: '/entry/data/data' })).toEqual({ kind: 'dataset', files: [nexus], dataset: '/entry/data/data' });
    const noDataset = await failure(discoverRun(nexus));
    expect(noDataset.message).toBe(`${nexus}: not a EuXFEL raw file of this detector; pass --dataset <path>; datasets with 2+ axes: /entry/data/data, /entry/instrument/detector/pixel_mask`);
    const wrong = await failure(discoverRun(nexus, { dataset: '/entry/data/nope' }));
    expect(wrong.code).toBe('NOT_FOUND');
    expect(wrong.message).toMatch(/no dataset \/entry\/data\/nope; pass --dataset <path>; datasets with 2\+ axes: \/entry\/data\/data/);
  });
});
