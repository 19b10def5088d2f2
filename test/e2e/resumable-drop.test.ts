/**
 * Dropped 2025-era calls over Streamable HTTP do not run on while others wait (issue 55, finding
 * 9): with a grace far longer than any test (`http.resumeGraceSeconds: 3600`), a dropped call
 * nobody follows is cancelled — its engine request aborted, as the fake records — once another
 * client waits for an answer, so a fresh call is served; a dropped call that is resumed, or that
 * nobody else competes with, runs to its answer; a session its client DELETEs has its calls
 * cancelled, and another session's go on. Spoken to with raw fetch requests, as clients'
 * transports would (protocols 2025-06-18, no priming event, and 2025-11-25).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import {
  firstEventThenDrop,
  generate,
  inFlight,
  RawClient,
  resumedAnswer,
  sseMessage,
  WAIT,
  words,
} from '../helpers/sse.js';

const V2025_06 = { 'mcp-protocol-version': '2025-06-18' };

let fake: FakeOllama;
let server: HttpServer;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
  server = await startHttp({
    OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\nhttp:\n  resumeGraceSeconds: 3600\n'),
    OLLAMA_HOST: fake.host,
  });
  fake.reply('warm');
  // the model loaded
  await new RawClient(server.url).request('tools/call', { name: 'route_and_generate', arguments: generate('warm up') });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await fake?.stop();
});

/** The engine's records of the generations whose prompt holds `marker`. */
const runs = (marker: string) => fake.generations().filter((g) => g.prompt?.includes(marker));

/** How many calls the server says it cancelled for a client that did not come back. */
const cancelled = () => server.stderr().split('did not resume it in time').length - 1;

/**
 * A 2025-06-18 call (no priming event) asking for progress, dropped after its first event, as a network
 * failure would.
 */
async function dropAfterProgress(client: RawClient, id: number, prompt: string): Promise<void> {
  const ac = new AbortController();
  const params = { name: 'route_and_generate', arguments: generate(prompt), _meta: { progressToken: id } };
  const first = await firstEventThenDrop(
    await client.post({ jsonrpc: '2.0', id, method: 'tools/call', params }, ac.signal),
    ac,
  );
  expect(sseMessage(first).method).toBe('notifications/progress');
}

describe('dropped calls while other clients wait', () => {
  it(
    'twenty clients drop long calls and a fresh call comes: each dropped engine request is ' +
      'aborted and the fresh call is answered',
    async () => {
      // 80 s each if not stopped
      fake.reply(({ prompt }) => (prompt?.includes('endless') ? words(2000) : 'a short answer'));
      const before = cancelled();
      const old = await Promise.all(Array.from({ length: 6 }, () => new RawClient(server.url, V2025_06).initialize()));
      const recent = await Promise.all(Array.from({ length: 14 }, () => new RawClient(server.url).initialize()));
      await Promise.all([
        ...old.map((c, i) => dropAfterProgress(c, 20 + i, `an endless story ${i}`)),
        ...recent.map((c, i) => c.callThenDrop(40 + i, 'route_and_generate', generate(`an endless tale ${i}`))),
      ]);
      await vi.waitFor(() => expect(runs('endless').length).toBeGreaterThan(0), WAIT);
      const answer = await new RawClient(server.url).request('tools/call', {
        name: 'route_and_generate',
        arguments: generate('a short one'),
      });
      expect(answer).toMatchObject({ result: { structuredContent: { text: 'a short answer' } } });
      // every dropped call cancelled; each of their requests the engine got was stopped by its client, and none runs now
      await vi.waitFor(
        () =>
          expect([cancelled() - before, runs('endless').filter((g) => !g.aborted).length, inFlight(fake)]).toEqual([
            20, 0, 0,
          ]),
        WAIT,
      );
      expect(runs('endless').length).toBeGreaterThan(0);
      const started = fake.generations().length;
      expect(
        await new RawClient(server.url).request('tools/call', {
          name: 'route_and_generate',
          arguments: generate('another short one'),
        }),
      ).toMatchObject({ result: { structuredContent: { text: 'a short answer' } } });
      expect(
        fake
          .generations()
          .slice(started)
          .map((g) => g.prompt?.includes('endless')),
      ).toEqual([false]); // no dropped call reached the engine later
    },
    60_000,
  );

  it(
    'a dropped call resumed at once runs to its whole answer while another client waits, and ' +
      'its engine request is not aborted',
    async () => {
      // 4 s: past the short grace
      fake.reply(({ prompt }) => (prompt?.includes('resumed') ? words(100, 'r') : 'the other answer'));
      const a = await new RawClient(server.url).initialize();
      const priming = await a.callThenDrop(60, 'route_and_generate', generate('a resumed story'));
      const resumed = a.resume(priming.id!);
      await vi.waitFor(() => expect(runs('resumed')).toHaveLength(1), WAIT);
      const other = new RawClient(server.url).request('tools/call', {
        name: 'route_and_generate',
        arguments: generate('meanwhile'),
      }); // waits meanwhile
      expect(await resumedAnswer(await resumed)).toMatchObject({
        id: 60,
        result: { structuredContent: { text: words(100, 'r') } },
      });
      expect(await other).toMatchObject({ result: { structuredContent: { text: 'the other answer' } } });
      expect(runs('resumed')[0]!.aborted).toBeUndefined();
    },
    60_000,
  );

  it(
    'with nobody else waiting, a dropped call keeps the whole grace: it runs to its answer, ' +
      'which a later resume gets',
    async () => {
      fake.reply(words(100, 'q')); // 4 s: past the short grace
      const a = await new RawClient(server.url).initialize();
      const priming = await a.callThenDrop(61, 'route_and_generate', generate('a lone story'));
      await vi.waitFor(() => expect(runs('lone story')).toHaveLength(1), WAIT);
      await vi.waitFor(() => expect(inFlight(fake)).toBe(0), WAIT); // the engine is done with it
      expect(runs('lone story')[0]!.aborted).toBeUndefined();
      expect(await resumedAnswer(await a.resume(priming.id!))).toMatchObject({
        id: 61,
        result: { structuredContent: { text: words(100, 'q') } },
      });
    },
    60_000,
  );
});

describe('a session its client DELETEs', () => {
  it(
    "has its dropped call cancelled at once, and is refused from then on; another session's " + 'dropped call goes on',
    async () => {
      // the ended one 80 s if not stopped
      fake.reply(({ prompt }) => (prompt?.includes('ended') ? words(2000) : words(30, 'k')));
      const [a, b] = await Promise.all([
        new RawClient(server.url, V2025_06).initialize(),
        new RawClient(server.url).initialize(),
      ]);
      const kept = await b.callThenDrop(70, 'route_and_generate', generate('a kept story'));
      await dropAfterProgress(a, 71, 'an ended story');
      await vi.waitFor(() => expect(runs('ended')).toHaveLength(1), WAIT); // its engine request runs
      const del = await fetch(server.url, { method: 'DELETE', headers: { ...V2025_06, 'mcp-session-id': a.session! } });
      expect(del.status).toBe(200);
      await vi.waitFor(() => expect(runs('ended')[0]!.aborted).toBe(true), WAIT);
      const refused = await a.post({ jsonrpc: '2.0', id: 72, method: 'tools/list' });
      expect(refused.status).toBe(404);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /its client ended it \(DELETE\)\. Initialize a new session/,
      );
      // the other session's call ran to its answer, which its client gets on resuming
      await vi.waitFor(() => expect([runs('kept story').length, inFlight(fake)]).toEqual([1, 0]), WAIT);
      expect(runs('kept story')[0]!.aborted).toBeUndefined();
      expect(await resumedAnswer(await b.resume(kept.id!))).toMatchObject({
        id: 70,
        result: { structuredContent: { text: words(30, 'k') } },
      });
    },
    60_000,
  );

  it('a DELETE without a session id is still 405, and cancels nothing', async () => {
    const res = await fetch(server.url, { method: 'DELETE', headers: { 'mcp-protocol-version': '2025-11-25' } });
    expect(res.status).toBe(405);
  });

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});
