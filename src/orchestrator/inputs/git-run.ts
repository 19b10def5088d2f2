/**
 * Running git so that it runs no program of the repository's or the user's choosing: a clean
 * environment (no GIT_* variable from outside, no global or system config, literal pathspecs, no
 * optional locks), config overrides that turn off every setting that would start a command during
 * `diff` or `rev-parse` (fsmonitor, hooks, external diff, pager, lazy fetch), and every filter
 * driver the repository's config names neutralised one by one — `.gitattributes` cannot be turned
 * off as a whole, but a driver with no command runs nothing.
 */
import { execFile } from 'node:child_process';
import { InputError } from './types.js';
import { formatBytes } from '../config/units.js';

const GIT_TIMEOUT_MS = 30_000;

/** The environment git runs in: nothing from outside (`env`, the server's own) but PATH and HOME. */
export function gitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    PATH: env.PATH ?? '/usr/bin:/bin',
    HOME: env.HOME ?? '/',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_LAZY_FETCH: '1',
    LC_ALL: 'C',
  };
}

/** Overrides given to every git command, before its subcommand. */
export const SAFE_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.attributesFile=/dev/null',
  'core.quotePath=false',
  'diff.external=',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'diff.relative=false',
  'diff.submodule=short',
  'protocol.allow=never',
].flatMap((kv) => ['-c', kv]);

/** The filter driver names in `git config --get-regexp` output (`filter.<name>.<key> value` lines). */
export function filterNames(configOutput: string): string[] {
  const names = new Set<string>();
  for (const line of configOutput.split('\n')) {
    const key = line.split(' ', 1)[0] ?? '';
    if (!key.startsWith('filter.')) continue;
    // filter.<name>.<key>: a key with no name (filter.clean) names no driver
    const name = key.slice('filter.'.length, key.lastIndexOf('.'));
    if (name) names.add(name);
  }
  return [...names];
}

/** Overrides that leave each named filter driver with no command to run. */
export function neutralisedFilters(names: readonly string[]): string[] {
  return names.flatMap((n) =>
    ['clean=', 'smudge=', 'process=', 'required=false'].flatMap((kv) => ['-c', `filter.${n}.${kv}`]),
  );
}

export interface GitRun {
  /** Runs git in the folder with the safe overrides; rejects with an InputError naming the cause. */
  (args: readonly string[], maxBytes?: number): Promise<string>;
}

function run(args: readonly string[], cwd: string, maxBytes: number, what: string, noneOn1 = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, maxBuffer: maxBytes, timeout: GIT_TIMEOUT_MS, encoding: 'utf8', env: gitEnv() },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (noneOn1 && (err as { code?: unknown }).code === 1) return resolve('');
        if (e.code === 'ENOENT')
          return reject(new InputError('git is not installed or not on PATH, so the diff cannot be read.'));
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return reject(
            new InputError(
              `the diff is larger than the ${formatBytes(maxBytes)} one call may read ` +
                `(inputs.maxTotalBytes) — narrow it with diff.paths or a shorter range.`,
            ),
          );
        if (e.killed)
          return reject(new InputError(`${what} took longer than ${GIT_TIMEOUT_MS / 1000} s and was stopped.`));
        const said = String(stderr).trim().split('\n')[0] ?? '';
        if (/not a git repository/i.test(said))
          return reject(new InputError(`${cwd} is not a git repository, so there is no diff to read.`));
        return reject(new InputError(`${what} failed: ${said || e.message}.`));
      },
    );
  });
}

/** A runner for the repository at `cwd`, with its filter drivers neutralised (reading config runs nothing). */
export async function safeGit(cwd: string): Promise<GitRun> {
  // exit status 1: no filter is configured
  const config = await run([...SAFE_CONFIG, 'config', '--get-regexp', '^filter\\.'], cwd, 1 << 20, 'git config', true);
  const overrides = [...SAFE_CONFIG, ...neutralisedFilters(filterNames(config))];
  return (args, maxBytes = 1 << 20) => run([...overrides, ...args], cwd, Math.max(1, maxBytes), 'git diff');
}

/** How long reading one setting may take: git starts in milliseconds, so only a hung disk under an include takes it. */
const CONFIG_TIMEOUT_MS = 10_000;

/** The variables that say where the user's git configuration lies: handed on to the one read of it. */
const USER_CONFIG_VARS = ['XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_NOSYSTEM'];

/**
 * The path setting `key` as the user's git reads it in `cwd` — the system, global and repository
 * files, includes followed, `~/` expanded (`--path`) — or undefined when it is not set or git cannot
 * tell: not installed, or refusing the folder (a broken `.git`, a bad config line), where git reads no
 * setting either. Unlike every other git command here, this one sees the user's configuration (it
 * is what is asked for); reading a setting runs no program. Rejects when git takes longer than
 * CONFIG_TIMEOUT_MS, since the setting cannot then be told.
 */
export function userConfigPath(
  cwd: string,
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const own = gitEnv(env);
  for (const name of USER_CONFIG_VARS) {
    if (env[name] === undefined) delete own[name];
    else own[name] = env[name];
  }
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['config', '--get', '--path', key],
      { cwd, maxBuffer: 64 * 1024, timeout: CONFIG_TIMEOUT_MS, encoding: 'utf8', env: own },
      (err, stdout) => {
        if (!err) return resolve(stdout.replace(/\r?\n$/, ''));
        if ((err as { killed?: boolean }).killed)
          return reject(new Error(`git config took longer than ${CONFIG_TIMEOUT_MS / 1000} s and was stopped`));
        resolve(undefined);
      },
    );
  });
}
