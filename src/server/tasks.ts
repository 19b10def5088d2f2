/**
 * MCP Tasks (protocol 2025-11-25) for the clients that ask: a `tools/call` carrying `task` is
 * answered at once with the task — the tool's whole call run as a job of the calling agent's
 * (orchestrator/jobs/long-work.ts `begin`, the job's id the task's) — and `tasks/get`,
 * `tasks/result`, `tasks/list` and `tasks/cancel` serve the agent's jobs (task-shapes.ts).
 *
 * What the SDK (2.4) offers is used: the `tasks` capability (registerCapabilities), a tool's
 * `execution.taskSupport` (RegisteredTool.execution, listed by McpServer), and handlers for the
 * `tasks/*` methods (setRequestHandler with schemas of our own: its typed surface leaves them out).
 * What it does not offer is the task-augmented call: its `tools/call` handler runs every call to
 * its end, and the result check around it refuses a CreateTaskResult ("content is required when
 * the body carries 'task'"). So such a request is given, where the connection's messages come in,
 * the name of a method of our own (TASK_CALL_METHOD), whose handler answers it. The 2026-07-28 era
 * is left alone: there tasks are an extension (SEP-2663), and the SDK strips the capability and
 * `execution` from what it sends.
 */
import {
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type McpServer,
  type RegisteredTool,
  type ServerContext,
  type Task,
} from '@modelcontextprotocol/server';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { JobError, jobOwner, type JobControl, type LongWork } from '../orchestrator/jobs/long-work.js';
import { isJobId, shownId } from '../orchestrator/stores/job-store.js';
import type { Settings } from '../orchestrator/config/index.js';
import { redactValuesDeep } from '../orchestrator/util/redact-secrets.js';
import { callingAgent } from '../tools/agent.js';
import { callKey } from '../tools/long-call.js';
import { asTaskContext } from '../tools/task-run.js';
import { jobNowLine } from '../presenting/job-words.js';
import {
  asTask,
  keptTtl,
  POLL_INTERVAL_MS,
  TASK_LIST_MAX,
  TASK_TOOLS,
  taskPayload,
  taskStatus,
  type TaskJob,
} from './task-shapes.js';

/** The method a task-augmented `tools/call` is served under (routeTaskCalls). */
const TASK_CALL_METHOD = 'ollm-mcp/tools/call-as-task';
/** How long `tasks/cancel` waits for the cancelled work to stop, so the task it answers with is cancelled. */
const CANCEL_SETTLE_MS = 10_000;

/** A tool's handler as the core recorded it (core.ts). */
type ToolHandler = (args: unknown, ctx: ServerContext) => unknown;

export interface TaskParts {
  /** The settings the calling agent is named under (their `http.tokens`). */
  settings: Pick<Settings, 'http'>;
  /** Every configured secret, cleared from what a task shows. */
  secrets: readonly string[];
  /** The tools registered on this server: whether the caller is offered one (enabled), whether it runs as a task. */
  tools: ReadonlyMap<string, RegisteredTool>;
  /** The core's jobs and this server's tool handlers, the core loaded (as a tool call waits for it). */
  core(): Promise<{
    longWork: Pick<LongWork, 'begin' | 'wait' | 'cancel' | 'list'>;
    handler(tool: string): ToolHandler | undefined;
    folder?: string | undefined;
  }>;
}

/** Whether this server's connection serves 2025-era tasks: not one of the 2026-07-28 era. */
function servesTasks(server: McpServer): boolean {
  const version = server.server.getNegotiatedProtocolVersion();
  return version === undefined || version < '2026-07-28';
}

const unknownTask = (id: string) =>
  new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Failed to retrieve task: no task ${shownId(id)} of yours (an unknown id, another client's, ` +
      `or one older than its ttl): tasks/list lists yours`,
  );

/**
 * A task's id as it came: one of a job id's shape (job-store.ts), else refused here, never repeated whole nor
 * looked up.
 */
function taskIdOf(taskId: string): string {
  if (!isJobId(taskId))
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `No task ${shownId(taskId)}: a task id is "job-" and 8 hex digits, as the task-augmented ` +
        `call answered; tasks/list lists yours`,
    );
  return taskId;
}

/**
 * A task's key as it is begun: its arguments alone (the plain call's, long-call.ts, marked), kept
 * until its tool has read its inputs; it attaches to nothing — a task is always a job of its own,
 * and its work joins another's only by its full key, scope and input contents (long-work.ts join).
 */
function taskKey(tool: string, args: unknown): string {
  return callKey(`${tool}\0task`, args, []);
}

/**
 * The tool's handler run as the task's job: its context marked (task-run.ts) and cancelled with the job; a
 * tool's error result fails the job.
 */
async function runAsTask(
  handler: ToolHandler,
  args: unknown,
  ctx: ServerContext,
  control: JobControl,
): Promise<CallToolResult> {
  const own = asTaskContext({ ...ctx, mcpReq: { ...ctx.mcpReq, signal: control.signal } }, control);
  const result = (await handler(args, own)) as Partial<CallToolResult>;
  if (!Array.isArray(result.content))
    throw new Error("The tool asked for the user's answer, which a task cannot wait for: call it without `task`.");
  if (result.isError) throw new Error(result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'));
  return result as CallToolResult;
}

type Jobs = Awaited<ReturnType<TaskParts['core']>>['longWork'];

/** `tasks/get`: the task as it is now. */
async function getTask(jobs: Jobs, owner: string, taskId: string): Promise<Task> {
  const found = await jobs.wait(owner, taskId, 0);
  if (!found) throw unknownTask(taskId);
  // a running task's status says how far it is — parts done, its step, when it should end — whether or not
  // its client asked for progress
  return asTask(
    found.kind === 'running'
      ? { ...found.job, progress: jobNowLine(found.now), updatedAt: found.now.updatedAt }
      : found.job,
  );
}

/** `tasks/result`: once the task ended, what its call would have returned. */
async function taskResult(jobs: Jobs, owner: string, taskId: string, signal: AbortSignal): Promise<CallToolResult> {
  let found = await jobs.wait(owner, taskId, undefined);
  // a job another server of this home runs (one retiring): asked again until it ends there
  while (found?.kind === 'running') {
    await sleep(POLL_INTERVAL_MS, undefined, { signal });
    found = await jobs.wait(owner, taskId, undefined);
  }
  if (!found) throw unknownTask(taskId);
  return taskPayload(found);
}

/**
 * `tasks/cancel`: a running task's work stopped, and the task as it ended; an ended one is refused, as the
 * spec says.
 */
async function cancelTask(jobs: Jobs, owner: string, taskId: string): Promise<Task> {
  const found = await jobs.wait(owner, taskId, 0);
  if (!found) throw unknownTask(taskId);
  if (found.kind !== 'running')
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Cannot cancel task: already in terminal status '${taskStatus(found.job.state)}'`,
    );
  if (!jobs.cancel(owner, taskId))
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Cannot cancel task ${taskId}: another ollm-mcp server (pid ${found.job.runner}) runs it, ` +
        `and only it can stop it`,
    );
  const after = await jobs.wait(owner, taskId, CANCEL_SETTLE_MS);
  // its work not stopped yet: cancelled all the same, and it ends so
  return after && after.kind !== 'running'
    ? asTask(after.job)
    : asTask({ ...found.job, state: 'cancelled', updatedAt: Date.now() });
}

/** The capability, each long tool's `execution`, and the handlers of a task-augmented call and of `tasks/*`. */
export function offerTasks(server: McpServer, parts: TaskParts): void {
  server.server.registerCapabilities({ tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } });
  for (const [name, tool] of parts.tools) if (TASK_TOOLS.has(name)) tool.execution = { taskSupport: 'optional' };
  const clean = <T>(value: T): T => redactValuesDeep(value, parts.secrets);
  /** The calling agent and the core's jobs, for a request of the 2025 era. */
  const caller = async (ctx: ServerContext) => {
    if (!servesTasks(server)) throw new ProtocolError(ProtocolErrorCode.MethodNotFound, 'Method not found');
    const core = await parts.core();
    // whose: the agent in its session's folder, as the jobs of its plain calls are (long-call.ts ownerOf)
    return {
      owner: jobOwner(callingAgent(server, parts.settings, ctx.mcpReq.envelope), core.folder),
      jobs: core.longWork,
      core,
    };
  };
  const idParams = { params: z.object({ taskId: z.string() }) };

  const callParams = z.object({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()).optional(),
    task: z.object({ ttl: z.number().nullish() }).passthrough(),
  });
  server.server.setRequestHandler(TASK_CALL_METHOD, { params: callParams }, async (params, ctx) => {
    const { owner, jobs, core } = await caller(ctx);
    const tool = parts.tools.get(params.name);
    if (!tool?.enabled) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${params.name} not found`);
    const handler = core.handler(params.name);
    if (tool.execution?.taskSupport !== 'optional' || !handler)
      throw new ProtocolError(
        ProtocolErrorCode.MethodNotFound,
        `${params.name} does not run as a task: call it without \`task\``,
      );
    const args = params.arguments ?? {};
    const job = await jobs
      .begin({
        owner,
        tool: params.name,
        key: taskKey(params.name, args),
        ttlMs: keptTtl(params.task.ttl),
        work: (control) => runAsTask(handler, args, ctx, control),
      })
      .catch((err: unknown) => {
        throw err instanceof JobError ? new ProtocolError(ProtocolErrorCode.InvalidRequest, err.message) : err;
      });
    return clean({ task: asTask(job) });
  });
  server.server.setRequestHandler('tasks/get', idParams, async (params, ctx) => {
    const { owner, jobs } = await caller(ctx);
    const taskId = taskIdOf(params.taskId);
    return clean(await getTask(jobs, owner, taskId));
  });
  server.server.setRequestHandler('tasks/result', idParams, async (params, ctx) => {
    const { owner, jobs } = await caller(ctx);
    const taskId = taskIdOf(params.taskId);
    return clean(await taskResult(jobs, owner, taskId, ctx.mcpReq.signal));
  });
  server.server.setRequestHandler(
    'tasks/list',
    { params: z.object({ cursor: z.string().optional() }) },
    async ({ cursor }, ctx) => {
      const { owner, jobs } = await caller(ctx);
      if (cursor !== undefined)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          'Invalid cursor: tasks/list gives every task in one page',
        );
      const listed = (await jobs.list(owner, TASK_LIST_MAX)).map((j): TaskJob =>
        j.state === 'running'
          ? { ...j, progress: jobNowLine({ ...j, ...(j.progress !== undefined && { step: j.progress }) }) }
          : j,
      );
      return clean({ tasks: listed.map((job) => asTask(job)) });
    },
  );
  server.server.setRequestHandler('tasks/cancel', idParams, async (params, ctx) => {
    const { owner, jobs } = await caller(ctx);
    const taskId = taskIdOf(params.taskId);
    return clean(await cancelTask(jobs, owner, taskId));
  });
  routeTaskCalls(server);
}

/**
 * A task-augmented `tools/call` (one with `params.task`) of a 2025-era connection, delivered to the
 * server as TASK_CALL_METHOD — its id, params and all — where the connection's messages come in
 * (every transport is connected through McpServer.connect); any other message as it came.
 */
function routeTaskCalls(server: McpServer): void {
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    const deliver = transport.onmessage;
    if (!deliver) return;
    transport.onmessage = (message, extra) =>
      deliver(isTaskCall(message) && servesTasks(server) ? { ...message, method: TASK_CALL_METHOD } : message, extra);
  };
}

/** A JSON-RPC request `tools/call` whose params carry `task`. */
export function isTaskCall(
  message: unknown,
): message is { method: string; id: string | number; params: Record<string, unknown> } {
  const m = message as { method?: unknown; id?: unknown; params?: { task?: unknown } } | null;
  return (
    m?.method === 'tools/call' && m.id !== undefined && typeof m.params?.task === 'object' && m.params.task !== null
  );
}
