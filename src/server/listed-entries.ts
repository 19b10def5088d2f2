/**
 * The catalog's tools and resources as a server lists them (create-server.ts registers them): each
 * listed from the catalog at once and answered by the core (core.ts) once loaded — the first call
 * of a starting server waits for it, hearing progress meanwhile — with every result cleared of the
 * configured secrets; a tool shown to and called by only the agents whose toolsets hold it.
 */
import {
  ResourceTemplate,
  type CompleteResourceTemplateCallback,
  type McpServer,
  type RegisteredTool,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import type { Settings } from '../orchestrator/config/index.js';
import { redactValuesDeep } from '../orchestrator/util/redact-secrets.js';
import { SCHEMA_TARGET } from '../presenting/footprint.js';
import { callingAgent, offeredTo } from '../tools/agent.js';
import { markArrival } from '../tools/arrival.js';
import type { ResourceEntry, ToolEntry } from './catalog.js';
import type { Handlers } from './core.js';

/**
 * A tool's schema as the SDK sees it: the catalog's JSON Schema for tools/list; arguments pass
 * through (the tool's own handler checks them and explains what is wrong); structuredContent goes
 * to the tool's real output schema, in the core (which answered the call, so is loaded), which
 * lets every result through (define.ts `published`: no zod pass on a call's path) — what holds
 * each result to the schema a client is given is the type check in `defineTool` and
 * test/e2e/output-schemas.test.ts, in every mode.
 */
function listedSchema(
  t: ToolEntry,
  which: 'input' | 'output',
  handlers: () => Promise<Handlers>,
): StandardSchemaWithJSON<Record<string, unknown>> {
  const json = (io: 'input' | 'output') => (options?: { target?: string }) =>
    t.schemas[`${which}:${io}|${options?.target ?? SCHEMA_TARGET}`] ??
    t.schemas[`${which}:${io}|${SCHEMA_TARGET}`] ??
    {};
  return {
    '~standard': {
      version: 1,
      vendor: 'ollm-mcp',
      validate:
        which === 'input'
          ? (value) => ({ value: value as Record<string, unknown> })
          : async (value) => {
              const real = (await handlers()).tools.get(t.name)?.config.outputSchema;
              return (real ? await real['~standard'].validate(value) : { value }) as { value: Record<string, unknown> };
            },
      jsonSchema: { input: json('input'), output: json('output') },
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's handlers of every shape, passed through untouched
type Passed = (...args: any[]) => any;

/**
 * A listed tool is shown to, and may be called by, only the agents whose toolsets hold it
 * (settings' agents.NAME.toolsets): the SDK asks `enabled` at every tools/list and tools/call,
 * after the client has named itself (initialize, or the request's own envelope).
 */
function offerPerAgent(server: McpServer, name: string, tool: RegisteredTool, settings: Settings): void {
  if (Object.keys(settings.agents).length === 0) return;
  let enabled = tool.enabled;
  Object.defineProperty(tool, 'enabled', {
    get: () => enabled && offeredTo(settings, callingAgent(server, settings), name),
    set: (v: boolean) => (enabled = v),
    enumerable: true,
  });
}

/**
 * While the core loads (the first call of a starting server), a call that asked for progress hears
 * so within a quarter second and every second after, so a client's timeout reset on progress holds
 * however long the load takes. Nothing is sent when the core is there: the wait ends first.
 */
function progressWhileCoreLoads(ctx: ServerContext | undefined): () => void {
  const token = ctx?.mcpReq._meta?.progressToken;
  if (ctx === undefined || token === undefined) return () => undefined;
  let n = 0;
  // below the first step the call's own progress takes (progress.ts STEP 0.001): it keeps rising after these
  const tick = () =>
    void ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress: ++n / 1e6, message: 'starting ollm-mcp' },
      })
      .catch(() => undefined);
  const first = setTimeout(tick, 250);
  const every = setInterval(tick, 1000);
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}

export function registerListedTool(
  server: McpServer,
  t: ToolEntry,
  handlers: () => Promise<Handlers>,
  secrets: readonly string[],
  settings: Settings,
): RegisteredTool {
  const handler: Passed = async (...args) => {
    markArrival(args.at(-1)); // the client's clock started now, before the core loads (tools/arrival.ts)
    let h: Handlers;
    const loaded = progressWhileCoreLoads(args.at(-1) as ServerContext | undefined);
    try {
      h = await handlers();
    } catch (err) {
      return { isError: true, content: [{ type: 'text' as const, text: (err as Error).message }] };
    } finally {
      loaded();
    }
    return redactValuesDeep(await h.tools.get(t.name)!.handler(...args), secrets);
  };
  const tool = server.registerTool(
    t.name,
    {
      title: t.title,
      description: t.description,
      inputSchema: listedSchema(t, 'input', handlers),
      outputSchema: listedSchema(t, 'output', handlers),
      annotations: t.annotations,
      ...(t._meta && { _meta: t._meta }),
    },
    handler as never,
  );
  offerPerAgent(server, t.name, tool, settings);
  return tool;
}

export function registerListedResource(
  server: McpServer,
  r: ResourceEntry,
  handlers: () => Promise<Handlers>,
  secrets: readonly string[],
): void {
  const recorded = async () => (await handlers()).resources.get(r.name)!;
  const read: Passed = async (...args) => redactValuesDeep(await (await recorded()).read(...args), secrets);
  if (r.uri !== undefined) return void server.registerResource(r.name, r.uri, r.metadata, read);
  const spec = r.template!;
  const template = async () => (await recorded()).target as ResourceTemplate;
  // the list is part of resources/list: without the core it is empty rather than failing the whole list
  const list: Passed = async (ctx) =>
    (await template().catch(() => undefined))?.listCallback!(ctx) ?? { resources: [] };
  // Null prototype: the SDK looks the argument up here by the name the client sends ("constructor" finds nothing).
  const complete = Object.create(null) as Record<string, CompleteResourceTemplateCallback>;
  for (const v of spec.complete)
    complete[v] = async (value, context) =>
      (await template().catch(() => undefined))?.completeCallback(v)!(value, context) ?? [];
  server.registerResource(
    r.name,
    new ResourceTemplate(spec.uriTemplate, { list: spec.list ? list : undefined, complete }),
    r.metadata,
    read as never,
  );
}
