/** Asynchronous unloads: one worker, unloadDelayMs each, the GPU's memory recovering after, busy models last. */
import { describe, expect, it } from 'vitest';
import { GiB, gen, loadedNames, post, ps, start, stopFakesAfterEach, waitFor } from './test-helpers.js';
import type { FakeOllama } from './server.js';

stopFakesAfterEach();

/** Poll the fake until `until` holds, recording each distinct list of loaded names. */
async function watch(fake: FakeOllama, until: () => boolean): Promise<string[][]> {
  const seen: string[][] = [];
  await waitFor(() => {
    const now = loadedNames(fake).sort();
    if (JSON.stringify(seen.at(-1)) !== JSON.stringify(now)) seen.push(now);
    return until();
  }, 5000);
  return seen;
}

describe('unloads', () => {
  it('keep_alive 0 answers at once with done_reason "unload"; /api/ps shows the model until its unload completes', async () => {
    // long enough for a loaded machine to ask /api/ps within it
    const { fake } = await start({ admission: 'ollama', unloadDelayMs: 1500 });
    await gen(fake, { model: 'llama3.2' });
    const unload = await gen(fake, { model: 'llama3.2', keep_alive: 0 });
    expect(unload).toMatchObject({ status: 200, body: { done: true, done_reason: 'unload', response: '' } });
    expect((await ps(fake)).map((m) => m.name)).toEqual(['llama3.2:latest']); // still there
    expect(fake.loaded()[0]).toMatchObject({ unloading: true, keepAliveMs: 0 });
    expect(fake.stats()).toMatchObject({ unloads: 1, unloadsCompleted: 0 });
    await waitFor(() => fake.loaded().length === 0, 5000);
    expect(await ps(fake)).toEqual([]);
    expect(fake.stats()).toMatchObject({ unloads: 1, unloadsCompleted: 1 });
    expect(fake.usedMemoryBytes()).toBe(0);
  });

  it('one worker unloads models one at a time, in the order asked', async () => {
    const { fake } = await start({ admission: 'ollama', unloadDelayMs: 250, memoryBytes: 64e9 });
    for (const m of ['llama3.2', 'phi3:mini', 'qwen2.5-coder:7b']) await gen(fake, { model: m });
    // watched from before the first unload is asked, each state lasting 250 ms: a busy machine misses none
    const watching = watch(fake, () => fake.loaded().length === 0);
    for (const m of ['phi3:mini', 'qwen2.5-coder:7b', 'llama3.2']) await gen(fake, { model: m, keep_alive: 0 });
    const seen = await watching;
    expect(seen).toEqual([
      ['llama3.2:latest', 'phi3:mini', 'qwen2.5-coder:7b'],
      ['llama3.2:latest', 'qwen2.5-coder:7b'],
      ['llama3.2:latest'],
      [],
    ]);
  });

  it('a busy model is unloaded only when its request ends; the request is not cut', async () => {
    const { fake } = await start({ admission: 'ollama', tokenDelayMs: 15 });
    const res = post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'x', stream: false });
    await waitFor(() => fake.loaded()[0]?.inFlight === 1);
    expect((await gen(fake, { model: 'llama3.2', keep_alive: 0 })).body['done_reason']).toBe('unload');
    expect(fake.loaded()).toMatchObject([{ name: 'llama3.2:latest', inFlight: 1, unloading: true }]);
    const body = (await (await res).json()) as { response: string };
    expect(body.response).toBe('The quick brown fox jumps over the lazy dog.');
    await waitFor(() => fake.loaded().length === 0);
    expect(fake.stats()).toMatchObject({ unloads: 1, unloadsCompleted: 1 });
  });

  it('a request for a model whose unload is queued uses it, and the unload still happens after', async () => {
    const { fake } = await start({ admission: 'ollama', unloadDelayMs: 80, tokenDelayMs: 5 });
    for (const m of ['llama3.2', 'phi3:mini']) await gen(fake, { model: m });
    await gen(fake, { model: 'llama3.2', keep_alive: 0 }); // the worker is busy with this one
    await gen(fake, { model: 'phi3:mini', keep_alive: 0 }); // queued behind it
    const r = await gen(fake, { model: 'phi3:mini', prompt: 'x', keep_alive: '1h' });
    expect(r.body).not.toHaveProperty('load_duration'); // served by the runner still loaded
    await waitFor(() => fake.loaded().length === 0);
    expect(fake.loadCount('phi3:mini')).toBe(1);
  });

  it('a load that evicts waits for the unload and the GPU memory recovery before it loads', async () => {
    const { fake } = await start({
      gpus: [{ vramBytes: 8 * GiB }],
      memoryBytes: 64e9,
      unloadDelayMs: 40,
      gpuRecoveryMs: 150,
    });
    await gen(fake, { model: 'qwen2.5-coder:7b' }); // 4.9 GB of 8.6
    const vramWhileRecovering: number[] = [];
    const load = gen(fake, { model: 'llava:7b' }); // 6.9 GB: evicts the coder
    const seen = await watch(fake, () => {
      if (fake.loaded().length === 0) vramWhileRecovering.push(fake.usedVramBytes());
      return loadedNames(fake).includes('llava:7b');
    });
    expect((await load).status).toBe(200);
    expect(seen).toEqual([['qwen2.5-coder:7b'], [], ['llava:7b']]);
    expect(vramWhileRecovering.some((v) => v > 4e9)).toBe(true); // gone from /api/ps, still reading as used
    expect(fake.loaded()[0]!.sizeVram).toBe(fake.loaded()[0]!.size); // loaded after the recovery, so fully on the GPU
  });

  it('a model loaded while a GPU still recovers from an unload is offloaded partly', async () => {
    // 2 s: the load below, three round trips after the unload, comes within it even on a busy machine
    const { fake } = await start({ gpus: [{ vramBytes: 8 * GiB }], memoryBytes: 64e9, gpuRecoveryMs: 2000 });
    await gen(fake, { model: 'qwen2.5-coder:7b' });
    await gen(fake, { model: 'qwen2.5-coder:7b', keep_alive: 0 });
    expect(await ps(fake)).toEqual([]); // unloaded, but its 4.9 GB reads as used for 2 s
    await gen(fake, { model: 'llava:7b' }); // 6.9 GB would fit a recovered 8 GiB GPU
    const [entry] = await ps(fake);
    expect(entry!.size_vram).toBeLessThan(entry!.size);
    expect(fake.usedMemoryBytes()).toBe(entry!.size - entry!.size_vram);
    await waitFor(() => fake.usedVramBytes() === entry!.size_vram, 5000);
  });

  it('without delays an unload completes before the answer (what tests written for the old fake expect)', async () => {
    const { fake } = await start();
    await gen(fake, { model: 'llama3.2' });
    await gen(fake, { model: 'llama3.2', keep_alive: 0 });
    expect(fake.loaded()).toEqual([]);
    expect(fake.stats().unloadsCompleted).toBe(1);
  });
});
