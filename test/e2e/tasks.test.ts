// MCP Tasks (protocol 2025-11-25, issue 56 item 6), spoken to by the official client with the
// SDK's own result schemas (its typed surface has no task API). Two agents of one shared server
// over stdio — so the launches' forwarding passes tasks/* through — and one HTTP server: a
// tools/call carrying `task` is answered at once with a working task while the engine is still
// answering; tasks/get follows it to completed; tasks/result returns the whole answer, the engine
// asked once; tasks/list lists it; tasks/cancel stops a running one (its engine request ends);
// another agent can neither see nor cancel it; a call without `task` is answered as ever.
import {
  Client,
  RELATED_TASK_META_KEY,
  StreamableHTTPClientTransport,
  specTypeSchemas,
} from '@modelcontextprotocol/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const WORDS = 40; // 50 ms a token: 2 s an answer
const ANSWER = oneTokenWords(WORDS, 'w');

let fake: FakeOllama;
const launches: SharedLaunch[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 50 });
  fake.reply(ANSWER);
});
afterEach(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  for (const r of runtimes.splice(0)) stopShared(r);
});
afterAll(async () => {
  await fake?.stop();
});

const generate = (prompt: string) => ({
  name: 'route_and_generate',
  arguments: { prompt, model: 'llama3.2', maxTokens: WORDS },
});
const inFlight = () => fake.loaded().reduce((n, m) => n + m.inFlight, 0);
const asked = (word: string) =>
  fake.generations().filter((g) => JSON.stringify(g.messages ?? g.prompt).includes(word)).length;
const textOf = (r: { content?: unknown }) => (r.content as Array<{ text: string }>)[0]!.text;

const callAsTask = (c: Client, params: object) =>
  c.request({ method: 'tools/call', params: { ...params, task: { ttl: 60_000 } } }, specTypeSchemas.CreateTaskResult);
const getTask = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/get', params: { taskId } }, specTypeSchemas.GetTaskResult);
const taskResult = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/result', params: { taskId } }, specTypeSchemas.CallToolResult);
const listTasks = (c: Client) => c.request({ method: 'tasks/list', params: {} }, specTypeSchemas.ListTasksResult);
const cancelTask = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/cancel', params: { taskId } }, specTypeSchemas.CancelTaskResult);
const INVALID_PARAMS = { code: -32602 };

async function twoAgents() {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const home = tempHome();
  const launch = async (name: string) => {
    const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
    launches.push(l);
    return l;
  };
  return { a: await launch('tasks-a'), b: await launch('tasks-b') };
}

describe('MCP tasks', () => {
  it(
    'over stdio: offered, run as the agent’s job, polled, listed, cancelled — another agent’s ' +
      'are out of reach; a plain call is unchanged',
    { timeout: 30_000 },
    async () => {
      const { a, b } = await twoAgents();
      expect(a.client.getServerCapabilities()?.tasks).toEqual({
        list: {},
        cancel: {},
        requests: { tools: { call: {} } },
      });
      const tools = (await a.client.listTools()).tools;
      expect(tools.find((t) => t.name === 'route_and_generate')?.execution).toEqual({ taskSupport: 'optional' });
      expect(tools.find((t) => t.name === 'list_models')?.execution).toBeUndefined();

      // answered at once: the engine is still answering
      const { task } = await callAsTask(a.client, generate('a story about a ferry'));
      expect(task).toMatchObject({ status: 'working', ttl: 60_000, pollInterval: 2000 }); // the ttl asked for, kept
      expect((await getTask(a.client, task.taskId)).status).toBe('working');
      // another agent: no such task of theirs, nothing to cancel, nothing listed
      await expect(getTask(b.client, task.taskId)).rejects.toMatchObject(INVALID_PARAMS);
      await expect(cancelTask(b.client, task.taskId)).rejects.toMatchObject(INVALID_PARAMS);
      await expect(taskResult(b.client, task.taskId)).rejects.toMatchObject(INVALID_PARAMS);
      expect((await listTasks(b.client)).tasks.map((t) => t.taskId)).not.toContain(task.taskId);

      const result = await taskResult(a.client, task.taskId); // waits for the end
      expect(result.isError).not.toBe(true);
      expect(textOf(result)).toContain(oneTokenWords(WORDS, 'w').split(' ').at(-1)!);
      expect((result.structuredContent as { text?: string }).text).toBe(ANSWER);
      expect(result._meta?.[RELATED_TASK_META_KEY]).toEqual({ taskId: task.taskId });
      expect((await getTask(a.client, task.taskId)).status).toBe('completed');
      expect(asked('ferry')).toBe(1);
      // the task is the call's one job: the tool ran straight through under it, no second job of its own
      expect((await listTasks(a.client)).tasks).toEqual([
        expect.objectContaining({ taskId: task.taskId, status: 'completed' }),
      ]);
      await expect(cancelTask(a.client, task.taskId)).rejects.toMatchObject({
        ...INVALID_PARAMS,
        message: expect.stringMatching(/terminal status 'completed'/),
      });
      await expect(getTask(a.client, 'job-00000000')).rejects.toMatchObject(INVALID_PARAMS);

      // a second one, cancelled while the engine answers it: its request ends
      const second = (await callAsTask(a.client, generate('a story about a lighthouse'))).task;
      await expect.poll(inFlight, { timeout: 10_000, interval: 50 }).toBe(1);
      const cancelled = await cancelTask(a.client, second.taskId);
      expect(cancelled).toMatchObject({ taskId: second.taskId, status: 'cancelled' });
      await expect.poll(inFlight, { timeout: 10_000, interval: 50 }).toBe(0);
      expect((await getTask(a.client, second.taskId)).status).toBe('cancelled');
      const after = await taskResult(a.client, second.taskId);
      expect(after.isError).toBe(true);
      expect(textOf(after)).toMatch(/cancelled/);

      // without `task`, a call is answered whole, as ever
      const plain = await a.client.callTool(generate('a story about a harbour'));
      expect(plain.isError).not.toBe(true);
      expect((plain.structuredContent as { text?: string }).text).toBe(ANSWER);
      expect(plain).not.toHaveProperty('task');
    },
  );

  describe('a task is its agent’s in its scope (issue 61, finding 2)', () => {
    /**
     * Two windows of one agent (`claude-code`), each in a project of its own with its own notes.txt, on one
     * shared server.
     */
    async function twoWindows() {
      const runtime = runtimeDir();
      runtimes.push(runtime);
      const home = tempHome();
      const project = (secret: string) => {
        const dir = tempDir('ollm-project-');
        writeFileSync(join(dir, 'package.json'), '{"name":"p"}');
        writeFileSync(join(dir, 'notes.txt'), `the notes of ${secret}`);
        return dir;
      };
      const folders = { a: project('ALPHA-SECRET'), b: project('BRAVO-NOTES') };
      const launch = async (cwd: string) => {
        const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd, name: 'claude-code' });
        launches.push(l);
        return l;
      };
      return { folders, a: await launch(folders.a), b: await launch(folders.b) };
    }
    /** The answer says whose notes it was made from. */
    const whose = () =>
      fake.reply(
        (r) =>
          `${/ALPHA-SECRET/.test(JSON.stringify(r.messages ?? r.prompt)) ? 'from-alpha' : /BRAVO-NOTES/.test(JSON.stringify(r.messages ?? r.prompt)) ? 'from-bravo' : 'from-none'} ` +
          `${ANSWER}`,
      );
    const summarize = (files: string[], word: string) => ({
      name: 'route_and_generate',
      arguments: { prompt: `summarize these notes ${word}`, files, model: 'llama3.2', maxTokens: WORDS },
    });
    afterEach(() => fake.reply(ANSWER));

    it(
      'another project’s window sending the same call 0.5 s later runs its own task on its own ' +
        'notes.txt; named by A’s absolute path, it is refused, never A’s text',
      { timeout: 40_000 },
      async () => {
        whose();
        const { folders, a, b } = await twoWindows();
        const call = summarize(['notes.txt'], 'kayak');
        const ofA = (await callAsTask(a.client, call)).task;
        await new Promise((r) => setTimeout(r, 500));
        const ofB = (await callAsTask(b.client, call)).task;
        expect(ofB.taskId).not.toBe(ofA.taskId);
        const [resultA, resultB] = await Promise.all([
          taskResult(a.client, ofA.taskId),
          taskResult(b.client, ofB.taskId),
        ]);
        expect(textOf(resultA)).toMatch(/^from-alpha/);
        expect(textOf(resultB)).toMatch(/^from-bravo/);
        expect(JSON.stringify(resultB)).not.toContain('ALPHA');
        expect(asked('kayak')).toBe(2);
        // A's task is no handle of B's window: not listed, not read, not cancelled there
        expect((await listTasks(b.client)).tasks.map((t) => t.taskId)).toEqual([ofB.taskId]);
        for (const op of [getTask, taskResult, cancelTask])
          await expect(op(b.client, ofA.taskId)).rejects.toMatchObject(INVALID_PARAMS);
        expect((await listTasks(a.client)).tasks.map((t) => t.taskId)).toEqual([ofA.taskId]);

        // A's file by its absolute path: A's scope reads it, B's refuses it
        const byPath = summarize([join(folders.a, 'notes.txt')], 'canoe');
        const absA = (await callAsTask(a.client, byPath)).task;
        await new Promise((r) => setTimeout(r, 500));
        const absB = (await callAsTask(b.client, byPath)).task;
        expect(absB.taskId).not.toBe(absA.taskId);
        const refused = await taskResult(b.client, absB.taskId);
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toMatch(/outside the folders ollm-mcp may read/);
        expect(JSON.stringify(refused)).not.toMatch(/ALPHA|from-alpha/);
        expect(textOf(await taskResult(a.client, absA.taskId))).toMatch(/^from-alpha/);
        expect(asked('canoe')).toBe(1);
      },
    );

    it(
      'the same window sending the same call twice still runs the work once: two tasks, one engine request, one answer',
      { timeout: 40_000 },
      async () => {
        whose();
        const { a } = await twoWindows();
        const call = summarize(['notes.txt'], 'dinghy');
        const first = (await callAsTask(a.client, call)).task;
        await new Promise((r) => setTimeout(r, 500));
        const second = (await callAsTask(a.client, call)).task;
        const [one, two] = await Promise.all([taskResult(a.client, first.taskId), taskResult(a.client, second.taskId)]);
        expect(textOf(one)).toMatch(/^from-alpha/);
        expect(textOf(two)).toBe(textOf(one));
        expect(asked('dinghy')).toBe(1);
        expect((await listTasks(a.client)).tasks.map((t) => t.taskId).sort()).toEqual(
          [first.taskId, second.taskId].sort(),
        );
      },
    );
  });

  describe('over Streamable HTTP', () => {
    let server: HttpServer;
    beforeAll(async () => {
      server = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it(
      'a task-augmented call is answered at once, then polled and its result fetched in requests of their own',
      { timeout: 30_000 },
      async () => {
        const client = new Client({ name: 'tasks-http', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
        try {
          expect(client.getServerCapabilities()?.tasks?.requests).toEqual({ tools: { call: {} } });
          const { task } = await callAsTask(client, generate('a story about a canal'));
          expect(task.status).toBe('working');
          const result = await taskResult(client, task.taskId);
          expect((result.structuredContent as { text?: string }).text).toBe(ANSWER);
          expect((await getTask(client, task.taskId)).status).toBe('completed');
          expect(asked('canal')).toBe(1);
        } finally {
          await client.close();
        }
      },
    );
  });
});
