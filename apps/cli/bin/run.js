#!/usr/bin/env node
// detcal entry point: runs the oclif app and turns any failure into one line on stderr and a
// non-zero exit (the stack trace only with --debug or DETCAL_DEBUG=1).
import { flush, run } from '@oclif/core';

const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || process.env.DETCAL_DEBUG === '1';
try {
  await run(argv, import.meta.url);
  await flush();
} catch (err) {
  const exit = err?.oclif?.exit ?? (err?.code === 'EEXIT' ? 0 : 1);
  if (err?.code !== 'EEXIT' && !err?.skipOclifErrorHandling) {
    if (debug) console.error(err?.stack ?? String(err));
    else {
      const lines = String(err?.message ?? err).split('\n').map((l) => l.trim()).filter((l) => l && !/^See more help with/.test(l));
      console.error(`detcal: error: ${lines.join(' ')}`);
    }
  }
  process.exitCode = exit || 1;
  if (err?.code === 'EEXIT') process.exitCode = exit;
}
