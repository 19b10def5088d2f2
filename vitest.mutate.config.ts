/**
 * The tests a mutation run (`npm run mutate`, stryker.config.mjs) drives: the unit and integration
 * tests of the guard modules, each file in a module graph of its own (isolate: true — tables built
 * at module load, such as the secret patterns, are then evaluated again for each mutant).
 * The end-to-end tests drive the built server, which a mutant never reaches: every guard they
 * prove is also proven at one of these levels (test/unit/http-guard.test.ts, for one).
 */
import { configDefaults, defineConfig } from 'vitest/config';

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
    include: process.env.OLLM_MUTATE_TESTS ? process.env.OLLM_MUTATE_TESTS.split(',') : [
      ...['inputs-content', 'diff-list', 'gitignore', 'bounded-reads', 'http-guard', 'bounds', 'arg-bounds', 'planner', 'fit', 'learned-size', 'usable-window', 'ledger', 'progress', 'logged-board'].map((f) => `test/unit/${f}.test.ts`),
      ...['inputs', 'inputs-race', 'diff-privacy', 'loader', 'loading-modern', 'learned-memory', 'pins-oom', 'savings-store', 'models-admin', 'progress', 'ollama-streams'].map((f) => `test/integration/${f}.test.ts`),
    ],
    exclude: [...configDefaults.exclude],
    isolate: true,
  },
});
