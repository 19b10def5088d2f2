/** Cloud models, namespaced names, capabilities (embedding, image, audio, thinking) and the version. */
import { describe, expect, it } from 'vitest';
import { CAPABILITY_MODELS, CLOUD_MODELS, DEFAULT_MODELS, EXTRA_REGISTRY_MODELS, NAMESPACED_MODELS } from './models.js';
import { nameKey, normalizeName } from './names.js';
import { SIGNIN_URL } from './cloud.js';
import { gen, loadedNames, ndjson, post, ps, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

describe('cloud models', () => {
  it('are listed with remote_host and a size of a few hundred bytes, answer 401 with a signin_url, and never load', async () => {
    const { fake } = await start({ models: [...DEFAULT_MODELS, ...CLOUD_MODELS], admission: 'ollama' });
    const tags = (await (await fetch(`${fake.url}/api/tags`)).json()) as {
      models: Array<{ name: string; size: number; remote_host?: string; remote_model?: string }>;
    };
    const cloud = tags.models.find((m) => m.name === 'gpt-oss:120b-cloud');
    expect(cloud).toMatchObject({ remote_host: 'https://ollama.com:443', remote_model: 'gpt-oss:120b' });
    expect(cloud!.size).toBeLessThan(1000);
    expect(tags.models.find((m) => m.name === 'llama3.2:latest')).not.toHaveProperty('remote_host');
    const unauthorized = { error: 'unauthorized', signin_url: SIGNIN_URL };
    expect(SIGNIN_URL).toMatch(/^https:\/\/ollama\.com\/connect\?name=[^&]+&key=[A-Za-z0-9_-]+$/);
    expect(await gen(fake, { model: 'gpt-oss:120b-cloud', prompt: 'x' })).toEqual({
      status: 401,
      body: unauthorized,
    });
    expect(await gen(fake, { model: 'gpt-oss:120b-cloud' })).toEqual({ status: 401, body: unauthorized }); // a load too
    const chat = await post(`${fake.url}/api/chat`, {
      model: 'glm-4.6:cloud',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(chat.status).toBe(401);
    expect(await chat.json()).toEqual(unauthorized);
    // not installed: still the cloud
    expect((await gen(fake, { model: 'deepseek-v3.1:671b-cloud', prompt: 'x' })).status).toBe(401);
    expect(await ps(fake)).toEqual([]);
    expect(fake.stats()).toMatchObject({ loads: 0, failedLoads: [] });
  });

  it('signed in, they stream an answer as a remote model, still never in /api/ps nor charged to memory', async () => {
    const { fake } = await start({ models: [...DEFAULT_MODELS, ...CLOUD_MODELS], admission: 'ollama' });
    fake.setCloudSignedIn(true);
    fake.reply('from the cloud');
    const lines = await ndjson(
      await post(`${fake.url}/api/generate`, { model: 'qwen3-coder:480b-cloud', prompt: 'x' }),
    );
    expect(
      lines
        .slice(0, -1)
        .map((l) => l['response'])
        .join(''),
    ).toBe('from the cloud');
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
    expect(lines.at(-1)).not.toHaveProperty('load_duration');
    expect((await gen(fake, { model: 'gpt-oss:120b-cloud', keep_alive: -1 })).body['done_reason']).toBe('load');
    expect(await ps(fake)).toEqual([]);
    expect(fake.usedMemoryBytes()).toBe(0);
    expect(fake.stats().loads).toBe(0);
  });
});

describe('names', () => {
  it('parse like Ollama: host, namespace, model and tag are all identity; defaults filled in; case-insensitive', () => {
    expect(nameKey('llama3')).toBe('registry.ollama.ai/library/llama3:latest');
    expect(nameKey('Library/LLAMA3:Latest')).toBe(nameKey('llama3'));
    expect(nameKey('https://registry.ollama.ai/library/llama3')).toBe(nameKey('llama3'));
    expect(nameKey('someuser/llama3')).toBe('registry.ollama.ai/someuser/llama3:latest');
    expect(nameKey('example.com:5000/team/llama3')).toBe('example.com:5000/team/llama3:latest');
    expect(normalizeName('registry.ollama.ai/library/llama3.1:8b')).toBe('llama3.1:8b');
    expect(normalizeName('someuser/llama3.1:8b')).toBe('someuser/llama3.1:8b');
    expect(normalizeName('example.com/team/x')).toBe('example.com/team/x:latest');
  });

  it('a namespaced model is another model: it loads its own runner; the library one answers to all its spellings', async () => {
    const { fake } = await start({
      models: [...DEFAULT_MODELS, ...NAMESPACED_MODELS],
      admission: 'ollama',
      memoryBytes: 64e9,
    });
    await gen(fake, { model: 'someuser/llama3.1:8b' });
    for (const spelling of [
      'llama3.1:8b',
      'LLAMA3.1:8B',
      'library/llama3.1:8b',
      'registry.ollama.ai/library/llama3.1:8b',
    ])
      await gen(fake, { model: spelling });
    expect(loadedNames(fake).sort()).toEqual(['llama3.1:8b', 'someuser/llama3.1:8b']);
    expect(fake.loadCount('llama3.1:8b')).toBe(1);
    const sizes = Object.fromEntries((await ps(fake)).map((m) => [m.name, m.size]));
    expect(sizes['someuser/llama3.1:8b']).toBeGreaterThan(sizes['llama3.1:8b']!); // Q8_0 vs Q4_K_M
    const show = (await (await post(`${fake.url}/api/show`, { model: 'SomeUser/llama3.1:8b' })).json()) as {
      capabilities: string[];
    };
    expect(show.capabilities).toEqual(['completion']);
    expect((await gen(fake, { model: 'otheruser/llama3.1:8b' })).status).toBe(404);
  });

  it('/api/delete removes exactly the name given and does not unload a running model', async () => {
    const { fake } = await start({
      models: [...DEFAULT_MODELS, ...NAMESPACED_MODELS],
      admission: 'ollama',
      memoryBytes: 64e9,
    });
    await gen(fake, { model: 'llama3.1:8b' });
    const res = await fetch(`${fake.url}/api/delete`, {
      method: 'DELETE',
      body: JSON.stringify({ model: 'Llama3.1:8B' }),
    });
    expect(res.status).toBe(200);
    const names = fake.installed().map((m) => m.name);
    expect(names).not.toContain('llama3.1:8b');
    expect(names).toContain('someuser/llama3.1:8b');
    expect((await ps(fake)).map((m) => m.name)).toEqual(['llama3.1:8b']); // still running
    // and no longer unloadable by name
    expect((await gen(fake, { model: 'llama3.1:8b', keep_alive: 0 })).status).toBe(404);
  });
});

describe('capabilities', () => {
  it('an embedding-only model: generate is 400 "does not support generate"; /api/embed loads it', async () => {
    const { fake } = await start({ admission: 'ollama' });
    expect(await gen(fake, { model: 'nomic-embed-text' })).toEqual({
      status: 400,
      body: { error: '"nomic-embed-text" does not support generate' },
    });
    expect(fake.loaded()).toEqual([]);
    const r = await post(`${fake.url}/api/embed`, { model: 'nomic-embed-text', input: 'x' });
    expect(r.status).toBe(200);
    expect(loadedNames(fake)).toEqual(['nomic-embed-text:latest']);
  });

  it(
    'image and audio models show their capabilities; an image-generation model is refused by ' +
      '/api/generate and has no model_info',
    async () => {
      const { fake } = await start({
        models: [...DEFAULT_MODELS, ...CAPABILITY_MODELS],
        admission: 'ollama',
        memoryBytes: 64e9,
      });
      const show = async (m: string): Promise<Record<string, unknown>> =>
        (await (await post(`${fake.url}/api/show`, { model: m })).json()) as Record<string, unknown>;
      const image = await show('x/z-image-turbo');
      expect(image['capabilities']).toEqual(['image']);
      expect(image).not.toHaveProperty('model_info');
      expect(await gen(fake, { model: 'x/z-image-turbo', prompt: 'a cat' })).toEqual({
        status: 400,
        body: { error: 'image generation models are not currently supported' },
      });
      expect((await show('gemma3n:e4b'))['capabilities']).toEqual(['completion', 'vision', 'audio']);
      expect((await gen(fake, { model: 'gemma3n:e4b', prompt: 'x' })).status).toBe(200);
    },
  );

  it('a thinking model thinks unless think:false; asking a model that cannot is 400', async () => {
    const { fake } = await start({
      models: [...DEFAULT_MODELS, ...EXTRA_REGISTRY_MODELS],
      admission: 'ollama',
      memoryBytes: 64e9,
    });
    const byDefault = await gen(fake, { model: 'qwen3:8b', prompt: 'x' });
    expect(byDefault.body['thinking']).toBe('Let me think. ');
    expect(byDefault.body['response']).toBe('The quick brown fox jumps over the lazy dog.');
    expect(await gen(fake, { model: 'qwen3:8b', prompt: 'x', think: false })).not.toHaveProperty('body.thinking');
    const chat = (await (
      await post(`${fake.url}/api/chat`, {
        model: 'qwen3:8b',
        messages: [{ role: 'user', content: 'x' }],
        stream: false,
      })
    ).json()) as { message: { thinking?: string } };
    expect(chat.message.thinking).toBe('Let me think. ');
    expect(await gen(fake, { model: 'llama3.2', prompt: 'x', think: true })).toEqual({
      status: 400,
      body: { error: '"llama3.2" does not support thinking' },
    });
  });
});

describe('version', () => {
  it('reports 0.33.0 unless told otherwise', async () => {
    const { fake } = await start();
    expect(await (await fetch(`${fake.url}/api/version`)).json()).toEqual({ version: '0.33.0' });
    const { fake: old } = await start({ version: '0.12.6' });
    expect(await (await fetch(`${old.url}/api/version`)).json()).toEqual({ version: '0.12.6' });
  });
});
