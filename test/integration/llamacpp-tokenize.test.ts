/**
 * llama-server's /tokenize through the llama.cpp adapter, against the fake router
 * (test/fake-llamacpp) misbehaving as told: a good answer is counted; an HTTP error, a body that is
 * not a list, more tokens than the text has bytes, a 60 MB answer, no answer or a stalled one each
 * fail with a HostError naming the host and the problem — quickly, with the rest of a long answer
 * left unread — and the time limit follows the text, never past the host's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LlamacppBackend } from '../../src/orchestrator/engines/llamacpp/llamacpp.js';
import {
  TOKENIZE_BASE_MS,
  TOKENIZE_BYTES_PER_MS,
  tokenizeCount,
  tokenizeTimeoutMs,
} from '../../src/orchestrator/engines/llamacpp/llamacpp-tokenize.js';
import { LlamacppApi } from '../../src/orchestrator/engines/llamacpp/llamacpp-api.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { FakeLlamacpp, HUGE_TOKENIZE_BYTES, type TokenizeMode } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup(mode: TokenizeMode, opts: { router?: boolean; timeoutMs?: number } = {}) {
  const fake = await FakeLlamacpp.start({
    models: [
      { id: 'storiesA', file: STORIES },
      { id: 'storiesB', file: STORIES },
    ],
    ...(opts.router === false && { router: false }),
  });
  stops.push(() => fake.stop());
  fake.tokenize = mode;
  const engine = new LlamacppBackend({ name: 'llama', url: fake.url, timeoutMs: opts.timeoutMs ?? 10_000 });
  if (opts.router !== false) await engine.load({ model: 'storiesA:latest', keepAlive: -1 });
  for (let i = 0; i < 100 && (await engine.models()).find((m) => m.id === 'storiesA')?.status !== 'loaded'; i++)
    await new Promise((r) => setTimeout(r, 10));
  return { fake, engine };
}

const TEXT = 'Once upon a time there was a little girl';

async function failure(p: Promise<unknown>): Promise<HostError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostError);
  return err as HostError;
}

describe('tokenizeTimeoutMs', () => {
  it('grows with the text from a base, and never passes the host limit', () => {
    expect(tokenizeTimeoutMs(0, 10_000)).toBe(TOKENIZE_BASE_MS);
    expect(tokenizeTimeoutMs(1, 10_000)).toBe(TOKENIZE_BASE_MS + 1);
    expect(tokenizeTimeoutMs(TOKENIZE_BYTES_PER_MS, 10_000)).toBe(TOKENIZE_BASE_MS + 1);
    expect(tokenizeTimeoutMs(TOKENIZE_BYTES_PER_MS + 1, 10_000)).toBe(TOKENIZE_BASE_MS + 2);
    expect(tokenizeTimeoutMs(1024 * 1024, 600_000)).toBe(TOKENIZE_BASE_MS + 1024);
    expect(tokenizeTimeoutMs(1024 * 1024, 2000)).toBe(2000);
    expect(tokenizeTimeoutMs(0, TOKENIZE_BASE_MS)).toBe(TOKENIZE_BASE_MS);
  });
});

describe.each([
  ['a router', true],
  ['a single-model server', false],
] as const)('/tokenize on %s', (_name, router) => {
  it("counts a good answer: the engine's count", async () => {
    const { engine, fake } = await setup('ok', { router });
    expect(await engine.tokenize('storiesA:latest', TEXT)).toBe(9);
    expect(await engine.tokenize('storiesA:latest', '')).toBe(0);
    expect(fake.requests.filter((r) => r.path === '/tokenize').at(-1)?.body).toEqual({
      model: 'storiesA',
      content: '',
    });
  });

  it.runIf(router)('asks nothing for a model not loaded (the router would load it)', async () => {
    const { engine, fake } = await setup('ok', { router });
    expect(await engine.tokenize('storiesB:latest', TEXT)).toBeUndefined();
    expect(fake.requests.filter((r) => r.path === '/tokenize')).toEqual([]);
  });

  it.each([
    [
      'error',
      'server_error',
      /llama-server at 127\.0\.0\.1:\d+ failed POST \/tokenize \(HTTP 500\): the tokenizer broke/,
    ],
    [
      'not-list',
      'bad_response',
      /answered POST \/tokenize with something that is not \{"tokens": \[ids\]\} — is llama-server/,
    ],
    ['too-many', 'bad_response', /answered POST \/tokenize with more tokens than the 40 bytes of text sent can hold/],
  ] as const)('%s: a HostError %s naming the host and the problem', async (mode, kind, says) => {
    const { engine } = await setup(mode, { router });
    const err = await failure(engine.tokenize('storiesA:latest', TEXT));
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(says);
  });

  it('a 60 MB answer: given up at its bound, the rest unread', async () => {
    const { engine, fake } = await setup('huge', { router });
    const err = await failure(engine.tokenize('storiesA:latest', TEXT));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(
      /answered POST \/tokenize with (?:a body of more than \d+ bytes|more tokens than the 40 bytes)/,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.tokenizeBytes).toBeLessThan(HUGE_TOKENIZE_BYTES / 8);
    // the connection was closed: the next call is answered
    fake.tokenize = 'ok';
    expect(await engine.tokenize('storiesA:latest', TEXT)).toBe(9);
  });

  it.each(['hang', 'stall'] as const)(
    "%s: a timeout at the time limit (here the host's, under the text's)",
    async (mode) => {
      const { engine } = await setup(mode, { router, timeoutMs: 400 });
      const err = await failure(engine.tokenize('storiesA:latest', TEXT));
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(/did not answer POST \/tokenize within 400 ms/);
    },
  );

  it('a cancel while it hangs: aborted', async () => {
    const { engine } = await setup('hang', { router });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await failure(engine.tokenize('storiesA:latest', TEXT, { signal: ac.signal }));
    expect(err.kind).toBe('aborted');
  });
});

describe('/tokenize through a fetch given to the adapter', () => {
  /** An api whose fetch answers each call with the next of `answers` (a Response, or an error it rejects with). */
  function apiAnswering(...answers: Array<Response | Error>) {
    const sent: string[] = [];
    const fetch = (async (url: string) => {
      sent.push(String(url));
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next!;
    }) as unknown as typeof globalThis.fetch;
    return { api: new LlamacppApi({ url: 'http://127.0.0.1:8080', timeoutMs: 5000, fetch }), sent };
  }
  const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

  it('sends the call again, once, when the kept-alive connection was reset (a POST that changes nothing)', async () => {
    const { api, sent } = apiAnswering(reset(), new Response('{"tokens":[1,2]}', { status: 200 }));
    expect(await tokenizeCount(api, 'storiesA', 'storiesA:latest', 'hello')).toBe(2);
    expect(sent).toEqual(['http://127.0.0.1:8080/tokenize', 'http://127.0.0.1:8080/tokenize']);
  });

  it('an answer without a body: a bad response saying so, not a crash', async () => {
    const { api } = apiAnswering(new Response(null, { status: 200 }));
    const err = await failure(tokenizeCount(api, 'storiesA', 'storiesA:latest', 'hello'));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toBe(
      'llama-server at 127.0.0.1:8080 answered POST /tokenize with an empty body — is ' +
        'llama-server (and not another server) listening there?',
    );
  });

  it('a body broken off by the connection: unreachable, not a bad answer', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode('{"tokens":[1,'));
        c.error(reset());
      },
    });
    const { api } = apiAnswering(new Response(body, { status: 200 }));
    const err = await failure(tokenizeCount(api, 'storiesA', 'storiesA:latest', 'hello'));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/^llama-server at 127\.0\.0\.1:8080 is not reachable \(ECONNRESET\)/);
  });
});
