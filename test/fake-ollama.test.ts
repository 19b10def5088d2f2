import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from './fake-ollama/models.js';
import {
  expectNsInt,
  expectResponseError,
  ndjson,
  post,
  start,
  stopFakesAfterEach,
} from './fake-ollama/test-helpers.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

stopFakesAfterEach();

describe('fake ollama: basic endpoints', () => {
  it('answers /, HEAD /, /api/version and unknown routes like Ollama', async () => {
    const { fake } = await start({ version: '0.12.6' });
    const root = await fetch(fake.url);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('Ollama is running');
    const head = await fetch(fake.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await (await fetch(`${fake.url}/api/version`)).json()).toEqual({ version: '0.12.6' });
    const nf = await fetch(`${fake.url}/api/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.text()).toBe('404 page not found');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /',
      'HEAD /',
      'GET /api/version',
      'GET /api/nope',
    ]);
  });

  it('lists installed models in /api/tags with the Ollama shape', async () => {
    const { client } = await start();
    const { models } = await client.list();
    expect(models.map((m) => m.name).sort()).toEqual(DEFAULT_MODELS.map((m) => m.name).sort());
    const llama = models.find((m) => m.name === 'llama3.2:latest');
    expect(llama).toMatchObject({
      name: 'llama3.2:latest',
      model: 'llama3.2:latest',
      size: 2019393189,
      details: {
        parent_model: '',
        format: 'gguf',
        family: 'llama',
        families: ['llama'],
        parameter_size: '3.2B',
        quantization_level: 'Q4_K_M',
      },
    });
    expect(llama?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(String(llama?.modified_at)).toMatch(RFC3339);
  });

  it('answers /api/show with model_info, capabilities and details; accepts `name`', async () => {
    const { fake, client } = await start();
    const show = await client.show({ model: 'llama3.2' });
    expect(show.capabilities).toEqual(['completion', 'tools']);
    expect(show.details.family).toBe('llama');
    expect(typeof show.modelfile).toBe('string');
    expect(typeof show.template).toBe('string');
    expect(typeof show.parameters).toBe('string');
    const info = show.model_info as unknown as Record<string, unknown>;
    expect(info['general.architecture']).toBe('llama');
    expect(info['general.parameter_count']).toBe(3212749888);
    expect(info['llama.context_length']).toBe(131072);
    for (const k of ['embedding_length', 'block_count', 'attention.head_count', 'attention.head_count_kv']) {
      expect(typeof info[`llama.${k}`]).toBe('number');
    }
    const legacy = await post(`${fake.url}/api/show`, { name: 'nomic-embed-text' });
    const body = (await legacy.json()) as { capabilities: string[]; model_info: Record<string, unknown> };
    expect(body.capabilities).toEqual(['embedding']);
    expect(body.model_info['nomic-bert.context_length']).toBe(2048);
  });
});

describe('fake ollama: connections', () => {
  it('reuses keep-alive connections and counts accepted sockets', async () => {
    const { fake, client } = await start();
    for (let i = 0; i < 10; i++) await client.version();
    expect(fake.connectionCount()).toBeGreaterThanOrEqual(1);
    expect(fake.connectionCount()).toBeLessThanOrEqual(2);
  });
});

describe('fake ollama: generate and chat', () => {
  it('streams NDJSON chunks then a done line with integer-ns metrics; load_duration only when it loaded', async () => {
    const { fake } = await start();
    fake.reply('Hello there from the fake');
    const res = await post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'Say hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = await ndjson(res);
    const chunks = lines.slice(0, -1);
    const final = lines.at(-1) as Record<string, unknown>;
    expect(chunks).toHaveLength(5);
    for (const c of chunks) {
      expect(c).toMatchObject({ model: 'llama3.2', done: false });
      expect(String(c['created_at'])).toMatch(RFC3339);
    }
    expect(chunks.map((c) => c['response']).join('')).toBe('Hello there from the fake');
    expect(final).toMatchObject({ model: 'llama3.2', response: '', done: true, done_reason: 'stop', eval_count: 5 });
    expect(Array.isArray(final['context'])).toBe(true);
    for (const k of [
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]) {
      expectNsInt(final[k]);
    }
    expect(final['total_duration'] as number).toBeGreaterThanOrEqual(
      (final['load_duration'] as number) + (final['eval_duration'] as number),
    );

    // second request: model already loaded → no load_duration (zero metrics are left out)
    const again = await ndjson(await post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'again' }));
    expect(again.at(-1)).not.toHaveProperty('load_duration');
    expect(fake.loadCount('llama3.2')).toBe(1);
  });

  it('stream:false returns one object; num_predict cuts with done_reason "length"', async () => {
    const { client } = await start();
    const full = await client.generate({ model: 'llama3.2', prompt: 'hi' });
    expect(full.response).toBe('The quick brown fox jumps over the lazy dog.');
    expect(full.done).toBe(true);
    expect(full.done_reason).toBe('stop');
    expect(full.eval_count).toBe(10); // as Llama 3's tokenizer cuts it: the words, each with its space, and the stop
    const cut = await client.generate({ model: 'llama3.2', prompt: 'hi', options: { num_predict: 3 } });
    expect(cut.response).toBe('The quick brown');
    expect(cut.done_reason).toBe('length');
    expect(cut.eval_count).toBe(3);
  });

  it('chat streams message chunks and a final empty message with metrics', async () => {
    const { client } = await start();
    const stream = await client.chat({
      model: 'qwen2.5-coder:7b',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    const parts = [];
    for await (const part of stream) parts.push(part);
    const final = parts.at(-1);
    expect(
      parts
        .slice(0, -1)
        .map((p) => p.message.content)
        .join(''),
    ).toBe('The quick brown fox jumps over the lazy dog.');
    expect(parts.slice(0, -1).every((p) => p.message.role === 'assistant' && !p.done)).toBe(true);
    expect(final?.done).toBe(true);
    expect(final?.message).toEqual({ role: 'assistant', content: '' });
    expect(final?.done_reason).toBe('stop');
    expectNsInt(final?.eval_duration);
    expectNsInt(final?.load_duration);
  });

  it('reply() can be a function of the request', async () => {
    const { fake, client } = await start();
    fake.reply((c) => `answer from ${c.model} to ${c.endpoint}`);
    const r = await client.chat({ model: 'phi3:mini', messages: [{ role: 'user', content: 'x' }] });
    expect(r.message.content).toBe('answer from phi3:mini to chat');
  });

  it('embeds one vector per input', async () => {
    const { client } = await start();
    const r = await client.embed({ model: 'nomic-embed-text', input: ['a', 'b', 'c'] });
    expect(r.embeddings).toHaveLength(3);
    expect(r.embeddings[0]).toHaveLength(768);
    expect(r.embeddings[0]).not.toEqual(r.embeddings[1]);
    const again = await client.embed({ model: 'nomic-embed-text', input: 'a' });
    expect(again.embeddings[0]).toEqual(r.embeddings[0]);
  });
});

describe('fake ollama: errors', () => {
  it('returns the status codes and error texts from the reference table', async () => {
    const { fake, client } = await start();
    const cases: Array<[string, string | undefined, number, string]> = [
      ['/api/generate', undefined, 400, 'missing request body'],
      ['/api/generate', '{"model":', 400, 'unexpected EOF'],
      ['/api/generate', 'nope', 400, "invalid character 'o' in literal null (expecting 'u')"],
      ['/api/generate', '{"model" "x"}', 400, "invalid character '\"' after object key"],
      ['/api/generate', '{"model":"Nope","prompt":"x"}', 404, "model 'Nope' not found"],
      [
        '/api/generate',
        '{"model":"nomic-embed-text","prompt":"x"}',
        400,
        '"nomic-embed-text" does not support generate',
      ],
      ['/api/generate', '{"model":"llama3.2","keep_alive":"-1"}', 400, 'time: missing unit in duration "-1"'],
      [
        '/api/generate',
        '{"model":"llama3.2","prompt":5}',
        400,
        'json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string',
      ],
      ['/api/chat', '{"messages":[]}', 400, 'model is required'],
      [
        '/api/chat',
        '{"model":"phi3:mini","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}',
        400,
        '"phi3:mini" does not support tools',
      ],
      ['/api/show', '{"model":"ghost"}', 404, "model 'ghost:latest' not found"],
    ];
    for (const [path, body, status, error] of cases) {
      const res = await fetch(`${fake.url}${path}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
      expect({ path, body, status: res.status }).toEqual({ path, body, status });
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({ error });
    }
    await expectResponseError(client.generate({ model: 'ghost:7b', prompt: 'x' }), 404, "model 'ghost:7b' not found");
    await expectResponseError(client.show({ model: 'ghost' }), 404, "model 'ghost:latest' not found");
    expect(fake.loaded()).toHaveLength(0);
  });

  it('failNext: an immediate failure carries its status; a mid-stream failure is a 200 ending with an error line', async () => {
    const { fake, client } = await start();
    fake.failNext('/api/generate', 503, 'server busy, please try again.  maximum pending requests exceeded');
    await expectResponseError(
      client.generate({ model: 'llama3.2', prompt: 'x' }),
      503,
      'server busy, please try again.  maximum pending requests exceeded',
    );

    fake.failNext('/api/generate', 500, 'llama runner process has terminated: exit status 2', { afterChunks: 3 });
    const res = await post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'x' });
    expect(res.status).toBe(200);
    const lines = await ndjson(res);
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).every((l) => l['done'] === false)).toBe(true);
    expect(lines[3]).toEqual({ error: 'llama runner process has terminated: exit status 2' });
    expect(lines.some((l) => l['done'] === true)).toBe(false);

    fake.failNext('/api/chat', 500, 'boom', { afterChunks: 2 });
    const stream = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const p of stream) got.push(p.message.content);
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual(['The', ' quick']);
    // the failure was used once: the next request works and the model is idle again
    expect((await client.generate({ model: 'llama3.2', prompt: 'x' })).done).toBe(true);
    expect(fake.loaded()[0]?.inFlight).toBe(0);
  });

  it('setLatency delays answers; setOffline makes connections fail until back online', async () => {
    const { fake, client } = await start();
    fake.setLatency('/api/tags', 80);
    const t0 = Date.now();
    await client.list();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    fake.setLatency('/api/tags', 0);

    fake.setOffline(true);
    await expect(fetch(`${fake.url}/api/version`)).rejects.toThrow();
    await expect(client.list()).rejects.toThrow();
    fake.setOffline(false);
    expect((await client.version()).version).toBe('0.33.0'); // the default: a llama-server era Ollama
  });
});
