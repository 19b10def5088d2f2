// compare, pull_model, create_model and render_template with generate run as jobs (issue 56, item
// 7), as route_and_generate does (tools/long-call.ts): a call past its client's limit is answered —
// not an error — with the job it runs on, which runs on; the same call again once it is done gets
// the whole result, the engine asked once; a call that fits is answered whole, with no job; an
// input edited since is another call. The client's limit is 2 s (agents.NAME.timeoutSeconds), so a
// call is handed over after 1 s (answerWithin); the slow work takes about 1.5 s.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTool } from '../../src/tools/compare.js';
import { pullModelTool } from '../../src/tools/pull-model.js';
import { createModelTool } from '../../src/tools/create-model.js';
import { renderTemplateTool } from '../../src/tools/render-template.js';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { outputCheck, type OutputCheck } from '../helpers/output-schema.js';
import { tempDir } from '../helpers/temp.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const AGENT = 'hasty-agent';
const YAML = `ram:\n  budget: "100%"\n  bufferBytes: 0\nagents:\n  ${AGENT}:\n    timeoutSeconds: 2\n`;
/**
 * A long answer of words that never repeat (a loop would be set aside and asked again): 400 tokens at 4 ms,
 * about 1.6 s.
 */
const LONG = oneTokenWords(400, 'w');

let fake: FakeOllama;
let core: Orchestrator;
let root: string;
let client: Client;
const checks = new Map<string, OutputCheck>();

type Job = { id: string; state: string; partsDone: number; step?: string };
type Answer = { isError: boolean; text: string; structured: Record<string, unknown> & { job?: Job } };

async function call(name: string, args: Record<string, unknown>): Promise<Answer> {
  const res = await client.callTool({ name, arguments: args });
  const structured = (res.structuredContent ?? {}) as Answer['structured'];
  // every answer, handed over or whole, holds to the output schema the client was given
  expect(checks.get(name)!.problems(structured)).toEqual([]);
  return { isError: res.isError === true, text: (res.content as Array<{ text: string }>)[0]!.text, structured };
}

/** The generations sent with `marker` in their prompt. */
const generations = (marker: string) =>
  fake.requests.filter(
    (q) => (q.path === '/api/generate' || q.path === '/api/chat') && JSON.stringify(q.body).includes(marker),
  ).length;
const sent = (path: string) => fake.requests.filter((q) => q.path === path).length;
/** Every job of this server ended (the handed-over one ran on to its end). */
const jobsEnded = () => expect.poll(() => core.longWork.running().length, { timeout: 15_000, interval: 50 }).toBe(0);

/** Handed over: answered, not an error, with the job running and how to collect it by its id. */
function expectHanded(a: Answer, _tool: string): Job {
  expect(a.isError).toBe(false);
  expect(a.structured.job).toMatchObject({ id: expect.stringMatching(/^job-/), state: 'running' });
  expect(a.text).toContain(`Handed over as job ${a.structured.job!.id}, still running`);
  expect(a.text).toContain(`call show_status with {"job":"${a.structured.job!.id}"}`);
  return a.structured.job!;
}

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 4 });
  fake.reply((ctx) => (JSON.stringify(ctx.prompt ?? ctx.messages ?? '').includes('SLOW') ? LONG : 'A short answer.'));
  root = tempDir('ollm-project-');
  core = await coreFor(fake, {
    totalBytes: 24e9,
    yaml: YAML,
    project: { name: 'p', root, explicit: true, tools: { disabled: [] }, description: 'p' },
  });
  const server = new McpServer({ name: 'ollm-test', version: '1' });
  for (const register of [compareTool, pullModelTool, createModelTool, renderTemplateTool]) register(server, core);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: AGENT, version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  for (const t of (await client.listTools()).tools)
    checks.set(t.name, outputCheck(t.outputSchema as Record<string, unknown>));
}, 30_000);

afterAll(async () => {
  await client?.close();
  await core?.shutdown();
  await fake?.stop();
});

describe('compare as a job', () => {
  it(
    'past the limit: handed over with the job; the same call again gets the comparison, each ' +
      'model asked once; an edited file is another call',
    async () => {
      writeFileSync(join(root, 'notes.txt'), 'first version of the notes\n');
      const args = {
        prompt: 'SLOW compare: sum up the notes',
        models: ['llama3.2', 'phi3:mini'],
        files: ['notes.txt'],
      };
      const first = await call('compare', args);
      const job = expectHanded(first, 'compare');
      expect(first.structured.results).toBeUndefined();
      await jobsEnded();
      const again = await call('compare', args);
      expect(again.structured.job).toMatchObject({ state: 'done', stored: true }); // the kept result, said as one
      expect(again.structured.results).toHaveLength(2);
      expect(again.text).toContain(LONG.split(' ').at(-1)!);
      expect(again.text).toMatch(new RegExp(`^Stored result of job ${job.id} from .*, not run again`));
      expect(generations('SLOW compare')).toBe(2); // two models, once each
      // the other side: the file edited, the same arguments are another call — a new job, the models asked again
      writeFileSync(join(root, 'notes.txt'), 'second version of the notes\n');
      const edited = await call('compare', args);
      expect(expectHanded(edited, 'compare').id).not.toBe(job.id);
      await jobsEnded();
      expect(generations('SLOW compare')).toBe(4);
    },
  );

  it('within the limit: answered whole, no job', async () => {
    const a = await call('compare', { prompt: 'FAST compare', models: ['llama3.2', 'phi3:mini'] });
    expect(a.isError).toBe(false);
    expect(a.structured.job).toBeUndefined();
    expect(a.structured.results).toHaveLength(2);
    expect(a.text).not.toContain('Still running');
  });
});

describe('pull_model as a job', () => {
  it('past the limit: handed over; the same call again gets the pull, downloaded once', async () => {
    fake.setLatency('/api/pull', 1500);
    try {
      const first = await call('pull_model', { model: 'gemma3:4b' });
      expectHanded(first, 'pull_model');
      expect(first.structured.status).toBeUndefined();
      await jobsEnded();
    } finally {
      fake.setLatency('/api/pull', 0);
    }
    const again = await call('pull_model', { model: 'gemma3:4b' });
    expect(again.structured).toMatchObject({ model: 'gemma3:4b', status: 'pulled' });
    expect(again.structured.job).toMatchObject({ state: 'done', stored: true }); // the kept result, said as one
    expect(sent('/api/pull')).toBe(1);
  });

  it('within the limit: answered whole, no job', async () => {
    const a = await call('pull_model', { model: 'qwen3:8b' });
    expect(a.isError).toBe(false);
    expect(a.structured).toMatchObject({ model: 'qwen3:8b', status: 'pulled' });
    expect(a.structured.job).toBeUndefined();
  });
});

describe('create_model as a job', () => {
  it('past the limit: handed over; the same call again gets what was made, made once', async () => {
    fake.setLatency('/api/create', 1500);
    const args = { name: 'slow-made', from: 'llama3.2', system: 'Be terse.' };
    try {
      const first = await call('create_model', args);
      expectHanded(first, 'create_model');
      expect(first.structured.status).toBeUndefined();
      await jobsEnded();
    } finally {
      fake.setLatency('/api/create', 0);
    }
    const again = await call('create_model', args);
    expect(again.isError).toBe(false); // not "slow-made already exists": the kept result, not a second make
    expect(again.structured).toMatchObject({ name: 'slow-made:latest', status: 'created' });
    expect(again.structured.job).toMatchObject({ state: 'done', stored: true }); // the kept result, said as one
    expect(sent('/api/create')).toBe(1);
  });

  it('within the limit: answered whole, no job', async () => {
    const a = await call('create_model', { name: 'quick-made', from: 'llama3.2', system: 'Be brief.' });
    expect(a.isError).toBe(false);
    expect(a.structured).toMatchObject({ name: 'quick-made:latest', status: 'created' });
    expect(a.structured.job).toBeUndefined();
  });
});

describe('render_template with generate as a job', () => {
  it('past the limit: handed over with the prompt; the same call again gets the answer, generated once', async () => {
    const args = {
      name: 'explain',
      variables: { topic: 'SLOW render: how a B-tree splits' },
      generate: true,
      model: 'llama3.2',
    };
    const first = await call('render_template', args);
    expectHanded(first, 'render_template');
    expect(first.structured).toMatchObject({ name: 'explain', prompt: expect.stringContaining('how a B-tree splits') });
    expect(first.structured.generated).toBeUndefined();
    await jobsEnded();
    const again = await call('render_template', args);
    expect(again.structured.job).toMatchObject({ state: 'done', stored: true }); // the kept result, said as one
    expect(again.structured.generated).toMatchObject({
      model: 'llama3.2:latest',
      text: expect.stringContaining(LONG.split(' ').at(-1)!),
    });
    expect(generations('SLOW render')).toBe(1);
  });

  it('within the limit, and without generate: answered whole, no job', async () => {
    const a = await call('render_template', {
      name: 'explain',
      variables: { topic: 'FAST render' },
      generate: true,
      model: 'llama3.2',
    });
    expect(a.isError).toBe(false);
    expect(a.structured.job).toBeUndefined();
    expect(a.structured.generated).toMatchObject({ text: 'A short answer.' });
    const plain = await call('render_template', { name: 'explain', variables: { topic: 'SLOW, never run' } });
    expect(plain.structured).toMatchObject({ prompt: expect.stringContaining('SLOW, never run') });
    expect(plain.structured.job).toBeUndefined();
    expect(generations('SLOW, never run')).toBe(0);
  });
});
