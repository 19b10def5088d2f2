// @ts-check
/**
 * `npm run mutate` (scripts/mutate.mjs, one run per module with its own tests and incremental file
 * test/mutation/NAME.json): mutation testing (StrykerJS, vitest runner) over the modules that protect
 * users and their machines — the inputs' scope, secret, content and size rules and the diff
 * reader, the HTTP guard (host, origin, token), argument validation, the loading planner, the
 * savings ledger, and cancellation of pulls and generations. Survivors that cannot be killed —
 * equivalent mutants — are listed, with why, in test/mutation/equivalent.md. No mutator is
 * switched off.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  // each mutant's tests in a process of their own: a table built at load (the secret patterns, the
  // loopback names) is built again with the mutant in it, which the vitest runner's reused workers missed
  testRunner: 'command',
  commandRunner: { command: 'node node_modules/vitest/vitest.mjs run --config vitest.mutate.config.ts' }, // not npx: a second less per mutant
  // every mutant runs all of its module's tests (scripts/mutate.mjs narrows them per module): per-test
  // coverage cannot place a mutant in a table built at load, and such mutants went untested
  coverageAnalysis: 'off',
  checkers: [],
  mutate: [
    'src/orchestrator/inputs/scope.ts',
    'src/orchestrator/inputs/secrets.ts',
    'src/orchestrator/inputs/content.ts',
    'src/orchestrator/inputs/files.ts',
    'src/orchestrator/inputs/diff.ts',
    'src/server/http-guard.ts',
    'src/tools/arg-bounds.ts',
    'src/tools/invalid-args.ts',
    'src/orchestrator/loading/planner.ts',
    'src/orchestrator/loading/admission.ts',
    'src/orchestrator/savings/ledger.ts',
    'src/orchestrator/models/pull.ts',
    'src/orchestrator/generation/stream-watch.ts',
  ],
  incremental: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: process.env.OLLM_MUTATE_REPORT ?? 'node_modules/.cache/stryker/mutation.json' },
  htmlReporter: { fileName: 'node_modules/.cache/stryker/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  // scripts/mutate.mjs judges the scores (equivalent mutants apart): 80% per module, 90% in all
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  timeoutMS: 15_000,
  tempDirName: 'node_modules/.cache/stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['.engine', 'dist', 'node_modules/.cache', 'test/screenshots'],
};
