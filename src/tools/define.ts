/**
 * The shape every tool file follows, and the one place that adapts it to the MCP server:
 * validated input in, `structuredContent` plus a short text out, and any failure turned into an
 * `isError` result that says what went wrong and what to do next — never a crash.
 */
import {
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import type * as z from 'zod';
import { HostError, type Orchestrator } from '../orchestrator/index.js';
import { slimSchema } from './slim-schema.js';
import { log } from '../orchestrator/util/log.js';
import type { PhaseBoard } from '../orchestrator/progress/progress.js';
import { tellingWaits } from '../orchestrator/storage/db.js';
import { MemoryError } from '../orchestrator/memory/memory-db.js';
import { ProjectError } from '../orchestrator/project/project.js';
import { TemplateError } from '../orchestrator/templates/index.js';
import { RouteError } from '../orchestrator/jobs/route.js';
import { FormatError } from '../orchestrator/generation/answer-format.js';
import { withoutLongEchoes } from '../orchestrator/util/shorten.js';
import { configuredSecrets } from '../orchestrator/config/secrets.js';
import { diskProblem } from '../orchestrator/util/disk-errors.js';
import { explainInvalidArguments } from './invalid-args.js';
import { invalidShape } from './arg-bounds.js';
import { InputError, readInputs, type GatheredInputs, type InputRequest } from '../orchestrator/inputs/index.js';
import { clientRoots } from './roots.js';
import { callerLimit, callingAgent } from './agent.js';
import { isClaimRelay, isRelayed, relayedOwner } from '../presenting/calling-agent.js';
import { arrivalOf } from './arrival.js';
import type { ClientLimit } from '../orchestrator/config/client-limits.js';
import { clientId } from './client-id.js';
import { callReporter, clientCanAsk, RELAYED_QUIET_MS, type JobLines } from './call-reporting.js';
import { TASK_LIMIT, taskControl } from './task-run.js';
import { JobError, type JobControl } from '../orchestrator/jobs/long-work.js';
import { callScope } from './call-scope.js';

const ownerField = (owner: string | undefined) => (owner === undefined ? {} : { relayedOwner: owner });

export interface ToolContext {
  orch: Orchestrator;
  /** Aborted when the client cancels the call. */
  signal: AbortSignal;
  /**
   * Where long work reports its phases: each begins a log line for the client (MCP logging, at the
   * level it chose), and when the client asked for progress (a progressToken) each is sent as a
   * progress notification at once and again at least every progress.intervalMs, with progress
   * rising across phases.
   */
  phases: PhaseBoard | undefined;
  /** The client can show the user a form (elicitation), so a tool may ask instead of failing. */
  canAsk: boolean;
  /** The user's answers to an earlier ask, by the key it was asked under (untrusted input). */
  inputResponses: Record<string, unknown> | undefined;
  /** The calling agent: its client's name (tools/agent.ts), which settings' agents.NAME and the per-agent records go by. */
  agent: string;
  /** Another ollm-mcp calling for its own client (presenting/calling-agent.ts isRelayed): the model it names answers, or nothing does. */
  relayed?: boolean;
  /** Whose prompt a relayed call carries, as its relaying server keyed it (presenting/calling-agent.ts relayedOwner). */
  relayedOwner?: string;
  /** Relayed through this server's engine claim by another ollm-mcp server of this machine (isClaimRelay): it runs the call as its client's job and keeps its ledger. */
  claimRelayed?: boolean;
  /** Who asks: this connection (client-id.ts), for turns between clients on a model's slots. */
  client?: string;
  /** How long the calling client waits for this call (seconds, undefined: as long as it takes) and why: config/client-limits.ts. */
  clientLimit: ClientLimit;
  /** The call runs as an MCP task, under this job already (task-run.ts): long work runs straight through under it (long-call.ts asJob). */
  job?: JobControl;
  /** Where the call's progress lines also go: the job its work runs as (long-call.ts asJob sets it), and a reporter kept past a hand-over. */
  lines: JobLines;
  /** The arguments as the client sent them (what the calling assistant wrote), within arg-bounds.ts's depth and size. */
  rawArgs: unknown;
  /** Reads inputs named by reference, within the project folder, the client's roots and the roots in settings. */
  readInputs(req: InputRequest): Promise<GatheredInputs>;
  /** What the call could read (its folder, the roots its inputs were read in) and its client's own settings: part of its job's key (call-scope.ts). */
  scope(): string;
}

/** A tool's answer, or — when it needs the user first — a request for input (answered by a retry). */
export type ToolOutput<O> = { structured: O; text: string } | { ask: InputRequiredResult };

export interface ToolSpec<
  I extends z.ZodObject,
  O extends z.ZodObject,
  R extends ToolOutput<z.output<O>> = ToolOutput<z.output<O>>,
> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  /** Extra tool metadata, e.g. the MCP Apps view (`ui.resourceUri`) a host may show with the result. */
  meta?: Record<string, unknown>;
  /** The call waits for a change of its to the state database: a wait for another process's lock is said in its progress (storage/writes.ts tellingWaits). */
  writes?: boolean;
  /** Its structured result holds nothing the output schema lacks (checked at compile time: ListsItsResult). */
  run(input: z.output<I>, ctx: ToolContext): Promise<R>;
}

export type ToolRegistration = ((server: McpServer, orch: Orchestrator) => void) & {
  toolName: string;
  title: string;
  /** What tools/list shows as its description. */
  description: string;
  annotations: ToolAnnotations;
  meta?: Record<string, unknown>;
  /** The tool's JSON Schemas as tools/list publishes them, by "input|target" and "output|target" (the build records them in the catalog: server/catalog.ts). */
  jsonSchemas(target: string): Record<string, Record<string, unknown>>;
  /** The full input schema every call is checked against. */
  inputSchema: z.ZodObject;
};

/** A message for the calling model: the cause and the next step, no stack trace. */
export function describeFailure(tool: string, err: unknown): string {
  if (
    err instanceof HostError ||
    err instanceof RouteError ||
    err instanceof MemoryError ||
    err instanceof TemplateError ||
    err instanceof ProjectError ||
    err instanceof InputError ||
    err instanceof FormatError ||
    err instanceof JobError
  )
    return err.message;
  // a full, read-only or failing disk is the machine's state, not a bug: say it as such
  const disk = diskProblem(err);
  if (disk) {
    log.warn(`${tool}: ${disk} (${err instanceof Error ? err.message : String(err)})`);
    return `${tool} failed: ${disk}`;
  }
  log.error(`${tool} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const message = err instanceof Error ? err.message : String(err);
  return `${tool} failed: ${message}. This is a bug in ollm-mcp if it persists — run \`ollm-mcp doctor\`, and report it with the server's stderr log.`;
}

/**
 * The input schema as the SDK sees it: the tool's own JSON Schema for tools/list (and for the
 * HTTP entry's header checks), with a validator that lets every value through. The handler then
 * checks the arguments against the real schema, so an invalid call is answered with
 * explainInvalidArguments' text rather than the SDK's "Input validation error" and zod's wording.
 */
function publishedOnly(schema: z.ZodObject): StandardSchemaWithJSON<Record<string, unknown>> {
  return {
    '~standard': {
      version: 1,
      vendor: 'ollm-mcp',
      validate: (value) => ({ value: value as Record<string, unknown> }),
      jsonSchema: memoJsonSchema(schema, 'input'),
    },
  };
}

/**
 * The output schema as the SDK sees it: its JSON Schema, converted once per process rather than at
 * every tools/list (over stateless HTTP each request builds a server of its own), with a validator
 * that lets the result through. structuredContent is built by typed code (the tool's run), and a
 * client that checks it (the official one does) checks it against this JSON Schema itself: the
 * SDK's second pass of zod over every result only cost each call its time. What keeps results
 * within their schemas: defineTool refuses at compile time a run that returns a field its schema
 * lacks (Unlisted, below), and test/e2e/output-schemas.test.ts calls every tool in every mode —
 * stdio alone, through the shared server, over HTTP — and checks each result with Ajv against the
 * schema tools/list gave the client.
 */
function published<O extends z.ZodObject>(schema: O): O {
  const std = schema['~standard'];
  const wrapped = { ...std, validate: (value: unknown) => ({ value }), jsonSchema: memoJsonSchema(schema, 'output') };
  return new Proxy(schema, {
    get: (target, key, receiver) => (key === '~standard' ? wrapped : Reflect.get(target, key, receiver)),
  });
}

type JsonSchemaOf = NonNullable<StandardSchemaWithJSON<unknown>['~standard']['jsonSchema']>;

/**
 * zod's JSON Schema conversion, remembered per direction and target, converted on first use (the
 * built server lists tools from the catalog the build recorded: server/catalog.ts). `which` names
 * the schema (the tool's input or output); the SDK asks of it the io it needs.
 */
function memoJsonSchema(schema: z.ZodObject, which: 'input' | 'output'): JsonSchemaOf {
  const convert = schema['~standard'].jsonSchema as JsonSchemaOf;
  const seen = new Map<string, Record<string, unknown>>();
  const memo = (io: 'input' | 'output') => (options: Parameters<JsonSchemaOf['input']>[0]) => {
    const key = `${which}:${io}|${String(options?.target ?? '')}`;
    let out = seen.get(key);
    // the input schema is published slim (slim-schema.ts): the calling model reads it every turn
    if (!out)
      out = which === 'input' ? (slimSchema(convert[io](options)) as Record<string, unknown>) : convert[io](options);
    seen.set(key, out);
    return out;
  };
  return { input: memo('input'), output: memo('output') };
}

/** The longest error text a client is sent: the cause and the next step fit in far less; the log keeps the whole. */
const MAX_ERROR_CHARS = 4000;

export function failure(text: string) {
  if (text.length > MAX_ERROR_CHARS) {
    log.warn(`error text cut for the client (${text.length} characters): ${text}`);
    text = `${text.slice(0, MAX_ERROR_CHARS)}… (${text.length - MAX_ERROR_CHARS} more characters in the server's log)`;
  }
  return { isError: true, content: [{ type: 'text' as const, text }] };
}

/**
 * The places in `T` — a tool's structured result as its code builds it — that `S`, the type of its
 * output schema, has no property for: ".clients", ".hosts[].extra"; never when there is none. A
 * client checks structuredContent against the published JSON Schema, where every zod object is
 * `additionalProperties: false`, so each such place is a result a validating client refuses (issue
 * 54: show_status's `clients` through the shared server). TypeScript does not catch these by
 * itself: a spread or an orchestrator object passed whole is not checked for excess properties.
 * Where the schema allows anything (`z.unknown()`, a record of unknown) nothing below is compared.
 */
export type Unlisted<T, S, P extends string = ''> = T extends readonly (infer E)[]
  ? S extends readonly (infer F)[]
    ? Unlisted<E, F, `${P}[]`>
    : never
  : T extends object
    ? S extends object
      ? {
          [K in keyof T]-?: K extends keyof S
            ? unknown extends S[K]
              ? never
              : Unlisted<NonNullable<T[K]>, NonNullable<S[K]>, `${P}.${K & string}`>
            : `${P}.${K & string}`;
        }[keyof T]
      : never
    : never;

type StructuredOf<R> = R extends { structured: infer X } ? X : never;

/** Nothing when every field the tool's run can return is in its output schema; else a property the spec lacks, named by those fields (a compile error at the tool). */
type ListsItsResult<O extends z.ZodObject, R> = [Unlisted<StructuredOf<R>, z.output<O>>] extends [never]
  ? unknown
  : { 'outputSchema lacks what the result carries': Unlisted<StructuredOf<R>, z.output<O>> };

export function defineTool<I extends z.ZodObject, O extends z.ZodObject, R extends ToolOutput<z.output<O>>>(
  spec: ToolSpec<I, O, R> & ListsItsResult<O, R>,
): ToolRegistration {
  // once per tool, so each JSON Schema is converted once per process
  const inputSchema = publishedOnly(spec.inputSchema);
  const outputSchema = published(spec.outputSchema);
  const annotations: ToolAnnotations = { title: spec.title, ...spec.annotations };
  const register = (server: McpServer, orch: Orchestrator) => {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema,
        outputSchema,
        annotations,
        ...(spec.meta && { _meta: spec.meta }),
      },
      // The SDK infers the handler's argument type from the schema; the cast keeps
      // ToolSpec generic without repeating the SDK's conditional types here.
      (async (raw: unknown, ctx: ServerContext) => {
        // the shape first: nothing below (zod, the ledger, error texts) walks arguments nested without bound
        const shape = invalidShape(spec.name, raw ?? {});
        if (shape) return failure(shape);
        const parsed = spec.inputSchema.safeParse(raw ?? {}); // no tool's arguments are checked asynchronously: the sync parse costs less
        if (!parsed.success) return failure(explainInvalidArguments(spec.name, parsed.error, raw));
        const input = parsed.data as z.output<I>;
        const agent = callingAgent(server, orch.config.settings, ctx.mcpReq.envelope, ctx.mcpReq._meta);
        const task = taskControl(ctx); // a task's client polls: no limit, no form, no second job
        let ok = false;
        // progress to the client that asked, log lines at the level it chose, and every line to the job the call runs as
        const relayed = isRelayed(server, ctx.mcpReq._meta);
        // another ollm-mcp relaying its client's call waits for the answer: a quick one is answered without progress
        const { phases, lines, answered } = callReporter(
          ctx,
          server,
          orch.config.settings.progress.intervalMs,
          configuredSecrets(orch.config.settings),
          task,
          relayed ? RELAYED_QUIET_MS : 0,
        );
        let readIn: readonly string[] | undefined; // the client's roots the call's inputs were read in
        const stopped = orch.signalFor(ctx.mcpReq.signal); // unlinked from the server's signal once answered
        try {
          await orch.stateRead; // metrics, preferences and the track records are in before any tool decides (lifecycle.ts)
          const run = () =>
            spec.run(input, {
              orch,
              signal: stopped.signal,
              phases,
              canAsk: task === undefined && clientCanAsk(server, ctx),
              inputResponses: ctx.mcpReq.inputResponses,
              agent,
              ...(relayed && {
                relayed: true,
                ...(isClaimRelay(server, ctx.mcpReq._meta) && { claimRelayed: true }),
                ...ownerField(relayedOwner(server, ctx.mcpReq._meta)),
              }),
              client: clientId(server, ctx, agent),
              clientLimit: task
                ? TASK_LIMIT
                : { ...callerLimit(server, orch.config.settings, agent, ctx.mcpReq.envelope), since: arrivalOf(ctx) },
              ...(task && { job: task }),
              lines,
              rawArgs: raw,
              readInputs: async (req) =>
                readInputs(
                  req,
                  orch.config.settings.inputs,
                  { path: orch.project?.root ?? orch.workingDir, named: orch.project?.explicit === true },
                  (readIn = await clientRoots(server, ctx)),
                  orch.origins,
                ),
              scope: () => callScope(orch, readIn),
            });
          const out = spec.writes ? await tellingWaits(phases, run) : await run();
          if ('ask' in out) return out.ask;
          ok = true;
          return {
            content: [{ type: 'text' as const, text: out.text }],
            structuredContent: out.structured as Record<string, unknown>,
          };
        } catch (err) {
          return failure(withoutLongEchoes(describeFailure(spec.name, err), raw));
        } finally {
          stopped.release();
          answered();
          orch.agents.called(agent, ok); // counted per agent, flushed with the other sums
        }
      }) as never,
    );
  };
  /** What tools/list shows of this tool, converted now (the build embeds it). */
  const jsonSchemas = (target: string) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [which, std] of [
      ['input', inputSchema['~standard']],
      ['output', outputSchema['~standard']],
    ] as const) {
      for (const io of ['input', 'output'] as const)
        out[`${which}:${io}|${target}`] = (std.jsonSchema as JsonSchemaOf)[io]({ target: target as never });
    }
    return out;
  };
  return Object.assign(register, {
    toolName: spec.name,
    title: spec.title,
    description: spec.description,
    annotations,
    ...(spec.meta && { meta: spec.meta }),
    jsonSchemas,
    inputSchema: spec.inputSchema,
  });
}
