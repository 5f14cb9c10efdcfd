import { defineConfig, mergeConfig } from 'vitest/config';
import shared from './vitest.shared.js';

/** Root config: the cross-package suites in test/ (conformance, CLI end to end). Package tests run per package via nx. */
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [{ extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } }],
    },
  }),
);
