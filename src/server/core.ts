/**
 * The server's heavy half, loaded when the first call needs it (or shortly after start, see
 * serving.ts): the orchestrator, and the handlers of every tool and resource. The front
 * (create-server.ts) lists them from the catalog and calls in here; both come from the same
 * registrations (src/tools, src/resources), recorded rather than registered.
 */
import type { McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { greeting } from './greeting.js';
import { Orchestrator, type OrchestratorDeps } from '../orchestrator/orchestrator.js';
import type { LoadedConfig } from '../orchestrator/config/index.js';
import type { ProjectProfile } from '../orchestrator/project/project.js';
import type { TemplateLibrary } from '../orchestrator/templates/library.js';
import { closeStateDbs } from '../orchestrator/storage/db.js';
import { readyAhead } from '../orchestrator/ready-ahead.js';
import { log } from '../orchestrator/util/log.js';
import { RESOURCES } from '../resources/index.js';
import { TOOLS } from '../tools/index.js';
import { SCHEMA_TARGET } from '../presenting/footprint.js';
import type { Catalog, ResourceEntry } from './catalog.js';

/** A handler as the SDK calls it; the front passes its arguments through unchanged. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of every shape the SDK calls, passed through untouched
type Handler = (...args: any[]) => unknown;

interface RecordedTool {
  config: { outputSchema?: { '~standard': { validate: Handler } } };
  handler: Handler;
}

interface RecordedResource {
  target: string | ResourceTemplate;
  metadata: Record<string, unknown>;
  read: Handler;
}

export interface Handlers {
  tools: Map<string, RecordedTool>;
  resources: Map<string, RecordedResource>;
}

/**
 * Runs every registration against `server` with registerTool and registerResource recorded
 * instead; anything else the handlers use of the server (the client's capabilities, roots,
 * notifications) is the real server's.
 */
function record(server: McpServer | undefined, orch: Orchestrator): Handlers {
  const out: Handlers = { tools: new Map(), resources: new Map() };
  const recorder: Record<string, Handler> = {
    registerTool: (name: string, config: RecordedTool['config'], handler: Handler) =>
      void out.tools.set(name, { config, handler }),
    registerResource: (
      name: string,
      target: RecordedResource['target'],
      metadata: Record<string, unknown>,
      read: Handler,
    ) => void out.resources.set(name, { target, metadata, read }),
  };
  const proxy = server
    ? new Proxy(server, {
        get: (target, key) => {
          if (typeof key === 'string' && Object.hasOwn(recorder, key)) return recorder[key];
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? (value as Handler).bind(target) : value;
        },
      })
    : (recorder as unknown as McpServer);
  for (const register of TOOLS) register(proxy, orch);
  for (const register of RESOURCES) register(proxy, orch);
  return out;
}

/** What the server lists, recorded from the registrations (the build embeds it: catalog.ts). */
export function recordCatalog(): Catalog {
  // registering touches no orchestrator (handlers use it when called), so none is made
  const { resources } = record(undefined, undefined as unknown as Orchestrator);
  return {
    tools: TOOLS.map((t) => ({
      name: t.toolName,
      title: t.title,
      description: t.description,
      annotations: t.annotations,
      ...(t.meta && { _meta: t.meta }),
      schemas: t.jsonSchemas(SCHEMA_TARGET),
    })),
    resources: [...resources].map(([name, r]): ResourceEntry => {
      if (typeof r.target === 'string') return { name, uri: r.target, metadata: r.metadata };
      const t = r.target;
      const complete = t.uriTemplate.variableNames.filter((v) => t.completeCallback(v) !== undefined);
      return {
        name,
        template: { uriTemplate: t.uriTemplate.toString(), list: t.listCallback !== undefined, complete },
        metadata: r.metadata,
      };
    }),
  };
}

export interface CoreParts {
  config: LoadedConfig;
  project?: ProjectProfile;
  templates: TemplateLibrary;
  /**
   * Who plans an engine other servers on this machine use too (shared/engine-claims.ts); none: this server
   * plans them all.
   */
  claims?: OrchestratorDeps['claims'];
}

/**
 * What stays one client's in a shared server (server/shared): its project, its working folder,
 * and its settings (those it keeps: place.ts CLIENT_SETTINGS; the rest are the shared core's).
 */
export interface Session {
  config: LoadedConfig;
  project?: ProjectProfile | undefined;
  workingDir: string;
}

/**
 * The shared orchestrator as one client's handlers see it: its own project, working folder and
 * settings; everything else — hosts, loaders, pins, requests in flight, stores — the one core's.
 * Reads of other properties, and writes, go to the orchestrator itself.
 */
export function sessionView(orch: Orchestrator, session: Session): Orchestrator {
  const own: Record<string | symbol, unknown> = {
    config: session.config,
    project: session.project,
    workingDir: session.workingDir,
  };
  return new Proxy(orch, {
    get: (target, key, receiver) => (Object.hasOwn(own, key) ? own[key] : Reflect.get(target, key, receiver)),
  });
}

export interface Core {
  orch: Orchestrator;
  /**
   * The handlers for one server (per server: they ask it about its client), seeing `session`'s project,
   * folder and settings when given.
   */
  handlers(server: McpServer, session?: Session): Handlers;
  /** Work in flight cancelled, pins released, state written and closed; within `withinMs`. */
  stop(withinMs: number): Promise<void>;
}

/**
 * The orchestrator made, who plans each engine settled (before any call: no two servers plan one), its pinned
 * models loading and Ollama greeted.
 */
export async function startCore(parts: CoreParts): Promise<Core> {
  const orch = new Orchestrator(parts.config, {
    templates: parts.templates,
    ...(parts.project && { project: parts.project }),
    ...(parts.claims && { claims: parts.claims }),
  });
  await orch.settleClaims();
  if (orch.loader.pins.size > 0) void orch.loader.loadPins();
  // Tell the user early when Ollama is not there; tools report it again when called.
  orch.backend.version({ timeoutMs: 3000 }).then(
    (v) => log.info(greeting(orch.backend, v, orch.host)),
    (err: unknown) => log.warn(err instanceof Error ? err.message : String(err)),
  );
  // the first call's one-off work (the classifier's patterns, the state database) done while none comes
  const unready = readyAhead(orch.home);
  const perServer = new WeakMap<McpServer, Handlers>();
  return {
    orch,
    handlers(server, session) {
      let h = perServer.get(server);
      if (!h) perServer.set(server, (h = record(server, session ? sessionView(orch, session) : orch)));
      return h;
    },
    // folds the write-ahead log into state.db: a copy of that file alone is a backup
    stop: (withinMs) => {
      unready();
      return orch.shutdown(withinMs).then(closeStateDbs);
    },
  };
}
