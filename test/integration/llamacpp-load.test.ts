/**
 * llama-server's own load figures through the llamacpp adapter (issue 57): a single server's
 * /metrics (with --metrics) and /slots; a router's per model running, never loading one to ask;
 * and a server with neither (501) left alone instead of asked every second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LlamacppBackend } from '../../src/orchestrator/engines/llamacpp/llamacpp.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';

const fakes: FakeLlamacpp[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function server(opts: { router: boolean; metrics?: boolean; noSlots?: boolean }) {
  const fake = await FakeLlamacpp.start({
    models: [
      { id: 'storiesA', file: STORIES, runtime: { nCtx: 512, slots: 2 } },
      { id: 'storiesB', file: STORIES },
    ],
    ...opts,
  });
  fakes.push(fake);
  const backend = new LlamacppBackend({ name: 'llama', url: fake.url, timeoutMs: 5000 });
  return { fake, backend };
}

const asked = (fake: FakeLlamacpp, path: string) =>
  fake.requests.filter((r) => r.method === 'GET' && r.path === path).length;

describe("llama-server's own load figures", () => {
  it('a single server with --metrics: requests processing and deferred, and its slots from /slots', async () => {
    const { fake, backend } = await server({ router: false, metrics: true });
    await backend.list();
    fake.others.set('', { running: 1, waiting: 3 });
    expect(await backend.loadFigures()).toEqual({ running: 1, waiting: 3, slots: 2 });
  });

  it('without --metrics and with --no-slots (501): nothing, and not asked again within the minute', async () => {
    const { fake, backend } = await server({ router: false, noSlots: true });
    await backend.list();
    expect(await backend.loadFigures()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1050));
    expect(await backend.loadFigures()).toBeUndefined();
    expect([asked(fake, '/metrics'), asked(fake, '/slots')]).toEqual([1, 1]);
  });

  it('a router: per model running, under the name ollm-mcp lists it; a model not running is not asked (nor loaded)', async () => {
    const { fake, backend } = await server({ router: true, metrics: true });
    await backend.load({ model: 'storiesA:latest', keepAlive: '5m' });
    for (let i = 0; i < 100 && fake.status('storiesA') !== 'loaded'; i++) await new Promise((r) => setTimeout(r, 10));
    await backend.list();
    fake.others.set('storiesA', { running: 2, waiting: 1 });
    const l = await backend.loadFigures();
    expect(l).toMatchObject({ running: 2, waiting: 1 });
    expect([...l!.models!]).toEqual([['storiesA:latest', { running: 2, waiting: 1, slots: 2 }]]);
    expect(fake.status('storiesB')).toBe('unloaded');
    expect(asked(fake, '/metrics')).toBe(1);
  });
});
