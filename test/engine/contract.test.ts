/**
 * The contract ollm-mcp relies on from a llama-server router, run on the fake (test/fake-llamacpp)
 * and on the real llama-server (built by `npm run engine`; skipped when it is not, unless
 * OLLM_REQUIRE_ENGINE is set, as CI does): the same requests, the same answers. When the real
 * one changes, this file says where the fake must follow.
 */
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { HAVE_ENGINE, modelsDir, startEngine, stopEngines, toEngine } from '../helpers/llamacpp.js';

const NAMES = ['storiesA', 'storiesB', 'storiesC'];
const REQUIRE = process.env.OLLM_REQUIRE_ENGINE === '1';

afterAll(stopEngines);

interface Target {
  url: string;
  stop(): Promise<void>;
}

async function fake(): Promise<Target> {
  const dir = modelsDir(NAMES);
  const f = await FakeLlamacpp.start({
    models: NAMES.map((id) => ({ id, file: join(dir, `${id}.gguf`) })),
    modelsMax: 2,
  });
  return { url: f.url, stop: () => f.stop() };
}

async function real(): Promise<Target> {
  const e = await startEngine({ dir: modelsDir(NAMES), modelsMax: 2 });
  return { url: e.url, stop: () => e.kill() };
}

type Json = Record<string, unknown>;

async function get(t: Target, path: string): Promise<{ status: number; body: Json }> {
  const res = await toEngine(`${t.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json };
}

async function post(t: Target, path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await toEngine(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function statuses(t: Target): Promise<Record<string, string>> {
  const { body } = await get(t, '/models');
  return Object.fromEntries(
    (body['data'] as Array<{ id: string; status: { value: string } }>).map((m) => [m.id, m.status.value]),
  );
}

async function until(t: Target, id: string, value: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await statuses(t))[id] !== value) {
    if (Date.now() > end) throw new Error(`${id} did not become ${value}: ${JSON.stringify(await statuses(t))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A streamed chat: the text of its content deltas, and the usage of its last chunk. */
async function chat(
  t: Target,
  model: string,
  maxTokens = 40,
): Promise<{ text: string; usage?: Json; finish?: string }> {
  const res = await toEngine(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  let text = '';
  let usage: Json | undefined;
  let finish: string | undefined;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const j = JSON.parse(line.slice(6)) as {
      choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }>;
      usage?: Json;
    };
    text += j.choices?.[0]?.delta?.content ?? '';
    if (j.choices?.[0]?.finish_reason) finish = j.choices[0].finish_reason;
    if (j.usage) usage = j.usage;
  }
  return { text, ...(usage && { usage }), ...(finish && { finish }) };
}

/**
 * Sends one request on a connection of its own that asks keep-alive; whether the server closed that
 * connection after answering.
 */
async function closesAfter(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; closed: boolean }> {
  const { port } = new URL(t.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  let text = '';
  let closed = false;
  socket.on('data', (d) => (text += d.toString('utf8')));
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  socket.once('close', () => (closed = true));
  await new Promise((r) => socket.once('connect', r));
  const raw = body === undefined ? '' : JSON.stringify(body);
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: ` +
      `application/json\r\nContent-Length: ${Buffer.byteLength(raw)}\r\n\r\n${raw}`,
  );
  // the answer is complete (a chat ends with [DONE]); then a moment for a close to arrive
  const end = Date.now() + 15_000;
  while (!/\r\n\r\n/.test(text) || (path.includes('chat') && !text.includes('[DONE]'))) {
    if (closed || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([ended, new Promise((r) => setTimeout(r, 500))]);
  socket.destroy();
  return { status: Number(text.split(' ')[1]), closed };
}

const targets: Array<[string, () => Promise<Target>, boolean]> = [
  ['the fake router', fake, true],
  ['the real llama-server router', real, HAVE_ENGINE || REQUIRE],
];

describe.each(targets)('llama-server router contract: %s', (_name, make, run) => {
  it.runIf(run)(
    'lists, loads, evicts at --models-max, streams and unloads as ollm-mcp expects',
    { timeout: 60_000 },
    async () => {
      const t = await make();
      try {
        expect((await get(t, '/health')).status).toBe(200);
        const props = (await get(t, '/props')).body;
        expect(props).toMatchObject({ role: 'router', max_instances: 2 });
        // llama_build_info(): b<commit count of the checkout>-<short commit> (engines/known-holes.ts reads it)
        expect(props['build_info']).toMatch(/^b\d+-[0-9a-z]+$/);

        const list = (await get(t, '/models')).body['data'] as Array<{
          id: string;
          status: { value: string; args: string[] };
        }>;
        expect(list.map((m) => m.id).sort()).toEqual(NAMES);
        for (const m of list) {
          expect(m.status.value).toBe('unloaded');
          const arg = (flag: string) => m.status.args[m.status.args.indexOf(flag) + 1];
          expect(arg('--model')).toMatch(new RegExp(`${m.id}\\.gguf$`));
          expect(Number(arg('--ctx-size'))).toBe(512);
          expect(Number(arg('--parallel'))).toBe(1);
        }

        expect(await post(t, '/models/load', { model: 'storiesA' })).toMatchObject({
          status: 200,
          body: { success: true },
        });
        await until(t, 'storiesA', 'loaded');
        // a load of what is loaded is refused (ollm-mcp never sends one)
        expect((await post(t, '/models/load', { model: 'storiesA' })).status).toBe(400);
        // an unknown model
        expect((await post(t, '/models/load', { model: 'nope' })).status).toBeGreaterThanOrEqual(400);

        // a chat for an unloaded model loads it (autoload) and streams with usage
        const b = await chat(t, 'storiesB');
        expect(b.text.length).toBeGreaterThan(0);
        expect(b.usage).toMatchObject({ completion_tokens: expect.any(Number), prompt_tokens: expect.any(Number) });
        expect((await statuses(t))['storiesB']).toBe('loaded');

        // at --models-max the router unloads the least recently used model by itself: A
        expect(await post(t, '/models/load', { model: 'storiesC' })).toMatchObject({
          status: 200,
          body: { success: true },
        });
        await until(t, 'storiesC', 'loaded');
        expect(await statuses(t)).toEqual({ storiesA: 'unloaded', storiesB: 'loaded', storiesC: 'loaded' });

        expect(await post(t, '/models/unload', { model: 'storiesB' })).toMatchObject({
          status: 200,
          body: { success: true },
        });
        await until(t, 'storiesB', 'unloaded');
        expect((await post(t, '/models/unload', { model: 'storiesB' })).status).toBe(400);
      } finally {
        await t.stop();
      }
    },
  );

  // the router relays a model's answer and then closes the connection, though it asked keep-alive and
  // its headers do not say close: a client's next request on it resets (engines/http-fetch.ts sends it again)
  it.runIf(run)(
    'closes the connection after each answer it relays from a model, keeps it after its own',
    { timeout: 60_000 },
    async () => {
      const t = await make();
      try {
        expect(await post(t, '/models/load', { model: 'storiesA' })).toMatchObject({ status: 200 });
        await until(t, 'storiesA', 'loaded');
        expect(await closesAfter(t, 'GET', '/models')).toEqual({ status: 200, closed: false });
        expect(await closesAfter(t, 'GET', '/health')).toEqual({ status: 200, closed: false });
        expect(await closesAfter(t, 'GET', '/props?model=storiesA&autoload=false')).toEqual({
          status: 200,
          closed: true,
        });
        expect(await closesAfter(t, 'POST', '/tokenize', { model: 'storiesA', content: 'hi' })).toEqual({
          status: 200,
          closed: true,
        });
        const chatBody = {
          model: 'storiesA',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 4,
          stream: true,
        };
        expect(await closesAfter(t, 'POST', '/v1/chat/completions', chatBody)).toEqual({ status: 200, closed: true });
      } finally {
        await t.stop();
      }
    },
  );
});
