#!/usr/bin/env node
// The Claude Code plugin's server. Claude Code copies this folder into its plugin cache and runs
// `node ${CLAUDE_PLUGIN_ROOT}/start.mjs`: what it copied is all there is — the built server in
// dist/ (staged here by `npm run build`), the skills, this file. No node_modules is copied: the one
// package the server loads at run time, libsql (SQLite, with a native binary per platform), is
// installed by npm on first start into the plugin's data folder (${CLAUDE_PLUGIN_DATA}, which
// survives plugin updates; else $OLLM_HOME/plugin-runtime), at the version package.json names,
// and the server loads it from there (OLLM_NODE_MODULES). Then the server runs in this process.
//
// stdout belongs to the MCP protocol: npm's output goes to stderr, which Claude Code logs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const say = (line) => process.stderr.write(`ollm-mcp plugin: ${line}\n`);
function fail(line) {
  say(line);
  process.exit(1);
}

const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  fail(
    `the server is not built in ${root} (no dist/cli.js). Install the plugin from a built checkout: ` +
      'git clone the repository, run `npm ci` there (it builds the server into plugin/dist), then ' +
      '`claude plugin marketplace add <checkout>` and `claude plugin install ollm-mcp@ollm-mcp`.',
  );
}

const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies.libsql;
const data = process.env.CLAUDE_PLUGIN_DATA || join(process.env.OLLM_HOME || join(homedir(), '.ollm'), 'plugin-runtime');
const modules = join(data, 'node_modules');

/** The libsql version installed in `dir` (a node_modules folder), or undefined. */
function installed(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'libsql', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** npm as Node ships it beside this node binary; else `npm` on PATH. */
function npm() {
  const bin = dirname(process.execPath);
  for (const cli of [join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')]) {
    if (existsSync(cli)) return { command: process.execPath, args: [cli] };
  }
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [], shell: process.platform === 'win32' };
}

/**
 * Installs libsql@wanted into a folder of this process's own, then moves its node_modules into
 * place: two clients starting at once never write into one npm tree, and the one that comes second
 * keeps the first one's when it is the right version.
 */
/** Whether process `pid` runs (a signal 0 only asks). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** What an earlier start killed mid-install left (its staging folder, the tree it was replacing): removed when that process is gone. */
function sweep() {
  for (const name of existsSync(data) ? readdirSync(data) : []) {
    const pid = Number(/^(?:\.install-|node_modules\.old-)(\d+)$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(data, name), { recursive: true, force: true });
  }
}

function install() {
  sweep(); // a client that gave up on a first start kills it mid-install: its staging folder stays behind
  const staging = join(data, `.install-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  say(`installing libsql ${wanted} (SQLite, ollm-mcp's state) into ${data}; once per version`);
  const { command, args, shell } = npm();
  const run = spawnSync(command, [...args, 'install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--omit=dev', `libsql@${wanted}`], {
    stdio: ['ignore', 2, 2], // npm's output to stderr: stdout is the protocol's
    shell,
    timeout: 180_000,
  });
  const got = installed(join(staging, 'node_modules'));
  if (run.status !== 0 || got !== wanted) {
    rmSync(staging, { recursive: true, force: true });
    fail(
      `could not install libsql ${wanted} with npm (${run.error ? run.error.message : `exit ${run.status}`}). ` +
        `Check that npm can reach its registry (proxy: npm config set proxy …), or install it yourself: npm install --prefix "${data}" libsql@${wanted}`,
    );
  }
  if (installed(modules) !== wanted) {
    const old = `${modules}.old-${process.pid}`;
    if (existsSync(modules)) renameSync(modules, old);
    try {
      renameSync(join(staging, 'node_modules'), modules);
    } catch (err) {
      if (installed(modules) !== wanted) throw err; // another start put the right one in place first
    }
    rmSync(old, { recursive: true, force: true });
  }
  rmSync(staging, { recursive: true, force: true });
}

if (installed(modules) !== wanted) install();
process.env.OLLM_NODE_MODULES = modules;
process.argv[1] = cli; // the server finds its build's records (handshake.json, build.json) beside the script it runs as
await import(pathToFileURL(cli).href);
