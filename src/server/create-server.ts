/**
 * The server factory: one McpServer with the offered tools and every resource, over one shared
 * orchestrator. The tools offered are those of the chosen toolsets (settings' `toolsets`, default
 * all) that the project profile allows. Transports call the factory (stdio once per connection;
 * stateless HTTP once per request), so it only registers handlers and does no I/O.
 */
import { McpServer, type JsonSchemaType, type jsonSchemaValidator } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Orchestrator } from '../orchestrator/index.js';
import { toolAllowed } from '../orchestrator/project/project.js';
import { registerTemplatePrompts } from '../prompts/templates.js';
import { RESOURCES } from '../resources/index.js';
import type { ToolRegistration } from '../tools/define.js';
import { offering } from '../tools/footprint.js';
import { TOOLS } from '../tools/index.js';
import { toolsInSets } from '../tools/toolsets.js';
import { VERSION } from './version.js';

/** The server's instructions: a sentence about tools is kept when the server offers one of the tools it names. */
const INSTRUCTIONS_HEAD = 'ollm-mcp runs work on local Ollama models on this machine, without cloud cost.';
const TOOL_SENTENCES: Array<{ tools: readonly string[]; text: string }> = [
  { tools: ['route_and_generate'], text: 'route_and_generate runs a prompt on the best local model for the work (with fallbacks).' },
  { tools: ['list_models'], text: 'list_models shows what is installed, loaded, and what fits in RAM.' },
  { tools: ['smart_load', 'unload_model'], text: 'smart_load loads a model (or the best one for a task) without overcommitting RAM; unload_model frees memory.' },
  { tools: ['remember', 'recall', 'forget'], text: "remember / recall / forget keep facts and preferences across sessions (relevant ones join route_and_generate's system prompt)." },
  { tools: ['render_template', 'save_template'], text: 'render_template fills a saved prompt template (also offered as MCP prompts); save_template adds one.' },
];
const INSTRUCTIONS_RESOURCES =
  'Resources: ollm://system/ram (memory and budget), ollm://models/loaded, ollm://metrics, ollm://memory, ollm://templates, ollm://models/database, ollm://models/{name}, ollm://config.';

export function instructionsFor(offered: ReadonlySet<string>): string {
  const tools = TOOL_SENTENCES.filter((s) => s.tools.some((t) => offered.has(t))).map((s) => s.text);
  return [INSTRUCTIONS_HEAD, ...(tools.length > 0 ? [tools.join(' ')] : []), INSTRUCTIONS_RESOURCES].join('\n');
}

/** The tools this server offers: those of the chosen toolsets that the project profile allows, in TOOLS order. */
export function offeredTools(orch: Pick<Orchestrator, 'settings' | 'project'>): ToolRegistration[] {
  const chosen = toolsInSets(orch.settings.toolsets);
  return TOOLS.filter((t) => chosen.has(t.toolName) && toolAllowed(orch.project, t.toolName));
}

export interface FactoryOptions {
  /** One server for the whole session (stdio): its prompts follow the templates folder as it changes. */
  live?: boolean;
}

/**
 * The SDK's JSON Schema validator (Ajv), made when first used — it checks answers to a form
 * (elicitation) — rather than by every server at start-up and, over stateless HTTP, per request.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const lazyValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType) => (ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema),
};

export function createServerFactory(orch: Orchestrator, options: FactoryOptions = {}): () => McpServer {
  const tools = offeredTools(orch);
  const instructions = instructionsFor(new Set(tools.map((t) => t.toolName)));
  offering(tools); // what the tool list costs the calling model (ollm://metrics' footprint)
  return () => {
    const server = new McpServer({ name: 'ollm-mcp', version: VERSION }, { instructions, jsonSchemaValidator: lazyValidator });
    for (const register of tools) register(server, orch);
    for (const register of RESOURCES) register(server, orch);
    registerTemplatePrompts(server, orch.templates, options.live === true);
    return server;
  };
}
