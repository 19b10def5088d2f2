/**
 * The shape every tool file follows: its spec (ToolSpec), what its run is given (ToolContext) and
 * answers (ToolOutput), and what defineTool (define.ts) makes of it for the server (ToolRegistration).
 */
import type { InputRequiredResult, McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { Orchestrator } from '../orchestrator/index.js';
import type { PhaseBoard } from '../orchestrator/progress/progress.js';
import type { GatheredInputs, InputRequest } from '../orchestrator/inputs/index.js';
import type { ClientLimit } from '../orchestrator/config/client-limits.js';
import type { JobLines } from './call-reporting.js';
import type { JobControl } from '../orchestrator/jobs/long-work.js';

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
  /**
   * The calling agent: its client's name (tools/agent.ts), which settings' agents.NAME and the per-agent
   * records go by.
   */
  agent: string;
  /**
   * Another ollm-mcp calling for its own client (presenting/calling-agent.ts isRelayed): the model it names
   * answers, or nothing does.
   */
  relayed?: boolean;
  /**
   * Whose prompt a relayed call carries, as its relaying server keyed it (presenting/calling-agent.ts
   * relayedOwner).
   */
  relayedOwner?: string;
  /**
   * Relayed through this server's engine claim by another ollm-mcp server of this machine (isClaimRelay): it
   * runs the call as its client's job and keeps its ledger.
   */
  claimRelayed?: boolean;
  /** Who asks: this connection (client-id.ts), for turns between clients on a model's slots. */
  client?: string;
  /**
   * How long the calling client waits for this call (seconds, undefined: as long as it takes) and why:
   * config/client-limits.ts.
   */
  clientLimit: ClientLimit;
  /**
   * The call runs as an MCP task, under this job already (task-run.ts): long work runs straight through under
   * it (long-call.ts asJob).
   */
  job?: JobControl;
  /**
   * Where the call's progress lines also go: the job its work runs as (long-call.ts asJob sets it), and a
   * reporter kept past a hand-over.
   */
  lines: JobLines;
  /**
   * The arguments as the client sent them (what the calling assistant wrote), within arg-bounds.ts's depth
   * and size.
   */
  rawArgs: unknown;
  /** Reads inputs named by reference, within the project folder, the client's roots and the roots in settings. */
  readInputs(req: InputRequest): Promise<GatheredInputs>;
  /**
   * What the call could read (its folder, the roots its inputs were read in) and its client's own settings:
   * part of its job's key (call-scope.ts).
   */
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
  /**
   * The call waits for a change of its to the state database: a wait for another process's lock is said in
   * its progress (storage/writes.ts tellingWaits).
   */
  writes?: boolean;
  /**
   * The call plans work on the engines: what its plan reads of the hosts (what is loaded, the memory, an
   * engine's claim) is begun at its arrival where stale, beside its first steps (fleet.ts freshen) — unless it
   * names inputs by reference, which it reads first (tool-call.ts).
   */
  plans?: boolean;
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
  /**
   * The tool's JSON Schemas as tools/list publishes them, by "input|target" and "output|target" (the build
   * records them in the catalog: server/catalog.ts).
   */
  jsonSchemas(target: string): Record<string, Record<string, unknown>>;
  /** The full input schema every call is checked against. */
  inputSchema: z.ZodObject;
};
