/**
 * Command-line parsing: the command, the settings flags (mapped to dotted setting keys with the
 * flag's name kept for error messages), and `--set KEY=VALUE` for any other setting. The help text
 * that describes them is usage.ts.
 */
import { parseArgs } from 'node:util';
import { numberOrText, type FlagSetting } from '../orchestrator/config/layers.js';
import { shortened } from '../orchestrator/util/shorten.js';
import { nestsDeeperThan } from '../tools/arg-bounds.js';

/** The commands that take an action (`memory add`, `shared stop`, …), each with its own in ACTIONS. */
type UserCommand = 'memory' | 'template' | 'project' | 'learning' | 'state' | 'shared';

export type Command = 'serve' | 'daemon' | 'doctor' | 'help' | 'version' | UserCommand;

export interface CliArgs {
  command: Command;
  /** For memory/template/project: the action and its arguments, e.g. ['add', 'editor', 'vim']. */
  action?: string;
  params: string[];
  configFile?: string;
  /** `--project DIR`: the project folder (default: the working directory). */
  project?: string;
  /** `memory add --category preference`. */
  category?: string;
  /** `state backup FILE --force`: replace FILE. */
  force?: boolean;
  /** How `serve` speaks MCP: stdio (default) or Streamable HTTP + legacy SSE. */
  transport: 'stdio' | 'http';
  /** HTTP bind address and port. */
  host: string;
  port: number;
  /** Bearer token HTTP clients must send (`--token`, else OLLM_HTTP_TOKEN). */
  token?: string;
  /** `--no-shared`: serve on its own rather than through the shared server (settings' shared.enabled). */
  noShared?: boolean;
  flags: FlagSetting[];
  json: boolean;
}

/** What each user command accepts: action → [min, max] arguments. */
const ACTIONS: Record<UserCommand, Record<string, [number, number, string]>> = {
  learning: { show: [0, 0, 'learning show'], reset: [0, 1, 'learning reset [routing|sizes]'] },
  memory: {
    list: [0, 0, 'memory list'],
    add: [2, 2, 'memory add KEY VALUE'],
    forget: [1, 1, 'memory forget KEY'],
    clear: [0, 0, 'memory clear'],
    export: [0, 1, 'memory export [FILE]'],
    import: [1, 1, 'memory import FILE'],
  },
  template: { list: [0, 0, 'template list'], show: [1, 1, 'template show NAME'] },
  project: { detect: [0, 0, 'project detect'], init: [0, 0, 'project init'] },
  state: { backup: [1, 1, 'state backup FILE'] },
  shared: { list: [0, 0, 'shared [list]'], stop: [0, 1, 'shared stop [PID|all]'] },
};

export class UsageError extends Error {}

/**
 * Flags that set one setting each; values are read as numbers where the setting wants one, and as a list
 * where it wants one (comma-separated).
 */
const SETTING_FLAGS: Record<string, { path: string; number?: boolean; list?: boolean }> = {
  'ollama-host': { path: 'ollama.host' },
  model: { path: 'model.default' },
  temperature: { path: 'options.temperature', number: true },
  'max-tokens': { path: 'options.maxTokens', number: true },
  'context-size': { path: 'options.contextSize', number: true },
  'ram-budget': { path: 'ram.budget' },
  toolsets: { path: 'toolsets', list: true },
};

/**
 * The deepest a `--set` value may nest. The deepest setting is a few levels (a host's capacity in
 * the hosts list); past this a value is no setting, and walking it (the settings' checks, an error
 * that quotes it) would run out of stack.
 */
export const MAX_SET_DEPTH = 32;

/**
 * `--set` values: JSON where it reads as JSON (numbers, booleans, lists), otherwise the text; `flag` names it
 * in an error.
 */
function readValue(text: string, flag: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (nestsDeeperThan(value, MAX_SET_DEPTH))
    throw new UsageError(
      `${flag}: the value nests deeper than ${MAX_SET_DEPTH} levels, which no setting does — give ` +
        `the setting's own value (see schemas/settings.schema.json).`,
    );
  return value;
}

/** A comma-separated flag value as a list: items trimmed, empty ones dropped (the schema says when none is left). */
const listOf = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const OPTIONS = {
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  project: { type: 'string' },
  category: { type: 'string' },
  force: { type: 'boolean' },
  transport: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  'no-shared': { type: 'boolean' },
  ...Object.fromEntries(Object.keys(SETTING_FLAGS).map((k) => [k, { type: 'string' }])),
} as const;

type Values = Record<string, string | string[] | boolean | undefined>;

/** The flags and the words among them, as Node's parser reads them; its errors said plainly. */
function parsedOptions(argv: string[]): { v: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { v: values as Values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    // Node's own wording for these talks about positional arguments; say it plainly.
    const option = /option '([^']+)'/i.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
      throw new UsageError(`Unknown option ${option} — see \`ollm-mcp --help\` for the options.`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option)
      throw new UsageError(`${option.split(/[ ,]/)[0]} needs a value — see \`ollm-mcp --help\`.`);
    throw new UsageError(`${e.message.split('\n')[0]} — see \`ollm-mcp --help\`.`);
  }
}

/** The command, its action (for a user command) and the action's arguments. */
type CommandWords = { command: Command; action: string | undefined; params: string[] };

/** One of the commands that take an action: ACTIONS' own keys only. */
const isUserCommand = (word: string): word is UserCommand => Object.hasOwn(ACTIONS, word);

/** A user command's action (project's default detect, shared's list) and its arguments, checked against ACTIONS. */
function userCommand(first: UserCommand, rest: string[]): CommandWords {
  const actions = ACTIONS[first];
  const action = rest[0] ?? (first === 'project' ? 'detect' : first === 'shared' ? 'list' : undefined);
  const spec = action === undefined ? undefined : actions[action];
  if (!spec) {
    const known = Object.values(actions)
      .map((a) => a[2])
      .join(', ');
    const what = action === undefined ? `"${first}" needs an action` : `Unknown action "${first} ${action}"`;
    throw new UsageError(`${what} — one of: ${known}.`);
  }
  const params = rest.slice(1);
  if (params.length < spec[0] || params.length > spec[1])
    throw new UsageError(
      `Usage: ollm-mcp ${spec[2]}${params.length > spec[1] ? ' (quote a value that has spaces)' : ''}.`,
    );
  return { command: first, action, params };
}

/** The command, from --help, --version or the first word (serve when there is none). */
function commandOf(v: Values, positionals: string[]): CommandWords {
  if (v.help || positionals[0] === 'help') return { command: 'help', action: undefined, params: [] };
  if (v.version) return { command: 'version', action: undefined, params: [] };
  const [first, ...rest] = positionals;
  if (first === undefined) return { command: 'serve', action: undefined, params: [] };
  if (isUserCommand(first)) return userCommand(first, rest);
  if (first !== 'serve' && first !== 'doctor' && first !== 'daemon')
    throw new UsageError(
      `Unknown command "${first}" — the commands are serve, daemon, doctor, shared, memory, ` +
        `template, project, learning, state and help; see \`ollm-mcp --help\`.`,
    );
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}" — see \`ollm-mcp --help\`.`);
  return { command: first, action: undefined, params: [] };
}

/** The settings the flags set: the settings flags in SETTING_FLAGS' order, then each `--set KEY=VALUE`. */
function settingFlags(v: Values): FlagSetting[] {
  const flags: FlagSetting[] = [];
  for (const [name, spec] of Object.entries(SETTING_FLAGS)) {
    const raw = v[name];
    if (typeof raw !== 'string') continue;
    const value = spec.list ? listOf(raw) : spec.number ? numberOrText(raw) : raw;
    flags.push({ path: spec.path, value, flag: `--${name}` });
  }
  for (const item of (v.set as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set wants KEY=VALUE, got "${item}" — e.g. --set ram.budget=12GB.`);
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1);
    flags.push({ path: key, value: readValue(text, `--set ${shortened(key)}`), flag: `--set ${key}` });
  }
  return flags;
}

/** The transport and the port (3333 unless given); --host, --port and --token only with HTTP. */
function transportOf(v: Values): { transport: 'stdio' | 'http'; port: number } {
  const transport = (v.transport as string | undefined) ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http')
    throw new UsageError(`--transport must be stdio or http, got "${transport}".`);
  const portText = (v.port as string | undefined) ?? '3333';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a port number (0-65535), got "${portText}".`);
  if (transport === 'stdio' && (v.host !== undefined || v.port !== undefined || v.token !== undefined))
    throw new UsageError('--host, --port and --token go with --transport http.');
  return { transport, port };
}

/** The flags that go with one command or transport only, checked and added to `args`. */
function addCommandFlags(args: CliArgs, v: Values, action: string | undefined): void {
  const { command, transport } = args;
  if (v['no-shared'] === true) {
    if (command !== 'serve' || transport !== 'stdio') throw new UsageError('--no-shared goes with serving on stdio.');
    args.noShared = true;
  }
  if (command === 'daemon' && transport !== 'stdio')
    throw new UsageError('the shared server (daemon) serves stdio launches only.');
  if (action !== undefined) args.action = action;
  if (typeof v.config === 'string') args.configFile = v.config;
  if (typeof v.project === 'string') args.project = v.project;
  if (typeof v.category === 'string') {
    if (command !== 'memory' || action !== 'add') throw new UsageError('--category goes with `memory add`.');
    args.category = v.category;
  }
  if (v.force === true) {
    if (command !== 'state') throw new UsageError('--force goes with `state backup`.');
    args.force = true;
  }
}

export function parseCli(argv: string[]): CliArgs {
  const { v, positionals } = parsedOptions(argv);
  const { command, action, params } = commandOf(v, positionals);
  const flags = settingFlags(v);
  const { transport, port } = transportOf(v);
  const args: CliArgs = {
    command,
    params,
    flags,
    json: v.json === true,
    transport,
    host: (v.host as string | undefined) ?? '127.0.0.1',
    port,
  };
  if (typeof v.token === 'string') args.token = v.token;
  addCommandFlags(args, v, action);
  return args;
}
