/** Needless reloads (load options that differ) and how keep_alive carries over between requests. */
import { describe, expect, it } from 'vitest';
import { gen, post, ps, start, stopFakesAfterEach, waitFor } from './test-helpers.js';

stopFakesAfterEach();

describe('reloads', () => {
  it(
    'a loaded model is reloaded when a load option differs, and only then; each reload is ' +
      'counted with what changed',
    async () => {
      const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
        ['num_ctx', { num_ctx: 8192 }, { num_ctx: 16384 }],
        ['num_batch', { num_batch: 256 }, { num_batch: 1024 }],
        ['num_gpu', { num_gpu: 10 }, { num_gpu: 20 }],
        ['main_gpu', {}, { main_gpu: 0 }],
        ['use_mmap', { use_mmap: true }, { use_mmap: false }],
        ['num_thread', {}, { num_thread: 4 }],
      ];
      for (const [option, first, second] of cases) {
        const { fake } = await start({ admission: 'ollama' });
        await gen(fake, { model: 'llama3.2', options: first });
        // generation options do not count
        await gen(fake, { model: 'llama3.2', prompt: 'same', options: { ...first, temperature: 0.1, seed: 7 } });
        expect({ option, loads: fake.loadCount('llama3.2') }).toEqual({ option, loads: 1 });
        const again = await gen(fake, { model: 'llama3.2', prompt: 'changed', options: second });
        expect(again.body['load_duration']).toBeGreaterThan(0);
        expect(fake.stats().reloads).toMatchObject([{ model: 'llama3.2:latest', changed: [option] }]);
        expect(fake.stats().loads).toBe(2);
        expect(fake.loaded()).toHaveLength(1);
      }
    },
  );

  it('num_ctx is compared after capping at the trained window; automatic values match automatic ones', async () => {
    const { fake } = await start({ admission: 'ollama' });
    await gen(fake, { model: 'llava:7b', options: { num_ctx: 8192 } }); // trained window 4096
    await gen(fake, { model: 'llava:7b', options: { num_ctx: 32768 } });
    expect((await ps(fake))[0]!.context_length).toBe(4096);
    await gen(fake, { model: 'llama3.2' });
    await gen(fake, { model: 'llama3.2', prompt: 'x' }); // automatic num_ctx and num_batch both times
    await gen(fake, { model: 'llama3.2', options: { num_ctx: 4096, num_batch: 512 } }); // the same values, sent
    expect(fake.stats().reloads).toEqual([]);
    await gen(fake, { model: 'llava:7b', options: { num_ctx: 1024 } }); // vision: at least 2048, so it changes
    expect(fake.stats().reloads).toMatchObject([{ model: 'llava:7b', changed: ['num_ctx'] }]);
    expect(fake.loaded().find((m) => m.name === 'llava:7b')!.contextLength).toBe(2048);
  });

  it('on a CPU load use_mmap is turned off automatically: sending false does not reload, true does', async () => {
    const { fake } = await start({ admission: 'ollama' });
    await gen(fake, { model: 'llama3.2' });
    await gen(fake, { model: 'llama3.2', options: { use_mmap: false } });
    expect(fake.stats().reloads).toEqual([]);
    await gen(fake, { model: 'llama3.2', options: { use_mmap: true } });
    expect(fake.stats().reloads).toHaveLength(1);
  });

  it('a reload waits for the requests on the old runner to end', async () => {
    const { fake } = await start({ admission: 'ollama', tokenDelayMs: 10 });
    const first = post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'x', stream: false }).then(
      (r) => r.json() as Promise<{ response: string }>,
    );
    await waitFor(() => fake.loaded()[0]?.inFlight === 1, 5000); // the first request is on the old runner
    const second = await gen(fake, { model: 'llama3.2', prompt: 'y', options: { num_ctx: 8192 } });
    expect((await first).response).toBe('The quick brown fox jumps over the lazy dog.');
    expect(second.status).toBe(200);
    expect(fake.loaded()).toMatchObject([{ name: 'llama3.2:latest', numCtx: 8192 }]);
  });
});

describe('keep_alive across requests', () => {
  it('a request without keep_alive keeps the loaded runner’s; a fresh load gets the default', async () => {
    const { fake } = await start({ admission: 'ollama', defaultKeepAliveMs: 60_000 });
    await gen(fake, { model: 'llama3.2', keep_alive: -1 }); // pinned
    await gen(fake, { model: 'llama3.2', prompt: 'x' });
    await post(`${fake.url}/api/chat`, {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'y' }],
      stream: false,
    }).then((r) => r.text());
    expect(fake.loaded()[0]!.keepAliveMs).toBe(Infinity);
    expect(new Date((await ps(fake))[0]!.expires_at).getUTCFullYear()).toBeGreaterThan(2300);
    await gen(fake, { model: 'phi3:mini', prompt: 'x' });
    expect(fake.loaded().find((m) => m.name === 'phi3:mini')!.keepAliveMs).toBe(60_000);
    await gen(fake, { model: 'llama3.2', prompt: 'x', keep_alive: '2m' }); // sent: it replaces the pin
    expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')!.keepAliveMs).toBe(120_000);
  });

  it(
    'keep_alive 0 with an empty prompt unloads whatever else is sent; left out it loads even ' +
      'when the default is 0',
    async () => {
      const { fake } = await start({ admission: 'ollama' });
      await gen(fake, { model: 'llama3.2' });
      const unload = await gen(fake, {
        model: 'llama3.2',
        keep_alive: 0,
        options: { num_ctx: 65536, num_gpu: 3 },
        format: 'json',
        system: 'be brief',
        think: true,
      });
      expect(unload.body['done_reason']).toBe('unload');
      const chat = await post(`${fake.url}/api/chat`, {
        model: 'phi3:mini',
        messages: [],
        keep_alive: '0s',
        tools: [{ type: 'function' }],
        stream: false,
      });
      expect(((await chat.json()) as { done_reason: string }).done_reason).toBe('unload');
      expect(fake.stats()).toMatchObject({ loads: 1, reloads: [], unloads: 1 });
      expect(fake.loaded()).toEqual([]);

      const { fake: zero } = await start({ admission: 'ollama', defaultKeepAliveMs: 0 });
      const load = await gen(zero, { model: 'llama3.2' });
      expect(load.body['done_reason']).toBe('load'); // OLLAMA_KEEP_ALIVE=0 is not an unload request
      expect(zero.stats().loads).toBe(1);
    },
  );
});
