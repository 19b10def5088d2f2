// A handed-over job's handle (issue 56, item 4): two agents of one shared server, each waiting 2 s
// for a call (so a 6 s answer is handed over after 1 s). ollm://jobs/{id} serves the job — running
// with its progress, then done with its result — to its agent alone, and resources/list lists an
// agent's own jobs; show_status {cancelJob} stops the agent's own running job (its engine request
// ends), says so of one already ended, and refuses another agent's or an unknown id, saying what to do.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { tempHome } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const YAML = 'agents:\n  jobs-a:\n    timeoutSeconds: 2\n  jobs-b:\n    timeoutSeconds: 2\n';
const WORDS = 60; // 100 ms a token: 6 s

let fake: FakeOllama;
const launches: SharedLaunch[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 100 });
  fake.reply(oneTokenWords(WORDS, 'w'));
});
afterEach(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  for (const r of runtimes.splice(0)) stopShared(r);
});
afterAll(async () => {
  await fake?.stop();
});

async function twoAgents() {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const home = tempHome(YAML);
  const launch = async (name: string) => {
    const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
    launches.push(l);
    return l;
  };
  return { a: await launch('jobs-a'), b: await launch('jobs-b') };
}

type Text = { contents: Array<{ text?: string }> };
const json = (r: Text) => JSON.parse(r.contents[0]!.text!) as Record<string, unknown>;
const textOf = (r: { content?: unknown }) => (r.content as Array<{ text: string }>)[0]!.text;
const inFlight = () => fake.loaded().reduce((n, m) => n + m.inFlight, 0);

async function handOver(l: SharedLaunch, prompt: string): Promise<string> {
  const res = await l.client.callTool({
    name: 'route_and_generate',
    arguments: { prompt, model: 'llama3.2', maxTokens: WORDS },
  });
  expect(res.isError).not.toBe(true);
  const job = (res.structuredContent as { job?: { id: string; state: string } }).job;
  expect(job?.state).toBe('running');
  return job!.id;
}

describe("a job's handle", () => {
  it(
    'ollm://jobs/{id} serves the running job, then its result, to its agent alone; resources/list lists its own',
    { timeout: 60_000 },
    async () => {
      const { a, b } = await twoAgents();
      const id = await handOver(a, 'a story about a ferry');
      const running = json((await a.client.readResource({ uri: `ollm://jobs/${id}` })) as Text);
      expect(running).toMatchObject({ id, tool: 'route_and_generate', state: 'running' });
      expect(running).not.toHaveProperty('result');
      const listed = await a.client.listResources();
      expect(listed.resources.map((r) => r.uri)).toContain(`ollm://jobs/${id}`);
      expect((await b.client.listResources()).resources.map((r) => r.uri)).not.toContain(`ollm://jobs/${id}`);
      await expect(b.client.readResource({ uri: `ollm://jobs/${id}` })).rejects.toThrow(/no job .* of yours/i);
      await expect
        .poll(async () => json((await a.client.readResource({ uri: `ollm://jobs/${id}` })) as Text).state, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe('done');
      const done = json((await a.client.readResource({ uri: `ollm://jobs/${id}` })) as Text);
      expect((done.result as { text: string }).text).toContain(oneTokenWords(WORDS, 'w').split(' ').at(-1)!);
    },
  );

  it(
    "show_status cancelJob stops the agent's own running job; an ended one is said to be; " +
      "another's or an unknown id is refused",
    { timeout: 60_000 },
    async () => {
      const { a, b } = await twoAgents();
      const id = await handOver(a, 'a story about a lighthouse');
      expect(inFlight()).toBe(1);
      // another agent cannot stop it, nor can anyone stop a job that never was
      const foreign = await b.client.callTool({ name: 'show_status', arguments: { cancelJob: id } });
      expect(foreign.isError).toBe(true);
      // no such job of theirs, what that may mean and where theirs are — never "a bug" (issue 61)
      expect(textOf(foreign)).toMatch(
        new RegExp(
          `^No job ${id} of yours: an unknown id, another client's, or one that ended and is no ` +
            `longer kept .*show_status lists your jobs`,
        ),
      );
      expect(textOf(foreign)).not.toMatch(/bug/);
      const unknown = await a.client.callTool({ name: 'show_status', arguments: { cancelJob: 'job-00000000' } });
      expect(unknown.isError).toBe(true);
      expect(textOf(unknown)).toMatch(/^No job job-00000000 of yours: an unknown id/);
      expect(textOf(unknown)).not.toMatch(/bug/);
      const odd = await a.client.callTool({ name: 'show_status', arguments: { cancelJob: 'y'.repeat(200) } });
      expect(textOf(odd)).toMatch(/^No job "y{40}…" of yours/);
      expect(textOf(odd)).not.toMatch(/bug|y{41}/);
      expect(inFlight()).toBe(1);
      // collecting and cancelling at once is refused, the job left running
      const both = await a.client.callTool({ name: 'show_status', arguments: { job: id, cancelJob: id } });
      expect(both.isError).toBe(true);
      expect(textOf(both)).toBe('Give show_status either job (to collect it) or cancelJob (to stop it), not both.');
      expect(inFlight()).toBe(1);
      const stopped = await a.client.callTool({ name: 'show_status', arguments: { cancelJob: id } });
      expect(stopped.isError).not.toBe(true);
      expect((stopped.structuredContent as { notes?: string[] }).notes?.[0]).toMatch(new RegExp(`Job ${id} cancelled`));
      // the answer is the cancel, alone (issue 75, finding 2): not the whole status, nor the job listed running
      expect(textOf(stopped)).toBe(
        `Job ${id} cancelled: its engine requests are stopped; the same call again starts anew.`,
      );
      expect(Object.keys(stopped.structuredContent ?? {})).toEqual(['notes']);
      await expect.poll(inFlight, { timeout: 10_000 }).toBe(0);
      await expect
        .poll(async () => json((await a.client.readResource({ uri: `ollm://jobs/${id}` })) as Text).state, {
          timeout: 10_000,
        })
        .toBe('cancelled');
      // collected once cancelled: an error saying so and what to do
      const collected = await a.client.callTool({ name: 'show_status', arguments: { job: id } });
      expect(collected.isError).toBe(true);
      expect(textOf(collected)).toMatch(
        new RegExp(`^Job ${id} was cancelled before it ended.*: call route_and_generate again to start it anew\\.$`),
      );
      const again = await a.client.callTool({ name: 'show_status', arguments: { cancelJob: id } });
      expect(again.isError).not.toBe(true);
      expect((again.structuredContent as { notes?: string[] }).notes?.[0]).toBe(
        `Job ${id} had already ended (cancelled): nothing to cancel.`,
      );
    },
  );
});
