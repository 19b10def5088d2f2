/**
 * Resumable SSE streams for 2025-era clients over Streamable HTTP (http-legacy-leg.ts): a POST's
 * response stream opens with a priming event (an id and a retry), a client whose stream broke gets
 * what came after its last event with GET + Last-Event-ID — the call went on without it — and a
 * 2026-era exchange is as before. Spoken to with raw fetch requests, as a client's transport would.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let fake: FakeOllama;
let server: HttpServer;
let session: string;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
  server = await startHttp({ OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host });
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  session = init.headers.get('mcp-session-id')!;
  await init.text();
});
afterAll(async () => {
  await server?.stop();
  await fake?.stop();
});

const V2025 = { 'mcp-protocol-version': '2025-11-25' };
const ACCEPT = { accept: 'application/json, text/event-stream' };

function post(body: unknown, signal?: AbortSignal): Promise<Response> {
  const headers = {
    'content-type': 'application/json',
    ...ACCEPT,
    ...V2025,
    ...(session && { 'mcp-session-id': session }),
  };
  return fetch(server.url, { method: 'POST', headers, body: JSON.stringify(body), ...(signal && { signal }) });
}

function resume(lastEventId: string): Promise<Response> {
  return fetch(server.url, {
    headers: { accept: 'text/event-stream', ...V2025, 'mcp-session-id': session, 'last-event-id': lastEventId },
  });
}

interface SseEvent {
  id?: string;
  retry?: string;
  event?: string;
  data: string;
}

/** The events of an SSE body (comment lines, such as keep-alives, left out). */
function events(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((l) => l !== '' && !l.startsWith(':')))
    .map((block) => {
      const e: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id' || field === 'retry' || field === 'event') e[field] = value;
        else if (field === 'data') e.data += value;
      }
      return e;
    });
}

const message = (e: SseEvent) =>
  JSON.parse(e.data) as { id?: number; method?: string; result?: { structuredContent?: { text?: string } } };

/** Reads a response stream until its first event, then drops the connection, as a network failure would. */
async function firstEventThenDrop(res: Response, ac: AbortController): Promise<SseEvent> {
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  return events(text)[0]!;
}

const busy = () => fake.loaded().some((m) => m.inFlight > 0);
const words = (n: number) => oneTokenWords(n, 'w');

describe('resumable streams over Streamable HTTP (2025 era)', () => {
  it('a POST response stream opens with a priming event: an unguessable id, a retry and no data', async () => {
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const [priming, answer, ...rest] = events(await res.text());
    expect(priming).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}_1$/), retry: '1000', data: '' });
    expect(answer!.id).toBe(priming!.id!.replace(/_1$/, '_2'));
    expect(message(answer!)).toMatchObject({ id: 2, result: { tools: expect.any(Array) } });
    expect(rest).toEqual([]);
  });

  it(
    'a call whose stream broke goes on; GET with Last-Event-ID gets the events after it, then ' +
      'the answer as it comes',
    async () => {
      fake.reply(words(20)); // 0.8 s of tokens
      const ac = new AbortController();
      const call = await post(
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: {
            name: 'route_and_generate',
            arguments: { prompt: 'a short story', task: 'general' },
            _meta: { progressToken: 'p' },
          },
        },
        ac.signal,
      );
      const priming = await firstEventThenDrop(call, ac);
      expect(priming).toMatchObject({ id: expect.stringMatching(/_1$/), retry: '1000', data: '' });

      // Resumed at once: what was sent so far, then the rest as it comes, until the answer.
      const resumed = await resume(priming.id!);
      expect(resumed.status).toBe(200);
      expect(resumed.headers.get('content-type')).toBe('text/event-stream');
      const [position, ...after] = events(await resumed.text());
      expect(position).toEqual({ id: priming.id, retry: '1000', data: '' }); // the client's own position first
      const key = priming.id!.split('_')[0];
      expect(after.map((e) => e.id!.split('_')[0])).toEqual(after.map(() => key));
      expect(after.map((e) => Number(e.id!.split('_')[1]))).toEqual(after.map((_, i) => i + 2)); // in order, none missed
      expect(after.every((e) => e.event === 'message')).toBe(true);
      const last = message(after.at(-1)!);
      expect(last.id).toBe(3);
      expect(last.result?.structuredContent?.text).toBe(words(20)); // the whole answer: the call was not cancelled
      const progress = after.slice(0, -1).map(message);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((m) => m.method === 'notifications/progress')).toBe(true);

      // Once the exchange is over, a replay from an earlier event sends what came after it, and ends.
      const replay = await resume(after[0]!.id!);
      expect(events(await replay.text()).map((e) => e.id)).toEqual([after[0]!.id, ...after.slice(1).map((e) => e.id)]);
      // After the answer there is nothing more: a clear 400, so a client stops asking.
      const done = await resume(after.at(-1)!.id!);
      expect(done.status).toBe(400);
      expect(((await done.json()) as { error: { message: string } }).error.message).toMatch(
        /^Nothing to resume after that Last-Event-ID: its stream is over, with nothing after it\. Send the request again\.$/,
      );
    },
  );

  it('a call whose stream broke can still be cancelled: the generation stops and nothing more is sent', async () => {
    fake.reply(words(200)); // 8 s if not stopped
    const ac = new AbortController();
    const call = await post(
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'route_and_generate', arguments: { prompt: 'a long story', task: 'general' } },
      },
      ac.signal,
    );
    const priming = await firstEventThenDrop(call, ac);
    // under way without its stream
    await vi.waitFor(() => expect(busy()).toBe(true), { timeout: 15_000, interval: 20 });
    const cancel = await post({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 4, reason: 'changed my mind' },
    });
    expect(cancel.status).toBe(202);
    await vi.waitFor(() => expect(busy()).toBe(false), { timeout: 15_000, interval: 20 });
    const after = await resume(priming.id!);
    expect(after.status).toBe(400); // over, without an answer
  });

  it('an unknown Last-Event-ID gets 400 saying why; a GET without one is still 405', async () => {
    for (const id of ['nope', '00000000-0000-4000-8000-000000000000_1']) {
      const res = await resume(id);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32000,
          message:
            'Nothing to resume after that Last-Event-ID: it is unknown, or older than 5 minutes. Send ' +
            'the request again.',
        },
      });
    }
    const plain = await fetch(server.url, { headers: { accept: 'text/event-stream', ...V2025 } });
    expect(plain.status).toBe(405);
    expect(await plain.json()).toMatchObject({ error: { message: 'Method not allowed.' } });
  });

  it('a 2026-era exchange is unchanged: no priming event, no retry, no event ids', async () => {
    const bodies: Array<Promise<string>> = [];
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST') bodies.push(res.clone().text());
      return res;
    };
    const client = new Client(
      { name: 'modern', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: recording }));
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(10);
      const res = await client.callTool({ name: 'recall', arguments: { key: 'nothing-here' } });
      expect(res.content).toBeDefined();
    } finally {
      await client.close().catch(() => undefined);
    }
    const texts = await Promise.all(bodies);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const text of texts) expect(text).not.toMatch(/^(id|retry):/m);
  });

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});
