import { describe, expect, it } from 'vitest';
import { committedWasmFile } from './fixtures/compile-wat.js';
import { darkSingleSimdWat } from './dark-single-simd-wat.js';

describe('dark-single-simd-wasm.ts', () => {
  // The committed bytes must be what the committed generator compiles to; after changing
  // dark-single-simd-wat.ts regenerate them with
  //   pnpm --filter @detcal/kernels exec vitest run src/dark-single-simd-wasm.test.ts -u
  it('holds the modules compiled from dark-single-simd-wat.ts', async () => {
    const text = await committedWasmFile('dark-single-simd', [
      { name: 'DARK_SINGLE_SIMD_WASM', doc: 'The general (single) dark accumulation kernel importing an unshared memory (WebAssembly binary, base64).', file: 'dark-single-simd.wat', text: darkSingleSimdWat(false), features: { threads: true, validate: false } },
      { name: 'DARK_SINGLE_SIMD_SHARED_WASM', doc: 'The same kernel importing a shared memory (worker threads), base64.', file: 'dark-single-simd-shared.wat', text: darkSingleSimdWat(true), features: { threads: true, validate: false } },
    ]);
    await expect(text).toMatchFileSnapshot('./dark-single-simd-wasm.ts');
  });
});
