import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the fast tests only, no runtime (no onnxruntime, no Chromium, no built CLI), under a
 * minute: the engine and the CLI with the fake runner, schemas, results, models, protocol and statistics,
 * reports and run comparison.
 * `npm test` runs everything.
 */
export default defineConfig({
  test: {
    include: [
      'tests/engine.test.ts',
      'tests/noise-floor.test.ts',
      'tests/cli-main.test.ts',
      'tests/schema.test.ts',
      'tests/results-writer.test.ts',
      'tests/device-profiles.test.ts',
      'tests/models.test.ts',
      'tests/protocol.test.ts',
      'tests/reference.test.ts',
      'tests/search-space.test.ts',
      'tests/stats.test.ts',
      'tests/repeat-model.test.ts',
      'tests/host-facts.test.ts',
      'tests/backend-share.test.ts',
      'tests/ort-placement.test.ts',
      'tests/tflite-op-profile.test.ts',
      'tests/report-analysis.test.ts',
      'tests/cli-report.test.ts',
      'tests/lut.test.ts',
      'tests/lut-cli.test.ts',
      'tests/device-model.test.ts',
      'tests/lut-simulate.test.ts',
    ],
    testTimeout: 30_000,
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
  },
});
