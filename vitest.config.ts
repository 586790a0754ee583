import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Real runtimes (onnxruntime, Chromium) share 2 cores: run test files one after another.
    fileParallelism: false,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
