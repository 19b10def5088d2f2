/**
 * Resumable streams over Streamable HTTP (2025 era) are owned and finite (issue 41): a stream's
 * events go only to the session (else the credentials) that started it, and a call whose client
 * dropped and did not resume within `http.resumeGraceSeconds` is cancelled, its engine request
 * stopped. That one client's traffic does not evict another's stored answer is in
 * resumable-fair.slow.test.ts (hundreds of requests). Spoken to with raw fetch requests, as a
 * client's transport would.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import {
  firstEventThenDrop,
  generate,
  generated,
  inFlight,
  RawClient,
  refusedAsUnknown,
  resumedAnswer,
  WAIT,
  words,
} from '../helpers/sse.js';

describe('resumable streams: owned (default grace)', () => {
  let fake: FakeOllama;
  let server: HttpServer;
  beforeAll(async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
    server = await startHttp({
      OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'),
      OLLAMA_HOST: fake.host,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.stop();
  });

  it(
    "a stream's events go to the session that started it: another session, or none, is answered " +
      'as for an unknown id',
    async () => {
      const [a, b] = await Promise.all([
        new RawClient(server.url).initialize(),
        new RawClient(server.url).initialize(),
      ]);
      const anonymous = new RawClient(server.url);
      fake.reply(words(20)); // 0.8 s: asked while the call runs, then after its answer
      const done = fake.generations().length + 1;
      const priming = await a.callThenDrop(7, 'route_and_generate', generate('a story'));
      await vi.waitFor(() => expect(inFlight(fake)).toBe(1), WAIT);
      for (const other of [b, anonymous]) await refusedAsUnknown(await other.resume(priming.id!));
      await generated(fake, done);
      for (const other of [b, anonymous]) await refusedAsUnknown(await other.resume(priming.id!));
      expect(await resumedAnswer(await a.resume(priming.id!))).toMatchObject({
        id: 7,
        result: { structuredContent: { text: words(20) } },
      });
    },
    60_000,
  ); // the server's first call: it loads the core and the model, slow on a busy machine

  it('a stream started without a session is not given to a session; it is to a request without one', async () => {
    const anonymous = new RawClient(server.url);
    const b = await new RawClient(server.url).initialize();
    fake.reply(words(5, 'x'));
    const done = fake.generations().length + 1;
    const priming = await anonymous.callThenDrop(8, 'route_and_generate', generate('another story'));
    await generated(fake, done);
    await refusedAsUnknown(await b.resume(priming.id!));
    expect(await resumedAnswer(await anonymous.resume(priming.id!))).toMatchObject({
      id: 8,
      result: { structuredContent: { text: words(5, 'x') } },
    });
  });

  it(
    "the SDK's own client, its call's stream cut after the priming event, resumes it with its " +
      'session and gets the whole answer',
    async () => {
      fake.reply(words(10, 's'));
      let cut = 0;
      const cutting: typeof fetch = async (input, init) => {
        if (init?.method !== 'POST' || !String(init.body).includes('"tools/call"')) return fetch(input, init);
        cut++;
        const ac = new AbortController();
        const res = await fetch(input, { ...init, signal: ac.signal });
        const priming = await firstEventThenDrop(res, ac);
        return new Response(`id: ${priming.id}\nretry: ${priming.retry}\ndata: \n\n`, {
          status: res.status,
          headers: res.headers,
        });
      };
      const client = new Client({ name: 'sdk', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: cutting }));
      try {
        const res = await client.callTool({ name: 'route_and_generate', arguments: generate('a cut story') });
        expect(cut).toBe(1);
        expect(res.structuredContent).toMatchObject({ text: words(10, 's') });
      } finally {
        await client.close().catch(() => undefined);
      }
    },
  );

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});

describe('resumable streams with a bearer token and no session', () => {
  const TOKEN = 'b7e2c4a91f3d5e6a8c0b';
  let server: HttpServer;
  beforeAll(async () => {
    server = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: '127.0.0.1:9', OLLM_HTTP_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a stream started with the token and no session is resumed with the token, not by a session', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const stateless = new RawClient(server.url, auth);
    const ac = new AbortController();
    const priming = await firstEventThenDrop(
      await stateless.post({ jsonrpc: '2.0', id: 5, method: 'tools/list' }, ac.signal),
      ac,
    );
    const session = await new RawClient(server.url, auth).initialize();
    await refusedAsUnknown(await session.resume(priming.id!));
    expect(await resumedAnswer(await stateless.resume(priming.id!))).toMatchObject({
      id: 5,
      result: { tools: expect.any(Array) },
    });
  });
});

describe('resumable streams: a dropped call not resumed within http.resumeGraceSeconds is cancelled', () => {
  let fake: FakeOllama;
  let server: HttpServer;
  beforeAll(async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
    server = await startHttp({
      OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\nhttp:\n  resumeGraceSeconds: 0.5\n'),
      OLLAMA_HOST: fake.host,
    });
    // the model loaded, so a call reaches the engine at once
    fake.reply('warm');
    await new RawClient(server.url).request('tools/call', {
      name: 'route_and_generate',
      arguments: generate('warm up'),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.stop();
  });

  it(
    'six clients drop after the priming event and never come back: after the grace the engine ' +
      'runs nothing, and a new call is answered',
    async () => {
      // 80 s each if not stopped
      fake.reply(({ prompt }) => (prompt?.includes('endless') ? words(2000) : 'a short answer'));
      const clients = await Promise.all(Array.from({ length: 6 }, () => new RawClient(server.url).initialize()));
      await Promise.all(
        clients.map((c, i) => c.callThenDrop(20 + i, 'route_and_generate', generate(`an endless story ${i}`))),
      );
      await vi.waitFor(() => expect(fake.generations().some((g) => g.prompt?.includes('endless'))).toBe(true), WAIT);
      // each of the six is cancelled at its own grace's end: a queued one may start in the moment between
      // another's cancel and its own, so wait for all six cancels before counting (a CI run caught that moment)
      const cancels = () => server.stderr().split('did not resume it in time').length - 1;
      await vi.waitFor(() => expect(cancels()).toBeGreaterThanOrEqual(6), WAIT);
      await vi.waitFor(() => expect(inFlight(fake)).toBe(0), WAIT);
      const started = fake.generations().length;
      const answer = await new RawClient(server.url).request('tools/call', {
        name: 'route_and_generate',
        arguments: generate('a short one'),
      });
      expect(answer).toMatchObject({ result: { structuredContent: { text: 'a short answer' } } });
      expect(
        fake
          .generations()
          .slice(started)
          .map((g) => g.prompt?.includes('endless')),
      ).toEqual([false]); // no dropped call ran after the grace
      expect(inFlight(fake)).toBe(0);
    },
  );

  it('a client that resumes within the grace keeps its call: it runs past the grace to its whole answer', async () => {
    fake.reply(words(25, 'r')); // 1 s: twice the grace
    const a = await new RawClient(server.url).initialize();
    const priming = await a.callThenDrop(30, 'route_and_generate', generate('a resumed story'));
    // resumed, dropped again, and resumed again, each time within the grace
    const ac = new AbortController();
    await firstEventThenDrop(await a.resume(priming.id!, ac.signal), ac);
    expect(await resumedAnswer(await a.resume(priming.id!))).toMatchObject({
      id: 30,
      result: { structuredContent: { text: words(25, 'r') } },
    });
  });

  it('a resumed stream that drops and does not come back is cancelled after the grace: nothing more to resume', async () => {
    fake.reply(words(2000)); // 80 s if not stopped
    const a = await new RawClient(server.url).initialize();
    const priming = await a.callThenDrop(31, 'route_and_generate', generate('a story resumed once'));
    const ac = new AbortController();
    await firstEventThenDrop(await a.resume(priming.id!, ac.signal), ac);
    await vi.waitFor(() => expect(inFlight(fake)).toBe(1), WAIT);
    await vi.waitFor(() => expect(inFlight(fake)).toBe(0), WAIT);
    const after = await a.resume(priming.id!);
    expect(after.status).toBe(400); // over, without an answer
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(
      /its stream is over, with nothing after it/,
    );
  });

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});
