/**
 * Command-line parsing: the command, the settings flags (mapped to dotted setting keys with the
 * flag's name kept for error messages), and `--set KEY=VALUE` for any other setting.
 */
import { parseArgs } from 'node:util';
import { numberOrText, type FlagSetting } from '../orchestrator/config/load.js';
import { shortened } from '../orchestrator/util/shorten.js';
import { nestsDeeperThan } from '../tools/arg-bounds.js';

export type Command =
  | 'serve'
  | 'daemon'
  | 'doctor'
  | 'help'
  | 'version'
  | 'memory'
  | 'template'
  | 'project'
  | 'learning'
  | 'state'
  | 'shared';

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
const ACTIONS: Record<
  'memory' | 'template' | 'project' | 'learning' | 'state' | 'shared',
  Record<string, [number, number, string]>
> = {
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

/** Flags that set one setting each; values are read as numbers where the setting wants one, and as a list where it wants one (comma-separated). */
const SETTING_FLAGS: Record<string, { path: string; number?: boolean; list?: boolean }> = {
  'ollama-host': { path: 'ollama.host' },
  model: { path: 'model.default' },
  temperature: { path: 'options.temperature', number: true },
  'max-tokens': { path: 'options.maxTokens', number: true },
  'context-size': { path: 'options.contextSize', number: true },
  'ram-budget': { path: 'ram.budget' },
  toolsets: { path: 'toolsets', list: true },
};

export const USAGE = `Usage: ollm-mcp [command] [options]

Commands:
  serve                   Serve MCP over stdio (the default), or HTTP with --transport http.
  daemon                  Run the shared server on its own, for every stdio launch of this
                          build and settings, until shared.idleSeconds after its last client
                          leaves (or, once a newer build or other settings took over, its last
                          client leaves).
  doctor                  Check Ollama, models, RAM and settings; print what to fix.
                          Exits 0 only when all is well. --json prints the report as JSON.
  shared [list]           The shared servers of this user: pid, build, what each serves, since
                          when, its clients, whether it retires (--json: as JSON).
  shared stop [PID|all]   Stop shared servers: without an argument those of this $OLLM_HOME that
                          new launches no longer join (an older build's, other settings'); "all"
                          every one; PID that one. Exits 1 if one did not stop.
  memory list             Show everything remembered (newest first).
  memory add KEY VALUE    Remember a fact (--category fact|preference|context).
  memory forget KEY       Remove one entry.
  memory clear            Remove every entry (a JSON copy is kept in $OLLM_HOME first).
  memory export [FILE]    Write every entry as JSON to FILE, or to the output ("-" too).
  memory import FILE      Add the entries of an exported file ("-": the input); newer wins.
  learning show           What routing learned: each model's track record by kind of work.
  learning reset          Forget it all: verdicts, failures, speed (routing starts from the table)
                          and the memory learned from loads (loading plans by the estimate).
                          \`learning reset routing\` or \`learning reset sizes\` forgets only one.
  template list           Show the prompt templates, built-in and your own.
  template show NAME      Show one template and its variables.
  project [detect]        Show the project profile for this folder (or --project DIR).
  project init            Write .ollm/project.yaml for this folder, to edit.
  state backup FILE       Copy the state database (memory, metrics, preferences) to FILE, safely
                          while a server runs; --force replaces an existing FILE; "-": the output.

Settings (each overrides env vars and the settings file):
  --config FILE          Settings file (default $OLLM_HOME/config.yaml, OLLM_HOME default ~/.ollm)
  --ollama-host URL      Where Ollama listens (any OLLAMA_HOST form: 0.0.0.0, host:port, http://host:port)
  --model NAME           Default model
  --temperature N        Default temperature (0-2)
  --max-tokens N         Default output token limit
  --context-size N       num_ctx for requests
  --ram-budget SIZE      RAM for loaded models: "12GB" or "80%"
  --toolsets SETS        The tools offered, by set (comma-separated): all (the default), offload,
                         models, memory, templates, status
  --set KEY=VALUE        Any setting by its key, e.g. --set ram.safetyMargin=0.25 (repeatable)
  --project DIR          The project folder whose profile applies (default: the working directory)
  --no-shared            Serve on its own, not through the one shared server of this user
                         (also OLLM_SHARED=0 or shared.enabled: false)

HTTP (serve --transport http):
  --transport stdio|http Streamable HTTP at /mcp, and legacy SSE at /sse + /messages
  --host ADDR            Bind address (default 127.0.0.1); beyond loopback a token is required
  --port N               Port (default 3333; 0 picks a free one)
  --token TOKEN          Bearer token clients must send, 16 characters or more (default: OLLM_HTTP_TOKEN)

  -h, --help             Show this help
  -v, --version          Show the version

Env vars: OLLM_HOST (or OLLAMA_HOST), OLLM_MODEL, OLLM_PROVIDER, OLLM_TEMPERATURE,
OLLM_MAX_TOKENS, OLLM_CONTEXT_SIZE, OLLM_RAM_BUDGET, OLLM_SHARED, OLLM_HOME, OLLM_PROJECT, OLLM_HTTP_TOKEN,
OLLM_LOG_LEVEL.

More hosts (other Ollama machines, OpenAI-compatible engines such as vLLM or llama-server) are
listed under hosts: in the settings file; the memory of a remote Ollama under ollama.capacity or
each host's capacity. ollm://fleet shows them all; \`ollm-mcp doctor\` checks each.`;

/**
 * The deepest a `--set` value may nest. The deepest setting is a few levels (a host's capacity in
 * the hosts list); past this a value is no setting, and walking it (the settings' checks, an error
 * that quotes it) would run out of stack.
 */
export const MAX_SET_DEPTH = 32;

/** `--set` values: JSON where it reads as JSON (numbers, booleans, lists), otherwise the text; `flag` names it in an error. */
function readValue(text: string, flag: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (nestsDeeperThan(value, MAX_SET_DEPTH))
    throw new UsageError(
      `${flag}: the value nests deeper than ${MAX_SET_DEPTH} levels, which no setting does — give the setting's own value (see schemas/settings.schema.json).`,
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

export function parseCli(argv: string[]): CliArgs {
  const options = OPTIONS;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
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
  const { values, positionals } = parsed;
  const v = values as Record<string, string | string[] | boolean | undefined>;

  let command: Command = 'serve';
  let action: string | undefined;
  let params: string[] = [];
  if (v.help || positionals[0] === 'help') command = 'help';
  else if (v.version) command = 'version';
  else if (positionals.length > 0) {
    const [first, ...rest] = positionals;
    if (
      first === 'memory' ||
      first === 'template' ||
      first === 'project' ||
      first === 'learning' ||
      first === 'state' ||
      first === 'shared'
    ) {
      const actions = ACTIONS[first];
      action = rest[0] ?? (first === 'project' ? 'detect' : first === 'shared' ? 'list' : undefined);
      const spec = action === undefined ? undefined : actions[action];
      if (!spec) {
        throw new UsageError(
          `${action === undefined ? `"${first}" needs an action` : `Unknown action "${first} ${action}"`} — one of: ${Object.values(
            actions,
          )
            .map((a) => a[2])
            .join(', ')}.`,
        );
      }
      params = rest.slice(1);
      if (params.length < spec[0] || params.length > spec[1])
        throw new UsageError(
          `Usage: ollm-mcp ${spec[2]}${params.length > spec[1] ? ' (quote a value that has spaces)' : ''}.`,
        );
      command = first;
    } else {
      if (first !== 'serve' && first !== 'doctor' && first !== 'daemon')
        throw new UsageError(
          `Unknown command "${first}" — the commands are serve, daemon, doctor, shared, memory, template, project, learning, state and help; see \`ollm-mcp --help\`.`,
        );
      if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}" — see \`ollm-mcp --help\`.`);
      command = first;
    }
  }

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

  const transport = (v.transport as string | undefined) ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http')
    throw new UsageError(`--transport must be stdio or http, got "${transport}".`);
  const portText = (v.port as string | undefined) ?? '3333';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a port number (0-65535), got "${portText}".`);
  if (transport === 'stdio' && (v.host !== undefined || v.port !== undefined || v.token !== undefined)) {
    throw new UsageError('--host, --port and --token go with --transport http.');
  }
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
  return args;
}
