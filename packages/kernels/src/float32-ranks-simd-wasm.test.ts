import { describe, expect, it } from 'vitest';
import { committedWasmFile } from './fixtures/compile-wat.js';
import { float32RanksSimdWat } from './float32-ranks-simd-wat.js';

describe('float32-ranks-simd-wasm.ts', () => {
  // The committed bytes must be what the committed generator compiles to; after changing
  // float32-ranks-simd-wat.ts regenerate them with
  //   pnpm --filter @detcal/kernels exec vitest run src/float32-ranks-simd-wasm.test.ts -u
  it('holds the module compiled from float32-ranks-simd-wat.ts', async () => {
    const text = await committedWasmFile('float32-ranks-simd', [
      { name: 'FLOAT32_RANKS_SIMD_WASM', doc: 'The two passes of float32Ranks (WebAssembly binary, base64).', file: 'float32-ranks-simd.wat', text: float32RanksSimdWat(), features: { threads: false, validate: true } },
    ]);
    await expect(text).toMatchFileSnapshot('./float32-ranks-simd-wasm.ts');
  });
});
