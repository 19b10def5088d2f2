// The test projects, and which npm script runs which (package.json):
//
//   npm test           unit, main              — quick: no test waits real seconds
//   npm run test:slow  slow, slow-http         — real-time waits, and the rest of the HTTP pass
//   npm run test:unit  unit                    — test/unit alone, no build
//
// CI (.ci/run) runs npm test and then npm run test:slow, so together they run every test, and every
// end-to-end behaviour over both stdio and Streamable HTTP. `npx vitest run` runs all four.
//
// The real-engine tests (test/engine: a real llama.cpp llama-server built by `npm run engine`) are
// in `main`: they run in npm test when the engine is built and are skipped when it is not — except
// with OLLM_REQUIRE_ENGINE=1, set by CI after building it, where a missing engine fails them.
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that wait real seconds (long loads, time limits, lock waits, killed processes round after round), and the packaging checks. */
const SLOW = [
  'test/**/*.slow.test.ts', // split out of their files: shared-file(s) across processes
  'test/integration/long-load.test.ts', // a 90 s load
  'test/integration/progress.test.ts', // stall, first-token and load limits, re-sent progress through loads
  'test/e2e/progress.test.ts', // 20 s loads, slow downloads, a client giving up after 2 s
  'test/e2e/bundle.test.ts', // packs and unpacks the desktop bundle (~20 s of a 2-core machine)
  'test/e2e/pack.test.ts', // npm pack, then runs the tarball with production dependencies only
  'test/e2e/checkout.test.ts', // npx from the checkout: npm's own start-up, several times
  'test/e2e/inputs-race.test.ts', // a child process swapping a file for a link hundreds of times while it is read
  'test/e2e/deep-tree.test.ts', // a 1,000-deep folder tree walked end to end
  'test/e2e/http-bounds.test.ts', // bodies of several MiB over HTTP, slow and endless clients
  'test/integration/state-db.test.ts', // child processes opening one database at once, round after round
  'test/integration/hostile-host.test.ts', // hosts flooding lines, 100 MB answers, endless bodies
  'test/browser/views.test.ts', // the views in a real Chromium: ~15 s of a 2-core machine
  'test/integration/prompts-apart.test.ts', // two hosts loading and reading 30 KB prompts in turn: ~14 s
  'test/e2e/engine-holds.test.ts', // two shared servers, holds lent, revoked and run out: ~16 s
  'test/e2e/offload.test.ts', // the built server reading, refusing and splitting inputs end to end: ~11 s
  'test/integration/loader-seen.test.ts', // loads and unloads racing a request's own reading, with real waits: ~8 s
  'test/integration/planned-elsewhere.test.ts', // two planners over one engine, a claim passed on: ~5 s
  'test/e2e/state-lock.test.ts', // a write lock held past the limit, servers stopped by SIGTERM
  'test/e2e/state-damaged.test.ts', // damaged state files, servers stopped and started round after round
  'test/engine/real-offload.test.ts', // a 48 KB log read in parts by the real engine: dozens of real generations
  'test/engine/real-prefix.test.ts', // a 40 KB story (~8,150 tokens) read whole by the real engine: ~21 s of one core
  'test/e2e/state-backup-target.test.ts', // the CLI run some thirty times against live and linked state files
  // The end-to-end files whose servers live, wait and die in real time (issue 63: npm test within 3 minutes):
  'test/e2e/shared-server.test.ts', // shared servers killed and started again, four launches at once, doctor over the daemon
  'test/e2e/engine-claims.test.ts', // a planner killed, its port bound by another program, the engine taken over
  'test/e2e/hand-over-cost.test.ts', // a ~48 KB log read in 5 parts, ~15 s of answers, handed over at 3 s
  'test/e2e/job-handles.test.ts', // a 6 s answer handed over after 1 s, followed and cancelled
  'test/e2e/job-resume.test.ts', // the shared server killed mid-job, the job resumed by the next one
  'test/e2e/tasks.test.ts', // tasks polled while the engine answers, two windows 0.5 s apart
  'test/e2e/team-box.test.ts', // two laptops' shared servers and the box's HTTP server; the box stopped
  'test/e2e/resumable-drop.test.ts', // calls dropped and resumed while the engine answers, twenty clients
  'test/e2e/resumable-fair.test.ts', // a dropped call left past its resume grace
  'test/integration/long-jobs-tools.test.ts', // four tools each waited past a 2 s client limit and handed over
  'test/e2e/output-schemas.test.ts', // every tool called in four modes: alone, through the shared server, over HTTP
  'test/e2e/agent-tokens.test.ts', // HTTP servers started with named tokens, and refused start-ups
  'test/e2e/agents.test.ts', // two server processes on one home, a client each
  'test/e2e/folder-boundary.test.ts', // servers spawned from / and from home, alone and through the shared server
  'test/e2e/promise-hooks.test.ts', // servers with a probe in them, each call's promises watched
  // servers spawned for one behaviour each, the product's whole way end to end; the transports themselves
  // (stdio.test, http.test), offload and the real engine stay in npm test
  'test/e2e/generate.test.ts',
  'test/e2e/memory.test.ts',
  'test/e2e/bounds.test.ts',
  'test/e2e/templates.test.ts',
  'test/e2e/skills.test.ts',
  'test/e2e/kept-local.test.ts',
  'test/e2e/secrets.test.ts',
  'test/e2e/fleet-kinds.test.ts',
  'test/e2e/tokenize-bounds.test.ts',
  'test/e2e/shared-files.test.ts',
  'test/e2e/project.test.ts',
  'test/e2e/home-files.test.ts',
  'test/e2e/diff-privacy.test.ts',
  'test/e2e/structured.test.ts',
  'test/e2e/fleet-down.test.ts',
  'test/e2e/answer-bounds.test.ts',
  'test/e2e/team-box-fit.test.ts',
  'test/e2e/template-names.test.ts',
  'test/e2e/client-limits.test.ts',
  'test/e2e/learning.test.ts',
  'test/e2e/compare-restart.test.ts',
  // jobs waited on in real time: hand-overs at short limits, follow-ups that wait for the result, turns on a model's slots
  'test/integration/job-follow-up.test.ts',
  'test/integration/long-work.test.ts',
  'test/integration/stored-result.test.ts',
  'test/integration/split-plan-eta.test.ts', // a split job handed over at 1 s, its parts written for seconds
  'test/integration/named-turns.test.ts',
  'test/e2e/shared-memo.test.ts', // four launches and two shared servers, a settings file changed between them
  'test/e2e/shared-rebuild.test.ts', // an earlier build's daemon retiring, waited for until it exits
];

/** End-to-end files that choose their transport themselves (or start servers their own way): run once. */
const OWN_TRANSPORT = [
  'test/e2e/http.test.ts',
  'test/e2e/agent-tokens.test.ts',
  'test/e2e/http-bounds.test.ts',
  'test/e2e/resumable*.test.ts',
  'test/e2e/pack.test.ts',
  'test/e2e/bundle.test.ts',
  'test/e2e/shared-files*.test.ts',
  'test/e2e/state-backup-target.test.ts',
  'test/e2e/set-deep.test.ts',
  'test/e2e/shared-server*.test.ts',
  'test/e2e/shared-memo.test.ts',
  'test/e2e/handshake*.test.ts',
  'test/e2e/output-schemas.test.ts',
  'test/e2e/tasks.test.ts',
];

/**
 * Over Streamable HTTP, `npm test` runs http.test.ts (the transport itself: sessions, progress,
 * cancellation, limits, auth); every other end-to-end file's HTTP pass is in `npm run test:slow`.
 */
const HTTP = { OLLM_E2E_TRANSPORT: 'http' };

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // expect.poll waits for what a server does: 1 s (vitest's default) is short on 2 busy cores
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Two files at once even on 2 cores (vitest's default, cores - 1, runs one at a time there):
    // much of the suite waits on servers it started. Measured on 2 busy cores, the tests of npm test
    // took 115 s with 2 workers, 125 s with 3 and 107 s with 4 — the CPU is the limit then — and
    // more workers made the tests that time a server's answer fail more often.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The report only: a test's console output (and the server's log lines, test/setup-temp.ts) is
    // shown when that test fails.
    silent: 'passed-only',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-temp.ts'],
    projects: [
      // Pure code: one module graph per worker (isolate: false) halves their time.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', ...SLOW],
        },
      },
      // The transport-sensitive end-to-end files again, with the built server spoken to over Streamable HTTP.
      { extends: true, test: { name: 'slow', include: SLOW } },
      // Every other end-to-end file over Streamable HTTP (the slow ones included).
      {
        extends: true,
        test: {
          name: 'slow-http',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...OWN_TRANSPORT],
          env: HTTP,
        },
      },
    ],
  },
});
