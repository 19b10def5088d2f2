/**
 * Long work survives a client with a short timeout that resets it on progress: a 20 s cold load,
 * a compare of three cold models, a slow download. Without resetting, the same client gives up,
 * which shows the waits are long enough to matter. The tests run at the same time.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\nprogress:\n  intervalMs: 500\n';
const CLIENT_TIMEOUT_MS = 2000;
/**
 * What a call hears while the starting server's core loads (listed-entries.ts), past 250 ms: five servers
 * start at once here on 2 cores.
 */
const CORE_NOTE = 'starting ollm-mcp';

interface Seen {
  progress: number;
  total?: number;
  message?: string;
}

/** A fake Ollama and a server on it for one test; `run` gets the session, and everything is stopped after. */
async function withServer<T>(
  options: FakeOllamaOptions,
  run: (session: Awaited<ReturnType<typeof connect>>) => Promise<T>,
): Promise<T> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 5, ...options });
  const home = tempHome(YAML);
  const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
  try {
    return await run(session);
  } finally {
    await session.close().catch(() => undefined);
    await fake.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

function expectRising(seen: Seen[]) {
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
}

describe.concurrent('long work and a client with a 2 s timeout', () => {
  it(
    'route_and_generate with a 20 s cold load completes when the client resets its timeout on progress',
    { timeout: 90_000 },
    async () => {
      await withServer({ loadDelayMs: 20_000 }, async ({ client }) => {
        const seen: Seen[] = [];
        const res = await client.callTool(
          { name: 'route_and_generate', arguments: { prompt: 'Say hello to the team.', model: 'llama3.2' } },
          { timeout: CLIENT_TIMEOUT_MS, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p) },
        );
        expect(res.isError).toBeFalsy();
        const out = res.structuredContent as {
          model: string;
          fallbacks: unknown[];
          metrics: { loadMs: number; queueMs: number; timeToFirstTokenMs: number };
        };
        expect(out.model).toBe('llama3.2:latest');
        expect(out.fallbacks).toEqual([]);
        expect(out.metrics.loadMs).toBeGreaterThanOrEqual(19_000);
        expect(out.metrics).toMatchObject({ queueMs: 0, timeToFirstTokenMs: expect.any(Number) });
        const messages = seen.map((p) => p.message ?? '').filter((m) => m !== CORE_NOTE);
        expect(messages[0]).toBe('planning the call on llama3.2');
        const loading = messages.filter((m) =>
          /^loading llama3\.2:latest \(2\.0 GB\): ~\d+ s estimated at (an assumed|this host's measured) [\d.]+ [KMG]B\/s, \d+ s so far$/.test(
            m,
          ),
        );
        expect(loading.length).toBeGreaterThan(10); // re-sent through the whole load
        expect(messages.at(-1)).toMatch(/^llama3\.2:latest: \d+ tokens? generated/);
        expectRising(seen);
      });
    },
  );

  it('the same call without resetting on progress times out, so the wait is real', { timeout: 60_000 }, async () => {
    await withServer({ loadDelayMs: 20_000 }, async ({ client }) => {
      // the client's own limit ends the call: a call that waited out the 20 s load would answer instead
      const call = client.callTool(
        { name: 'route_and_generate', arguments: { prompt: 'Say hello to the team.', model: 'llama3.2' } },
        { timeout: CLIENT_TIMEOUT_MS, onprogress: () => undefined },
      );
      await expect(call).rejects.toThrow(/timed out/i);
    });
  });

  it(
    'compare of three cold models completes the same way, each model in its own lane',
    { timeout: 90_000 },
    async () => {
      await withServer({ loadDelayMs: 4000 }, async ({ client }) => {
        const seen: Seen[] = [];
        const res = await client.callTool(
          {
            name: 'compare',
            arguments: { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini', 'qwen2.5-coder:7b'], maxTokens: 16 },
          },
          { timeout: CLIENT_TIMEOUT_MS, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p) },
        );
        expect(res.isError).toBeFalsy();
        const out = res.structuredContent as {
          results: Array<{ model: string; error?: string; metrics: { loadMs: number; queueMs: number } }>;
        };
        expect(out.results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
        for (const r of out.results) expect(r.metrics.loadMs).toBeGreaterThanOrEqual(3500);
        const messages = seen.map((p) => p.message ?? '').filter((m) => m !== CORE_NOTE);
        expect(messages[0]).toBe('comparing llama3.2, phi3:mini, qwen2.5-coder:7b');
        for (const model of ['llama3.2:latest', 'phi3:mini', 'qwen2.5-coder:7b']) {
          expect(messages).toContainEqual(
            expect.stringMatching(
              new RegExp(`^compare, \\d of 3 models done: .*loading ${model.replace(/\./g, '\\.')} \\(`),
            ),
          );
        }
        expectRising(seen);
      });
    },
  );

  it(
    'smart_load and render_template with generate keep the same client alive through 5 s loads',
    { timeout: 60_000 },
    async () => {
      await withServer({ loadDelayMs: 5000 }, async ({ client }) => {
        const options = (seen: Seen[]) => ({
          timeout: CLIENT_TIMEOUT_MS,
          resetTimeoutOnProgress: true,
          onprogress: (p: Seen) => seen.push(p),
        });
        const loadSeen: Seen[] = [];
        const loaded = await client.callTool(
          { name: 'smart_load', arguments: { model: 'phi3:mini' } },
          options(loadSeen),
        );
        expect(loaded.structuredContent).toMatchObject({ model: 'phi3:mini', action: 'loaded' });
        expect(loadSeen.map((p) => p.message).filter((m) => m !== CORE_NOTE)[0]).toBe('planning the load of phi3:mini');
        expect(loadSeen.map((p) => p.message)).toContainEqual(
          expect.stringMatching(/^loading phi3:mini \(2\.2 GB\): ~\d+ s estimated/),
        );
        expectRising(loadSeen);

        const renderSeen: Seen[] = [];
        const rendered = await client.callTool(
          {
            name: 'render_template',
            arguments: { name: 'explain', variables: { topic: 'tides' }, generate: true, model: 'llama3.2' },
          },
          options(renderSeen),
        );
        expect(rendered.isError, JSON.stringify(rendered.content)).toBeFalsy();
        expect(
          (rendered.structuredContent as { generated: { model: string; metrics: { loadMs: number } } }).generated,
        ).toMatchObject({ model: 'llama3.2:latest', metrics: { loadMs: expect.any(Number) } });
        expect(renderSeen.map((p) => p.message)).toContainEqual(
          expect.stringMatching(/^loading llama3\.2:latest \(2\.0 GB\)/),
        );
        expectRising(renderSeen);
      });
    },
  );

  it(
    'pull_model of a slow download completes the same way, and names the silent verification',
    { timeout: 90_000 },
    async () => {
      // One small layer; Ollama's lines come 3 s apart — longer than the client waits.
      const phi = DEFAULT_REGISTRY.find((m) => m.name === 'phi3:mini')!;
      await withServer(
        { pullChunkDelayMs: 3000, registry: [{ ...phi, name: 'slowpoke:1b', size: 8000 }] },
        async ({ client }) => {
          const seen: Seen[] = [];
          const res = await client.callTool(
            { name: 'pull_model', arguments: { model: 'slowpoke:1b' } },
            { timeout: CLIENT_TIMEOUT_MS, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p) },
          );
          expect(res.isError).toBeFalsy();
          expect(res.structuredContent).toMatchObject({ model: 'slowpoke:1b', status: 'pulled' });
          const messages = seen.map((p) => p.message ?? '').filter((m) => m !== CORE_NOTE);
          expect(messages[0]).toBe('checking whether slowpoke:1b is installed');
          expect(messages).toContainEqual(expect.stringMatching(/^slowpoke:1b: pulling manifest \(\d+ s\)$/));
          expect(messages).toContainEqual(expect.stringMatching(/^slowpoke:1b: verifying sha256 digest \(\d+ s\)$/));
          expect(messages).toContainEqual(
            expect.stringMatching(/^slowpoke:1b: pulling [0-9a-f]{12} — \d+% \([\d.]+ K?B of 8\.0 KB\)$/),
          );
          expectRising(seen);
        },
      );
    },
  );
});
