/**
 * Repositories for the diff privacy tests: a project folder that is a subfolder of a larger
 * repository (a dotfiles home, a monorepo), holding every kind of change a diff must not send —
 * secrets under quoted and non-ASCII names, a staged rename of `.env`, a private key in an
 * ordinary file — and config that would run commands (fsmonitor, a clean filter) or change the
 * diff's prefixes. Each command would create a marker file: its absence proves it did not run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp.js';

const ENV = { PATH: process.env.PATH ?? '', HOME: tempDir('diff-home-'), GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };

/** Runs git in `cwd` as the tests' own user (no config of the machine), returning stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    env: ENV,
    encoding: 'utf8',
  });
}

function put(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

export const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA KEY-IN-NOTES\n-----END OPENSSH PRIVATE KEY-----\n';

export interface DiffRepo {
  /** The repository's root. */
  top: string;
  /** The project folder: `top/<sub>`. */
  project: string;
  /** Marker files the repository's commands would create. */
  markers: { fsmonitor: string; filter: string };
  /** Every secret text: none may reach a model. */
  secrets: RegExp;
}

/**
 * A repository whose root holds the parent's own changes (`.bashrc`, `other/secret-other.txt`)
 * and a project folder `sub` whose working tree and index hold the rest; nothing is staged outside it. With
 * `noPrefix`, the repository's config sets
 * diff.noprefix and diff.mnemonicPrefix.
 */
export function makeDiffRepo(sub: string, options: { noPrefix?: boolean } = {}): DiffRepo {
  const top = tempDir('diff-repo-');
  const project = join(top, sub);
  const markers = { fsmonitor: join(top, 'FSMONITOR-RAN'), filter: join(top, 'FILTER-RAN') };
  const committed: Record<string, string> = {
    '.bashrc': 'alias ll="ls -l"\n',
    'other/secret-other.txt': 'nothing yet\n',
    [`${sub}/app.ts`]: 'export const v = 1;\n',
    [`${sub}/.env`]: 'DATABASE_PASSWORD=RENAMED-ENV-SECRET\n',
    [`${sub}/config/.env`]: 'DATABASE_PASSWORD=BLOB-ENV-SECRET\n',
    [`${sub}/config/id_rsa`]: 'old key\n',
    [`${sub}/données/.env`]: 'X=1\n',
    [`${sub}/clé.pem`]: 'old\n',
    [`${sub}/tab\tdir/.env`]: 'X=1\n',
    [`${sub}/docs/notes.txt`]: 'Notes.\n',
    [`${sub}/filtered.dat`]: 'data\n',
    [`${sub}/README.md`]: '# Project\n',
    [`${sub}/api/.env`]: 'X=1\n',
  };
  for (const [rel, text] of Object.entries(committed)) put(top, rel, text);
  git(top, 'init', '-q', '-b', 'main');
  git(top, 'add', '-A');
  git(top, 'commit', '-q', '-m', 'initial');
  // the parent's changes, outside the project folder
  put(top, '.bashrc', 'alias ll="ls -l"\nexport TOKEN=DOTFILE-SECRET\n');
  put(top, 'other/secret-other.txt', 'OTHER-SECRET\n');
  // the project's: ordinary, and secrets by name (quoted by git), by rename and by content
  put(top, `${sub}/app.ts`, 'export const v = 2; // PROJECT-MARK\n');
  put(top, `${sub}/données/.env`, 'X=QUOTED-ENV-SECRET\n');
  put(top, `${sub}/clé.pem`, 'PEM-NAME-SECRET\n');
  put(top, `${sub}/tab\tdir/.env`, 'X=TAB-ENV-SECRET\n');
  put(top, `${sub}/docs/notes.txt`, `Notes.\n${KEY}`);
  put(top, `${sub}/filtered.dat`, 'data changed\n');
  put(top, `${sub}/api/.env`, 'X=PLAIN-ENV-SECRET\n');
  git(project, 'mv', '.env', 'settings.txt');
  // config that would run commands, and prefixes that would hide the headers
  git(top, 'config', 'core.fsmonitor', `touch '${markers.fsmonitor}'; false`);
  git(top, 'config', 'filter.x.clean', `touch '${markers.filter}'; cat`);
  if (options.noPrefix) {
    git(top, 'config', 'diff.noprefix', 'true');
    git(top, 'config', 'diff.mnemonicPrefix', 'true');
  }
  put(top, '.git/info/attributes', '*.dat filter=x\n');
  return {
    top,
    project,
    markers,
    secrets:
      /DOTFILE-SECRET|OTHER-SECRET|RENAMED-ENV-SECRET|BLOB-ENV-SECRET|QUOTED-ENV-SECRET|PEM-NAME-SECRET|TAB-ENV-SECRET|PLAIN-ENV-SECRET|KEY-IN-NOTES|old key/,
  };
}

/** Which of the repository's kinds of command run in this git when nothing stops them (the tests' control). */
export function commandsRunUnguarded(repo: DiffRepo): { fsmonitor: boolean; filter: boolean } {
  const probe = { fsmonitor: join(repo.top, 'PROBE-FSMONITOR'), filter: join(repo.top, 'PROBE-FILTER') };
  const args = [
    '-c',
    `core.fsmonitor=touch '${probe.fsmonitor}'; false`,
    '-c',
    `filter.x.clean=touch '${probe.filter}'; cat`,
    'diff',
  ];
  spawnSync('git', args, { cwd: repo.top, env: ENV, stdio: 'ignore' });
  return { fsmonitor: existsSync(probe.fsmonitor), filter: existsSync(probe.filter) };
}

/** A second repository with one committed file, for GIT_DIR to point at. */
export function makeOtherRepo(): string {
  const top = tempDir('diff-other-');
  put(top, 'leak.txt', 'GIT-DIR-LEAK\n');
  git(top, 'init', '-q', '-b', 'main');
  git(top, 'add', '-A');
  git(top, 'commit', '-q', '-m', 'other');
  return join(top, '.git');
}
