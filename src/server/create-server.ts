/**
 * The server factory: one McpServer with every tool and resource, over one shared orchestrator.
 * Transports call the factory (stdio once per connection; stateless HTTP once per request), so it
 * only registers handlers and does no I/O.
 */
import { McpServer, type JsonSchemaType, type jsonSchemaValidator } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Orchestrator } from '../orchestrator/index.js';
import { toolAllowed } from '../orchestrator/project/project.js';
import { registerTemplatePrompts } from '../prompts/templates.js';
import { RESOURCES } from '../resources/index.js';
import { TOOLS } from '../tools/index.js';
import { VERSION } from './version.js';

const INSTRUCTIONS = `ollm-mcp runs work on local Ollama models on this machine, without cloud cost.
route_and_generate runs a prompt on the best local model for the work (with fallbacks). list_models shows what is installed, loaded, and what fits in RAM. smart_load loads a model (or the best one for a task) without overcommitting RAM; unload_model frees memory. remember / recall / forget keep facts and preferences across sessions (relevant ones join route_and_generate's system prompt). render_template fills a saved prompt template (also offered as MCP prompts); save_template adds one.
Resources: ollm://system/ram (memory and budget), ollm://models/loaded, ollm://metrics, ollm://memory, ollm://templates, ollm://models/database, ollm://models/{name}, ollm://config.`;

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
  return () => {
    const server = new McpServer({ name: 'ollm-mcp', version: VERSION }, { instructions: INSTRUCTIONS, jsonSchemaValidator: lazyValidator });
    for (const register of TOOLS) if (toolAllowed(orch.project, register.toolName)) register(server, orch);
    for (const register of RESOURCES) register(server, orch);
    registerTemplatePrompts(server, orch.templates, options.live === true);
    return server;
  };
}
