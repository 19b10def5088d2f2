#!/usr/bin/env node
// Builds a real llama.cpp `llama-server` for the real-engine tests (`npm run engine`).
//
// The source is the git bundle that the npm package node-llama-cpp ships (package/llama/
// gitRelease.bundle), fetched with `npm pack` at a pinned version — the npm registry is the only
// place this needs. The build goes into a git-ignored folder of this checkout, .engine/ (it
// survives `npm ci`), once per machine and version: when the binary is there, nothing is done.
//
//   npm run engine              build (or find) it; prints the binary's path on stdout
//   npm run engine -- --path    print the path it would have, build nothing (exit 1 when absent)
//
// Needs git, cmake, make and a C++ compiler (.ci/run installs them when missing). About 10 min on 2
// cores. Runs nice'd: other work on the machine goes on.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The node-llama-cpp release whose llama.cpp source is built (its bundle is build b1-de3ff81). */
export const ENGINE_VERSION = '3.22.1';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of one version's build: `<repo>/.engine/node-llama-cpp-<version>`. */
export function engineDir(root = ROOT, version = ENGINE_VERSION) {
  return join(root, '.engine', `node-llama-cpp-${version}`);
}

/** Where the built `llama-server` is (OLLM_LLAMA_SERVER names another binary). */
export function engineBinary(root = ROOT, version = ENGINE_VERSION) {
  return process.env.OLLM_LLAMA_SERVER || join(engineDir(root, version), 'bin', 'llama-server');
}

function log(line) {
  process.stderr.write(`[engine] ${line}\n`);
}

function run(cmd, args, cwd) {
  log(`${cmd} ${args.join(' ')}`);
  const nice = process.platform !== 'win32' && existsSync('/usr/bin/nice');
  const result = nice
    ? spawnSync('nice', ['-n', '19', cmd, ...args], { cwd, stdio: ['ignore', 2, 2] })
    : spawnSync(cmd, args, { cwd, stdio: ['ignore', 2, 2] });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args[0] ?? ''} failed (exit ${result.status})`);
}

function need(tool) {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
  if (!found)
    throw new Error(
      `${tool} is not installed; install it (Debian: apt-get install -y cmake g++ make git) and run npm run engine again`,
    );
}

/** Builds llama-server when it is not there yet; returns its path. */
export function buildEngine({ root = ROOT, version = ENGINE_VERSION, jobs = 2 } = {}) {
  const dir = engineDir(root, version);
  const binary = join(dir, 'bin', 'llama-server');
  if (existsSync(binary)) return binary;
  for (const tool of ['git', 'cmake', 'make', 'tar', 'npm']) need(tool);
  mkdirSync(dir, { recursive: true });

  const bundle = join(dir, 'package', 'llama', 'gitRelease.bundle');
  if (!existsSync(bundle)) {
    const packed = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!packed) run('npm', ['pack', `node-llama-cpp@${version}`, '--silent', '--pack-destination', dir], dir);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack made no tarball');
    run('tar', ['xzf', tgz, 'package/llama/gitRelease.bundle'], dir);
  }

  const src = join(dir, 'llama.cpp');
  if (!existsSync(join(src, 'CMakeLists.txt'))) {
    rmSync(src, { recursive: true, force: true });
    run('git', ['clone', '-q', bundle, src], dir);
  }

  const build = join(src, 'build');
  run(
    'cmake',
    [
      '-S',
      src,
      '-B',
      build,
      '-DCMAKE_BUILD_TYPE=Release',
      '-DLLAMA_BUILD_UI=OFF',
      '-DLLAMA_USE_PREBUILT_UI=OFF',
      '-DLLAMA_OPENSSL=OFF',
      '-DLLAMA_BUILD_TESTS=OFF',
      '-DLLAMA_BUILD_EXAMPLES=OFF',
      '-DBUILD_SHARED_LIBS=OFF',
      '-DLLAMA_CURL=OFF',
    ],
    dir,
  );
  run('cmake', ['--build', build, '--target', 'llama-server', `-j${jobs}`], dir);

  const built = join(build, 'bin', 'llama-server');
  if (!existsSync(built)) throw new Error(`the build finished but ${built} is not there`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  // copy then rename: a test that looks for the binary never finds half of it
  copyFileSync(built, `${binary}.part`);
  renameSync(`${binary}.part`, binary);
  // the sources and objects (hundreds of MB) are no longer needed: the binary is static
  if (!process.argv.includes('--keep')) {
    rmSync(src, { recursive: true, force: true });
    rmSync(join(dir, 'package'), { recursive: true, force: true });
    for (const f of readdirSync(dir)) if (f.endsWith('.tgz')) rmSync(join(dir, f), { force: true });
  }
  return binary;
}

function main() {
  if (process.argv.includes('--path')) {
    const binary = engineBinary();
    process.stdout.write(`${binary}\n`);
    process.exit(existsSync(binary) ? 0 : 1);
  }
  const started = Date.now();
  try {
    const before = existsSync(engineBinary());
    const binary = process.env.OLLM_LLAMA_SERVER ? engineBinary() : buildEngine();
    if (!existsSync(binary)) throw new Error(`OLLM_LLAMA_SERVER names ${binary}, which does not exist`);
    const seconds = Math.round((Date.now() - started) / 1000);
    log(
      before
        ? `already built: ${binary}`
        : `built in ${seconds} s: ${binary} (${Math.round(statSync(binary).size / 1e6)} MB)`,
    );
    // llama-server prints its version on stderr
    const v = spawnSync(binary, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    const version = `${v.stdout ?? ''}\n${v.stderr ?? ''}`.split('\n').find((l) => l.startsWith('version:'));
    if (version) log(version.trim());
    process.stdout.write(`${binary}\n`);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
