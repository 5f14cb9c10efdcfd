#!/usr/bin/env node
// `pnpm bench <name> [flags]`: runs tools/bench/<name>-bench.mjs (dark, pixel-status ...).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const [name, ...rest] = process.argv.slice(2);
const script = join(here, `${name}-bench.mjs`);
if (!name || !existsSync(script)) {
  const known = readdirSync(here).filter((f) => f.endsWith('-bench.mjs')).map((f) => f.replace('-bench.mjs', ''));
  console.error(`usage: pnpm bench <${known.join('|')}> [flags]`);
  process.exit(2);
}
process.exit(spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' }).status ?? 1);
