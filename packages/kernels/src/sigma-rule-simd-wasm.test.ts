import { describe, expect, it } from 'vitest';
import { committedWasmFile } from './fixtures/compile-wat.js';
import { sigmaRuleSimdWat } from './sigma-rule-simd-wat.js';

describe('sigma-rule-simd-wasm.ts', () => {
  // The committed bytes must be what the committed generator compiles to; after changing
  // sigma-rule-simd-wat.ts regenerate them with
  //   pnpm --filter @detcal/kernels exec vitest run src/sigma-rule-simd-wasm.test.ts -u
  it('holds the module compiled from sigma-rule-simd-wat.ts', async () => {
    const text = await committedWasmFile('sigma-rule-simd', [
      { name: 'SIGMA_RULE_SIMD_WASM', doc: 'The n-sigma rule kernels of one contiguous statistics group (WebAssembly binary, base64).', file: 'sigma-rule-simd.wat', text: sigmaRuleSimdWat(), features: { threads: false, validate: true } },
    ]);
    await expect(text).toMatchFileSnapshot('./sigma-rule-simd-wasm.ts');
  });
});
