/**
 * `npm run bench`: runs every benchmark (bench/list.ts) and prints its figures; `npm run bench -- NAME…` those named;
 * `npm run bench -- check` the checks of the promises, sized for CI (OLLM_BENCH_CHECK=1: the benches that can judge
 * the same goal on a shorter scenario do), with a line per check at the end. Exit code 1 when a goal is missed, or a
 * bench fails to run.
 */
import { BENCHES, type Bench, type BenchResult } from './list.js';
import { removeTempDirs, shortTempDir, tempDir } from '../test/helpers/temp.js';
import { keepHeapSmall } from '../src/server/lifecycle.js';

// The benchmarks drive the core in this process: its memory-check lines would drown the figures.
process.env.OLLM_LOG_LEVEL ??= 'warn';
// ...and under the V8 flags a serving process sets (lifecycle.ts), so its figures are the server's.
keepHeapSmall();
// What the servers make in their temporary folder goes with the run, as in the tests...
process.env.OLLM_TEST_TMPDIR ??= tempDir('ollm-bench-tmp-');
// ...and where its processes meet (the shared servers' sockets, the engines' claims): folders of the run, short,
// never the machine's runtime folder or /tmp (src/server/shared/rendezvous.ts)
process.env.OLLM_TEST_RUNTIME_DIR ??= shortTempDir('ollm-bench-rt-');
process.env.OLLM_TEST_LAST_RESORT ??= shortTempDir('ollm-bench-lr-');

// a number after a name is that bench's own (`npm run bench -- soak 3000`: process.argv[3])
const named = process.argv.slice(2).filter((a) => !/^\d+$/.test(a));
const checking = named.length === 1 && named[0] === 'check';
if (checking) process.env.OLLM_BENCH_CHECK = '1';
const unknown = named.filter((n) => n !== 'check' && !BENCHES.some((b) => b.name === n));
if (unknown.length) {
  process.stderr.write(
    `No bench named ${unknown.join(', ')}: one of check, ${BENCHES.map((b) => b.name).join(', ')}.\n`,
  );
  process.exit(2);
}
const chosen: Bench[] = checking
  ? BENCHES.filter((b) => b.check)
  : named.length
    ? BENCHES.filter((b) => named.includes(b.name))
    : BENCHES.filter((b) => !b.alone);

/** A bench run: what it printed and whether its goals held; one that throws missed them, saying why. */
async function runOne(b: Bench): Promise<BenchResult & { seconds: number }> {
  const started = performance.now();
  const result = await b.run().catch((err: unknown) => ({
    ok: false,
    lines: [`${b.name}: failed to run — ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`],
  }));
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

const summary: string[] = [];
let allOk = true;
try {
  for (const b of chosen) {
    const r = await runOne(b);
    for (const line of r.lines) process.stdout.write(`${line}\n`);
    summary.push(`${r.ok ? 'kept  ' : 'MISSED'} ${b.name} (${r.seconds.toFixed(1)} s)`);
    allOk &&= r.ok;
  }
} finally {
  await removeTempDirs(); // the settings folders the benchmarks made
}
process.stdout.write(
  `\nPromises: ${summary.filter((l) => l.startsWith('kept')).length} of ${summary.length} kept\n${summary.map((l) => `  ${l}`).join('\n')}\n`,
);
// Exit now: a kept-alive connection to a stopped fake would otherwise hold the process open.
process.stdout.write('', () => process.exit(allOk ? 0 : 1)); // after the figures are written out
