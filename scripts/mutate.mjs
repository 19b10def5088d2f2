#!/usr/bin/env node
/**
 * `npm run mutate [-- [--full | --report] NAME…]`: mutation testing (StrykerJS, stryker.config.mjs) of each
 * guard module against the tests that prove it, one Stryker run per module, and the score per
 * module. Each run is incremental (test/mutation/NAME.json, committed): after a small change to the
 * module only the mutants it touches run again; after a change to its tests (NAME.tests-sha256),
 * the mutants that survived run again too (Stryker's command runner cannot see test changes);
 * `--full` runs every mutant again — after tests were removed or weakened, a killed mutant may
 * live again, and only a full run sees it. Every mutant runs all of its module's tests (coverage analysis
 * off: a table built at load — the secret patterns, the loopback addresses — is a "static" mutant
 * that per-test coverage cannot place). Survivors that are equivalent to the code are listed, each
 * with why, in test/mutation/equivalent.md and counted as such. After Stryker's mutants, each
 * module's deletion mutants run (scripts/mutate-delete.mjs: an element of a list, an operand of
 * `&&`/`||`, an early return or a throw removed — edits Stryker never makes; incremental in
 * test/mutation/NAME.deletions.json) and count with the rest. Fails when a module scores under
 * 80% or all of them together under 90%. `--report` runs nothing: it scores the committed records
 * and names those missing or stale (the module's source or tests changed since).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDeletions } from './mutate-delete.mjs';
import { MODULES } from './mutate-modules.mjs';

const root = resolve(import.meta.dirname, '..');

/** The incremental file without each mutant's test output (megabytes; the next run needs only the status). */
function slim(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const f of Object.values(report.files)) for (const x of f.mutants) delete x.statusReason;
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
}

/** Drops the mutants that survived from the incremental file, so Stryker runs them again (new tests may kill them). */
function forgetSurvivors(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const f of Object.values(report.files))
    f.mutants = f.mutants.filter((x) => x.status !== 'Survived' && x.status !== 'NoCoverage');
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
}

/** Survivors listed as equivalent: "NAME LINE:COLUMN MUTATOR" at the start of a list item. */
function equivalents() {
  const file = join(root, 'test/mutation/equivalent.md');
  if (!existsSync(file)) return new Set();
  return new Set(
    [...readFileSync(file, 'utf8').matchAll(/^- `([\w-]+) (\d+:\d+) (\w+)`/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`),
  );
}

const full = process.argv.includes('--full');
const report = process.argv.includes('--report');
const wanted = process.argv.slice(2).filter((a) => a !== '--full' && a !== '--report');
const chosen = wanted.length ? MODULES.filter((m) => wanted.includes(m.name)) : MODULES;
if (chosen.length === 0) {
  console.error(
    `mutate: no module named ${wanted.join(', ')}; the modules are ${MODULES.map((m) => m.name).join(', ')}`,
  );
  process.exit(2);
}
const equivalent = equivalents();
const rows = [];
let killed = 0;
let total = 0;
let failed = false;

/** One module's row (and its survivors), its killed mutants and those scored counted in the totals. */
function score(m, mutants, note = '') {
  const survivors = mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage');
  const justified = survivors.filter((x) =>
    equivalent.has(`${m.name} ${x.location.start.line}:${x.location.start.column} ${x.mutatorName}`),
  );
  const dead = mutants.filter((x) => x.status === 'Killed' || x.status === 'Timeout').length;
  const scored = dead + survivors.length - justified.length;
  const pct = scored ? (100 * dead) / scored : 100;
  killed += dead;
  total += scored;
  if (pct < 80) failed = true;
  const deletions = mutants.filter((x) => DELETION_KINDS.has(x.mutatorName));
  const deleted = deletions.filter((x) => x.status === 'Killed' || x.status === 'Timeout').length;
  rows.push(
    `${m.name.padEnd(13)} ${pct.toFixed(1).padStart(5)}%  ${String(dead).padStart(4)} killed  ${String(survivors.length - justified.length).padStart(3)} survived  ${String(justified.length).padStart(3)} equivalent  (deletions: ${deleted} of ${deletions.length} killed)${note}`,
  );
  for (const x of survivors.filter((v) => !justified.includes(v)))
    rows.push(
      `    survived ${m.name} ${x.location.start.line}:${x.location.start.column} ${x.mutatorName}: ${JSON.stringify(x.replacement ?? '').slice(0, 100)}`,
    );
}

/** The deletion mutants' kinds (scripts/mutate-delete.mjs). */
const DELETION_KINDS = new Set(['ArrayElementDeletion', 'OperandDeletion', 'RefusalDeletion']);

/**
 * `--report`: the scores of the committed records (test/mutation/NAME.json and NAME.deletions.json),
 * nothing run; a module whose source or tests changed since its record says so (run it again).
 */
function fromRecords(m) {
  const incremental = join(root, `test/mutation/${m.name}.json`);
  const deletionsFile = join(root, `test/mutation/${m.name}.deletions.json`);
  if (!existsSync(incremental) || !existsSync(deletionsFile)) {
    rows.push(`${m.name.padEnd(13)}   no record: run \`npm run mutate -- ${m.name}\``);
    failed = true;
    return;
  }
  const stryker = Object.values(JSON.parse(readFileSync(incremental, 'utf8')).files);
  const deletions = JSON.parse(readFileSync(deletionsFile, 'utf8'));
  const source = readFileSync(join(root, m.file), 'utf8');
  const hashFile = join(root, `test/mutation/${m.name}.tests-sha256`);
  const testsNow = testsHashOf(m);
  const stale = [
    stryker.some((f) => f.source !== source) ? 'source' : '',
    !existsSync(hashFile) || readFileSync(hashFile, 'utf8').trim() !== testsNow || deletions.testsSha256 !== testsNow
      ? 'tests'
      : '',
  ].filter(Boolean);
  score(
    m,
    [...stryker.flatMap((f) => f.mutants), ...deletions.mutants],
    stale.length ? `  — stale: its ${stale.join(' and ')} changed since the record` : '',
  );
}

function testsHashOf(m) {
  return createHash('sha256')
    .update(m.tests.map((t) => readFileSync(join(root, t), 'utf8')).join('\0'))
    .digest('hex');
}

for (const m of chosen) {
  if (report) {
    fromRecords(m);
    continue;
  }
  const reportFile = join(root, `node_modules/.cache/stryker/${m.name}.json`);
  rmSync(reportFile, { force: true });
  // the command runner tells Stryker nothing of which tests ran, so its incremental mode cannot see
  // a test change: when the module's tests changed since the last run, all of its mutants run again
  const testsHash = testsHashOf(m);
  const hashFile = join(root, `test/mutation/${m.name}.tests-sha256`);
  const incremental = join(root, `test/mutation/${m.name}.json`);
  const testsChanged = !existsSync(hashFile) || readFileSync(hashFile, 'utf8').trim() !== testsHash;
  if (testsChanged && !full && existsSync(incremental)) forgetSurvivors(incremental);
  const scratch = mkdtempSync(join(tmpdir(), 'ollm-mutate-'));
  const r = spawnSync(
    'npx',
    [
      'stryker',
      'run',
      '--mutate',
      m.file,
      '--coverageAnalysis',
      'off',
      '--incrementalFile',
      `test/mutation/${m.name}.json`,
      ...(full ? ['--force'] : []),
    ],
    {
      cwd: root,
      // the tests' temporary folders in one of the run's own, removed after it: a mutant's tests
      // killed at their time limit cannot clean up theirs
      env: { ...process.env, OLLM_MUTATE_TESTS: m.tests.join(','), OLLM_MUTATE_REPORT: reportFile, TMPDIR: scratch },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  rmSync(scratch, { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(reportFile)) {
    console.error(`mutate: the run over ${m.file} failed:\n${(r.stdout + r.stderr).split('\n').slice(-20).join('\n')}`);
    failed = true;
    continue;
  }
  writeFileSync(hashFile, `${testsHash}\n`);
  slim(incremental);
  let deletions;
  try {
    deletions = await runDeletions(root, m, { full, log: (line) => console.error(line) });
  } catch (err) {
    console.error(`mutate: the deletion mutants of ${m.file} did not run: ${err.message}`);
    failed = true;
    continue;
  }
  score(m, [
    ...Object.values(JSON.parse(readFileSync(reportFile, 'utf8')).files).flatMap((f) => f.mutants),
    ...deletions,
  ]);
}
const all = total ? (100 * killed) / total : 100;
console.log(
  `${'module'.padEnd(13)} score   killed / survived / equivalent (test/mutation/equivalent.md) — Stryker's and deletion mutants together\n${rows.join('\n')}\n${'all'.padEnd(13)} ${all.toFixed(1).padStart(5)}%  ${killed} killed of ${total} (goal ≥ 90%, no module under 80%)`,
);
process.exitCode = failed || all < 90 ? 1 : 0;
