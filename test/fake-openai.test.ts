import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, type FakeOpenAIOptions, PROXY_502_HTML } from './fake-openai/server.js';
import { PrefixCache } from './fake-openai/prefix-cache.js';

const running: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

async function start(opts?: FakeOpenAIOptions): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start(opts);
  running.push(fake);
  return fake;
}

const MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const user = (content: unknown) => [{ role: 'user', content }];

function chat(
  fake: FakeOpenAI,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, messages: user('hi'), ...body }),
    ...(signal && { signal }),
  });
}

/** The data of each SSE event in a whole body, JSON-parsed except [DONE]. */
function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}

type Chunk = {
  object: string;
  choices: Array<{
    delta: { content?: string; role?: string; reasoning_content?: string };
    finish_reason: string | null;
  }>;
  usage?: unknown;
  timings?: unknown;
};

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('fake OpenAI: models, health, routes', () => {
  it(
    'lists models in OpenAI shape, answers /health like llama-server, and 404s unknown routes ' +
      'with an OpenAI error',
    async () => {
      const fake = await start({ models: ['a-model', { id: 'vl', ownedBy: 'me', vision: true }] });
      expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
      const list = (await (await fetch(`${fake.url}/models`)).json()) as {
        object: string;
        data: Array<Record<string, unknown>>;
      };
      expect(list.object).toBe('list');
      expect(list.data.map((m) => m.id)).toEqual(['a-model', 'vl']);
      expect(list.data[1]).toMatchObject({ object: 'model', owned_by: 'me' });
      expect(typeof list.data[0]!.created).toBe('number');
      const health = await fetch(`${fake.origin}/health`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const nope = await fetch(`${fake.url}/nope`);
      expect(nope.status).toBe(404);
      expect(await nope.json()).toEqual({
        error: { message: 'Invalid URL (GET /v1/nope)', type: 'invalid_request_error', param: null, code: null },
      });
      expect(fake.stats().paths).toEqual({ '/v1/models': 1, '/health': 1, '/v1/nope': 1 });
    },
  );

  it(
    'health modes: missing answers 404; loading answers 503 and refuses chat like llama-server, ' +
      'while the model list answers',
    async () => {
      const fake = await start({ health: 'missing' });
      expect((await fetch(`${fake.origin}/health`)).status).toBe(404);
      fake.setHealth('loading');
      const loading = await fetch(`${fake.origin}/health`);
      expect([loading.status, await loading.json()]).toEqual([503, { status: 'loading model' }]);
      const refused = await chat(fake, {});
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('Loading model');
      expect((await fetch(`${fake.url}/models`)).status).toBe(200);
    },
  );

  it('serves under another base path', async () => {
    const fake = await start({ basePath: '/api/openai' });
    expect(fake.url).toMatch(/\/api\/openai$/);
    expect((await fetch(`${fake.url}/models`)).status).toBe(200);
    expect((await fetch(`${fake.origin}/v1/models`)).status).toBe(404);
  });
});

describe('fake OpenAI: chat completions', () => {
  it(
    'answers a non-streamed request with a chat.completion and usage; max_tokens and ' +
      'max_completion_tokens cut with length',
    async () => {
      const fake = await start();
      const body = (await (
        await chat(fake, { messages: [{ role: 'system', content: 'be brief' }, ...user('say something now')] })
      ).json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        object: 'chat.completion',
        model: MODEL,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.' },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
      });
      expect(body.id).toMatch(/^chatcmpl-/);
      const cut = (await (await chat(fake, { max_tokens: 3 })).json()) as {
        choices: Array<{ message: { content: string }; finish_reason: string }>;
      };
      expect(cut.choices[0]).toMatchObject({ message: { content: 'The quick brown ' }, finish_reason: 'length' });
      const cut2 = (await (await chat(fake, { max_completion_tokens: 2, max_tokens: 5 })).json()) as typeof cut;
      expect(cut2.choices[0]!.message.content).toBe('The quick ');
    },
  );

  it(
    'streams role, one chunk per word, finish_reason, a usage chunk with empty choices ' +
      '(include_usage), then [DONE]',
    async () => {
      const fake = await start();
      fake.reply('one two three');
      const res = await chat(fake, { stream: true, stream_options: { include_usage: true } });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const ev = events(await res.text());
      expect(ev.at(-1)).toBe('[DONE]');
      const chunks = ev.slice(0, -1) as Chunk[];
      expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.slice(1, 4).map((c) => c.choices[0]!.delta.content)).toEqual(['one ', 'two ', 'three']);
      expect(chunks[4]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
      expect(chunks.slice(0, 5).every((c) => c.usage === null)).toBe(true);
      expect(chunks[5]).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      });
      expect(fake.stats().streams).toEqual({ started: 1, completed: 1, aborted: 0, broken: 0 });
      // without include_usage: no usage at all
      const plain = events(await (await chat(fake, { stream: true })).text()) as Chunk[];
      expect(plain.filter((c) => typeof c === 'object' && 'usage' in c)).toEqual([]);
    },
  );

  it('usage in the finishing chunk with timings (llama-server), none at all, and reasoning before content', async () => {
    const final = await start({
      usage: 'final',
      timings: true,
      reply: { content: 'ok then', reasoning: 'hmm let me see' },
    });
    const chunks = events(await (await chat(final, { stream: true })).text()).slice(0, -1) as Chunk[];
    expect(chunks.slice(1, 4).map((c) => c.choices[0]!.delta.reasoning_content)).toEqual(['hmm ', 'let ', 'me ']);
    const last = chunks.at(-1)!;
    expect(last.choices[0]!.finish_reason).toBe('stop');
    expect(last).toMatchObject({ usage: { completion_tokens: 6 }, timings: { predicted_n: 6 } });
    const none = await start({ usage: 'none' });
    const noneChunks = events(
      await (await chat(none, { stream: true, stream_options: { include_usage: true } })).text(),
    ).slice(0, -1) as Chunk[];
    expect(noneChunks.some((c) => c.usage)).toBe(false);
  });

  it('hands the reply function the model, messages and body', async () => {
    const fake = await start();
    fake.reply(
      (ctx) => `echo ${ctx.model} ${(ctx.messages[0] as { content: string }).content} ${String(ctx.body.temperature)}`,
    );
    const body = (await (await chat(fake, { temperature: 0.5 })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(body.choices[0]!.message.content).toBe(`echo ${MODEL} hi 0.5`);
  });

  it(
    'checks requests as OpenAI does: JSON, model, unknown model (404), messages, images on text ' +
      'models, stream_options',
    async () => {
      const fake = await start();
      const err = async (res: Promise<Response>) => {
        const r = await res;
        return [r.status, ((await r.json()) as { error: { message: string; code: unknown } }).error] as const;
      };
      const bad = await err(fetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{nope' }));
      expect(bad[0]).toBe(400);
      expect(bad[1].message).toMatch(/could not parse the JSON body/);
      expect((await err(chat(fake, { model: '' })))[0]).toBe(400);
      const unknown = await err(chat(fake, { model: 'ghost' }));
      expect(unknown).toEqual([
        404,
        expect.objectContaining({ message: "The model 'ghost' does not exist", code: 'model_not_found' }),
      ]);
      expect((await err(chat(fake, { messages: [] })))[1].message).toMatch(/too short - 'messages'/);
      const png = 'data:image/png;base64,iVBORw0KGgo=';
      const parts = [
        { type: 'text', text: 'what is it' },
        { type: 'image_url', image_url: { url: png } },
      ];
      expect((await err(chat(fake, { messages: user(parts) })))[1].message).toMatch(/image input is not supported/);
      expect((await chat(fake, { model: 'Qwen/Qwen2.5-VL-7B-Instruct', messages: user(parts) })).status).toBe(200);
      const badImage = [{ type: 'image_url', image_url: { url: 'iVBORw0KGgo=' } }];
      expect(
        (await err(chat(fake, { model: 'Qwen/Qwen2.5-VL-7B-Instruct', messages: user(badImage) })))[1].message,
      ).toMatch(/Invalid image URL/);
      expect((await err(chat(fake, { stream_options: { include_usage: true } })))[1].message).toMatch(
        /only allowed when 'stream' is enabled/,
      );
      expect((await err(chat(fake, { max_tokens: 0 })))[0]).toBe(400);
    },
  );
});

describe('fake OpenAI: API key and records', () => {
  it('requires the bearer key under /v1 (not /health), records headers without it', async () => {
    const fake = await start({ apiKey: 'sk-fake-secret-1234' });
    const missing = await fetch(`${fake.url}/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /didn't provide an API key/,
    );
    const wrong = await fetch(`${fake.url}/models`, { headers: { authorization: 'Bearer sk-wrong-key-9876' } });
    const wrongBody = (await wrong.json()) as { error: { message: string; code: string } };
    expect([wrong.status, wrongBody.error.code]).toEqual([401, 'invalid_api_key']);
    expect(wrongBody.error.message).toContain('sk-***9876'); // masked, as OpenAI does
    expect(
      (await fetch(`${fake.url}/models`, { headers: { authorization: 'Bearer sk-fake-secret-1234' } })).status,
    ).toBe(200);
    expect((await fetch(`${fake.origin}/health`)).status).toBe(200);
    expect(fake.requests.map((r) => r.auth)).toEqual(['none', 'invalid', 'valid', 'none']);
    expect(fake.requests[2]!.headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.stringify(fake.requests)).not.toContain('secret');
    expect(fake.requestsTo('/v1/models')).toHaveLength(3);
  });
});

describe('fake OpenAI: injected failures', () => {
  it(
    'failNext: OpenAI error bodies with defaults, retry-after, a proxy HTML page; queued in ' +
      'order, then normal again',
    async () => {
      const fake = await start();
      const path = '/v1/chat/completions';
      fake.failNext(path, { status: 429, retryAfter: 7 });
      fake.failNext(path, { status: 502, body: PROXY_502_HTML });
      fake.failNext(path, { status: 500, message: 'CUDA error: out of memory', code: 'oom' });
      const limited = await chat(fake, {});
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
      const proxy = await chat(fake, {});
      expect([proxy.status, proxy.headers.get('content-type'), await proxy.text()]).toEqual([
        502,
        'text/html',
        PROXY_502_HTML,
      ]);
      expect(await (await chat(fake, {})).json()).toEqual({
        error: { message: 'CUDA error: out of memory', type: 'server_error', param: null, code: 'oom' },
      });
      expect((await chat(fake, {})).status).toBe(200);
    },
  );

  it('breakNextStream: end without [DONE], an error event then [DONE], an error: line, a reset', async () => {
    const fake = await start();
    fake.reply('a b c d e');
    fake.breakNextStream({ afterChunks: 2, how: 'end' });
    const ended = events(await (await chat(fake, { stream: true })).text()) as Chunk[];
    expect(ended.map((c) => c.choices[0]!.delta.content)).toEqual(['', 'a ', 'b ']);
    fake.breakNextStream({ afterChunks: 1, how: 'error', message: 'worker died' });
    const errored = events(await (await chat(fake, { stream: true })).text());
    expect(errored.slice(-2)).toEqual([
      { error: { message: 'worker died', type: 'server_error', param: null, code: 500 } },
      '[DONE]',
    ]);
    fake.breakNextStream({ afterChunks: 1, how: 'error-field', message: 'slot failed' });
    const text = await (await chat(fake, { stream: true })).text();
    expect(text).toMatch(/\nerror: \{"code":500,"message":"slot failed","type":"server_error"\}\n\n$/);
    fake.breakNextStream({ afterChunks: 1, how: 'reset' });
    const reset = await chat(fake, { stream: true });
    await expect(reset.text()).rejects.toThrow();
    expect(fake.stats().streams).toMatchObject({ started: 4, completed: 0, broken: 4, aborted: 0 });
  });

  it('counts a stream the client closes as aborted, also one that stalled', async () => {
    const fake = await start({ tokenDelayMs: 20 });
    fake.reply('w '.repeat(200));
    const ac = new AbortController();
    const res = await chat(fake, { stream: true }, {}, ac.signal);
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await until(() => fake.stats().streams.aborted === 1);
    fake.breakNextStream({ afterChunks: 1, how: 'stall' });
    const ac2 = new AbortController();
    const stalled = await chat(fake, { stream: true }, {}, ac2.signal);
    const r2 = stalled.body!.getReader();
    await r2.read();
    ac2.abort();
    await until(() => fake.stats().streams.aborted === 2);
    expect(fake.stats().streams.completed).toBe(0);
  });

  it('offline refuses connections on the port, and online listens on it again; latency delays answers', async () => {
    const fake = await start();
    await fake.setOffline(true);
    const err = await fetch(`${fake.url}/models`).catch((e: unknown) => e as Error);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await fake.setOffline(false);
    expect((await fetch(`${fake.url}/models`)).status).toBe(200);
    fake.setLatency('/v1/models', 120);
    const t0 = performance.now();
    await fetch(`${fake.url}/models`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });
});

describe('fake OpenAI: vLLM prefix caching', () => {
  const toks = (n: number, tag = 't') => Array.from({ length: n }, (_, i) => `${tag}${i}`);

  it(
    'holds full blocks keyed by the whole prefix: hits are whole blocks, at most all but one ' +
      'token, none past a changed token',
    () => {
      const cache = new PrefixCache(16, 100);
      expect(cache.read(toks(100))).toBe(0); // nothing held yet
      expect(cache.size).toBe(6); // 6 full blocks; the last 4 tokens are no block
      expect(cache.read(toks(100))).toBe(96); // the same prompt: its full blocks
      // a prompt of whole blocks: the last token is read again, so its last block too
      expect(cache.read(toks(96))).toBe(80);
      expect(cache.read([...toks(40), 'other', ...toks(59).slice(41)])).toBe(32); // changed at token 40: blocks 0-1 only
      const moved = toks(100);
      moved[3] = 'x';
      expect(cache.read(moved)).toBe(0); // a change in the first block: every later block hashes differently
      expect(cache.read(toks(10))).toBe(0); // less than a block: nothing to find or hold
    },
  );

  it('evicts the least recently used blocks first, the tail of a prompt before its head', () => {
    const cache = new PrefixCache(4, 6);
    cache.read(toks(16, 'a')); // 4 blocks of a
    cache.read(toks(16, 'b')); // 4 blocks of b: 2 of a must go — a's tail
    expect(cache.size).toBe(6);
    expect(cache.read([...toks(8, 'a'), 'new'])).toBe(8); // a's head is still held
    expect(cache.read(toks(17, 'a'))).toBe(8); // its tail is not; read whole now, it pushes out b's tail
    expect(cache.read(toks(16, 'b'))).toBe(8);
  });

  it(
    'reports cached_tokens with --enable-prompt-tokens-details, shared by all requests and ' +
      'apart per model; off by default',
    async () => {
      const fake = await start({ prefixCache: true, promptTokensDetails: true, tokenDelayMs: 0 });
      const doc = Array.from({ length: 200 }, (_, i) => `line ${i} of the shared document`).join('\n'); // 1,200 words
      const ask = async (question: string, model = MODEL, stream = false) => {
        const res = await chat(fake, {
          model,
          stream,
          ...(stream && { stream_options: { include_usage: true } }),
          messages: [{ role: 'system', content: 'be brief' }, ...user(`${doc}\n\n${question}`)],
        });
        const usage = stream
          ? (events(await res.text()).slice(0, -1) as Chunk[]).at(-1)!.usage
          : ((await res.json()) as { usage: unknown }).usage;
        return usage as { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
      };
      const first = await ask('What is line 3?');
      expect(first.prompt_tokens).toBe(1206);
      expect(first.prompt_tokens_details).toEqual({ cached_tokens: 0 });
      const second = await ask('Which line mentions 150?', MODEL, true); // another request, streamed: the same pool
      expect(second.prompt_tokens_details.cached_tokens).toBe(1200); // system + document + "\n\n" words: 75 whole blocks
      expect(second.prompt_tokens_details.cached_tokens % 16).toBe(0);
      expect((await ask('What is line 3?', 'Qwen/Qwen2.5-Coder-7B-Instruct')).prompt_tokens_details.cached_tokens).toBe(
        0,
      ); // another model's engine
      expect(fake.prefixReads().map((r) => [r.model, r.cachedTokens])).toEqual([
        [MODEL, 0],
        [MODEL, 1200],
        ['Qwen/Qwen2.5-Coder-7B-Instruct', 0],
      ]);
      fake.resetPrefixCache();
      expect((await ask('What is line 3?')).prompt_tokens_details.cached_tokens).toBe(0);

      const plain = await start({ prefixCache: true, tokenDelayMs: 0 }); // vLLM's default: cached, but not said
      await chat(plain, { messages: user(doc) });
      const again = (await (await chat(plain, { messages: user(doc) })).json()) as { usage: Record<string, unknown> };
      expect(again.usage).not.toHaveProperty('prompt_tokens_details');
      // 1,200 tokens: the last one is read again, so its block too
      expect(plain.prefixReads()[1]!.cachedTokens).toBe(1184);
      const none = await start({ promptTokensDetails: true, tokenDelayMs: 0 }); // --no-enable-prefix-caching
      await chat(none, { messages: user(doc) });
      expect(((await (await chat(none, { messages: user(doc) })).json()) as { usage: unknown }).usage).toMatchObject({
        prompt_tokens_details: { cached_tokens: 0 },
      });
      expect(none.prefixReads()).toEqual([]);
    },
  );
});
