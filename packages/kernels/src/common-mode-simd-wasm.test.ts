import { describe, expect, it } from 'vitest';
import { committedWasmFile } from './fixtures/compile-wat.js';
import { commonModeSimdWat } from './common-mode-simd-wat.js';

describe('common-mode-simd-wasm.ts', () => {
  // The committed bytes must be what the committed generator compiles to; after changing
  // common-mode-simd-wat.ts regenerate them with
  //   pnpm --filter @detcal/kernels exec vitest run src/common-mode-simd-wasm.test.ts -u
  it('holds the module compiled from common-mode-simd-wat.ts', async () => {
    const text = await committedWasmFile('common-mode-simd', [
      { name: 'COMMON_MODE_SIMD_WASM', doc: 'The row-segment common-mode noise kernels (WebAssembly binary, base64).', file: 'common-mode-simd.wat', text: commonModeSimdWat(), features: { threads: true, validate: false } },
    ]);
    await expect(text).toMatchFileSnapshot('./common-mode-simd-wasm.ts');
  });
});
