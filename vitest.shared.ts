import { defineConfig } from 'vitest/config';

/** Shared vitest settings: packages are tested from source through the `detcal-source` export condition. */
export default defineConfig({
  resolve: { conditions: ['detcal-source'] },
  ssr: { resolve: { conditions: ['detcal-source'] } },
  test: {
    include: ['src/**/*.test.ts', '*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
