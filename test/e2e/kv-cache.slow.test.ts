/**
 * Ollama's KV cache type, seen from outside: the built server told `ollama.kvCacheType: q8_0`
 * splits a long file into about half as many parts as at f16 (each part's window twice as long,
 * nothing overcommitted), and on a GPU with a pin loaded its loads are never answered by an
 * eviction of Ollama's (the fake's pre-flight counts f16, as Ollama's does): the pin survives.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama, NAMESPACED_MODELS } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const GiB = 1024 ** 3;
const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const phi3 = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;
type Out = { text: string; model: string; split?: { parts: number; calls: number; contextTokens: number } };

let fake: FakeOllama | undefined;
let session: Awaited<ReturnType<typeof connect>> | undefined;
afterEach(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
  session = undefined;
  fake = undefined;
});

/** A folder with a log of some 120k tokens (by ollm-mcp's estimate), every line numbered. */
function logFolder(): string {
  const dir = tempDir('ollm-kv-e2e-');
  const lines = Array.from(
    { length: 5000 },
    (_, i) =>
      `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z ` +
      `worker-${i % 7} LINE-${i} handled job ${i * 31} status=${i % 13 === 0 ? 'error' : 'ok'}`,
  );
  writeFileSync(join(dir, 'big.log'), `${lines.join('\n')}\n`);
  return dir;
}

async function summarise(
  yaml: string,
  opts: {
    vramGiB: number;
    models: typeof DEFAULT_MODELS;
    args?: Record<string, unknown>;
    before?: () => Promise<void>;
  },
) {
  fake = await FakeOllama.start({
    memoryBytes: 32e9,
    gpus: [{ vramBytes: opts.vramGiB * GiB }],
    kvCacheType: 'q8_0',
    models: opts.models,
    tokenDelayMs: 0,
    loadDelayMs: 1,
  });
  fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial'));
  const folder = logFolder();
  session = await connect({ OLLM_HOME: tempHome(yaml), OLLAMA_HOST: fake.host }, [], folder);
  await opts.before?.();
  const res = await session.client.callTool(
    {
      name: 'route_and_generate',
      arguments: { prompt: 'Summarise the errors in this log.', task: 'summarize', files: ['big.log'], ...opts.args },
    },
    { timeout: 120_000 },
  );
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  expect(res.isError, text).toBeFalsy();
  const out = res.structuredContent as Out;
  expect(out.text).toBe('FINAL');
  const seen = fake
    .generations()
    .map((g) => g.prompt ?? '')
    .join('\n');
  for (let i = 0; i < 5000; i += 97) expect(seen.includes(`LINE-${i} `), `LINE-${i}`).toBe(true);
  for (const g of fake.generations()) expect(g.fits, `${g.promptTokens} tokens in num_ctx ${g.numCtx}`).toBe(true);
  expect(fake.stats().overcommitBytesPeak).toBe(0);
  return out;
}

// an 8 GiB GPU with 2 GB of RAM beside: llama3.1:8b's window is bound by memory, not by its 128k training
const capacity = (vram: string) => `  capacity: {ram: 2GB, vram: ${vram}}\nram:\n  budget: "100%"\n  bufferBytes: 0\n`;

describe('ollama.kvCacheType', () => {
  it('q8_0: a long file is split into about half as many parts as at f16, each within its window', async () => {
    const f16 = await summarise(`ollama:\n${capacity('8GiB')}`, { vramGiB: 8, models: [llama31] });
    const f16Ctx = Math.max(...fake!.generations().map((g) => g.numCtx));
    await session!.close();
    await fake!.stop();
    const q8 = await summarise(`ollama:\n  kvCacheType: q8_0\n${capacity('8GiB')}`, { vramGiB: 8, models: [llama31] });
    const q8Ctx = Math.max(...fake!.generations().map((g) => g.numCtx));
    console.log(
      `parts at f16: ${f16.split!.parts} (num_ctx ${f16Ctx}); at q8_0: ${q8.split!.parts} (num_ctx ${q8Ctx})`,
    );
    expect(f16Ctx).toBe(16384);
    expect(q8Ctx).toBe(32768);
    expect(f16.split!.parts).toBeGreaterThanOrEqual(6);
    expect(q8.split!.parts).toBeLessThanOrEqual(Math.ceil(f16.split!.parts * 0.6));
    expect(q8.split!.parts).toBeGreaterThanOrEqual(Math.floor(f16.split!.parts * 0.4));
    expect(fake!.stats().forcedEvictions).toEqual([]);
  });

  it(
    'q8_0 on a GPU with a pin loaded: the work is sized to what Ollama’s f16 pre-flight passes, ' +
      'Ollama evicts nothing, and the pin survives',
    async () => {
      const yaml = `ollama:\n  kvCacheType: q8_0\n${capacity('13GiB')}model:\n  keepAlive:\n    models: ["phi3:mini"]\n`;
      const waitForPin = async () => {
        for (let i = 0; i < 200 && !fake!.loaded().some((m) => m.name === 'phi3:mini'); i++)
          await new Promise((r) => setTimeout(r, 50));
        expect(fake!.loaded().map((m) => m.name)).toContain('phi3:mini');
      };
      const out = await summarise(yaml, {
        vramGiB: 13,
        models: [phi3, llama31],
        args: { model: 'llama3.1:8b' },
        before: waitForPin,
      });
      expect(out.model).toBe('llama3.1:8b');
      expect(out.split!.parts).toBeGreaterThan(1);
      expect(fake!.stats().forcedEvictions).toEqual([]);
      expect(fake!.loaded().map((m) => m.name)).toContain('phi3:mini');
      expect(fake!.stats().loads).toBe(2); // the pin once, the model once: nothing evicted and loaded again
      // the footprint alone would have taken 32k
      expect(Math.max(...fake!.generations().map((g) => g.numCtx))).toBe(16384);
    },
  );
});

describe('doctor', () => {
  it(
    'shows the KV cache type and flash attention, from settings or from this machine’s OLLAMA_* ' +
      'variables, and warns about a quantized cache without flash attention',
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 32e9, gpus: [{ vramBytes: 8 * GiB }], models: [llama31] });
      const set = await run(['doctor'], {
        OLLM_HOME: tempHome('ollama:\n  kvCacheType: q8_0\n'),
        OLLAMA_HOST: fake.host,
      });
      expect(set.stdout).toMatch(
        /✓ Ollama KV cache: KV cache q8_0 \(smaller than f16: longer windows fit\), flash attention auto/,
      );
      const env = await run(['doctor'], {
        OLLM_HOME: tempHome(),
        OLLAMA_HOST: fake.host,
        OLLAMA_KV_CACHE_TYPE: 'q4_0',
        OLLAMA_FLASH_ATTENTION: '0',
      });
      expect(env.stdout).toMatch(
        /! Ollama KV cache: KV cache q4_0 .*flash attention off.*A quantized KV cache needs flash attention/,
      );
      expect(env.stdout).toMatch(/OLLAMA_FLASH_ATTENTION=1/);
    },
  );
});
