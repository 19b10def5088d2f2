/**
 * A call settles once what all its requests share (issue 74, Deliver 1; route/call-plan.ts): the
 * work is inferred once (work.ts inferWork), the calling agent's parts made once (agent-parts.ts
 * forAgent) and the answer's limit worked out once (generation/answer-limit.ts) — whether the call
 * is quick (no inputs), runs as an agent with settings of its own, reads an input whole, is a dry
 * run, is answered by the cloud fallback after every local engine failed, or reads its input in
 * parts (every part and combination a request of the same call). The three functions are counted
 * where every module imports them: a second call of any of them on the call's way fails here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { log48k } from '../helpers/log-fixture.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';
import { routeClient } from '../helpers/route-client.js';

const counts = vi.hoisted(() => ({ inferWork: 0, forAgent: 0, answerLimit: 0 }));

vi.mock('../../src/orchestrator/route/work.js', async (original) => {
  const m = await original<typeof import('../../src/orchestrator/route/work.js')>();
  return { ...m, inferWork: (...a: Parameters<typeof m.inferWork>) => (counts.inferWork++, m.inferWork(...a)) };
});
vi.mock('../../src/orchestrator/route/agent-parts.js', async (original) => {
  const m = await original<typeof import('../../src/orchestrator/route/agent-parts.js')>();
  return { ...m, forAgent: (...a: Parameters<typeof m.forAgent>) => (counts.forAgent++, m.forAgent(...a)) };
});
// settledLimit works the limit out (it calls answerLimit inside its own module, which no mock sees): both count
vi.mock('../../src/orchestrator/generation/answer-limit.js', async (original) => {
  const m = await original<typeof import('../../src/orchestrator/generation/answer-limit.js')>();
  return {
    ...m,
    answerLimit: (...a: Parameters<typeof m.answerLimit>) => (counts.answerLimit++, m.answerLimit(...a)),
    settledLimit: (...a: Parameters<typeof m.settledLimit>) => (counts.answerLimit++, m.settledLimit(...a)),
  };
});

const AGENT = 'terse-agent';
const KEY = 'FALLBACK_KEY_FOR_PLAN_ONCE';
const YAML = `ram:\n  budget: "100%"\n  bufferBytes: 0\nagents:\n  ${AGENT}:\n    system: Answer in one line.\n`;
const FALLBACK = (url: string) =>
  `fallback:\n  baseURL: ${url}\n  model: meta-llama/Llama-3.2-3B-Instruct\n  apiKeyEnv: ${KEY}\n`;
/** Two general models with 8,192-token windows: a 48 KB log is read in parts. */
const byName = (n: string) => DEFAULT_MODELS.find((m) => m.name === n)!;
const SMALL = [byName('llama3.2:latest'), byName('phi3:mini')].map((m) => ({ ...m, contextLength: 8192 }));

let fake: FakeOllama;
let cloud: FakeOpenAI;
let core: Orchestrator;
let root: string;

const client = (name: string, orch = core): Promise<Client> => routeClient(orch, name);

type Answer = { text: string; structured: Record<string, unknown> };

/** One call, each of the three entered once on its way (a dry run generates nothing, but infers its work to advise). */
async function once(c: Client, args: Record<string, unknown>): Promise<Answer> {
  const res = await c.callTool({ name: 'route_and_generate', arguments: args });
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  expect(res.isError, text).not.toBe(true);
  expect(counts).toEqual({ inferWork: 1, forAgent: 1, answerLimit: 1 });
  return { text, structured: (res.structuredContent ?? {}) as Record<string, unknown> };
}

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  fake.reply('A short answer.');
  cloud = await FakeOpenAI.start({ reply: 'fallback answer', apiKey: 'sk-test-123' });
  process.env[KEY] = 'sk-test-123';
  root = tempDir('ollm-project-');
  writeFileSync(join(root, 'notes.txt'), 'the build broke on Tuesday\n');
  const project = { name: 'p', root, explicit: true, tools: { disabled: [] }, description: 'p' };
  core = await coreFor(fake, { totalBytes: 24e9, yaml: `${YAML}${FALLBACK(cloud.url)}`, project });
}, 30_000);

afterAll(async () => {
  delete process.env[KEY];
  await core?.shutdown();
  await fake?.stop();
  await cloud?.stop();
});

beforeEach(() => {
  counts.inferWork = 0;
  counts.forAgent = 0;
  counts.answerLimit = 0;
});

describe('a call settles its work, its agent parts and its answer limit once', () => {
  it('a quick call naming its model', async () => {
    const r = await once(await client('bench'), { prompt: 'hi', model: 'llama3.2', maxTokens: 16, useMemory: false });
    expect(r.structured.model).toBe('llama3.2:latest');
  });

  it('a quick routed call, with no limit of its own', async () => {
    await once(await client('bench'), { prompt: 'Write a haiku about autumn.', useMemory: false });
  });

  it('a call of an agent with settings of its own', async () => {
    await once(await client(AGENT), { prompt: 'Summarise why builds break.', useMemory: false });
    expect(JSON.stringify(fake.requests.at(-1)?.body)).toContain('Answer in one line.');
  });

  it('a call reading an input whole, and its dry run', async () => {
    const c = await client('bench');
    const r = await once(c, { prompt: 'When did the build break?', files: ['notes.txt'], useMemory: false });
    expect(r.structured.inputs).toBeDefined();
    counts.inferWork = counts.forAgent = counts.answerLimit = 0;
    const asked = { prompt: 'When did the build break?', files: ['notes.txt'], useMemory: false };
    const dry = await once(c, { ...asked, dryRun: true });
    expect(dry.structured.advice).toBeDefined();
  });

  it('a call every local engine failed, answered by the fallback with the same plan', async () => {
    // every load fails as a crashed runner's does, so each candidate fails in turn
    const crashed = 'llama-server process has terminated: exit status 2';
    for (let i = 0; i < 4; i++) fake.failNext('/api/generate', 500, crashed);
    const asked = { prompt: 'Explain DNS in one sentence.', task: 'general', useMemory: false };
    const r = await once(await client('bench'), asked);
    expect(r.structured).toMatchObject({ provider: 'fallback', text: 'fallback answer' });
  });

  it("a call read in parts: every part and combination on the call's work and agent parts, its limit", async () => {
    const small = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: SMALL });
    const combining = (prompt: string | undefined) => /Combine them into one answer/.test(prompt ?? '');
    small.reply((c) => (combining(c.prompt) ? 'FINAL: LINE-13' : 'partial: LINE-13 status=error'));
    const logs = tempDir('ollm-project-');
    writeFileSync(join(logs, 'app.log'), log48k());
    const project = { name: 'logs', root: logs, explicit: true, tools: { disabled: [] }, description: 'logs' };
    const orch = await coreFor(small, { totalBytes: 32e9, yaml: YAML, project });
    try {
      const asked = { prompt: 'Which errors occurred in this log?', files: ['app.log'], useMemory: false };
      const r = await once(await client('bench', orch), asked);
      expect((r.structured.split as { parts: number }).parts).toBeGreaterThan(1);
    } finally {
      await orch.shutdown(200);
      await small.stop();
    }
  }, 60_000);
});
