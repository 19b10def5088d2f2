// MCP Tasks' request handling (server/tasks.ts) over an in-memory connection: an McpServer with two
// tools of its own, the tasks offered over a real LongWork and job store (a temp folder), and the
// official client sending what a task-asking client sends. The built server end to end, over stdio
// through the shared server and over HTTP, is test/e2e/tasks.test.ts.
import { Client, specTypeSchemas } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LongWork, type JobControl } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { isTaskCall, offerTasks } from '../../src/server/tasks.js';
import { taskControl } from '../../src/tools/task-run.js';
import { tempDir } from '../helpers/temp.js';

const SETTINGS = { http: { tokens: {} } } as never;

/**
 * The long tool's calls: each waits for `release` (or its signal), then answers `text` — or the error result
 * when `text` starts "error:".
 */
function longTool() {
  const calls: Array<{ ctx: ServerContext; control: JobControl | undefined; release(text: string): void }> = [];
  const handler = (_args: unknown, ctx: ServerContext) =>
    new Promise<CallToolResult>((resolve) => {
      ctx.mcpReq.signal.addEventListener(
        'abort',
        () => resolve({ isError: true, content: [{ type: 'text', text: 'cancelled' }] }),
        { once: true },
      );
      calls.push({
        ctx,
        control: taskControl(ctx),
        release: (text) =>
          resolve(
            text.startsWith('error:')
              ? { isError: true, content: [{ type: 'text', text }] }
              : { content: [{ type: 'text', text }] },
          ),
      });
    });
  return { calls, handler };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/**
 * A server offering `route_and_generate` (long) and `list_models`, its tasks over `jobs`, and a client named
 * `name` connected to it.
 */
async function connected(jobs: LongWork, tool: ReturnType<typeof longTool>, name = 'agent-a') {
  const server = new McpServer({ name: 'test', version: '1' });
  const quick = () => ({ content: [{ type: 'text' as const, text: 'quick' }] });
  const registered = new Map([
    [
      'route_and_generate',
      server.registerTool(
        'route_and_generate',
        { description: 'long', inputSchema: z.object({ prompt: z.string().optional() }) },
        tool.handler,
      ),
    ],
    ['list_models', server.registerTool('list_models', { description: 'quick' }, quick)],
  ]);
  const handlers: Record<string, unknown> = { route_and_generate: tool.handler, list_models: quick };
  offerTasks(server, {
    settings: SETTINGS,
    secrets: ['s3cret'],
    tools: registered,
    core: async () => ({ longWork: jobs, handler: (n) => handlers[n] as never }),
  });
  const [toClient, toServer] = InMemoryTransport.createLinkedPair();
  await server.connect(toServer);
  const client = new Client({ name, version: '1' });
  await client.connect(toClient as never);
  closers.push(() => client.close());
  return client;
}

const asTask = (c: Client, name: string, args: object = {}) =>
  c.request({ method: 'tools/call', params: { name, arguments: args, task: {} } }, specTypeSchemas.CreateTaskResult);
const get = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/get', params: { taskId } }, specTypeSchemas.GetTaskResult);
const result = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/result', params: { taskId } }, specTypeSchemas.CallToolResult);
const cancel = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/cancel', params: { taskId } }, specTypeSchemas.CancelTaskResult);
const list = (c: Client, params: Record<string, unknown> = {}) =>
  c.request({ method: 'tasks/list', params }, specTypeSchemas.ListTasksResult);
const jobsIn = () => new LongWork(new JobStore(tempDir('ollm-tasks-')));

describe('a task-augmented call', () => {
  it('is recognised by its params.task, a request of tools/call', () => {
    expect(isTaskCall({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', task: {} } })).toBe(true);
    expect(isTaskCall({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } })).toBe(false);
    expect(isTaskCall({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', task: null } })).toBe(false);
    expect(isTaskCall({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'x', task: {} } })).toBe(false);
    expect(isTaskCall({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { task: {} } })).toBe(false);
  });

  it(
    'is answered at once with a working task; the tool runs as the job, its context marked with ' +
      "the job's control and signal; tasks/result waits for its result",
    async () => {
      const tool = longTool();
      const c = await connected(jobsIn(), tool);
      expect(c.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
      const listed = (await c.listTools()).tools;
      expect(listed.find((t) => t.name === 'route_and_generate')?.execution).toEqual({ taskSupport: 'optional' });
      expect(listed.find((t) => t.name === 'list_models')?.execution).toBeUndefined();

      const { task } = await asTask(c, 'route_and_generate', { prompt: 'p' });
      expect(task).toMatchObject({ status: 'working', ttl: 24 * 3600_000, pollInterval: 2000 });
      expect(Date.parse(task.createdAt)).not.toBeNaN();
      await expect.poll(() => tool.calls.length).toBe(1);
      const [call] = tool.calls;
      expect(call!.control).toBeDefined();
      expect(call!.ctx.mcpReq.signal).toBe(call!.control!.signal);
      // the same call again is a task of its own: answered before its inputs are read, it cannot know
      // it is the same work — its tool joins the work once its full key is known (long-call.ts asJob)
      const again = (await asTask(c, 'route_and_generate', { prompt: 'p' })).task;
      expect(again.taskId).not.toBe(task.taskId);
      await expect.poll(() => tool.calls.length).toBe(2);
      expect(tool.calls[1]!.control).not.toBe(call!.control);
      tool.calls[1]!.release('again');
      expect((await get(c, task.taskId)).status).toBe('working');

      const waiting = result(c, task.taskId);
      call!.release('the answer, with s3cret');
      const got = await waiting;
      expect(got.content).toEqual([{ type: 'text', text: 'the answer, with [redacted]' }]);
      expect(got._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
      expect(await get(c, task.taskId)).toMatchObject({ taskId: task.taskId, status: 'completed' });
      expect(await get(c, task.taskId)).not.toHaveProperty('pollInterval');
    },
  );

  it("a tool's error result fails the task, saying why; tasks/result returns that error result", async () => {
    const tool = longTool();
    const c = await connected(jobsIn(), tool);
    const { task } = await asTask(c, 'route_and_generate', { prompt: 'q' });
    await expect.poll(() => tool.calls.length).toBe(1);
    tool.calls[0]!.release('error: Ollama is not running');
    const got = await result(c, task.taskId);
    expect(got).toMatchObject({ isError: true, content: [{ type: 'text', text: 'error: Ollama is not running' }] });
    expect(await get(c, task.taskId)).toMatchObject({
      status: 'failed',
      statusMessage: 'error: Ollama is not running',
    });
    // a failed call is not kept for the same call again: it runs anew
    expect((await asTask(c, 'route_and_generate', { prompt: 'q' })).task.taskId).not.toBe(task.taskId);
  });

  it(
    'of a tool without taskSupport is refused as the spec says (-32601); of an unknown tool, ' +
      '-32602; a call without task is the tool’s as ever',
    async () => {
      const tool = longTool();
      const c = await connected(jobsIn(), tool);
      await expect(asTask(c, 'list_models')).rejects.toMatchObject({ code: -32601 });
      await expect(asTask(c, 'no_such_tool')).rejects.toMatchObject({ code: -32602 });
      expect(await c.callTool({ name: 'list_models', arguments: {} })).toMatchObject({
        content: [{ type: 'text', text: 'quick' }],
      });
      const plain = c.callTool({ name: 'route_and_generate', arguments: {} });
      await expect.poll(() => tool.calls.length).toBe(1);
      expect(tool.calls[0]!.control).toBeUndefined(); // not a task: no job control, its own limit
      tool.calls[0]!.release('plain');
      expect(await plain).toMatchObject({ content: [{ type: 'text', text: 'plain' }] });
      expect((await list(c)).tasks).toEqual([]);
    },
  );
});

describe('tasks/*', () => {
  it(
    "cancel stops a running task's work and answers it cancelled; an ended one, an unknown id " +
      "or another agent's are refused (-32602)",
    async () => {
      const jobs = jobsIn();
      const tool = longTool();
      const a = await connected(jobs, tool, 'agent-a');
      const b = await connected(jobs, tool, 'agent-b');
      const { task } = await asTask(a, 'route_and_generate', { prompt: 'r' });
      await expect.poll(() => tool.calls.length).toBe(1);
      for (const op of [get, result, cancel]) await expect(op(b, task.taskId)).rejects.toMatchObject({ code: -32602 });
      expect((await list(b)).tasks).toEqual([]);
      expect((await list(a)).tasks.map((t) => t.taskId)).toEqual([task.taskId]);

      expect(await cancel(a, task.taskId)).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
      expect(tool.calls[0]!.ctx.mcpReq.signal.aborted).toBe(true);
      expect((await get(a, task.taskId)).status).toBe('cancelled');
      await expect(cancel(a, task.taskId)).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/terminal status 'cancelled'/),
      });
      expect(await result(a, task.taskId)).toMatchObject({ isError: true });
      await expect(get(a, 'job-00000000')).rejects.toMatchObject({ code: -32602 });
      await expect(list(a, { cursor: 'x' })).rejects.toMatchObject({ code: -32602 });
    },
  );

  it(
    'an id not of a task id’s shape (a 1 MB one) is refused by get, result and cancel, its ' +
      'error repeating a few dozen characters of it at most; a real id still served',
    async () => {
      const jobs = jobsIn();
      const tool = longTool();
      const a = await connected(jobs, tool);
      const huge = `job-${'A'.repeat(1_000_000)}`;
      for (const op of [get, result, cancel]) {
        const err = (await op(a, huge).catch((e: unknown) => e)) as { code: number; message: string };
        expect(err.code).toBe(-32602);
        expect(err.message.length).toBeLessThan(300);
        expect(err.message).toMatch(/^.*No task "job-A{36}…": a task id is "job-" and 8 hex digits/);
      }
      const { task } = await asTask(a, 'route_and_generate', { prompt: 's' });
      expect((await get(a, task.taskId)).status).toBe('working');
      await expect.poll(() => tool.calls.length).toBe(1);
      tool.calls[0]!.release('done');
      expect(await result(a, task.taskId)).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    },
  );
});
