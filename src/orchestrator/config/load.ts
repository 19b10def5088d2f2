/**
 * Settings from five layers, strongest first: CLI flag > env var > project profile > file > default.
 * Every value remembers where it came from, so a bad one is reported with its key, its source
 * and what is allowed, in one line.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type * as z from 'zod';
import { parseYaml } from '../util/yaml.js';
import { shortened } from '../util/shorten.js';
import { readRegularFile, READ_TIMEOUT_MS, SafeReadError } from '../util/safe-read.js';
import { diskProblem } from '../util/disk-errors.js';
import { settingsSchema, type Settings } from './schema.js';
import { withOllamaEnv } from './ollama-env.js';
import { addressNotes, type AddressNote } from './address-notes.js';
import { redactSetting } from './redact.js';
import { deepMerge, envLayer, flagLayer, isTree, recordSources, tree, type FlagSetting, type Tree } from './layers.js';

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  flags?: FlagSetting[];
  /** `--config FILE`: must exist. Without it, $OLLM_HOME/config.yaml is read when present. */
  configFile?: string;
  /** Settings from the project profile: above the settings file, below env vars and flags. */
  project?: { settings: Record<string, unknown>; source: string };
}

export interface LoadedConfig {
  settings: Settings;
  /** The settings folder ($OLLM_HOME, default ~/.ollm). */
  home: string;
  /** The settings file that was (or would be) read. */
  file: string;
  fileFound: boolean;
  /** Where each given value came from, by dotted key: "env OLLM_TEMPERATURE", "flag --model", the file path. */
  sources: Record<string, string>;
  memoryFile: string;
  templatesDir: string;
  /** Each Ollama address whose trailing /v1 or /api was dropped (address-notes.ts): warned of at start, and by doctor. */
  addressNotes?: AddressNote[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function settingsHome(env: Record<string, string | undefined>): string {
  const h = env.OLLM_HOME?.trim();
  return h ? resolve(expandHome(h)) : join(homedir(), '.ollm');
}

/** The settings file a load reads: the one --config names (`configFile`), else $OLLM_HOME/config.yaml. */
export function settingsFile(configFile: string | undefined, env: Record<string, string | undefined>): string {
  return configFile ? resolve(expandHome(configFile)) : join(settingsHome(env), 'config.yaml');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** The largest settings file read: a real one is a few kB. */
const MAX_SETTINGS_BYTES = 1_000_000;

/** What to do about a settings file that was not read, by why. */
function settingsAdvice(e: SafeReadError, home: string | undefined): string {
  switch (e.kind) {
    case 'special':
    case 'folder':
      return `replace it with a plain YAML file, or remove it${home ? '' : ' and drop --config'}`;
    case 'outside':
      return `copy the file into ${home ?? 'the settings folder'}, or name it with --config`;
    case 'loop':
      return 'remove the link, or replace it with the file itself';
    case 'too-large':
      return 'a settings file is a few kB: check that this is the right file';
    case 'timeout':
      return 'check the disk or network file system it is on, then start ollm-mcp again';
    default:
      return home ? 'fix it or remove it (or set OLLM_HOME to another folder)' : 'fix it, or drop --config';
  }
}

/**
 * The settings file's text: a regular file (never a FIFO or a device, which would hold up the
 * start for good), read within a time limit and a byte bound; $OLLM_HOME/config.yaml must stay
 * inside $OLLM_HOME (a link leading out is not followed — name such a file with --config).
 */
async function readSettingsText(
  file: string,
  required: boolean,
  home: string | undefined,
): Promise<string | undefined> {
  try {
    const read = await readRegularFile(file, {
      maxBytes: MAX_SETTINGS_BYTES,
      timeoutMs: READ_TIMEOUT_MS,
      ...(home !== undefined && { within: home }),
    });
    return read.data.toString('utf8');
  } catch (err) {
    if (!(err instanceof SafeReadError)) throw err;
    if (err.kind === 'missing') {
      if (!required) return undefined;
      throw new ConfigError(`Settings file ${file} does not exist (named by --config): create it or drop the flag.`);
    }
    const what =
      err.path === file || err.path === home
        ? `${err.path === file ? 'Settings file' : 'Settings folder'} ${err.path}`
        : `Settings file ${file}: ${err.path}`;
    // a disk problem already says what to do
    const advice = err.kind === 'failed' && diskProblem(err.cause) ? '' : ` — ${settingsAdvice(err, home)}`;
    throw new ConfigError(`${what} ${err.reason}${advice}.`.replace(/\.\.$/, '.'));
  }
}

async function readSettingsFile(file: string, required: boolean, home?: string): Promise<Tree | undefined> {
  const text = await readSettingsText(file, required, home);
  if (text === undefined) return undefined;
  const parsed = await parseYaml(text);
  if (!parsed.ok)
    throw new ConfigError(
      `Settings file ${file}${parsed.line ? `:${parsed.line}` : ''} is not valid YAML: ${parsed.message}`,
    );
  const data = parsed.data;
  if (data === null || data === undefined) return {};
  if (!isTree(data)) {
    throw new ConfigError(
      `Settings file ${file} must hold a mapping of settings (like "ollama:\\n  host: ..."), not ` +
        `a ${Array.isArray(data) ? 'list' : typeof data}.`,
    );
  }
  return data;
}

export function sourceOf(path: string[], sources: Record<string, string>): string {
  for (let i = path.length; i > 0; i--) {
    const s = sources[path.slice(0, i).join('.')];
    if (s) return s;
  }
  // a key given only deeper down (`--set unknown.key=1` names "unknown.key", the issue "unknown")
  const prefix = `${path.join('.')}.`;
  return Object.entries(sources).find(([key]) => key.startsWith(prefix))?.[1] ?? 'default';
}

/** The sections whose values hold addresses: a string refused there may be one, its password in it. */
const ADDRESS_SECTIONS: ReadonlySet<string> = new Set(['ollama', 'hosts', 'fallback']);

function describeIssue(issue: z.core.$ZodIssue, input: Tree, sources: Record<string, string>): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = [...path, issue.keys[0]!].join('.');
    return (
      `Unknown setting "${key}" (from ${sourceOf([...path, issue.keys[0]!], sources)}): check the ` +
      `spelling; see schemas/settings.schema.json for every key.`
    );
  }
  let value: unknown = input;
  for (const k of path) value = typeof value === 'object' && value !== null ? (value as Tree)[k] : undefined;
  // a long value is cut: an error is a line; the secrets in it (an address's password) are never shown
  const hidden = redactSetting(path[path.length - 1] ?? '', value, ADDRESS_SECTIONS.has(path[0] ?? ''));
  const shown = value === undefined ? '' : ` = ${shortened(JSON.stringify(hidden) ?? String(hidden))}`;
  let allowed = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_value')
    allowed = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return `Invalid setting ${path.join('.')}${shown} (from ${sourceOf(path, sources)}): ${allowed}.`.replace(
    /\.\.$/,
    '.',
  );
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const home = settingsHome(env);
  const file = settingsFile(options.configFile, env);
  const sources: Record<string, string> = Object.create(null) as Record<string, string>;

  // $OLLM_HOME/config.yaml stays inside $OLLM_HOME; a file named by --config is the user's choice
  const fileData = await readSettingsFile(
    file,
    options.configFile !== undefined,
    options.configFile === undefined ? home : undefined,
  );
  if (fileData) recordSources(fileData, [], file, sources);
  const fromProject = options.project?.settings ?? {};
  if (options.project) recordSources(fromProject, [], options.project.source, sources);
  const fromEnv = envLayer(env, sources);
  const fromFlags = flagLayer(options.flags ?? [], sources);
  // below every layer: the Ollama server's own variables, when it runs on this machine
  const merged = withOllamaEnv(
    deepMerge(deepMerge(deepMerge(fileData ?? tree(), fromProject), fromEnv), fromFlags),
    env,
    sources,
  );

  // parsed once per process: interpreting is cheaper than compiling a fast parser (zod's JIT) for one use
  const parsed = settingsSchema.safeParse(merged, { jitless: true });
  if (!parsed.success) {
    throw new ConfigError(describeIssue(parsed.error.issues[0]!, merged, sources));
  }
  const settings = parsed.data;
  const fileDir = dirname(file);
  const place = (p: string | undefined, fallback: string) =>
    p === undefined ? fallback : isAbsolute(expandHome(p)) ? expandHome(p) : resolve(fileDir, p);
  return {
    settings,
    home,
    file,
    fileFound: fileData !== undefined,
    sources,
    memoryFile: place(settings.memory.file, join(home, 'memory.json')),
    templatesDir: place(settings.templates.dir, join(home, 'templates')),
    addressNotes: addressNotes(merged, settings, (path) => sourceOf(path, sources)),
  };
}
