import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, OpenAIBackend, type OpenAIBackendOptions } from '../../src/orchestrator/engines/openai/openai.js';
import { FakeOpenAI, type FakeOpenAIOptions, PROXY_502_HTML } from '../fake-openai/server.js';

const KEY_ENV = 'OLLM_TEST_OPENAI_KEY';
const KEY = 'sk-test-0123456789-abcdefXYZ';
const CHAT = '/v1/chat/completions';
const TEXT = 'meta-llama/Llama-3.2-3B-Instruct';
const VISION = 'Qwen/Qwen2.5-VL-7B-Instruct';

let fakes: FakeOpenAI[] = [];
afterEach(async () => {
  delete process.env[KEY_ENV];
  await Promise.all(fakes.map((f) => f.stop()));
  fakes = [];
});

async function setup(opts: FakeOpenAIOptions = {}, backend: Partial<OpenAIBackendOptions> = {}) {
  const fake = await FakeOpenAI.start({ tokenDelayMs: 1, ...opts });
  fakes.push(fake);
  const engine = new OpenAIBackend({ name: 'vllm', baseURL: fake.url, timeoutMs: 2000, ...backend });
  return { fake, engine };
}

const gen = (engine: OpenAIBackend, extra: Partial<Parameters<OpenAIBackend['streamChat']>[0]> = {}) =>
  engine.streamChat({ model: TEXT, prompt: 'hello there', maxTokens: 100, stallTimeoutMs: 2000, ...extra });

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('OpenAIBackend: base URL and models', () => {
  it('lists the served model ids, with or without a trailing slash', async () => {
    const { fake, engine } = await setup({}, {});
    expect(await engine.listModels()).toEqual(['Qwen/Qwen2.5-Coder-7B-Instruct', TEXT, VISION]);
    const slash = new OpenAIBackend({ name: 'x', baseURL: `${fake.url}/` });
    expect(await slash.listModels()).toHaveLength(3);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/models', '/v1/models']);
  });

  it('probes a base without /v1 once: <base>/v1/models, then <base>/models', async () => {
    const { fake } = await setup();
    const bare = new OpenAIBackend({ name: 'bare', baseURL: fake.origin });
    expect(await bare.listModels()).toHaveLength(3);
    await bare.listModels();
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/models', '/v1/models', '/v1/models']);
    const { fake: prefixed } = await setup({ basePath: '/api/openai' });
    const olla = new OpenAIBackend({ name: 'olla', baseURL: `${prefixed.origin}/api/openai` });
    expect(await olla.apiURL()).toBe(`${prefixed.origin}/api/openai`);
    expect(prefixed.requests.map((r) => r.path)).toEqual(['/api/openai/v1/models', '/api/openai/models']);
    const nowhere = new OpenAIBackend({ name: 'web', baseURL: `${prefixed.origin}/ui` });
    const err = await failure(nowhere.listModels());
    expect(err.kind).toBe('bad_response');
    expect(err.message).toMatch(/lists no models at .*\/ui\/v1\/models nor at .*\/ui\/models — check its baseURL/);
  });

  it('keeps credentials and a query out of the URL it shows', async () => {
    const engine = new OpenAIBackend({ name: 'lan', baseURL: 'http://user:pw@127.0.0.1:9/v1/?token=abc' });
    expect(engine.baseURL).toBe('http://127.0.0.1:9/v1');
    expect(engine.host).toBe('127.0.0.1:9');
    const err = await failure(engine.listModels());
    expect(err.message).toBe('lan is not reachable at http://127.0.0.1:9/v1 (connection refused) — is it running?');
    expect(() => new OpenAIBackend({ name: 'bad', baseURL: 'ftp://x/v1' })).toThrow(/must start with http/);
  });

  it('a model list too slow for timeoutMs is a timeout naming the setting', async () => {
    const { fake, engine } = await setup({}, { timeoutMs: 100 });
    fake.setLatency('/v1/models', 1000);
    const err = await failure(engine.listModels());
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(
      `vllm (${fake.host}) did not answer GET /v1/models within 100 ms — it may be busy or ` +
        `loading a model; try again, or raise hosts.vllm.timeoutMs.`,
    );
  });
});

describe('OpenAIBackend: health', () => {
  it('uses /health when the engine has it, never a generation', async () => {
    const { fake, engine } = await setup();
    const h = await engine.health();
    expect(h).toMatchObject({ ok: true, detail: `vllm (${fake.host}) is healthy (/health: ok).` });
    expect(h.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests.map((r) => r.path)).toEqual(['/health']);
  });

  it('falls back to /v1/models where /health is missing (404, or a 200 {"error"}), and then skips /health', async () => {
    const { fake, engine } = await setup({ health: 'missing' });
    expect(await engine.health()).toMatchObject({
      ok: true,
      detail: `vllm (${fake.host}) serves 3 models (/v1/models).`,
    });
    expect((await engine.health()).ok).toBe(true);
    expect(fake.requests.map((r) => r.path)).toEqual(['/health', '/v1/models', '/v1/models']);
    const { fake: lms, engine: studio } = await setup();
    lms.failNext('/health', {
      status: 200,
      body: '{"error":"Unexpected endpoint or method. (GET /health)"}',
      contentType: 'application/json',
    });
    expect((await studio.health()).detail).toMatch(/serves 3 models/);
    const { fake: lite, engine: litellm } = await setup({}, { healthPath: false });
    expect((await litellm.health()).ok).toBe(true);
    expect(lite.requests.map((r) => r.path)).toEqual(['/v1/models']);
  });

  it('503 while loading, or another 5xx, is not ok and says so; a stopped engine is unreachable', async () => {
    const { fake, engine } = await setup({ health: 'loading' });
    const loading = await engine.health();
    expect(loading.ok).toBe(false);
    expect(loading.detail).toBe(
      `vllm (${fake.host}) is not ready (/health: HTTP 503, loading model) — it is still loading ` +
        `a model; try again shortly.`,
    );
    expect(loading.error?.kind).toBe('server_error');
    fake.setHealth('ok');
    fake.failNext('/health', { status: 500, message: 'model failed to load' });
    expect(await engine.health()).toMatchObject({
      ok: false,
      detail:
        `vllm (${fake.host}) is not ready (/health: HTTP 500, model failed to load) — check vllm's ` +
        `logs, or try again.`,
    });
    // the kept-alive connection the engine dropped is reset on first use; the check asks again and is refused
    await fake.setOffline(true);
    const down = await engine.health();
    expect(down).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
    expect(down.detail).toBe(`vllm is not reachable at ${fake.url} (connection refused) — is it running?`);
    expect(fake.requestsTo('/v1/models')).toEqual([]);
  });

  it('a cancelled health check throws', async () => {
    const { fake, engine } = await setup();
    fake.setLatency('/health', 1000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    expect((await failure(engine.health({ signal: ac.signal }))).kind).toBe('aborted');
  });
});

describe('OpenAIBackend: streamed generation', () => {
  it('streams with usage and progress; sends the request an OpenAI engine expects', async () => {
    const { fake, engine } = await setup({ tokenDelayMs: 3 });
    fake.reply('one two three four');
    const seen: number[] = [];
    const r = await gen(engine, { system: 'Be brief.', temperature: 0.2, onToken: (n) => seen.push(n) });
    expect(r).toMatchObject({
      text: 'one two three four',
      promptTokens: 4,
      outputTokens: 4,
      doneReason: 'stop',
      usageReported: true,
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(r.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(r.totalMs).toBeGreaterThanOrEqual(r.timeToFirstTokenMs);
    expect(fake.requestsTo(CHAT)[0]!.body).toEqual({
      model: TEXT,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
      max_tokens: 100,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(fake.stats().streams).toMatchObject({ started: 1, completed: 1, aborted: 0 });
  });

  it('reports length, estimates without usage, and takes tokens/s from llama-server timings', async () => {
    const { fake, engine } = await setup();
    fake.reply('a b c d e f');
    expect((await gen(engine, { maxTokens: 2 })).doneReason).toBe('length');
    const { engine: quiet } = await setup({ usage: 'none', reply: 'a b c' });
    // "hello there": 11 chars / 4
    expect(await gen(quiet)).toMatchObject({ outputTokens: 3, promptTokens: 3, usageReported: false });
    const { engine: llama } = await setup({ usage: 'final', timings: true, tokenDelayMs: 4, reply: 'x y' });
    // the engine's own timings: its predicted_per_second (2 tokens over predicted_ms), its prompt_ms and
    // cache_n — no stopwatch here (timers may fire early)
    const timed = await gen(llama);
    expect(timed).toMatchObject({
      outputTokens: 2,
      usageReported: true,
      cachedPromptTokens: 0,
      promptMs: expect.any(Number),
      generatingMs: expect.any(Number),
    });
    expect(timed.generatingMs).toBeGreaterThan(0);
    expect(timed.tokensPerSecond).toBeCloseTo(2000 / timed.generatingMs!, 0);
  });

  it("keeps a reasoning model's reasoning apart, counting its tokens as progress", async () => {
    const { engine } = await setup({ reply: { content: 'forty two', reasoning: 'let me think' } });
    const seen: number[] = [];
    const r = await gen(engine, { onToken: (n) => seen.push(n) });
    expect(r).toMatchObject({ text: 'forty two', thinking: 'let me think', outputTokens: 5 });
    expect(seen).toHaveLength(5);
  });

  it('sends images as image_url parts with data URLs', async () => {
    const { fake, engine } = await setup();
    const png = 'iVBORw0KGgoAAAANSUhEUg==';
    const jpeg = '/9j/4AAQSkZJRg==';
    await gen(engine, {
      model: VISION,
      prompt: 'what is this?',
      images: [png, jpeg, 'data:image/webp;base64,UklGRg=='],
    });
    const content = (fake.requestsTo(CHAT)[0]!.body as { messages: Array<{ content: unknown }> }).messages[0]!.content;
    expect(content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg}` } },
      { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } },
    ]);
  });

  it("works over another fetch (Node's own), cancellation included", async () => {
    const { fake, engine } = await setup({ tokenDelayMs: 5 }, { fetch: globalThis.fetch });
    expect((await gen(engine)).text).toBe('The quick brown fox jumps over the lazy dog.');
    fake.reply('w '.repeat(300));
    const ac = new AbortController();
    expect((await failure(gen(engine, { signal: ac.signal, onToken: (n) => n === 2 && ac.abort() }))).kind).toBe(
      'aborted',
    );
    await until(() => fake.stats().streams.aborted === 1, 500);
  });

  it('accepts an engine that ignored stream:true and answered one chat.completion', async () => {
    const { fake, engine } = await setup();
    const whole = {
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 3 },
    };
    fake.failNext(CHAT, { status: 200, body: JSON.stringify(whole), contentType: 'application/json' });
    expect(await gen(engine)).toMatchObject({
      text: 'all at once',
      outputTokens: 3,
      promptTokens: 2,
      doneReason: 'stop',
    });
  });
});

describe('OpenAIBackend: cancellation and stalls', () => {
  it('cancelling closes the stream at once: the engine sees it', async () => {
    const { fake, engine } = await setup({ tokenDelayMs: 10, reply: 'w '.repeat(300) });
    const ac = new AbortController();
    let tokens = 0;
    const err = await failure(
      gen(engine, { signal: ac.signal, onToken: (n) => ((tokens = n), n === 3 && ac.abort()) }),
    );
    expect(err.kind).toBe('aborted');
    expect(err.message).toBe(`generation on "${TEXT}" on vllm was cancelled.`);
    expect(tokens).toBe(3); // nothing is handed on once cancelled, though the engine had 297 more to send
    await until(() => fake.stats().streams.aborted === 1, 500);
    expect(fake.stats().streams.completed).toBe(0);
    // cancelled before it began: nothing is sent
    expect((await failure(gen(engine, { signal: AbortSignal.abort() }))).kind).toBe('aborted');
    expect(fake.requestsTo(CHAT)).toHaveLength(1);
  });

  it('a stall between tokens stops the stream, naming the phase and the setting', async () => {
    const { fake, engine } = await setup();
    fake.breakNextStream({ afterChunks: 2, how: 'stall' });
    const err = await failure(gen(engine, { stallTimeoutMs: 150 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(
      `"${TEXT}" on vllm (${fake.host}) sent nothing for 150 ms after 2 tokens and was stopped — ` +
        `it may be loading the model or overloaded; raise hosts.vllm.stallTimeoutMs if it is just slow.`,
    );
    await until(() => fake.stats().streams.aborted === 1, 500);
  });

  it('a slow but steady stream, longer than stallTimeoutMs in all, is no stall', async () => {
    // 100 ms a token, 1.6 s in all: a gap ten times as long as the fake's is not a stall yet
    const { engine } = await setup({ tokenDelayMs: 100, reply: 'w '.repeat(16) });
    const r = await gen(engine, { stallTimeoutMs: 1000 });
    expect(r.outputTokens).toBe(16);
    expect(r.totalMs).toBeGreaterThan(1000);
  });

  it('a stall before the first token, and before any answer, name those phases', async () => {
    const { fake, engine } = await setup({}, { settingsPath: 'hosts[1]' });
    fake.breakNextStream({ afterChunks: 0, how: 'stall' });
    expect((await failure(gen(engine, { stallTimeoutMs: 100 }))).message).toMatch(
      /sent nothing for 100 ms while waiting for the first token .* raise hosts\[1\]\.stallTimeoutMs/,
    );
    fake.setLatency(CHAT, 2000);
    expect((await failure(gen(engine, { stallTimeoutMs: 100 }))).message).toMatch(/while waiting for it to answer/);
  });
});

describe('OpenAIBackend: broken streams', () => {
  it('a stream that ends without finishing, or whose connection resets, is an error', async () => {
    const { fake, engine } = await setup({ reply: 'a b c d' });
    fake.breakNextStream({ afterChunks: 2, how: 'end' });
    const ended = await failure(gen(engine));
    expect(ended.kind).toBe('server_error');
    expect(ended.message).toBe(
      `The stream from vllm (${fake.host}) ended after 2 tokens without finishing (no ` +
        `finish_reason, no [DONE]) — vllm or a proxy cut it off; try again.`,
    );
    fake.breakNextStream({ afterChunks: 1, how: 'reset' });
    expect((await failure(gen(engine))).message).toBe(
      `The stream from vllm (${fake.host}) broke off after 1 tokens (connection reset) — try ` +
        `again, or check vllm's logs.`,
    );
  });

  it(
    "errors the engine sends mid-stream (vLLM's data: {error}, llama-server's error: line) " + 'carry its message',
    async () => {
      const { fake, engine } = await setup({ reply: 'a b c d' });
      fake.breakNextStream({ afterChunks: 1, how: 'error', message: 'CUDA out of memory' });
      const vllm = await failure(gen(engine));
      expect(vllm.kind).toBe('server_error');
      expect(vllm.message).toBe(
        `vllm (${fake.host}) failed during generation on "${TEXT}" after 1 tokens: CUDA out of ` +
          `memory — try again, or try another model.`,
      );
      fake.breakNextStream({
        afterChunks: 2,
        how: 'error-field',
        message: 'the request exceeds the available context size',
      });
      const llama = await failure(gen(engine));
      expect(llama.message).toMatch(
        /after 2 tokens: the request exceeds the available context size — shorten the prompt/,
      );
    },
  );

  it('reads a stream whose last event lacks its blank line; one cut inside its last event did not finish', async () => {
    const { fake, engine } = await setup();
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ` +
      `${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = { status: 200, contentType: 'text/event-stream' };
    fake.failNext(CHAT, {
      ...sse,
      body:
        `: ` +
        `keep-alive\n\n${chunk({ content: 'hi ' })}${chunk({ content: 'there' })}${chunk({}, 'stop')}data: ` +
        `[DONE]`,
    });
    expect(await gen(engine)).toMatchObject({
      text: 'hi there',
      doneReason: 'stop',
      outputTokens: 2,
      usageReported: false,
    });
    fake.failNext(CHAT, {
      ...sse,
      body: `${chunk({ content: 'hi ' })}data: {"object":"chat.completion.chunk","choices":[{"delta":{"cont`,
    });
    expect((await failure(gen(engine))).message).toMatch(/ended after 1 tokens without finishing/);
    fake.failNext(CHAT, { ...sse, body: `${chunk({ content: 'hi ' })}data: <html>oops</html>\n\n` });
    expect((await failure(gen(engine))).message).toMatch(
      /sent a stream event that is not an OpenAI chunk: "<html>oops<\/html>"/,
    );
    fake.failNext(CHAT, { ...sse, body: 'Internal error, please retry' });
    expect((await failure(gen(engine))).message).toMatch(
      /with a body that is not OpenAI's: "Internal error, please retry", not an OpenAI-compatible answer/,
    );
  });

  it('an empty answer is an error', async () => {
    const { engine } = await setup({ reply: '' });
    const err = await failure(gen(engine));
    expect(err.message).toBe(
      `"${TEXT}" on vllm (127.0.0.1:${err.host.split(':')[1]}) returned an empty answer — raise ` +
        `maxTokens, or try another model.`,
    );
    // a sampling model is asked once more (jobs/route-attempt.ts), the host not rested
    expect(err.kind).toBe('empty_answer');
  });
});

describe('OpenAIBackend: errors name the engine and the next step', () => {
  it('an unknown model lists what the engine serves', async () => {
    const { fake, engine } = await setup();
    const err = await failure(gen(engine, { model: 'ghost' }));
    expect(err).toMatchObject({ kind: 'model_not_found', status: 404, engine: 'vllm', host: fake.host });
    expect(err.message).toBe(
      `Model "ghost" is not served by vllm (${fake.host}); it serves: ` +
        `Qwen/Qwen2.5-Coder-7B-Instruct, ${TEXT}, ${VISION}.`,
    );
  });

  it('429 says when to retry; 5xx names the status and what the engine said', async () => {
    const { fake, engine } = await setup();
    fake.failNext(CHAT, { status: 429, retryAfter: 7 });
    const limited = await failure(gen(engine));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(limited.message).toBe(
      `vllm (${fake.host}) is rate-limited (HTTP 429: Rate limit reached for requests. Please try ` +
        `again later.); retry after 7 s, or use another host.`,
    );
    fake.failNext(CHAT, { status: 500, message: 'CUDA error: an illegal memory access' });
    expect((await failure(gen(engine))).message).toBe(
      `vllm (${fake.host}) failed (HTTP 500): CUDA error: an illegal memory access — check vllm's logs, or try again.`,
    );
    fake.setHealth('loading');
    const loading = await failure(gen(engine));
    expect([loading.kind, loading.status]).toEqual(['server_error', 503]);
    expect(loading.message).toMatch(
      /failed \(HTTP 503\): Loading model — it is still loading a model; try again shortly\.$/,
    );
  });

  it("a body that is not OpenAI's is said to be so, quoting at most 100 characters", async () => {
    const { fake, engine } = await setup();
    fake.failNext(CHAT, { status: 502, body: PROXY_502_HTML });
    const proxy = await failure(gen(engine));
    expect(proxy).toMatchObject({ kind: 'server_error', status: 502 });
    expect(proxy.message).toBe(
      `vllm (${fake.host}) failed (HTTP 502) and answered with an HTML page ("502 Bad Gateway"), ` +
        `not an OpenAI error — a proxy in front of it may be failing; check that vllm is running, ` +
        `and its logs.`,
    );
    fake.failNext(CHAT, { status: 500, body: `oops ${'x'.repeat(5000)}`, contentType: 'text/plain' });
    const long = await failure(gen(engine));
    expect(long.message).toMatch(/a body that is not OpenAI's: "oops x+"…/);
    expect(long.message.match(/x/g)!.length).toBeLessThanOrEqual(100);
    fake.failNext('/v1/models', {
      status: 200,
      body: '<!doctype html><html><head><title>Open WebUI</title></head></html>',
    });
    const web = await failure(engine.listModels());
    expect(web.kind).toBe('bad_response');
    expect(web.message).toMatch(
      /answered GET \/v1\/models with an HTML page \("Open WebUI"\), not an OpenAI-compatible answer — check its baseURL/,
    );
  });

  it(
    "other engines' error bodies are read too (older vLLM, FastAPI), and a context overflow " + 'says what to do',
    async () => {
      const { fake, engine } = await setup();
      const tooLong =
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. " +
        'Please reduce the length of the messages or completion.';
      fake.failNext(CHAT, {
        status: 400,
        body: JSON.stringify({ object: 'error', message: tooLong, type: 'BadRequestError', code: 400 }),
        contentType: 'application/json',
      });
      const err = await failure(gen(engine));
      // it names the window: carried as contextLimit, for the work to be planned again for it
      expect(err).toMatchObject({ kind: 'bad_request', contextLimit: 4096 });
      expect(err.message).toBe(
        `vllm (${fake.host}) refused the request for "${TEXT}": the prompt is over the 4096-token ` +
          `window it runs the model with (HTTP 400: ${tooLong}) — send less (split the input to fit ` +
          `that window), or start it with a larger context.`,
      );
      // one that names none: said as before, with no window
      fake.failNext(CHAT, {
        status: 400,
        body: JSON.stringify({
          object: 'error',
          message: 'Please reduce the length of the messages.',
          type: 'BadRequestError',
          code: 400,
        }),
        contentType: 'application/json',
      });
      const vague = await failure(gen(engine));
      expect(vague.contextLimit).toBeUndefined();
      expect(vague.message).toBe(
        `vllm (${fake.host}) rejected the request for "${TEXT}" (HTTP 400): Please reduce the ` +
          `length of the messages. — shorten the prompt, lower maxTokens, or use a model with a ` +
          `larger context.`,
      );
      fake.failNext(CHAT, {
        status: 422,
        body: '{"detail":[{"loc":["body","messages"],"msg":"Field required"}]}',
        contentType: 'application/json',
      });
      expect((await failure(gen(engine))).message).toMatch(/\(HTTP 422\): Field required — check the request/);
    },
  );

  it('connection refused: not reachable at the URL — is it running?', async () => {
    const { fake, engine } = await setup();
    await fake.setOffline(true);
    const err = await failure(gen(engine));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(`vllm is not reachable at ${fake.url} (connection refused) — is it running?`);
  });
});

describe('OpenAIBackend: the API key', () => {
  it('is read from the environment variable at call time and sent as a bearer token', async () => {
    const { fake, engine } = await setup({ apiKey: KEY }, { apiKeyEnv: KEY_ENV });
    const unset = await failure(engine.listModels());
    expect(unset.kind).toBe('unauthorized');
    expect(unset.message).toBe(
      `vllm (${fake.host}) requires an API key (HTTP 401), and $${KEY_ENV} is not set in this ` +
        `server's environment — check the API key in $${KEY_ENV} (an MCP client passes only the ` +
        `variables in its env block).`,
    );
    process.env[KEY_ENV] = KEY;
    expect(await engine.listModels()).toHaveLength(3);
    expect((await gen(engine)).text).toMatch(/quick brown fox/);
    expect(fake.requests.map((r) => r.auth)).toEqual(['none', 'valid', 'valid']);
  });

  it("takes OLLM_API_KEY (the Claude Desktop bundle's keychain field) when the variable named is not set", async () => {
    const { fake, engine } = await setup({ apiKey: KEY }, { apiKeyEnv: KEY_ENV });
    delete process.env[KEY_ENV];
    process.env.OLLM_API_KEY = KEY;
    try {
      expect(await engine.listModels()).toHaveLength(3);
      expect(fake.requests.map((r) => r.auth)).toEqual(['valid']);
    } finally {
      delete process.env.OLLM_API_KEY;
    }
  });

  it('a rejected key says which variable to check, and no message ever carries the key', async () => {
    const { fake, engine } = await setup({ apiKey: KEY }, { apiKeyEnv: KEY_ENV });
    process.env[KEY_ENV] = 'sk-wrong-key-that-is-secret-9876';
    const errors = [await failure(engine.listModels()), await failure(gen(engine)), (await engine.health({})).error];
    expect(errors[0]!.message).toBe(
      `vllm (${fake.host}) rejected the API key in $${KEY_ENV} (HTTP 401) — check the API key in $${KEY_ENV}.`,
    );
    for (const e of errors.slice(0, 2)) expect(e!.kind).toBe('unauthorized');
    process.env[KEY_ENV] = KEY;
    fake.failNext(CHAT, { status: 500, message: `upstream said: bad key ${KEY} (sk-te***XYZ)` });
    errors.push(await failure(gen(engine)));
    for (const e of errors) {
      const text = `${e?.message ?? ''} ${JSON.stringify(e)}`;
      expect(text).not.toContain('secret');
      expect(text).not.toContain('9876');
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('sk-te***');
    }
    expect(errors.at(-1)!.message).toMatch(/upstream said: bad key \[redacted\] \(\[redacted\]\)/);
  });

  it('an engine asking for a key when none is configured says where to name one', async () => {
    const { fake, engine } = await setup({ apiKey: KEY }, { settingsPath: 'hosts[0]' });
    expect((await failure(engine.listModels())).message).toBe(
      `vllm (${fake.host}) requires an API key (HTTP 401) — name the environment variable that ` +
        `holds it in hosts[0].apiKeyEnv.`,
    );
  });
});
