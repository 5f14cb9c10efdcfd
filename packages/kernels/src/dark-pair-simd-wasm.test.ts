import { describe, expect, it } from 'vitest';
import { committedWasmFile } from './fixtures/compile-wat.js';
import { darkPairSimdWat } from './dark-pair-simd-wat.js';

describe('dark-pair-simd-wasm.ts', () => {
  // The committed bytes must be what the committed generator compiles to; after changing
  // dark-pair-simd-wat.ts regenerate them with
  //   pnpm --filter @detcal/kernels exec vitest run src/dark-pair-simd-wasm.test.ts -u
  it('holds the modules compiled from dark-pair-simd-wat.ts', async () => {
    const text = await committedWasmFile('dark-pair-simd', [
      { name: 'DARK_PAIR_SIMD_WASM', doc: 'The pair accumulation kernel importing an unshared memory (WebAssembly binary, base64).', file: 'dark-pair-simd.wat', text: darkPairSimdWat(false), features: { threads: true, validate: false } },
      { name: 'DARK_PAIR_SIMD_SHARED_WASM', doc: 'The same kernel importing a shared memory (worker threads), base64.', file: 'dark-pair-simd-shared.wat', text: darkPairSimdWat(true), features: { threads: true, validate: false } },
    ]);
    await expect(text).toMatchFileSnapshot('./dark-pair-simd-wasm.ts');
  });
});
