/**
 * A GPU host: VRAM admission, placement on one or several GPUs, partial offload, unified memory, the default
 * context.
 */
import { describe, expect, it } from 'vitest';
import { estimateModelMemory, kvCacheBytes } from './models.js';
import { GiB, gen, loadedNames, model, ps, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const llama = model('llama3.2:latest');
const mixtral = model('mixtral:8x7b');

describe('GPU host: placement and /api/ps', () => {
  it(
    'a model that fits goes fully on the GPU: size = weights + KV(num_ctx × parallel), ' +
      'size_vram = size, context_length per slot',
    async () => {
      const { fake } = await start({ gpus: [{ vramBytes: 24 * GiB }], numParallel: 2, memoryBytes: 32e9 });
      expect((await gen(fake, { model: 'llama3.2', options: { num_ctx: 8192 } })).status).toBe(200);
      const [entry] = await ps(fake);
      expect(entry).toMatchObject({ name: 'llama3.2:latest', context_length: 8192 });
      expect(entry!.size).toBe(llama.size + kvCacheBytes(llama, 16384));
      expect(kvCacheBytes(llama, 16384)).toBe(2 * 28 * 8 * (3072 / 24) * 16384 * 2);
      expect(entry!.size_vram).toBe(entry!.size);
      expect(fake.gpus()[0]!.usedBytes).toBe(entry!.size);
      expect(fake.usedMemoryBytes()).toBe(0); // nothing on the CPU
    },
  );

  it('what does not fit is offloaded by whole layers: size_vram < size, the CPU part charged to RAM', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 8 * GiB }], memoryBytes: 64e9 });
    await gen(fake, { model: 'mixtral:8x7b' });
    const [entry] = await ps(fake);
    const size = estimateModelMemory(mixtral, 4096);
    expect(entry!.size).toBe(size);
    expect(entry!.size_vram).toBeGreaterThan(0);
    expect(entry!.size_vram).toBeLessThanOrEqual(8 * GiB);
    const layer = size / 33; // 32 blocks + output
    expect(Number.isInteger(entry!.size_vram)).toBe(true);
    expect(entry!.size_vram / layer).toBeCloseTo(Math.round(entry!.size_vram / layer), 6);
    expect(fake.usedMemoryBytes()).toBe(size - entry!.size_vram);
    expect(fake.stats().peakVramBytes).toBe(entry!.size_vram);
  });

  it('several GPUs: a model that fits one goes on one, main_gpu picks it, a bigger one is spread over all', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 16 * GiB }, { vramBytes: 16 * GiB }], memoryBytes: 64e9 });
    await gen(fake, { model: 'llama3.2' });
    expect(fake.loaded()[0]!.vramByGpu.filter((v) => v > 0)).toHaveLength(1);
    await gen(fake, { model: 'phi3:mini', options: { main_gpu: 1 } });
    const phi = fake.loaded().find((m) => m.name === 'phi3:mini')!;
    expect(phi.vramByGpu[0]).toBe(0);
    expect(phi.vramByGpu[1]).toBe(phi.size);

    const { fake: big } = await start({
      gpus: [{ vramBytes: 16 * GiB }, { vramBytes: 16 * GiB }],
      memoryBytes: 64e9,
    });
    await gen(big, { model: 'mixtral:8x7b' }); // 27 GB: more than 80% of either GPU
    const m = big.loaded()[0]!;
    expect(m.vramByGpu.every((v) => v > 0)).toBe(true);
    expect(m.sizeVram).toBe(m.size);
  });

  it('num_gpu 0 keeps a model on the CPU; an explicit num_gpu puts that many layers on the GPU', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 24 * GiB }], memoryBytes: 32e9 });
    await gen(fake, { model: 'llama3.2', options: { num_gpu: 0 } });
    await gen(fake, { model: 'phi3:mini', options: { num_gpu: 11 } });
    const byName = Object.fromEntries(fake.loaded().map((m) => [m.name, m]));
    expect(byName['llama3.2:latest']).toMatchObject({ sizeVram: 0 });
    expect(byName['llama3.2:latest']!.ramBytes).toBe(byName['llama3.2:latest']!.size);
    const phi = byName['phi3:mini']!;
    expect(phi.sizeVram).toBeCloseTo((phi.size / 33) * 11, 0);
  });
});

describe('GPU host: admission', () => {
  it(
    'evicts while weights + KV > 80% of free VRAM: the idle model with the shortest keep_alive ' +
      'goes, not the oldest',
    async () => {
      const { fake } = await start({ gpus: [{ vramBytes: 16 * GiB }], memoryBytes: 64e9, maxLoadedModels: 4 });
      await gen(fake, { model: 'llama3.2', keep_alive: '1h' }); // loaded first
      await gen(fake, { model: 'phi3:mini', keep_alive: '10m' });
      await gen(fake, { model: 'qwen2.5-coder:7b' }); // 5 min
      expect(fake.stats().forcedEvictions).toEqual([]);
      await gen(fake, { model: 'llava:7b' }); // 6.9 GB; 80% of the 6 GB free is not enough
      expect(loadedNames(fake).sort()).toEqual(['llama3.2:latest', 'llava:7b', 'phi3:mini']);
      expect(fake.stats().forcedEvictions).toEqual([
        { evicted: 'qwen2.5-coder:7b', for: 'llava:7b', reason: 'memory', at: expect.any(Number) as number },
      ]);
    },
  );

  it('the batch surcharge counts: num_batch 2048 adds 2 GiB to the check', async () => {
    for (const [options, evicted] of [
      [{}, []],
      [{ num_batch: 2048 }, ['phi3:mini']],
    ] as const) {
      const { fake } = await start({ gpus: [{ vramBytes: 8 * GiB }], memoryBytes: 64e9 });
      await gen(fake, { model: 'phi3:mini' }); // 3.8 GB of 8.6
      await gen(fake, { model: 'llama3.2', options }); // 2.5 GB fits 80% of 4.8 GB; 4.6 GB does not
      expect(fake.stats().forcedEvictions.map((e) => e.evicted)).toEqual(evicted);
      expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')!.numBatch).toBe(
        'num_batch' in options ? 2048 : 512,
      );
    }
  });

  it('beyond 4096 tokens the automatic batch is 1024 (768 MiB more) when there is headroom, else 512', async () => {
    for (const [gib, batch] of [
      [24, 1024],
      [3.5, 512],
    ] as const) {
      const { fake } = await start({ gpus: [{ vramBytes: gib * GiB }], memoryBytes: 64e9 });
      await gen(fake, { model: 'llama3.2', options: { num_ctx: 8192 } }); // 3.0 GB: more than 75% of 3.5 GiB
      expect(fake.loaded()[0]!.numBatch).toBe(batch);
    }
  });

  it('the check runs only when other models are loaded; a CPU load (num_gpu 0) is not checked', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 4 * GiB }], memoryBytes: 64e9 });
    await gen(fake, { model: 'qwen2.5-coder:7b' }); // alone: loads, partly offloaded
    await gen(fake, { model: 'phi3:mini', options: { num_gpu: 0 } });
    expect(loadedNames(fake).sort()).toEqual(['phi3:mini', 'qwen2.5-coder:7b']);
    await gen(fake, { model: 'llama3.2' }); // on the GPU, beside the coder's 4 GiB: no room
    // not size-aware: phi3 (on the CPU, blob 4f22… before dae1…) goes first although that frees no VRAM
    expect(fake.stats().forcedEvictions.map((e) => [e.evicted, e.reason])).toEqual([
      ['phi3:mini', 'memory'],
      ['qwen2.5-coder:7b', 'memory'],
    ]);
  });

  it('unified memory: a load may use min(system free, GPU free)', async () => {
    for (const unifiedMemory of [false, true]) {
      const { fake } = await start({ gpus: [{ vramBytes: 32 * GiB }], unifiedMemory, memoryBytes: 12e9 });
      await gen(fake, { model: 'qwen2.5-coder:7b' }); // 4.9 GB
      await gen(fake, { model: 'llava:7b' }); // 6.9 GB: fits the GPU, not 80% of the 7.1 GB of RAM left
      expect(fake.stats().forcedEvictions.length).toBe(unifiedMemory ? 1 : 0);
      expect(fake.usedMemoryBytes()).toBe(unifiedMemory ? fake.loaded()[0]!.size : 0);
    }
  });

  it('OLLAMA_MAX_LOADED_MODELS defaults to 3 per GPU', async () => {
    const { fake } = await start({
      gpus: [{ vramBytes: 48 * GiB }, { vramBytes: 48 * GiB }],
      memoryBytes: 64e9,
      defaultNumCtx: 2048,
    });
    for (const m of ['llama3.2', 'phi3:mini', 'qwen2.5-coder:7b', 'llava:7b', 'nomic-embed-text']) {
      await (m === 'nomic-embed-text'
        ? fetch(`${fake.url}/api/embed`, { method: 'POST', body: JSON.stringify({ model: m, input: 'x' }) })
        : gen(fake, { model: m }));
    }
    expect(fake.loaded()).toHaveLength(5);
    expect(fake.stats().forcedEvictions).toEqual([]);
  });
});

describe('GPU host: default context', () => {
  it(
    'by total VRAM: 4096 below 23 GiB, 32768 from 23 GiB, 262144 from 47 GiB, capped at the ' +
      'trained window; OLLAMA_CONTEXT_LENGTH wins',
    async () => {
      const cases: Array<[number[], number | undefined, string, number]> = [
        [[16], undefined, 'llama3.2', 4096],
        [[24], undefined, 'llama3.2', 32768],
        [[24, 24], undefined, 'llama3.2', 131072], // 262144, capped at llama3.2's window
        [[24, 24], undefined, 'qwen2.5-coder:7b', 32768],
        [[24], 8192, 'llama3.2', 8192],
      ];
      for (const [gbs, defaultNumCtx, name, ctx] of cases) {
        const { fake } = await start({
          gpus: gbs.map((g) => ({ vramBytes: g * GiB })),
          memoryBytes: 128e9,
          ...(defaultNumCtx && { defaultNumCtx }),
        });
        await gen(fake, { model: name });
        expect({ gbs, name, ctx: (await ps(fake))[0]!.context_length }).toEqual({ gbs, name, ctx });
      }
    },
  );
});
