/**
 * Worker threads start from built JavaScript: the script is found next to the running module (dist) or,
 * when the module runs from src under a test runner, in ../dist; and their execArgv must not carry the
 * test runner's source condition.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DetcalError } from '@detcal/core';

/**
 * The compiled worker script `script` of this package.
 * @param script - file name in dist ('dark-worker.js')
 * @param what - the worker's name for the error message ('dark')
 * @returns its URL
 */
export function builtWorkerUrl(script: string, what: string): URL {
  const here = new URL(`./${script}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../dist/${script}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new DetcalError('INTERNAL', `${what} worker script not found: build @detcal/kernels (pnpm run build) or use --threads 1`);
}

/** The process's execArgv without the `detcal-source` export condition: the built worker must load its workspace dependencies' dist, not their TypeScript sources (test runners set the condition). */
export function builtExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === '--conditions' || a[i] === '-C') && a[i + 1] === 'detcal-source') i++;
    else if (a[i] !== '--conditions=detcal-source') out.push(a[i]);
  }
  return out;
}
