/**
 * The road a call walks (issue 74, Deliver 1 and 2), as it runs — one `route_and_generate` tool
 * driven over MCP against fake engines of two kinds (Ollama; an OpenAI-compatible server):
 *  - a quick call's road from the tool's handler to the engine adapter: the files on its way down
 *    (the await chain at the moment the adapter sends the request: the handler, the route's run,
 *    the attempt, the generation, the stream, the adapter) — at most 8, and no job machinery or
 *    input planning among them;
 *  - the plan's folder (src/orchestrator/route/) entered from outside at most once per file by a call
 *    — quick, with inputs read whole, read in parts, or its dry run: the plan is made once and
 *    carried, not made again (counted where every file of the folder is imported:
 *    test/helpers/entries.ts); a call read in parts carries its plan to every part, which the run
 *    fills with the part's text and sends to the copy the hosts' state now picks (jobs/, fleet/).
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';
import { entries } from '../helpers/entries.js';
import { log48k } from '../helpers/log-fixture.js';
import { tempDir } from '../helpers/temp.js';
import { routeClient } from '../helpers/route-client.js';

vi.mock('../../src/orchestrator/route/agent-parts.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'agent-parts', await original()),
);
vi.mock('../../src/orchestrator/route/call-plan.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'call-plan', await original()),
);
vi.mock('../../src/orchestrator/route/dry-run.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'dry-run', await original()),
);
vi.mock('../../src/orchestrator/route/limit-route.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'limit-route', await original()),
);
vi.mock('../../src/orchestrator/route/limit-split.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'limit-split', await original()),
);
vi.mock('../../src/orchestrator/route/no-candidate.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'no-candidate', await original()),
);
vi.mock('../../src/orchestrator/route/offload-order.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'offload-order', await original()),
);
vi.mock('../../src/orchestrator/route/offload-plan.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'offload-plan', await original()),
);
vi.mock('../../src/orchestrator/route/offload-sizing.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'offload-sizing', await original()),
);
vi.mock('../../src/orchestrator/route/offload-split.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'offload-split', await original()),
);
vi.mock('../../src/orchestrator/route/offload-types.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'offload-types', await original()),
);
vi.mock('../../src/orchestrator/route/parts.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'parts', await original()),
);
vi.mock('../../src/orchestrator/route/plan-estimate.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'plan-estimate', await original()),
);
vi.mock('../../src/orchestrator/route/route-candidates.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'route-candidates', await original()),
);
vi.mock('../../src/orchestrator/route/route-plan.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'route-plan', await original()),
);
vi.mock('../../src/orchestrator/route/route-prepare.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'route-prepare', await original()),
);
vi.mock('../../src/orchestrator/route/route-ranked.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'route-ranked', await original()),
);
vi.mock('../../src/orchestrator/route/route-spread.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'route-spread', await original()),
);
vi.mock('../../src/orchestrator/route/split-figures.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'split-figures', await original()),
);
vi.mock('../../src/orchestrator/route/split-route.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'split-route', await original()),
);
vi.mock('../../src/orchestrator/route/window-fix.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'window-fix', await original()),
);
vi.mock('../../src/orchestrator/route/work.js', async (original) =>
  (await import('../helpers/entries.js')).counting('/orchestrator/route/', 'work', await original()),
);

/** The files of src/ on the await chain when the engine's request goes out, from the tool's handler down to the adapter. */
let roads: string[][] = [];
const send = http.request;
function watchRequests(): void {
  (http as { request: typeof http.request }).request = function (this: unknown, ...args: unknown[]) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    const files = stack
      .split('\n')
      .map((l) => /\/src\/([^:)]+\.ts):/.exec(l)?.[1])
      .filter((f): f is string => f !== undefined)
      .reverse();
    const road = files.filter((f, i) => f !== files[i - 1]);
    const o = args[0] as { path?: string } | string | URL;
    const path = typeof o === 'string' ? o : o instanceof URL ? o.pathname : (o.path ?? '');
    if (road[0] === 'tools/route-and-generate.ts' && /generate|chat|completions/.test(path)) roads.push(road);
    return (send as (...a: unknown[]) => http.ClientRequest).apply(this, args);
  } as typeof http.request;
}

/** The road down to the adapter: the files before the first of engines/<kind>/, and that one. */
function toAdapter(road: readonly string[]): string[] {
  const at = road.findIndex((f) => /^orchestrator\/engines\/(ollama|llamacpp|openai|ollm)\//.test(f));
  expect(at, road.join(' → ')).toBeGreaterThan(0);
  return road.slice(0, at + 1);
}

const byName = (n: string) => DEFAULT_MODELS.find((m) => m.name === n)!;
/** Two general models with 8,192-token windows: a 48 KB log is read in parts. */
const SMALL = [byName('llama3.2:latest'), byName('phi3:mini')].map((m) => ({ ...m, contextLength: 8192 }));

const stops: Array<() => Promise<unknown>> = [];
let root: string;

async function client(orch: Orchestrator): Promise<Client> {
  const c = await routeClient(orch, 'road');
  stops.push(() => c.close());
  return c;
}

async function call(c: Client, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await c.callTool({ name: 'route_and_generate', arguments: args });
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  expect(res.isError, text).not.toBe(true);
  return (res.structuredContent ?? {}) as Record<string, unknown>;
}

const project = () => ({ name: 'p', root, explicit: true, tools: { disabled: [] }, description: 'p' });

beforeAll(() => {
  root = tempDir('ollm-project-');
  writeFileSync(join(root, 'notes.txt'), 'the build broke on Tuesday\n');
  writeFileSync(join(root, 'app.log'), log48k());
  watchRequests();
});

afterAll(async () => {
  (http as { request: typeof http.request }).request = send;
  await Promise.all(stops.splice(0).map((s) => s()));
});

beforeEach(() => {
  roads = [];
  entries();
});

/** Every file of route/ entered at most once by the call just made. */
function enteredOnce(): Record<string, number> {
  const e = entries();
  expect(Object.keys(e).length).toBeGreaterThan(0);
  for (const [file, n] of Object.entries(e)) expect(n, `${file} entered ${n} times: ${JSON.stringify(e)}`).toBe(1);
  return e;
}

describe.each(['ollama', 'openai'] as const)('on %s', (kind) => {
  let c: Client;
  let model: string;

  beforeAll(async () => {
    if (kind === 'ollama') {
      const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
      fake.reply('A short answer.');
      stops.push(() => fake.stop());
      const core = await coreFor(fake, { totalBytes: 24e9, project: project() });
      stops.push(() => core.shutdown());
      c = await client(core);
      model = 'llama3.2';
      return;
    }
    const ollama = await FakeOllama.start({ models: [] });
    const engine = await FakeOpenAI.start({ models: [{ id: 'reader', maxModelLen: 32768 }], tokenDelayMs: 0 });
    stops.push(
      () => ollama.stop(),
      () => engine.stop(),
    );
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: engine\n    kind: openai\n    url: ${engine.url}\n`);
    const { projectSettings } = await import('../../src/orchestrator/project/project.js');
    const config = await loadConfig({
      env: { OLLM_HOME: home, OLLM_HOST: ollama.url },
      project: projectSettings(project()),
    });
    const core = new Orchestrator(config, {
      project: project(),
      memorySource: {
        memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      },
    });
    stops.push(() => core.shutdown(200));
    c = await client(core);
    model = 'reader';
  }, 30_000);

  it(
    "a quick call naming its model: ≤ 8 files from the tool's handler to the adapter, the " +
      "plan's files entered once",
    async () => {
      await call(c, { prompt: 'hi', model, maxTokens: 16, useMemory: false });
      expect(roads).toHaveLength(1);
      const road = toAdapter(roads[0]!);
      expect(road.length, road.join(' → ')).toBeLessThanOrEqual(8);
      expect(road.join(' '), 'no job machinery, no input planning on the road').not.toMatch(
        /long-work|long-call|offload/,
      );
      enteredOnce();
    },
  );

  it('a quick routed call: the same road, the plan made once', async () => {
    await call(c, { prompt: 'Write a haiku about autumn.', maxTokens: 16, useMemory: false });
    const road = toAdapter(roads[0]!);
    expect(road.length, road.join(' → ')).toBeLessThanOrEqual(8);
    expect(enteredOnce()).toMatchObject({ 'route-plan': 1 });
  });

  it('a call with inputs read whole, and its dry run: no file of route/ entered twice', async () => {
    await call(c, { prompt: 'When did the build break?', files: ['notes.txt'], useMemory: false });
    expect(enteredOnce()).toMatchObject({ 'offload-plan': 1, 'route-plan': 1 });
    await call(c, { prompt: 'When did the build break?', files: ['notes.txt'], useMemory: false, dryRun: true });
    expect(enteredOnce()).toMatchObject({ 'offload-plan': 1 });
  });
});

describe('a call read in parts', () => {
  it("enters no file of route/ twice: every part carries the plan, placed from the hosts' state now", async () => {
    const small = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: SMALL });
    stops.push(() => small.stop());
    small.reply((r) => (/Combine them into one answer/.test(r.prompt ?? '') ? 'FINAL: LINE-13' : 'partial: LINE-13'));
    const core = await coreFor(small, { totalBytes: 32e9, project: project() });
    stops.push(() => core.shutdown());
    const out = await call(await client(core), { prompt: 'Which line failed?', files: ['app.log'], useMemory: false });
    const split = out.split as { calls: number };
    expect(split.calls).toBeGreaterThan(2);
    expect(enteredOnce()).toMatchObject({ 'call-plan': 1, 'offload-plan': 1 });
  }, 30_000);
});
