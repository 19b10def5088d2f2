/**
 * The tests a mutation run (`npm run mutate`, stryker.config.mjs) drives: the unit and integration
 * tests of the guard modules, each file in a module graph of its own (isolate: true — tables built
 * at module load, such as the secret patterns, are then evaluated again for each mutant).
 * The end-to-end tests drive the built server, which a mutant never reaches: every guard they
 * prove is also proven at one of these levels (test/unit/http-guard.test.ts, for one).
 */
import { configDefaults, defineConfig } from 'vitest/config';
import { MODULES } from './scripts/mutate-modules.mjs';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    silent: true,
    globalSetup: ['test/global-setup.ts'], // a temporary folder of the run's own (no build: the root project)
    setupFiles: ['test/setup-temp.ts'],
    // the tests of the guard modules: a mutant the coverage cannot place (a table built at load) runs all of them
    // OLLM_MUTATE_TESTS (comma-separated test paths) narrows them for a run over one module
    include: process.env.OLLM_MUTATE_TESTS
      ? process.env.OLLM_MUTATE_TESTS.split(',')
      : [...new Set(MODULES.flatMap((m) => m.tests))],
    exclude: [...configDefaults.exclude],
    isolate: true,
  },
});
