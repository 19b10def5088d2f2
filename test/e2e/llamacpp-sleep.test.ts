// Issue 44's finding from outside: the built server, driven by the official client, with a
// llama-server router that sleeps idle models (the fake router, sleepIdleMs as
// --sleep-idle-seconds). Pin alpha, use beta, both fall asleep, ask for gamma: answered at once,
// the pinned alpha not unloaded, no listener warning, nothing said to be Ollama's doing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { modelsDir } from '../helpers/llamacpp.js';

const NAMES = ['alpha', 'beta', 'gamma'];

describe('a llama-server router that sleeps idle models, end to end', () => {
  let ollama: FakeOllama;
  let router: FakeLlamacpp;
  let session: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    ollama = await FakeOllama.start({ models: [] });
    const dir = modelsDir(NAMES);
    router = await FakeLlamacpp.start({
      models: NAMES.map((id) => ({ id, file: join(dir, `${id}.gguf`), ctxSize: 2048 })),
      modelsMax: 2,
      sleepIdleMs: 300,
    });
    const home = tempHome(['hosts:', `  - {name: llama, kind: llamacpp, url: "${router.url}"}`, ''].join('\n'));
    session = await connect({ OLLM_HOME: home, OLLAMA_HOST: ollama.host });
  }, 30_000);
  afterAll(async () => {
    await session?.close();
    await Promise.all([ollama?.stop(), router?.stop()]);
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await session.client.callTool({ name, arguments: args });
    return {
      isError: res.isError === true,
      text: (res.content as Array<{ text: string }>)[0]!.text,
      out: res.structuredContent as Record<string, unknown>,
    };
  };

  it(
    'pin alpha, use beta, both asleep, ask gamma: answered, the pinned alpha stays, beta made room',
    { timeout: 30_000 },
    async () => {
      expect((await call('smart_load', { model: 'alpha', host: 'llama', pin: true })).out).toMatchObject({
        action: 'loaded',
        pinned: true,
      });
      const b = await call('route_and_generate', { prompt: 'Once upon a time', model: 'beta', maxTokens: 8 });
      expect(b.isError, b.text).toBe(false);
      const end = Date.now() + 10_000;
      while (!(router.status('alpha') === 'sleeping' && router.status('beta') === 'sleeping') && Date.now() < end)
        await new Promise((r) => setTimeout(r, 50));
      expect([router.status('alpha'), router.status('beta')]).toEqual(['sleeping', 'sleeping']);

      // what the client sees meanwhile: the sleeping models are loaded there, the pin still a pin
      const status = await call('show_status', {});
      expect(status.text).toMatch(/alpha:latest: .*pinned/);

      const g = await call('route_and_generate', { prompt: 'Once upon a time', model: 'gamma', maxTokens: 8 });
      expect(g.isError, g.text).toBe(false);
      expect(g.out).toMatchObject({ host: 'llama', model: 'gamma:latest' });
      expect(router.evicted).toEqual([]);
      expect(router.running().sort()).toEqual(['alpha', 'gamma']);
      expect(session.stderr()).not.toMatch(/MaxListenersExceededWarning/);
      expect(`${g.text}\n${session.stderr()}`).not.toMatch(/unloaded by Ollama|Ollama unloaded/);
    },
  );
});
