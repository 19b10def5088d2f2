// The built server with a llama.cpp router as a host, driven by the official client: on the fake
// router, and on the real llama-server when it is built (`npm run engine`; CI always).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import type { connect } from '../helpers/spawn.js';
import { HAVE_ENGINE, modelsDir, routerSession, startEngine, stopEngines } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const NAMES = ['storiesA', 'storiesB', 'storiesC'];
const REAL = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';

async function fakeRouter() {
  const dir = modelsDir(NAMES);
  const f = await FakeLlamacpp.start({
    models: NAMES.map((id) => ({ id, file: join(dir, `${id}.gguf`), ctxSize: 2048 })),
    modelsMax: 2,
  });
  return { url: f.url, stop: () => f.stop() };
}

async function realRouter() {
  const e = await startEngine({ dir: modelsDir(NAMES), modelsMax: 2, ctx: 2048 });
  return { url: e.url, stop: () => e.kill() };
}

describe.each([
  ['the fake router', fakeRouter, true],
  ['a real llama-server router', realRouter, REAL],
] as const)('a llama.cpp host end to end: %s', (_name, make, run) => {
  let ollama: FakeOllama;
  let router: { url: string; stop(): Promise<void> };
  let session: Awaited<ReturnType<typeof connect>>;

  const logs = tempDir('ollm-logs-');
  beforeAll(async () => {
    if (!run) return;
    router = await make();
    ({ session, ollama } = await routerSession(router.url, logs));
  }, 30_000);
  afterAll(async () => {
    await session?.close();
    await Promise.all([ollama?.stop(), router?.stop()]);
    await stopEngines();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await session.client.callTool({ name, arguments: args });
    return {
      isError: res.isError === true,
      text: (res.content as Array<{ text: string }>)[0]!.text,
      out: res.structuredContent as Record<string, unknown>,
    };
  };

  it.runIf(run)(
    'list_models, smart_load at --models-max, route_and_generate, show_model, show_status and delete_model',
    { timeout: 60_000 },
    async () => {
      const list = await call('list_models', { refresh: true });
      expect(
        (list.out.models as Array<{ name: string; host?: string }>)
          .filter((m) => m.host === 'llama')
          .map((m) => m.name),
      ).toEqual(['storiesA:latest', 'storiesB:latest', 'storiesC:latest']);

      expect((await call('smart_load', { model: 'storiesA', host: 'llama' })).out).toMatchObject({ action: 'loaded' });
      expect((await call('smart_load', { model: 'storiesB', host: 'llama' })).out).toMatchObject({ action: 'loaded' });
      const c = await call('smart_load', { model: 'storiesC', host: 'llama' });
      expect(c.out).toMatchObject({ action: 'loaded', unloaded: ['storiesA:latest'] });

      const r = await call('route_and_generate', { prompt: 'Once upon a time', model: 'storiesB', maxTokens: 48 });
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ model: 'storiesB:latest', host: 'llama' });
      expect(String(r.out.text)).toMatch(/[a-z]{3,}/i);
      expect((r.out.metrics as { outputTokens: number }).outputTokens).toBeGreaterThan(0);

      const card = await call('show_model', { model: 'storiesA', host: 'llama' });
      expect(card.out, card.text).toMatchObject({
        llamacpp: { id: 'storiesA', status: 'unloaded', sizeSource: 'gguf', kvBytes: 2 * 5 * 4 * 8 * 2048 * 2 },
      });
      expect(card.text).toMatch(
        /On llama-server as "storiesA": unloaded, 2048 tokens per slot, 1 slot; memory weights 1\.2 MB \+ KV cache 1\.3 MB \+ prompt cache 1\.3 MB/,
      );

      const status = await call('show_status', {});
      expect(status.text).toMatch(
        /llama \(llama\.cpp (?:b\d+|\(version unknown\)), 127\.0\.0\.1:\d+\):[^\n]*\n- storiesB:latest[^\n]*\n- storiesC:latest[^\n]*\n- router: at most 2 loaded; also storiesA:latest \(unloaded/,
      );

      const del = await call('delete_model', { model: 'storiesA', host: 'llama' });
      expect(del).toMatchObject({ isError: true });
      expect(del.text).toMatch(/cannot delete "storiesA:latest" — remove its \.gguf file/);
    },
  );

  // issue 42: a debugging question over a 48 KB log, the router's general models the only ones there (the
  // real router: test/engine/real-offload.test.ts, slow)
  it.runIf(run && make === fakeRouter)(
    'a debugging question over a long log is split to a general model and answered',
    { timeout: 60_000 },
    async () => {
      const lines: string[] = [];
      for (let i = 0, size = 0; size < 48_000; i++) {
        lines.push(
          `2026-11-22T10:00:${String(i % 60).padStart(2, '0')}Z worker-${i % 7} LINE-${i} handled job ` +
            `${i * 31} status=${i % 13 === 0 ? 'error' : 'ok'}`,
        );
        size += lines.at(-1)!.length + 1;
      }
      writeFileSync(join(logs, 'app.log'), `${lines.join('\n')}\n`);
      const r = await call('route_and_generate', {
        prompt: 'Which errors occurred in this log?',
        files: [join(logs, 'app.log')],
        maxTokens: 48,
      });
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ task: 'debugging', host: 'llama', provider: 'llamacpp' });
      expect(String(r.out.model)).toMatch(/^stories[ABC]:latest$/);
      expect((r.out.split as { parts: number }).parts).toBeGreaterThan(1);
    },
  );
});
