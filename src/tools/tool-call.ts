/**
 * One call of a tool, as the MCP server hands it over: its arguments checked (their shape, then its
 * schema), the context its run is given (ToolContext), and its answer — or any failure turned into
 * an `isError` result that says what went wrong and what to do next, never a crash.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { Orchestrator } from '../orchestrator/index.js';
import type { PhaseBoard } from '../orchestrator/progress/progress.js';
import { tellingWaits } from '../orchestrator/storage/db.js';
import { withoutLongEchoes } from '../orchestrator/util/shorten.js';
import { configuredSecrets } from '../orchestrator/config/secrets.js';
import { explainInvalidArguments } from './invalid-args.js';
import { invalidShape } from './arg-bounds.js';
import { readInputs } from '../orchestrator/inputs/index.js';
import { clientRoots } from './roots.js';
import { callerLimit, callingAgent } from './agent.js';
import { isClaimRelay, isRelayed, relayedOwner } from '../presenting/calling-agent.js';
import { arrivalOf } from './arrival.js';
import { clientId } from './client-id.js';
import { callReporter, clientCanAsk, RELAYED_QUIET_MS, type JobLines } from './call-reporting.js';
import { TASK_LIMIT, taskControl } from './task-run.js';
import type { JobControl } from '../orchestrator/jobs/long-work.js';
import { callScope } from './call-scope.js';
import { describeFailure, failure } from './tool-failure.js';
import { inputFields } from './offload-io.js';
import type { ToolContext, ToolOutput, ToolSpec } from './tool-types.js';

const ownerField = (owner: string | undefined) => (owner === undefined ? {} : { relayedOwner: owner });

/**
 * A call that names inputs by reference (offload-io.ts inputFields) reads them before it plans — longer than the
 * hosts' readings are reused, and it may be refused for them, reaching no engine at all: nothing is begun for it.
 */
const INPUT_KEYS = Object.keys(inputFields);
const readsInputs = (raw: unknown) => typeof raw === 'object' && raw !== null && INPUT_KEYS.some((k) => k in raw);

/** The handler the server calls for `spec`'s tool: the arguments in, its result or its failure out. */
export function callHandler<I extends z.ZodObject, O extends z.ZodObject, R extends ToolOutput<z.output<O>>>(
  spec: ToolSpec<I, O, R>,
  server: McpServer,
  orch: Orchestrator,
) {
  return async (raw: unknown, ctx: ServerContext) => {
    // what the plan reads of the hosts begun now, beside the steps below; a request begun leaves at the next turn
    if (spec.plans && !readsInputs(raw) && orch.fleet.freshen()) await new Promise((resolve) => setImmediate(resolve));
    // the shape first: nothing below (zod, the ledger, error texts) walks arguments nested without bound
    const shape = invalidShape(spec.name, raw ?? {});
    if (shape) return failure(shape);
    // no tool's arguments are checked asynchronously: the sync parse costs less
    const parsed = spec.inputSchema.safeParse(raw ?? {});
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
    const stopped = orch.signalFor(ctx.mcpReq.signal); // unlinked from the server's signal once answered
    try {
      await orch.stateRead; // metrics, preferences and the track records are in before any tool decides (lifecycle.ts)
      const call = { raw, agent, task, relayed, phases, lines, signal: stopped.signal };
      const run = () => spec.run(input, callContext(server, ctx, orch, call));
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
  };
}

/** What the call settled before its run: its arguments as sent, its agent, its task, its reporting and its signal. */
interface CallSettled {
  raw: unknown;
  agent: string;
  task: JobControl | undefined;
  relayed: boolean;
  phases: PhaseBoard;
  lines: JobLines;
  signal: AbortSignal;
}

/** What the tool's run is given for this call. */
function callContext(server: McpServer, ctx: ServerContext, orch: Orchestrator, call: CallSettled): ToolContext {
  const { raw, agent, task, relayed, phases, lines } = call;
  let readIn: readonly string[] | undefined; // the client's roots the call's inputs were read in
  return {
    orch,
    signal: call.signal,
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
  };
}
