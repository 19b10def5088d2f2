#!/usr/bin/env node
/**
 * `npm run mutate [-- NAME…]`: mutation testing (StrykerJS, stryker.config.mjs) of each guard
 * module against the tests that prove it, one Stryker run per module, and the score per module.
 * Each run is incremental (test/mutation/NAME.json, committed): after a small change to the module
 * only the mutants it touches run again; after a change to its tests (NAME.tests-sha256), all. Every mutant runs all of its module's tests (coverage analysis
 * off: a table built at load — the secret patterns, the loopback addresses — is a "static" mutant
 * that per-test coverage cannot place). Survivors that are equivalent to the code are listed, each
 * with why, in test/mutation/equivalent.md and counted as such. Fails when a module scores under
 * 80% or all of them together under 90%.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const unit = (...names) => names.map((n) => `test/unit/${n}.test.ts`);
const integration = (...names) => names.map((n) => `test/integration/${n}.test.ts`);

/** Each guard module and the tests that prove it. */
export const MODULES = [
  { name: 'http-guard', file: 'src/server/http-guard.ts', tests: unit('http-guard', 'bounds') },
  { name: 'secrets', file: 'src/orchestrator/inputs/secrets.ts', tests: unit('inputs-content') },
  { name: 'arg-bounds', file: 'src/tools/arg-bounds.ts', tests: unit('arg-bounds', 'bounds') },
  { name: 'scope', file: 'src/orchestrator/inputs/scope.ts', tests: [...unit('inputs-content'), ...integration('inputs', 'diff-privacy')] },
  { name: 'content', file: 'src/orchestrator/inputs/content.ts', tests: [...unit('inputs-content', 'bounded-reads'), ...integration('inputs')] },
  { name: 'files', file: 'src/orchestrator/inputs/files.ts', tests: [...unit('bounded-reads'), ...integration('inputs', 'inputs-race')] },
  { name: 'diff', file: 'src/orchestrator/inputs/diff.ts', tests: [...unit('diff-list'), ...integration('diff-privacy', 'inputs')] },
  { name: 'invalid-args', file: 'src/tools/invalid-args.ts', tests: unit('bounds', 'arg-bounds') },
  { name: 'planner', file: 'src/orchestrator/loading/planner.ts', tests: unit('planner', 'fit', 'learned-size', 'usable-window') },
  { name: 'admission', file: 'src/orchestrator/loading/admission.ts', tests: unit('planner', 'fit', 'learned-size', 'usable-window') },
  { name: 'ledger', file: 'src/orchestrator/savings/ledger.ts', tests: [...unit('ledger'), ...integration('savings-store')] },
  { name: 'pull', file: 'src/orchestrator/models/pull.ts', tests: integration('models-admin') },
  { name: 'stream-watch', file: 'src/orchestrator/generation/stream-watch.ts', tests: [...unit('progress'), ...integration('progress')] },
];

/** Survivors listed as equivalent: "NAME LINE:COLUMN MUTATOR" at the start of a list item. */
function equivalents() {
  const file = join(root, 'test/mutation/equivalent.md');
  if (!existsSync(file)) return new Set();
  return new Set([...readFileSync(file, 'utf8').matchAll(/^- `([\w-]+) (\d+:\d+) (\w+)`/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`));
}

const wanted = process.argv.slice(2);
const chosen = wanted.length ? MODULES.filter((m) => wanted.includes(m.name)) : MODULES;
if (chosen.length === 0) {
  console.error(`mutate: no module named ${wanted.join(', ')}; the modules are ${MODULES.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
const equivalent = equivalents();
const rows = [];
let killed = 0;
let total = 0;
let failed = false;
for (const m of chosen) {
  const report = join(root, `node_modules/.cache/stryker/${m.name}.json`);
  rmSync(report, { force: true });
  // the command runner tells Stryker nothing of which tests ran, so its incremental mode cannot see
  // a test change: when the module's tests changed since the last run, all of its mutants run again
  const testsHash = createHash('sha256').update(m.tests.map((t) => readFileSync(join(root, t), 'utf8')).join('\0')).digest('hex');
  const hashFile = join(root, `test/mutation/${m.name}.tests-sha256`);
  const force = !existsSync(hashFile) || readFileSync(hashFile, 'utf8').trim() !== testsHash;
  const r = spawnSync('npx', ['stryker', 'run', '--mutate', m.file, '--coverageAnalysis', 'off', '--incrementalFile', `test/mutation/${m.name}.json`, ...(force ? ['--force'] : [])], {
    cwd: root,
    env: { ...process.env, OLLM_MUTATE_TESTS: m.tests.join(','), OLLM_MUTATE_REPORT: report },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 || !existsSync(report)) {
    console.error(`mutate: the run over ${m.file} failed:\n${(r.stdout + r.stderr).split('\n').slice(-20).join('\n')}`);
    failed = true;
    continue;
  }
  writeFileSync(hashFile, `${testsHash}\n`);
  const mutants = Object.values(JSON.parse(readFileSync(report, 'utf8')).files).flatMap((f) => f.mutants);
  const count = (...s) => mutants.filter((x) => s.includes(x.status)).length;
  const survivors = mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage');
  const justified = survivors.filter((x) => equivalent.has(`${m.name} ${x.location.start.line}:${x.location.start.column} ${x.mutatorName}`));
  const dead = count('Killed', 'Timeout');
  const scored = dead + survivors.length - justified.length;
  const score = scored ? (100 * dead) / scored : 100;
  killed += dead;
  total += scored;
  if (score < 80) failed = true;
  rows.push(`${m.name.padEnd(13)} ${score.toFixed(1).padStart(5)}%  ${String(dead).padStart(4)} killed  ${String(survivors.length - justified.length).padStart(3)} survived  ${String(justified.length).padStart(3)} equivalent (test/mutation/equivalent.md)`);
  for (const x of survivors.filter((s) => !justified.includes(s))) rows.push(`    survived ${m.name} ${x.location.start.line}:${x.location.start.column} ${x.mutatorName}: ${JSON.stringify(x.replacement ?? '').slice(0, 100)}`);
}
const all = total ? (100 * killed) / total : 100;
console.log(`${rows.join('\n')}\n${'all'.padEnd(13)} ${all.toFixed(1).padStart(5)}%  ${killed} killed of ${total} (goal ≥ 90%, no module under 80%)`);
process.exitCode = failed || all < 90 ? 1 : 0;
