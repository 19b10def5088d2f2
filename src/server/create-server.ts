/**
 * The server factory: one McpServer with the offered tools and every resource, listed from the
 * catalog (catalog.ts) and answered by the core (core.ts), loaded when the first call needs it
 * (each registered in listed-entries.ts).
 * The tools offered are those of the chosen toolsets (settings' `toolsets`, default all) that the
 * project profile allows. Transports call the factory (stdio once per connection; stateless HTTP
 * once per request), so it only registers handlers and does no I/O.
 */
import { McpServer, type JsonSchemaType, type jsonSchemaValidator } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Settings } from '../orchestrator/config/index.js';
import { configuredSecrets } from '../orchestrator/config/secrets.js';
import { toolAllowed, type ProjectProfile } from '../orchestrator/project/project.js';
import { registerTemplatePrompts } from '../prompts/templates.js';
import { offering } from '../presenting/footprint.js';
import { toolsInSets } from '../tools/toolsets.js';
import type { Catalog, ToolEntry } from './catalog.js';
import type { Session } from './core.js';
import { registerListedResource, registerListedTool } from './listed-entries.js';
import { offerLogging } from './log-level.js';
import type { Serving } from './serving.js';
import { VERSION } from './version.js';
import { SERVER_ICONS } from './icon.js';
import { SHIPPED_SKILL } from './skills.js';
import { offerTasks } from './tasks.js';

/** The server's instructions: a sentence about tools is kept when the server offers one of the tools it names. */
const INSTRUCTIONS_HEAD = 'ollm-mcp runs work on local Ollama models on this machine, without cloud cost.';
const TOOL_SENTENCES: Array<{ tools: readonly string[]; text: string }> = [
  {
    tools: ['route_and_generate'],
    text: 'route_and_generate runs a prompt on the best local model for the work (with fallbacks).',
  },
  { tools: ['list_models'], text: 'list_models shows what is installed, loaded, and what fits in RAM.' },
  {
    tools: ['smart_load', 'unload_model'],
    text:
      'smart_load loads a model (or the best one for a task) without overcommitting RAM; ' +
      'unload_model frees memory.',
  },
  {
    tools: ['remember', 'recall', 'forget'],
    text:
      'remember / recall / forget keep facts and preferences across sessions (relevant ones join ' +
      "route_and_generate's system prompt).",
  },
  {
    tools: ['render_template', 'save_template'],
    text: 'render_template fills a saved prompt template (also offered as MCP prompts); save_template adds one.',
  },
];
const INSTRUCTIONS_RESOURCES =
  'Resources: ollm://system/ram (memory and budget), ollm://models/loaded, ollm://metrics, ' +
  'ollm://memory, ollm://templates, ollm://models/database, ollm://models/{name}, ' +
  'ollm://config.';

/** Where the know-how is, when the skills are served and the offloading tools offered. */
const INSTRUCTIONS_SKILL =
  `When offloading pays and how (inputs by path, dryRun, citations, rating answers): the ` +
  `${SHIPPED_SKILL} skill, skill://${SHIPPED_SKILL}/SKILL.md.`;

export function instructionsFor(offered: ReadonlySet<string>, skills = false): string {
  const tools = TOOL_SENTENCES.filter((s) => s.tools.some((t) => offered.has(t))).map((s) => s.text);
  const skill = skills && offered.has('route_and_generate') ? [INSTRUCTIONS_SKILL] : [];
  return [INSTRUCTIONS_HEAD, ...(tools.length > 0 ? [tools.join(' ')] : []), ...skill, INSTRUCTIONS_RESOURCES].join(
    '\n',
  );
}

/**
 * How long a client may keep a list (2026-07-28 cache hints; earlier protocol versions get none).
 * The tools change only with the settings' toolsets, read at start, and the resource templates
 * never: an hour, for this client alone (agents may be offered different tools). The prompts
 * follow the templates folder and the resources list holds the installed models: not kept.
 */
const LIST_CACHE_HINTS = {
  'tools/list': { ttlMs: 3_600_000, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 3_600_000, cacheScope: 'private' },
} as const;

/**
 * The tools this server offers: those of the chosen toolsets that the project profile allows, in the
 * catalog's order.
 */
export function offeredTools(
  tools: readonly ToolEntry[],
  where: { settings: Pick<Settings, 'toolsets'>; project?: ProjectProfile | undefined },
): ToolEntry[] {
  const chosen = toolsInSets(where.settings.toolsets);
  return tools.filter((t) => chosen.has(t.name) && toolAllowed(where.project, t.name));
}

export interface FactoryOptions {
  /** One server for the whole session (stdio): its prompts follow the templates folder as it changes. */
  live?: boolean;
  /** A client of a shared server: its project, folder and own settings (core.ts Session). */
  session?: Session;
  /**
   * The only tools served, and no resource, prompt or skill: an engine claim's endpoint
   * (engine-claims-setup.ts), which serves the other servers of this machine what their relayed
   * calls need and nothing their token should open.
   */
  only?: readonly string[];
}

/**
 * What an engine claim's endpoint does not serve, answered before the SDK sees it: a `tools/call`
 * of a tool outside `only`, or any call as a task (`tasks/*`, a `tools/call` carrying `task`: a
 * relayed call runs whole) — a JSON-RPC error saying why and where to call it; undefined for any
 * other message.
 */
export function notServedAnswer(
  message: unknown,
  only: readonly string[],
): { id: string | number; error: { code: number; message: string } } | undefined {
  const m = (typeof message === 'object' && message !== null ? message : {}) as {
    id?: unknown;
    method?: unknown;
    params?: { name?: unknown; task?: unknown };
  };
  if (typeof m.id !== 'string' && typeof m.id !== 'number') return undefined;
  const tasks = typeof m.method === 'string' && m.method.startsWith('tasks/');
  if (tasks || (m.method === 'tools/call' && m.params?.task !== undefined)) {
    return {
      id: m.id,
      error: {
        code: tasks ? -32601 : -32602,
        message:
          "Tasks are not served here: this is an engine claim's endpoint, where the other ollm-mcp " +
          'servers of this machine relay calls that run whole. Call without `task`, or on your own ' +
          'ollm-mcp server.',
      },
    };
  }
  if (m.method !== 'tools/call') return undefined;
  const name = typeof m.params?.name === 'string' ? m.params.name : undefined;
  if (name === undefined || only.includes(name)) return undefined;
  const shown = JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);
  return {
    id: m.id,
    error: {
      code: -32602,
      message:
        `Tool ${shown} is not served here: this is an engine claim's endpoint, which serves the ` +
        `other ollm-mcp servers of this machine ${only.join(', ')} only. Call ${shown} on your own ` +
        `ollm-mcp server.`,
    },
  };
}

/**
 * What the factory needs of serving: the settings and project (a shared server's client: its own), the
 * templates and the core.
 */
export type Front = Pick<Serving, 'settings' | 'project' | 'templates' | 'skills' | 'core'>;

/**
 * The SDK's JSON Schema validator (Ajv), made when first used — it checks answers to a form
 * (elicitation) — rather than by every server at start-up and, over stateless HTTP, per request.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const lazyValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType) => (ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema),
};

/** The core could not be loaded (a broken install): what every call says, with the next step. */
class CoreUnavailable extends Error {
  constructor(cause: unknown) {
    super(
      `ollm-mcp could not load its core: ${(cause as Error).message} — reinstall ollm-mcp (npm ` +
        `install -g ollm-mcp), then restart the server.`,
    );
  }
}

export function createServerFactory(serving: Front, catalog: Catalog, options: FactoryOptions = {}): () => McpServer {
  const only = options.only && new Set(options.only);
  const tools = offeredTools(catalog.tools, serving).filter((t) => !only || only.has(t.name));
  const instructions = instructionsFor(new Set(tools.map((t) => t.name)), serving.skills !== undefined);
  // what the tool list costs the calling model (ollm://metrics' footprint): the clients', never an engine
  // claim's endpoint's
  if (!only) offering(tools);
  // the last line: whatever path a key takes, no tool result or resource shows a configured one
  const secrets = configuredSecrets(serving.settings);
  return () => {
    const server = new McpServer(
      { name: 'ollm-mcp', version: VERSION, icons: SERVER_ICONS },
      { instructions, jsonSchemaValidator: lazyValidator, cacheHints: LIST_CACHE_HINTS },
    );
    offerLogging(server); // logging/setLevel answers a level MCP lacks as Invalid params
    const core = () =>
      serving.core().catch((err: unknown) => {
        throw new CoreUnavailable(err);
      });
    const handlers = async () => (await core()).handlers(server, options.session);
    const registered = new Map(
      tools.map((t) => [t.name, registerListedTool(server, t, handlers, secrets, serving.settings)]),
    );
    if (only) return server; // relayed calls run whole (never as tasks) and read no resource, prompt or skill
    // MCP Tasks (2025-11-25): the long tools may be called as tasks, run as the calling agent's jobs
    offerTasks(server, {
      settings: serving.settings,
      secrets,
      tools: registered,
      core: async () => {
        const c = await core();
        const h = c.handlers(server, options.session);
        const view = options.session ?? c.orch; // the session's folder: whose its tasks are (long-work.ts jobOwner)
        return {
          longWork: c.orch.longWork,
          handler: (name) => h.tools.get(name)?.handler,
          folder: view.project?.root ?? view.workingDir,
        };
      },
    });
    for (const r of catalog.resources) registerListedResource(server, r, handlers, secrets);
    registerTemplatePrompts(server, serving.templates, options.live === true);
    // skill:// resources, and skills/list and skills/get for clients that negotiate the extension
    serving.skills?.attach(server);
    return server;
  };
}
