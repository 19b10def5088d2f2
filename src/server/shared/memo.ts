/**
 * A forwarding launch's memo: what a launch that loaded its settings and forwarded found (the
 * shared server's key, what its hello says, whether the recorded handshake holds), kept in the
 * user's private folder beside the socket folder under a name hashed from what it started with — its arguments,
 * working folder, build, and the variables that shape settings or the socket's place. The next
 * launch started the same way forwards from the memo without loading the settings' code (zod, the
 * schema, YAML, the project profiles): a Node process and the socket it pipes. The memo holds only
 * while what the settings were read from is as it was — the settings file's and project file's
 * bytes and where they lead, the project the walk up from the folder finds (project-walk.ts), the
 * values of the variables the settings name for keys — and is rewritten otherwise, by a launch that
 * loads them again. Not on Windows (the place is under $OLLM_HOME there), nor with --token.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { walk } from '../../orchestrator/project/project-walk.js';
import { release } from './build.js';
import type { Hello } from './hello.js';
import { placeNamed, privateDir, socketDirs, THIS_SYSTEM, type System } from './place.js';
import { stableJson } from '../../orchestrator/util/stable-json.js';

/** What a forwarding launch needs of its settings and project. */
export interface Plan {
  /** The shared server's key (place.ts sharedKey). */
  key: string;
  /** $OLLM_HOME: where the place is on Windows. */
  home: string;
  /** --project or OLLM_PROJECT, as given. */
  project?: string;
  toolsets: Hello['toolsets'];
  model?: string;
  defaultProfile: Hello['defaultProfile'];
  /** Whether the settings offer what the build's handshake record was made with (settings-plan.ts offersAsRecorded). */
  offers: boolean;
  /**
   * The variables that hold keys under these settings (config/secrets.ts): their values are hidden from log
   * lines, and their hash is in the memo.
   */
  secretNames: string[];
}

/** What the settings were read from, as it is now. */
export interface Fingerprint {
  /** The folder the project is looked for from, and whether it is one. */
  from: string;
  fromIsDir: boolean;
  /** What the walk up from it found. */
  project: unknown;
  /** Each file read (the settings file, the project file): how it is reached and a hash of its bytes, or "missing". */
  files: Array<[string, string]>;
}

interface Memo {
  v: 1;
  fp: Fingerprint;
  secrets: string;
  plan: Plan;
}

/** A settings or project file larger than this is not memoised (the load says what it makes of it). */
const MAX_FILE_BYTES = 1_000_000;
/** Memos kept in the folder; the oldest go first. */
const MAX_MEMOS = 64;
/**
 * Variables that change the settings, besides every OLLM_* and OLLAMA_* one (where the socket is depends on none:
 * rendezvous.ts).
 */
const PLACE_VARIABLES = ['HOME', 'USERPROFILE'];

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The memo's file name for a launch with these arguments, variables and working folder. */
function memoName(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string {
  const vars = Object.keys(env)
    .filter((n) => /^(OLLM|OLLAMA)_/.test(n) || PLACE_VARIABLES.includes(n))
    .sort()
    .map((n) => [n, env[n]]);
  return `memo-${sha(stableJson({ release: release(), argv, cwd, vars })).slice(0, 16)}.json`;
}

/**
 * How a file is now: "missing", or how it is reached and its bytes' hash; undefined when it is not a small
 * regular file.
 */
async function fileMark(path: string): Promise<string | undefined> {
  const link = await lstat(path).catch(() => undefined);
  if (!link) return 'missing';
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile() || s.size > MAX_FILE_BYTES) return undefined;
  return `${link.isSymbolicLink() ? 'link' : 'file'}:${await realpath(path)}:${sha(await readFile(path))}`;
}

/**
 * What settings read from `settingsFile` and a project looked for from `from` are read from, now; undefined
 * when it cannot be memoised.
 */
export async function fingerprint(from: string, settingsFile: string): Promise<Fingerprint | undefined> {
  try {
    const fromIsDir = (await stat(from).catch(() => undefined))?.isDirectory() ?? false;
    const found = await walk(from, true, {});
    const files: Array<[string, string]> = [];
    for (const file of [settingsFile, ...(found?.file ? [found.file] : [])]) {
      const mark = await fileMark(file);
      if (mark === undefined) return undefined;
      files.push([file, mark]);
    }
    return { from, fromIsDir, project: found ?? null, files };
  } catch {
    return undefined;
  }
}

/** A hash of the secret variables' values (the socket's name holds one too: place.ts sharedKey). */
const secretsMark = (names: readonly string[], env: NodeJS.ProcessEnv) =>
  sha(stableJson(names.map((n) => env[n]?.trim() ?? '')));

const usable = (argv: readonly string[]) => process.platform !== 'win32' && !argv.some((a) => a.startsWith('--token'));

/**
 * The memo folder beside a socket folder (place.ts): private as it is; the socket folder itself holds only
 * what a server leaves when it stops.
 */
const memoFolder = (socketDir: string) => `${socketDir}-memo`;

/** The folder memos are written to: beside the first socket folder that can be had, made and checked. */
async function memoDir(system: System): Promise<string> {
  const dir = memoFolder((await placeNamed('memo', '', system)).dir);
  await privateDir(dir, system.uid);
  return dir;
}

/** The text of memo `name` in the first memo folder holding it, checked to be private; nothing is made. */
async function readMemo(name: string, system: System): Promise<string | undefined> {
  for (const socketDir of await socketDirs(system)) {
    const dir = memoFolder(socketDir);
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    await privateDir(dir, system.uid);
    return text;
  }
  return undefined;
}

function isPlan(p: unknown): p is Plan {
  const plan = p as Partial<Plan> | null;
  return (
    typeof plan?.key === 'string' &&
    /^[0-9a-f]{16}$/.test(plan.key) &&
    typeof plan.home === 'string' &&
    Array.isArray(plan.toolsets) &&
    typeof plan.defaultProfile === 'string' &&
    typeof plan.offers === 'boolean' &&
    Array.isArray(plan.secretNames)
  );
}

/** The plan a launch started this way made, when what its settings were read from is as it was; else undefined. */
export async function recall(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  system: System = THIS_SYSTEM,
): Promise<Plan | undefined> {
  if (!usable(argv)) return undefined;
  try {
    const text = await readMemo(memoName(argv, env, cwd), system);
    if (text === undefined) return undefined;
    const memo = JSON.parse(text) as Memo;
    if (memo.v !== 1 || !isPlan(memo.plan) || !Array.isArray(memo.fp?.files) || memo.fp.files.length === 0)
      return undefined;
    const now = await fingerprint(memo.fp.from, memo.fp.files[0]![0]);
    if (!now || stableJson(now) !== stableJson(memo.fp)) return undefined;
    return secretsMark(memo.plan.secretNames, env) === memo.secrets ? memo.plan : undefined;
  } catch {
    return undefined; // none yet, or unreadable: the settings are loaded
  }
}

/** Keeps `plan` for launches started this way while what the settings were read from stays as `fp` says. */
export async function remember(
  argv: readonly string[],
  fp: Fingerprint,
  plan: Plan,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  system: System = THIS_SYSTEM,
): Promise<void> {
  if (!usable(argv)) return;
  const dir = await memoDir(system);
  const file = join(dir, memoName(argv, env, cwd));
  const memo: Memo = { v: 1, fp, secrets: secretsMark(plan.secretNames, env), plan };
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(memo), { mode: 0o600 });
  await rename(temp, file);
  const memos = (await readdir(dir)).filter((n) => /^memo-[0-9a-f]{16}\.json$/.test(n));
  if (memos.length <= MAX_MEMOS) return;
  const aged = await Promise.all(
    memos.map(async (n) => ({ n, at: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  aged.sort((a, b) => a.at - b.at);
  await Promise.all(aged.slice(0, memos.length - MAX_MEMOS).map((m) => rm(join(dir, m.n), { force: true })));
}
