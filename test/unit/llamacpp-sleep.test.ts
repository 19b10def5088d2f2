// llama-server's router as it is (issue 44, item 2): sleeping models, a model's own figures from
// /props?model=, the prompt cache in RAM, waits on the router that end, and the engine named.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readArgs, readRuntime } from '../../src/orchestrator/engines/llamacpp/llamacpp-api.js';
import {
  LOAD_GRACE_MS,
  routerLoad,
  running,
  type RouterHost,
} from '../../src/orchestrator/engines/llamacpp/llamacpp-calls.js';
import {
  promptCacheBytes,
  predictBytes,
  type GgufFacts,
} from '../../src/orchestrator/engines/llamacpp/llamacpp-gguf.js';
import { runtimeArgs } from '../../src/orchestrator/engines/llamacpp/llamacpp-models.js';
import { engineName } from '../../src/orchestrator/engines/engine.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { PinKeeper, type PinHost } from '../../src/orchestrator/loading/pin-keeper.js';

const STORIES: GgufFacts = {
  file: 's.gguf',
  fileBytes: 1_185_632,
  architecture: 'llama',
  contextLength: 2048,
  blocks: 5,
  heads: 8,
  kvHeads: 4,
  embedding: 64,
};
const KV_2048 = 2 * 5 * 4 * 8 * 2048 * 2;
const MiB = 1024 * 1024;

/** A router whose /models says `statuses` in turn (the last one stays), counting the load commands. */
function router(statuses: string[]): RouterHost & { commands: string[]; reads: number } {
  let i = 0;
  const r = {
    commands: [] as string[],
    reads: 0,
    host: '127.0.0.1:1',
    api: {
      who: 'llama-server at 127.0.0.1:1',
      command: async (which: string, id: string) => void r.commands.push(`${which} ${id}`),
    } as unknown as RouterHost['api'],
    serverProps: async () => ({ router: true, maxInstances: 2 }),
    models: async () => {
      r.reads++;
      const status = statuses[Math.min(i++, statuses.length - 1)]!;
      return [{ id: 'alpha', name: 'alpha:latest', status, args: {} }];
    },
    idOf: (name: string) => name.replace(/:latest$/, ''),
  };
  return r;
}

/**
 * `work` with the clock faked (timers, Date, performance): the router's polls every 100 ms and its
 * grace run in fake time, as far as the work needs, instead of seconds of real waiting.
 */
async function onFakeClock<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  const done = work();
  done.catch(() => {}); // awaited below; not unhandled while the clock runs
  await vi.runAllTimersAsync();
  return done;
}
afterEach(() => {
  vi.useRealTimers();
});

describe('a sleeping router model (--sleep-idle-seconds)', () => {
  it('counts as running: loaded and sleeping, not loading, unloaded or failed', () => {
    expect(running('loaded')).toBe(true);
    expect(running('sleeping')).toBe(true);
    for (const s of ['loading', 'unloaded', 'failed', undefined]) expect(running(s)).toBe(false);
  });

  it('a load of a sleeping model returns at once: nothing is sent, no status is waited for', async () => {
    const r = router(['sleeping']);
    expect(await routerLoad(r, 'alpha:latest')).toBe(0);
    expect(r.commands).toEqual([]);
    expect(r.reads).toBe(1);
  });

  it('a model that falls asleep while it loads is loaded', async () => {
    const r = router(['unloaded', 'loading', 'sleeping']);
    expect(await routerLoad(r, 'alpha:latest')).toBeGreaterThan(0);
    expect(r.commands).toEqual(['load alpha']);
  });

  it('a status that is neither loading nor running ends the wait after the grace, naming it', async () => {
    const r = router(['unloaded', 'resting']);
    const started = { at: 0 };
    const err = await onFakeClock(() => {
      started.at = Date.now();
      return routerLoad(r, 'alpha:latest').catch((e: unknown) => e);
    });
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).message).toMatch(
      /llama-server at 127\.0\.0\.1:1 could not load alpha:latest: its status stays "resting", not loading/,
    );
    expect(Date.now() - started.at).toBeGreaterThanOrEqual(LOAD_GRACE_MS);
  });

  it('a model still loading is waited for past the grace', async () => {
    const r = router(['unloaded', ...Array<string>(14).fill('loading'), 'loaded']);
    expect(await onFakeClock(() => routerLoad(r, 'alpha:latest'))).toBeGreaterThan(0);
    expect(r.reads).toBe(16);
  });
});

describe('polling the router under one signal', () => {
  it('leaves no abort listener behind on the signal, however many polls', async () => {
    const ac = new AbortController();
    const r = router([
      'unloaded',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loading',
      'loaded',
    ]);
    await onFakeClock(() => routerLoad(r, 'alpha:latest', ac.signal));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe("a model's own figures (/props?model=ID&autoload=false)", () => {
  it('reads one slot’s window, the slots and whether it sleeps', () => {
    expect(readRuntime({ default_generation_settings: { n_ctx: 1024 }, total_slots: 2, is_sleeping: true })).toEqual({
      nCtx: 1024,
      slots: 2,
      sleeping: true,
    });
    expect(readRuntime({ default_generation_settings: { n_ctx: 512 } })).toEqual({
      nCtx: 512,
      slots: 1,
      sleeping: false,
    });
  });

  it('takes no window that is not one', () => {
    for (const n_ctx of [0, -5, 1.5, '512', undefined])
      expect(readRuntime({ default_generation_settings: { n_ctx }, total_slots: 1 })).toBeUndefined();
    expect(readRuntime({ total_slots: 4 })).toBeUndefined();
    expect(readRuntime({ default_generation_settings: { n_ctx: 512 }, total_slots: 0 })).toMatchObject({ slots: 1 });
  });

  it('a unified KV cache (no --parallel: -np -1) is one window every slot shares', () => {
    // seen: -c 2048 without -np → 4 slots of 2048 tokens each, kv_unified
    expect(runtimeArgs({ ctxSize: 2048 }, { nCtx: 2048, slots: 4, sleeping: false })).toEqual({
      ctxSize: 2048,
      parallel: 1,
    });
    expect(runtimeArgs({ ctxSize: 2048, parallel: -1 }, { nCtx: 2048, slots: 4, sleeping: false })).toEqual({
      ctxSize: 2048,
      parallel: 1,
    });
    expect(
      runtimeArgs({ ctxSize: 2048, parallel: 4, kvUnified: true }, { nCtx: 2048, slots: 4, sleeping: false }),
    ).toEqual({ ctxSize: 2048, parallel: 1, kvUnified: true });
  });

  it('separate slots (-np N) each have their window; --fit’s smaller window replaces --ctx-size', () => {
    // seen: -c 2048 -np 2 → 2 slots of 1024, kv_unified false
    expect(runtimeArgs({ ctxSize: 2048, parallel: 2 }, { nCtx: 1024, slots: 2, sleeping: false })).toEqual({
      ctxSize: 2048,
      parallel: 2,
    });
    expect(runtimeArgs({ ctxSize: 8192, parallel: 2 }, { nCtx: 2048, slots: 2, sleeping: false })).toEqual({
      ctxSize: 4096,
      parallel: 2,
    });
    expect(runtimeArgs({ parallel: 4, kvUnified: false }, { nCtx: 512, slots: 4, sleeping: false })).toEqual({
      ctxSize: 2048,
      parallel: 4,
      kvUnified: false,
    });
    expect(runtimeArgs({ ctxSize: 2048 }, undefined)).toEqual({ ctxSize: 2048 });
  });

  it('reads --cache-ram and the KV switches, long and short', () => {
    expect(readArgs(['--cache-ram', '100', '--kv-unified', '-m', 'a.gguf'])).toEqual({
      cacheRamMiB: 100,
      kvUnified: true,
      file: 'a.gguf',
    });
    expect(readArgs(['-cram', '-1', '-no-kvu'])).toEqual({ cacheRamMiB: -1, kvUnified: false });
    expect(readArgs(['-kvu'])).toEqual({ kvUnified: true });
    expect(readArgs(['--no-kv-unified'])).toEqual({ kvUnified: false });
  });
});

describe('the prompt cache in RAM (--cache-ram)', () => {
  it('is bounded by --cache-ram and by the context’s tokens (the KV once more)', () => {
    expect(promptCacheBytes(KV_2048, {})).toBe(KV_2048); // 8192 MiB by default: the tokens bound it
    expect(promptCacheBytes(10_000 * MiB, {})).toBe(8192 * MiB);
    expect(promptCacheBytes(KV_2048, { cacheRamMiB: 1 })).toBe(MiB);
    expect(promptCacheBytes(KV_2048, { cacheRamMiB: 0 })).toBe(0);
    expect(promptCacheBytes(10_000 * MiB, { cacheRamMiB: -1 })).toBe(10_000 * MiB);
  });

  it('is in what the model takes', () => {
    expect(predictBytes(STORIES, { ctxSize: 2048, cacheRamMiB: 0 })).toEqual({
      weightsBytes: 1_185_632,
      kvBytes: KV_2048,
      cacheBytes: 0,
      totalBytes: 1_185_632 + KV_2048,
    });
    expect(predictBytes(STORIES, { ctxSize: 2048, cacheRamMiB: 1 }).totalBytes).toBe(1_185_632 + KV_2048 + MiB);
  });
});

describe('what the engine did, in its own name', () => {
  it('an engine names itself; one that does not is "the engine"', () => {
    expect(engineName({ engineName: 'llama-server' })).toBe('llama-server');
    expect(engineName({})).toBe('the engine');
  });

  it("the pin keeper's notes name the host's engine", async () => {
    const host: PinHost = {
      pins: new Set(['alpha:latest']),
      where: ' on llama',
      engine: 'llama-server',
      ps: async () => [],
      restore: async () => ({ state: 'loaded' }),
    };
    const keeper = new PinKeeper(host);
    const entry = {
      name: 'alpha:latest',
      model: 'alpha:latest',
      modified_at: new Date(0),
      size: 1,
      digest: 'd',
      details: {
        parent_model: '',
        format: 'gguf',
        family: '',
        families: [],
        parameter_size: '',
        quantization_level: '',
      },
      expires_at: new Date('2318-01-01'),
      size_vram: 0,
    };
    keeper.observe([entry]); // seen loaded
    keeper.observe([]); // then gone: restored in the background
    await new Promise((r) => setTimeout(r, 20));
    expect(keeper.takeNotes()).toEqual([
      'Pinned alpha:latest was unloaded by llama-server on llama (this server did not ask for it) ' +
        'and was loaded again.',
    ]);
  });
});
