#!/usr/bin/env node
// The Claude Code plugin's server. Claude Code runs `node ${CLAUDE_PLUGIN_ROOT}/start.mjs` from this
// folder — the checkout's plugin/ for a marketplace added from it, else the copy in its plugin
// cache: the built server in dist/ (staged here by `npm run build`), the skills, this file. No
// node_modules is there: the one
// package the server loads at run time, libsql (SQLite, with a native binary per platform), is
// installed by npm on first start into the plugin's data folder (${CLAUDE_PLUGIN_DATA}, which
// survives plugin updates; else $OLLM_HOME/plugin-runtime), at the version package.json names,
// and the server loads it from there (OLLM_NODE_MODULES). Then the server runs in this process.
// An install counts as done only by a marker written last, after npm finished and libsql loaded
// (a tree without it is used only when it loads: one installed by hand), so one cut off half-way
// is done again at the next start; a data folder that cannot be written
// stops the start with a line naming it and what to do.
//
// stdout belongs to the MCP protocol: npm's output goes to stderr, which Claude Code logs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
const data =
  process.env.CLAUDE_PLUGIN_DATA || join(process.env.OLLM_HOME || join(homedir(), '.ollm'), 'plugin-runtime');
const modules = join(data, 'node_modules');
/** Written into a node_modules folder last, once npm finished and libsql loads from it: a tree without it is not taken as installed. */
const DONE = '.ollm-mcp-installed';

/** The libsql version in `dir` (a node_modules folder) as its package.json says, or undefined. */
function version(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'libsql', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The libsql version a finished install put in `dir`, or undefined (none, or one cut off half-written). */
function installed(dir) {
  try {
    const done = readFileSync(join(dir, DONE), 'utf8').trim();
    return version(dir) === done ? done : undefined;
  } catch {
    return undefined;
  }
}

/** Whether libsql loads from `dir`, in a process of its own (its native binary there included). */
const loads = (dir) =>
  spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(dir, 'libsql'))})`], {
    stdio: 'ignore',
    timeout: 60_000,
  }).status === 0;

/** npm as Node ships it beside this node binary; else `npm` on PATH. */
function npm() {
  const bin = dirname(process.execPath);
  for (const cli of [
    join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ]) {
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
  const run = spawnSync(
    command,
    [
      ...args,
      'install',
      '--prefix',
      staging,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--omit=dev',
      `libsql@${wanted}`,
    ],
    {
      stdio: ['ignore', 2, 2], // npm's output to stderr: stdout is the protocol's
      shell,
      timeout: 180_000,
    },
  );
  const tree = join(staging, 'node_modules');
  // libsql's own version, and that it loads (its native binary there): only then is the install marked done
  if (run.status === 0 && version(tree) === wanted && loads(tree)) writeFileSync(join(tree, DONE), wanted);
  const got = installed(tree);
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

/** A file-system failure of the install in words: which folder, and what to do (never a stack trace). */
function cannotUse(err) {
  const where = err.path ?? data;
  const why = {
    EACCES: 'no permission',
    EPERM: 'not permitted',
    EROFS: 'a read-only disk',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOSPC: 'the disk is full',
    EEXIST: 'a file is in the way',
  }[err.code];
  fail(
    `cannot install libsql into the plugin's data folder ${data}: ${where}: ${why ?? err.message}${why ? ` (${err.code})` : ''}. ` +
      'Make that folder writable by your user, or set CLAUDE_PLUGIN_DATA (or OLLM_HOME) to a folder you can write, and start again.',
  );
}

/** A tree without the marker that holds the right libsql, and loads: one installed by hand (the command a failed start gives), marked now. */
function installedByHand() {
  if (version(modules) !== wanted || !loads(modules)) return false;
  try {
    writeFileSync(join(modules, DONE), wanted);
  } catch {
    // a folder not writable: the tree is used all the same, and checked again at the next start
  }
  return true;
}

if (installed(modules) !== wanted && !installedByHand()) {
  try {
    install();
  } catch (err) {
    if (typeof err?.code !== 'string') throw err;
    cannotUse(err);
  }
}
process.env.OLLM_NODE_MODULES = modules;
process.argv[1] = cli; // the server finds its build's records (handshake.json, build.json) beside the script it runs as
await import(pathToFileURL(cli).href);
