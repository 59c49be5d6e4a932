import { defineConfig } from 'vitest/config';

/** The end-to-end suite: real Chromium against a running stack (see scripts/e2e.mjs). */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.spec.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
