// npm test: the quick suite (vitest's unit and main projects, vitest.config.ts) and, beside it, the
// house checks — the type check with the linter (scripts/check.mjs: one TypeScript program for both)
// and the formatter's check (prettier --check .). Any of them failing fails npm test.
//
// The suite keeps a core idle much of the time (its servers and engines wait on one another), so
// the checks run in that room — in Linux's idle scheduling class where there is one (else at the
// lowest priority): they take little from a test that times a server's answer, and end about when
// the suite does on a 2-core machine. Their output is held and written after the suite's, so the two
// do not interleave. Arguments go to vitest (`npm test -- test/e2e/stdio.test.ts`); the checks run
// either way.
import { spawn, spawnSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

/** A dev dependency's program, from this checkout's node_modules. */
const bin = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
const LOWEST = 19;
/**
 * Linux's idle scheduling class (chrt --idle): a check then runs only on a core nothing else wants,
 * and gives it up the moment a test's process wakes — at the lowest priority alone it kept the core
 * for its time slice, and the suite's many short waits added up (167 s → 193 s for the suite).
 */
const IDLE = spawnSync('chrt', ['--idle', '0', 'true']).status === 0 ? ['chrt', '--idle', '0'] : [];
const start = Date.now();

/** One program run to its end: its exit code, and its output when held. */
function run(name, args, { hold = false, low = false } = {}) {
  return new Promise((resolve) => {
    const env = hold && process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env;
    const [command, ...rest] = low ? [...IDLE, process.execPath, ...args] : [process.execPath, ...args];
    const child = spawn(command, rest, { stdio: hold ? ['ignore', 'pipe', 'pipe'] : 'inherit', env });
    if (low) {
      try {
        setPriority(child.pid, LOWEST);
      } catch {
        // a system that refuses (none we know of): the check runs at the usual priority
      }
    }
    const chunks = [];
    child.stdout?.on('data', (c) => chunks.push(c));
    child.stderr?.on('data', (c) => chunks.push(c));
    child.on('error', (err) => resolve({ name, code: 1, output: `${name}: ${err.message}\n`, ended: Date.now() }));
    child.on('close', (code, signal) =>
      resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString(), ended: Date.now() }),
    );
  });
}

const checks = [
  run('type check and lint', ['scripts/check.mjs'], { hold: true, low: true }),
  // its cache (by content, in node_modules/.cache) spares a checkout the files unchanged since its last run
  run(
    'format check',
    [
      bin('prettier/bin/prettier.cjs'),
      '--check',
      '--cache',
      '--cache-strategy',
      'content',
      '--cache-location',
      'node_modules/.cache/prettier/check',
      '.',
    ],
    { hold: true, low: true },
  ),
];
const suite = await run('tests', [
  bin('vitest/vitest.mjs'),
  'run',
  '--project',
  'unit',
  '--project',
  'main',
  ...process.argv.slice(2),
]);
let failed = suite.code !== 0;
for (const check of await Promise.all(checks)) {
  const seconds = ((check.ended - start) / 1000).toFixed(0);
  process.stdout.write(
    `\n${check.name}: ${check.code === 0 ? 'passed' : 'FAILED'} (done ${seconds} s after npm test began)\n`,
  );
  if (check.output.trim()) process.stdout.write(check.output.endsWith('\n') ? check.output : check.output + '\n');
  if (check.code !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
