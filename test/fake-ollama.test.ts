import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Ollama } from 'ollama';
import { FakeOllama, type FakeOllamaOptions } from './fake-ollama/server.js';
import { DEFAULT_MODELS, estimateModelMemory, kvCacheBytes, type FakeModel } from './fake-ollama/models.js';

/** The client's ResponseError class is not exported; it has this shape and name. */
interface ClientResponseError extends Error {
  error: string;
  status_code: number;
}
function isResponseError(e: unknown): e is ClientResponseError {
  return e instanceof Error && e.name === 'ResponseError' && 'status_code' in e && 'error' in e;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const running: FakeOllama[] = [];
async function start(opts?: FakeOllamaOptions): Promise<{ fake: FakeOllama; client: Ollama }> {
  const fake = await FakeOllama.start(opts);
  running.push(fake);
  return { fake, client: new Ollama({ host: fake.url }) };
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

function model(name: string): FakeModel {
  const m = DEFAULT_MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`no fixture ${name}`);
  return m;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function ndjson(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function expectResponseError(p: Promise<unknown>, status: number, message: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isResponseError(err)).toBe(true);
  expect((err as ClientResponseError).status_code).toBe(status);
  expect((err as ClientResponseError).error).toBe(message);
}

function expectNsInt(v: unknown): void {
  expect(typeof v).toBe('number');
  expect(Number.isInteger(v)).toBe(true);
  expect(v as number).toBeGreaterThan(0);
}

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
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'HEAD /', 'GET /api/version', 'GET /api/nope']);
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
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
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

describe('fake ollama: process and connections', () => {
  it('reuses keep-alive connections and counts accepted sockets', async () => {
    const { fake, client } = await start();
    for (let i = 0; i < 10; i++) await client.version();
    expect(fake.connectionCount()).toBeGreaterThanOrEqual(1);
    expect(fake.connectionCount()).toBeLessThanOrEqual(2);
  });

  it('standalone runner prints {"url"} on stdout and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-ollama/main.ts', '--port', '0', '--memory', '8e9'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const rl = createInterface({ input: child.stdout });
      const [line] = (await once(rl, 'line')) as [string];
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(url)).text()).toBe('Ollama is running');
      // --memory is applied: mixtral (26 GB) cannot load on an 8 GB machine
      const res = await post(`${url}/api/generate`, { model: 'llama3.2' });
      expect(res.status).toBe(200);
      const ps = (await (await fetch(`${url}/api/ps`)).json()) as { models: unknown[] };
      expect(ps.models).toHaveLength(1);
      const big = await post(`${url}/api/generate`, { model: 'mixtral:8x7b' });
      expect(big.status).toBe(500);
      expect(((await big.json()) as { error: string }).error).toMatch(/than is available \(5\.\d GiB\)/);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
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
    for (const k of ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration']) {
      expectNsInt(final[k]);
    }
    expect(final['total_duration'] as number).toBeGreaterThanOrEqual((final['load_duration'] as number) + (final['eval_duration'] as number));

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
    expect(full.eval_count).toBe(9);
    const cut = await client.generate({ model: 'llama3.2', prompt: 'hi', options: { num_predict: 3 } });
    expect(cut.response).toBe('The quick brown ');
    expect(cut.done_reason).toBe('length');
    expect(cut.eval_count).toBe(3);
  });

  it('chat streams message chunks and a final empty message with metrics', async () => {
    const { client } = await start();
    const stream = await client.chat({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'hello' }], stream: true });
    const parts = [];
    for await (const part of stream) parts.push(part);
    const final = parts.at(-1);
    expect(parts.slice(0, -1).map((p) => p.message.content).join('')).toBe('The quick brown fox jumps over the lazy dog.');
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

describe('fake ollama: loading, keep_alive and /api/ps', () => {
  it('load-only (no prompt) answers done_reason "load" even when streaming; keep_alive 0 unloads', async () => {
    const { fake, client } = await start();
    const res = await post(`${fake.url}/api/generate`, { model: 'llama3.2' });
    expect(res.headers.get('content-type')).toContain('application/json');
    const load = (await res.json()) as Record<string, unknown>;
    expect(load).toMatchObject({ model: 'llama3.2', response: '', done: true, done_reason: 'load' });
    const ps = await client.ps();
    expect(ps.models).toHaveLength(1);
    const entry = ps.models[0] as unknown as Record<string, unknown>;
    expect(entry).toMatchObject({ name: 'llama3.2:latest', model: 'llama3.2:latest', size_vram: 0, context_length: 4096 });
    expect(entry['size']).toBe(estimateModelMemory(model('llama3.2:latest'), 4096));
    expect(String(entry['expires_at'])).toMatch(RFC3339);
    const expiresIn = Date.parse(String(entry['expires_at'])) - Date.now();
    expect(expiresIn).toBeGreaterThan(4 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);
    expect(fake.usedMemoryBytes()).toBe(entry['size']);

    const unload = await client.generate({ model: 'llama3.2', prompt: '', keep_alive: 0 });
    expect(unload.done_reason).toBe('unload');
    expect((await client.ps()).models).toHaveLength(0);
    expect(fake.usedMemoryBytes()).toBe(0);
    // unloading something not loaded is still 200; chat has the same load/unload rules
    const again = await post(`${fake.url}/api/generate`, { model: 'phi3:mini', keep_alive: '0s' });
    expect(again.status).toBe(200);
    const chatLoad = await client.chat({ model: 'phi3:mini', messages: [] });
    expect(chatLoad.done_reason).toBe('load');
    expect(fake.loaded().map((l) => l.name)).toEqual(['phi3:mini']);
  });

  it('keep_alive: negative = forever (centuries ahead), a short Go duration really unloads, ps is sorted latest first', async () => {
    const { fake, client } = await start();
    await client.generate({ model: 'phi3:mini', prompt: '', keep_alive: -1 });
    await client.generate({ model: 'llama3.2', prompt: '', keep_alive: '300ms' });
    await client.generate({ model: 'qwen2.5-coder:7b', prompt: '', keep_alive: '1h30m' });
    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toEqual(['phi3:mini', 'qwen2.5-coder:7b', 'llama3.2:latest']);
    expect(new Date(ps.models[0]?.expires_at ?? 0).getUTCFullYear()).toBeGreaterThan(2300);
    await waitFor(() => !fake.loaded().some((l) => l.name === 'llama3.2:latest'));
    expect((await client.ps()).models.map((m) => m.name)).toEqual(['phi3:mini', 'qwen2.5-coder:7b']);
    expect(fake.usedMemoryBytes()).toBe(fake.loaded().reduce((s, l) => s + l.size, 0));
  });

  it('the keep_alive timer does not run while a request is in flight', async () => {
    const { fake, client } = await start({ tokenDelayMs: 40 });
    const stream = await client.generate({ model: 'llama3.2', prompt: 'x', keep_alive: '50ms', stream: true });
    let chunks = 0;
    for await (const part of stream) {
      if (!part.done) chunks++;
      expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']); // 9 tokens × 40 ms ≫ 50 ms
    }
    expect(chunks).toBe(9);
    await waitFor(() => fake.loaded().length === 0);
  });

  it('charges memory (weights + KV estimate) and rejects a model larger than memory with 500', async () => {
    const { fake, client } = await start({ memoryBytes: 16e9 });
    await client.generate({ model: 'llama3.2', prompt: '' });
    const llama = model('llama3.2:latest');
    expect(kvCacheBytes(llama, 4096)).toBe(2 * 28 * 8 * 128 * 4096 * 2);
    expect(fake.usedMemoryBytes()).toBe(llama.size + kvCacheBytes(llama, 4096));
    expect(fake.freeMemoryBytes()).toBe(16e9 - fake.usedMemoryBytes());
    const err = await client.generate({ model: 'mixtral:8x7b', prompt: 'x' }).catch((e: unknown) => e);
    expect(isResponseError(err)).toBe(true);
    expect((err as ClientResponseError).status_code).toBe(500);
    expect((err as ClientResponseError).error).toMatch(/^model requires more system memory \(\d+\.\d GiB\) than is available \(\d+\.\d GiB\)$/);
    expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']); // nothing evicted for a hopeless load
    expect(fake.loadCount('mixtral:8x7b')).toBe(0);
  });

  it('evicts idle models shortest keep_alive first (not LRU) until the new one fits', async () => {
    const { fake, client } = await start({ memoryBytes: 7e9, kvCache: false });
    await client.generate({ model: 'llama3.2', prompt: '', keep_alive: '1h' }); // 2.02 GB, loaded first
    await client.generate({ model: 'phi3:mini', prompt: '', keep_alive: '10m' }); // 2.18 GB
    expect(fake.usedMemoryBytes()).toBe(2019393189 + 2176178913);
    // 4.68 GB does not fit in 2.8 GB free → evict phi3 (shortest keep_alive), keep llama3.2 although it is older
    await client.generate({ model: 'qwen2.5-coder:7b', prompt: '' });
    expect(fake.loaded().map((l) => l.name).sort()).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
    expect(fake.usedMemoryBytes()).toBe(2019393189 + 4683087332);
  });

  it('evicts by name when keep_alive ties, and honours maxLoadedModels', async () => {
    const { fake, client } = await start({ maxLoadedModels: 2 });
    await client.generate({ model: 'phi3:mini', prompt: '' });
    await client.generate({ model: 'llama3.2', prompt: '' });
    await client.generate({ model: 'qwen2.5-coder:7b', prompt: '' });
    expect(fake.loaded().map((l) => l.name).sort()).toEqual(['phi3:mini', 'qwen2.5-coder:7b']); // 'llama3.2' < 'phi3'
  });

  it('returns 500 when only busy models could make room (default), or waits with busyEviction:"wait"', async () => {
    for (const busyEviction of ['error', 'wait'] as const) {
      const { fake, client } = await start({ memoryBytes: 6e9, kvCache: false, tokenDelayMs: 15, busyEviction });
      const stream = await client.generate({ model: 'qwen2.5-coder:7b', prompt: 'x', stream: true });
      const consume = (async () => {
        let n = 0;
        for await (const p of stream) if (!p.done) n++;
        return n;
      })();
      consume.catch(() => undefined); // asserted below; avoid an unhandled rejection if an assertion fails first
      await waitFor(() => fake.loaded()[0]?.inFlight === 1);
      const other = client.generate({ model: 'llama3.2', prompt: 'y' });
      if (busyEviction === 'error') {
        await expectResponseError(other, 500, 'model requires more system memory (1.9 GiB) than is available (1.2 GiB)');
        expect(await consume).toBe(9);
        expect(fake.loaded().map((l) => l.name)).toEqual(['qwen2.5-coder:7b']);
      } else {
        const r = await other;
        expect(await consume).toBe(9); // the busy stream was not cut
        expect(r.done).toBe(true);
        expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']);
      }
    }
  });

  it('a num_ctx change forces a reload; num_ctx is capped at the trained context', async () => {
    const { fake, client } = await start();
    await client.generate({ model: 'llama3.2', prompt: 'a' });
    await client.generate({ model: 'llama3.2', prompt: 'b' });
    expect(fake.loadCount('llama3.2')).toBe(1);
    const r = await client.generate({ model: 'llama3.2', prompt: 'c', options: { num_ctx: 8192 } });
    expect(r.load_duration).toBeGreaterThan(0);
    expect(fake.loadCount('llama3.2:latest')).toBe(2);
    expect((await client.ps()).models[0]).toMatchObject({ context_length: 8192 });
    await client.generate({ model: 'llama3.2', prompt: 'd' }); // back to the default 4096 → reload again
    expect(fake.loadCount('llama3.2')).toBe(3);
    await client.generate({ model: 'llava:7b', prompt: 'e', options: { num_ctx: 32768 } });
    expect(fake.loaded().find((l) => l.name === 'llava:7b')?.contextLength).toBe(4096);
  });

  it('serialises loads', async () => {
    const { fake } = await start({ loadDelayMs: 60 });
    const t0 = Date.now();
    const [a, b] = await Promise.all([
      post(`${fake.url}/api/generate`, { model: 'llama3.2' }),
      post(`${fake.url}/api/generate`, { model: 'phi3:mini' }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    expect(fake.loaded()).toHaveLength(2);
  });

  it('deleting a loaded model unloads it; unknown delete is 404', async () => {
    const { fake, client } = await start();
    await client.generate({ model: 'phi3:mini', prompt: '' });
    const res = await fetch(`${fake.url}/api/delete`, { method: 'DELETE', body: JSON.stringify({ model: 'phi3:mini' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(fake.loaded()).toHaveLength(0);
    expect(fake.installed().some((m) => m.name === 'phi3:mini')).toBe(false);
    await expectResponseError(client.delete({ model: 'phi3:mini' }), 404, "model 'phi3:mini' not found");
  });

  it('a client abort mid-stream stops streaming and releases the model', async () => {
    const { fake, client } = await start({ tokenDelayMs: 20, defaultKeepAliveMs: 60_000 });
    fake.reply(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ')); // 200 tokens × 20 ms = 4 s if not stopped
    const stream = await client.generate({ model: 'llama3.2', prompt: 'x', stream: true });
    let seen = 0;
    await expect(
      (async () => {
        for await (const p of stream) {
          seen++;
          if (seen === 2) stream.abort();
          void p;
        }
      })(),
    ).rejects.toThrow();
    await waitFor(() => fake.loaded()[0]?.inFlight === 0, 1000); // well before the 4 s the stream would take
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(seen).toBeLessThan(10);
    expect(fake.loaded()).toHaveLength(1); // still loaded, timer running again
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
      ['/api/generate', '{"model":"nomic-embed-text","prompt":"x"}', 400, '"nomic-embed-text" does not support generate'],
      ['/api/generate', '{"model":"llama3.2","keep_alive":"-1"}', 400, 'time: missing unit in duration "-1"'],
      ['/api/generate', '{"model":"llama3.2","prompt":5}', 400, 'json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string'],
      ['/api/chat', '{"messages":[]}', 400, 'model is required'],
      ['/api/chat', '{"model":"phi3:mini","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}', 400, '"phi3:mini" does not support tools'],
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
    await expectResponseError(client.generate({ model: 'llama3.2', prompt: 'x' }), 503, 'server busy, please try again.  maximum pending requests exceeded');

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
    expect(got).toEqual(['The ', 'quick ']);
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
    expect((await client.version()).version).toBe('0.12.6');
  });
});

describe('fake ollama: pull', () => {
  it('streams progress with totals and installs the model only on success', async () => {
    const { fake, client } = await start();
    const target = 'gemma3:4b';
    expect(fake.installed().some((m) => m.name === target)).toBe(false);
    const stream = await client.pull({ model: target, stream: true });
    const statuses: string[] = [];
    const progress = new Map<string, { total: number; completed: number[] }>();
    for await (const p of stream) {
      statuses.push(p.status);
      if (p.status !== 'success') expect(fake.installed().some((m) => m.name === target)).toBe(false);
      if (p.digest) {
        expect(p.status).toBe(`pulling ${p.digest.slice(7, 19)}`);
        expect(p.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        const e = progress.get(p.digest) ?? { total: p.total, completed: [] };
        expect(p.total).toBe(e.total);
        if ('completed' in p) e.completed.push(p.completed);
        progress.set(p.digest, e);
      }
    }
    expect(statuses[0]).toBe('pulling manifest');
    expect(statuses.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    const layers = [...progress.values()];
    expect(layers.length).toBeGreaterThanOrEqual(2);
    expect(layers.reduce((s, l) => s + l.total, 0)).toBe(3338801804);
    for (const l of layers) {
      expect(l.completed.at(-1)).toBe(l.total);
      expect([...l.completed].sort((a, b) => a - b)).toEqual(l.completed);
      expect(l.completed.every((c) => c > 0)).toBe(true); // completed is left out when 0
    }
    expect(fake.installed().find((m) => m.name === target)?.size).toBe(3338801804);

    // pulling again is quick: one completed == total line per layer
    const again = await ndjson(await post(`${fake.url}/api/pull`, { model: target }));
    const layerLines = again.filter((l) => 'digest' in l);
    expect(layerLines).toHaveLength(layers.length);
    expect(layerLines.every((l) => l['completed'] === l['total'])).toBe(true);
    expect(again.at(-1)).toEqual({ status: 'success' });
  });

  it('unknown model: streamed 200 with an error line, stream:false 500', async () => {
    const { fake, client } = await start();
    const res = await post(`${fake.url}/api/pull`, { model: 'no-such-model' });
    expect(res.status).toBe(200);
    expect(await ndjson(res)).toEqual([{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]);
    const stream = await client.pull({ model: 'no-such-model', stream: true });
    await expect(
      (async () => {
        for await (const p of stream) void p;
      })(),
    ).rejects.toThrow('pull model manifest: file does not exist');
    await expectResponseError(client.pull({ model: 'no-such-model' }), 500, 'pull model manifest: file does not exist');
  });

  it('a client that disconnects mid-pull leaves the model not installed', async () => {
    const { fake, client } = await start({ pullChunkDelayMs: 15 });
    const stream = await client.pull({ model: 'qwen3:8b', stream: true });
    let n = 0;
    await expect(
      (async () => {
        for await (const p of stream) {
          void p;
          if (++n === 3) stream.abort();
        }
      })(),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 400)); // longer than the rest of the pull would take
    expect(fake.installed().some((m) => m.name === 'qwen3:8b')).toBe(false);
    const done = await client.pull({ model: 'qwen3:8b' });
    expect(done.status).toBe('success');
    expect(fake.installed().some((m) => m.name === 'qwen3:8b')).toBe(true);
  });
});

describe('stats', () => {
  /** POST /api/generate (stream:false unless the body says otherwise); the status and parsed body. */
  async function gen(fake: FakeOllama, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await post(`${fake.url}/api/generate`, { stream: false, ...body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const loadedNames = (fake: FakeOllama): string[] => fake.loaded().map((m) => m.name);

  it('a load takes loadDelayMs + loadMsPerGB × GB, seen in load_duration and stats().loadMs', async () => {
    const base = model('phi3:mini');
    const models = [
      { ...base, name: 'tiny:latest', size: 0.5e9 },
      { ...base, name: 'huge:latest', size: 5e9 },
    ];
    const { fake, client } = await start({ models, kvCache: false, loadDelayMs: 10, loadMsPerGB: 50 });
    const small = await client.generate({ model: 'tiny', prompt: 'hi' }); // 10 + 25 ms
    expect(fake.stats()).toMatchObject({ loads: 1, loadMs: 35 });
    let bigNs = 0;
    for await (const part of await client.chat({ model: 'huge', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      if (part.done) bigNs = part.load_duration; // 10 + 250 ms
    }
    expect(fake.stats()).toMatchObject({ loads: 2, loadMs: 295 });
    for (const [ns, ms] of [[small.load_duration, 35], [bigNs, 260]] as const) {
      expectNsInt(ns);
      expect(ns).toBeGreaterThanOrEqual((ms - 2) * 1e6);
      expect(ns).toBeLessThan((ms + 150) * 1e6);
    }
    const ratio = bigNs / small.load_duration; // 260 / 35 ≈ 7.4; without loadMsPerGB it would be ~1
    expect(ratio).toBeGreaterThan(4);
    expect(ratio).toBeLessThan(12);
    // already loaded: no load, no load_duration, nothing added
    const again = await client.generate({ model: 'huge', prompt: 'hi' });
    expect(again.load_duration ?? 0).toBe(0);
    expect(fake.stats()).toMatchObject({ loads: 2, loadMs: 295 });
  });

  it('records forced evictions (memory and maxLoadedModels), not keep_alive:0 unloads, expiries, deletes or num_ctx reloads', async () => {
    const { fake } = await start({ memoryBytes: 9e9, kvCache: false });
    await gen(fake, { model: 'qwen2.5-coder:7b' }); // 4.68 GB
    await gen(fake, { model: 'phi3:mini', keep_alive: '100ms' }); // 2.18 GB
    await waitFor(() => !loadedNames(fake).includes('phi3:mini')); // expiry
    await gen(fake, { model: 'phi3:mini' });
    await gen(fake, { model: 'phi3:mini', keep_alive: 0 }); // explicit unload, load-only form
    await gen(fake, { model: 'llama3.2', prompt: 'hi', keep_alive: 0 }); // unloads when the request ends
    await gen(fake, { model: 'llama3.2' });
    fake.removeModel('llama3.2'); // delete
    await gen(fake, { model: 'qwen2.5-coder:7b', options: { num_ctx: 8192 } }); // num_ctx reload
    expect(loadedNames(fake)).toEqual(['qwen2.5-coder:7b']);
    expect(fake.stats()).toMatchObject({ loads: 6, forcedEvictions: [], refusedLoads: [], unloads: 2, expiries: 1 });

    const before = Date.now();
    await gen(fake, { model: 'llava:7b' }); // 4.73 GB does not fit beside the coder: Ollama evicts it
    expect(loadedNames(fake)).toEqual(['llava:7b']);
    const { forcedEvictions } = fake.stats();
    expect(forcedEvictions).toEqual([{ evicted: 'qwen2.5-coder:7b', for: 'llava:7b', at: expect.any(Number) as number }]);
    expect(forcedEvictions[0]?.at).toBeGreaterThanOrEqual(before);

    const { fake: one } = await start({ maxLoadedModels: 1 });
    await gen(one, { model: 'phi3:mini' });
    await gen(one, { model: 'llama3.2' });
    expect(one.stats().forcedEvictions).toMatchObject([{ evicted: 'phi3:mini', for: 'llama3.2:latest' }]);
  });

  it('records refused loads: too big for the machine, and no room beside a busy model', async () => {
    const { fake } = await start({ memoryBytes: 9e9, kvCache: false, tokenDelayMs: 20 });
    const tooBig = await gen(fake, { model: 'mixtral:8x7b' });
    expect(tooBig.status).toBe(500);
    expect(tooBig.body['error']).toMatch(/^model requires more system memory/);
    expect(fake.stats().refusedLoads).toEqual([{ model: 'mixtral:8x7b', costBytes: model('mixtral:8x7b').size, freeBytes: 9e9, at: expect.any(Number) as number }]);

    fake.reply('one two three four five six seven eight nine ten');
    const busy = post(`${fake.url}/api/generate`, { model: 'llava:7b', prompt: 'hi' });
    await waitFor(() => fake.loaded()[0]?.inFlight === 1);
    const blocked = await gen(fake, { model: 'qwen2.5-coder:7b' });
    expect(blocked.status).toBe(500);
    await (await busy).text();
    const s = fake.stats();
    expect(s.refusedLoads[1]).toMatchObject({ model: 'qwen2.5-coder:7b', costBytes: model('qwen2.5-coder:7b').size, freeBytes: 9e9 - model('llava:7b').size });
    expect(s.forcedEvictions).toEqual([]);
    expect(s.loads).toBe(1);
  });

  it('peakUsedBytes is at least the sum of models loaded together, and stays after they unload', async () => {
    const { fake } = await start({ memoryBytes: 16e9 });
    for (const name of ['phi3:mini', 'llama3.2:latest', 'qwen2.5-coder:7b']) await gen(fake, { model: name });
    const together = fake.loaded().reduce((n, m) => n + m.size, 0);
    expect(fake.loaded()).toHaveLength(3);
    expect(fake.stats().peakUsedBytes).toBeGreaterThanOrEqual(together);
    for (const name of ['phi3:mini', 'llama3.2:latest', 'qwen2.5-coder:7b']) await gen(fake, { model: name, keep_alive: 0 });
    expect(fake.usedMemoryBytes()).toBe(0);
    expect(fake.stats()).toMatchObject({ peakUsedBytes: together, unloads: 3, loads: 3 });
  });

  it('resetStats() zeroes everything; stats() is a copy', async () => {
    const { fake } = await start({ memoryBytes: 9e9, kvCache: false, loadMsPerGB: 1 });
    await gen(fake, { model: 'qwen2.5-coder:7b' });
    await gen(fake, { model: 'llava:7b' }); // forced eviction
    await gen(fake, { model: 'mixtral:8x7b' }); // refused
    await gen(fake, { model: 'llava:7b', keep_alive: 0 }); // unload
    const s = fake.stats();
    expect(s).toMatchObject({ loads: 2, unloads: 1 });
    expect(s.loadMs).toBeGreaterThan(0);
    expect(s.forcedEvictions).toHaveLength(1);
    expect(s.refusedLoads).toHaveLength(1);
    s.forcedEvictions.length = 0;
    expect(fake.stats().forcedEvictions).toHaveLength(1);
    fake.resetStats();
    expect(fake.stats()).toEqual({ loads: 0, loadMs: 0, forcedEvictions: [], refusedLoads: [], unloads: 0, expiries: 0, peakUsedBytes: 0 });
    await gen(fake, { model: 'phi3:mini' });
    expect(fake.stats()).toMatchObject({ loads: 1, peakUsedBytes: model('phi3:mini').size });
  });
});
