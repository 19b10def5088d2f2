// The packages ollm-mcp needs at run time beside dist/: libsql (SQLite), whose native part cannot be
// bundled (see build.mjs), with what it requires. Used by bundle.mjs to stage them into the Claude
// Desktop bundle, with libsql's prebuilt binary for every platform the bundle runs on.
//
// The binaries come from the npm registry, as npm itself installs them: @libsql/<target> at exactly
// the installed libsql's version, each checked against package-lock.json's integrity when the lock
// names it. npm installs only this machine's binaries into node_modules, so the others are fetched
// (`npm pack`, --prefer-offline) into a git-ignored cache, node_modules/.cache/ollm-mcp/packages/,
// once per version; after `npm ci` (which empties node_modules) they come from npm's own cache.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The platforms whose libsql binary the bundle carries: Claude Desktop's (macOS on Apple silicon and
 * Intel, Windows on x64) and Linux on x64 with glibc. Names are libsql's own (its package.json
 * "neon.targets"); each is the npm package @libsql/<target>, about 4 MB compressed. Not carried:
 * linux-x64-musl (Alpine: no Electron app, Claude Desktop included, runs on musl; it would make the
 * download a quarter bigger) and the ARM Linux ones. libsql publishes no Windows-on-ARM binary.
 */
export const LIBSQL_TARGETS = ['darwin-arm64', 'darwin-x64', 'win32-x64-msvc', 'linux-x64-gnu'];

/** The git-ignored cache folder (all of node_modules/ is ignored). */
export function cacheDir(root) {
  return join(root, 'node_modules', '.cache', 'ollm-mcp');
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Where Node finds package `name` when `fromDir` requires it: the nearest node_modules/<name> up to `root`. */
function findPackage(root, fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (resolve(dir) === resolve(root) || dirname(dir) === dir) return undefined;
  }
}

/**
 * The production dependencies installed in `root`, recursively, as Node resolves them: each with
 * its folder and its place relative to `root` (e.g. node_modules/libsql/node_modules/detect-libc),
 * so copying each to the same place elsewhere keeps every require() resolving to the same package.
 * Optional dependencies are included when installed (this machine's libsql binary), unless
 * `optional` is false.
 */
export function productionPackages(root, { optional = true } = {}) {
  const found = new Map();
  const visit = (fromDir, deps, required) => {
    for (const name of Object.keys(deps ?? {})) {
      const dir = findPackage(root, fromDir, name);
      if (!dir) {
        if (required)
          throw new Error(
            `${name}, a dependency of ${relative(root, fromDir) || 'ollm-mcp'}, is not installed: run npm install`,
          );
        continue;
      }
      const rel = relative(root, dir).split(sep).join('/');
      if (found.has(rel)) continue;
      const pkg = readJson(join(dir, 'package.json'));
      found.set(rel, { name: pkg.name, version: pkg.version, dir, rel });
      visit(dir, pkg.dependencies, true);
      if (optional) visit(dir, pkg.optionalDependencies, false);
    }
  };
  visit(root, readJson(join(root, 'package.json')).dependencies, true);
  return [...found.values()];
}

/** Copies a package's own files (not its nested node_modules, which are packages of their own) to `dest`. */
export function copyPackage(dir, dest) {
  const nested = join(dir, 'node_modules');
  cpSync(dir, dest, { recursive: true, filter: (src) => src !== nested && !src.startsWith(nested + sep) });
}

/** The integrity package-lock.json records for `name`@`version`, if it lists it. */
function lockedIntegrity(root, name, version) {
  const lockFile = join(root, 'package-lock.json');
  if (!existsSync(lockFile)) return undefined;
  for (const [path, entry] of Object.entries(readJson(lockFile).packages ?? {})) {
    if (path.endsWith(`node_modules/${name}`) && entry.version === version && entry.integrity) return entry.integrity;
  }
  return undefined;
}

function runNpm(args, cwd) {
  // npm is npm.cmd on Windows, which only a shell runs
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
}

/**
 * The folders of packages `names`, each at `version`: the copy npm installed in `root` when it is
 * that version, else the cached one, else fetched from the npm registry into the cache (all missing
 * ones in one `npm pack`), checked, unpacked and moved into place whole — a concurrent run sees a
 * complete package or none.
 */
export function registryPackages(root, names, version) {
  const cached = (name) => join(cacheDir(root), 'packages', `${name}@${version}`);
  const dirs = new Map();
  const missing = [];
  for (const name of names) {
    const installed = join(root, 'node_modules', name);
    if (existsSync(join(installed, 'package.json')) && readJson(join(installed, 'package.json')).version === version)
      dirs.set(name, installed);
    else if (existsSync(join(cached(name), 'package.json'))) dirs.set(name, cached(name));
    else missing.push(name);
  }
  if (missing.length > 0) {
    mkdirSync(cacheDir(root), { recursive: true });
    const work = mkdtempSync(join(cacheDir(root), 'fetch-'));
    try {
      let packed;
      try {
        packed = JSON.parse(
          runNpm(
            [
              'pack',
              '--json',
              '--prefer-offline',
              '--pack-destination',
              work,
              ...missing.map((n) => `${n}@${version}`),
            ],
            work,
          ),
        );
      } catch (err) {
        throw new Error(
          `fetching ${missing.join(', ')}@${version} from the npm registry failed (the bundle carries them for other platforms):\n${err.stderr ?? err.message}`,
        );
      }
      for (const name of missing) {
        const entry = packed.find((p) => p.name === name && p.version === version);
        if (!entry) throw new Error(`npm pack did not give ${name}@${version}`);
        const tarball = join(work, entry.filename);
        const locked = lockedIntegrity(root, name, version);
        if (locked) {
          const [algorithm, expected] = locked.split('-', 2);
          const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
          if (actual !== expected)
            throw new Error(
              `${name}@${version} from the registry does not match package-lock.json's integrity (${locked})`,
            );
        }
        const unpacked = join(work, `${entry.filename}.d`);
        mkdirSync(unpacked);
        // npm's tarballs hold one folder, package/. Every system has a tar (Windows 10+ too); the
        // relative path keeps a Windows GNU tar from reading "C:" as a remote host.
        execFileSync('tar', ['-xzf', join('..', entry.filename)], { cwd: unpacked, stdio: 'pipe' });
        const pkg = readJson(join(unpacked, 'package', 'package.json'));
        if (pkg.name !== name || pkg.version !== version)
          throw new Error(`${tarball} holds ${pkg.name}@${pkg.version}, not ${name}@${version}`);
        mkdirSync(dirname(cached(name)), { recursive: true });
        try {
          renameSync(join(unpacked, 'package'), cached(name));
        } catch (err) {
          if (!existsSync(join(cached(name), 'package.json'))) throw err; // else another run placed it first
        }
        dirs.set(name, cached(name));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return names.map((name) => ({ name, version, dir: dirs.get(name) }));
}

/** The libsql binary packages the bundle carries, at the installed libsql's version (fetched when not cached). */
export function libsqlBinaries(root) {
  const libsql = findPackage(root, root, 'libsql');
  if (!libsql) throw new Error('libsql is not installed: run npm install');
  const { version } = readJson(join(libsql, 'package.json'));
  return registryPackages(
    root,
    LIBSQL_TARGETS.map((t) => `@libsql/${t}`),
    version,
  );
}
