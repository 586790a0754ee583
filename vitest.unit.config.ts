import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the fast tests, chosen by folder: everything under tests/unit/ (no runtime: no
 * onnxruntime, no Chromium, no built CLI; under a minute). tests/integration/<area>/ runs the real runtimes.
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 30_000,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
