/**
 * The host overview (what is installed, loaded and what fits) is read on every call's path, so it is
 * kept until something it is made of changes (models/overview.ts): the catalog's snapshot, /api/ps,
 * the memory readings, the host's memory model and the sizes learned. Each test changes one of them
 * and needs the overview to show it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MemorySource } from '../../src/orchestrator/index.js';
import type { ModelsOverview } from '../../src/orchestrator/models/overview-types.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const GB = 1e9;
const onCall = { reachable: true, recent: true } as const;
const model = (o: ModelsOverview, name: string) => o.models.find((m) => m.name === name)!;

/** RAM readings the test sets. */
function memory(): MemorySource & { available: number } {
  const source = {
    available: 12 * GB,
    memory: async () => ({
      totalBytes: 16 * GB,
      availableBytes: source.available,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    }),
    gpus: async () => [],
  };
  return source;
}

async function setUp(opts: { host?: (url: string) => string } = {}) {
  fake = await FakeOllama.start({ memoryBytes: 16 * GB, tokenDelayMs: 0, loadDelayMs: 0 });
  const ram = memory();
  const orch = await coreFor(fake, {
    deps: { memorySource: ram },
    ...(opts.host && { env: { OLLM_HOST: opts.host(fake.url) } }),
  });
  return { orch, host: orch.hosts[0]!, ram };
}

describe('the host overview read on every call', () => {
  it('is the same object while nothing it is made of changed', async () => {
    const { host } = await setUp();
    const first = await host.overview.listModels(onCall);
    expect(await host.overview.listModels(onCall)).toBe(first);
  });

  it('shows a new memory reading: a model that fitted no longer does', async () => {
    const { orch, host, ram } = await setUp();
    expect(model(await host.overview.listModels(onCall), 'qwen2.5-coder:7b').fitsNow).toBe(true);
    ram.available = 2 * GB;
    await orch.ram.read({ fresh: true }); // as a load decision does
    const after = await host.overview.listModels(onCall);
    expect(model(after, 'qwen2.5-coder:7b').fitsNow).toBe(false);
    expect(after.ram.availableBytes).toBe(2 * GB);
  });

  it('shows a model loaded since, read from /api/ps afresh', async () => {
    const { host } = await setUp();
    expect(model(await host.overview.listModels(onCall), 'llama3.2:latest').loaded).toBe(false);
    // loads it, outside this server
    await fetch(`${fake!.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2:latest' }) });
    const after = await host.overview.listModels({ reachable: true });
    expect(model(after, 'llama3.2:latest').loaded).toBe(true);
  });

  it('lists a model installed since, once the catalog is read again', async () => {
    const { host } = await setUp();
    await host.overview.listModels(onCall);
    fake!.addModel({
      ...fake!.installed().find((m) => m.name === 'phi3:mini')!,
      name: 'phi3:new',
      digest: 'ab'.repeat(32),
    });
    expect((await host.overview.listModels({ ...onCall, refresh: true })).models.map((m) => m.name)).toContain(
      'phi3:new',
    );
  });

  it('shows what was learned of a model’s memory since', async () => {
    const { orch, host } = await setUp();
    const before = model(await host.overview.listModels(onCall), 'qwen2.5-coder:7b');
    const m = (await host.catalog.list()).models.find((c) => c.name === 'qwen2.5-coder:7b')!;
    orch.seenSizes.record(host.address, m.name, m.digest, 4096, Math.round(m.sizeBytes * 1.4), 0);
    const after = model(await host.overview.listModels(onCall), 'qwen2.5-coder:7b');
    expect(after.memoryFigure).not.toBe(before.memoryFigure);
    expect(after.requiredBytes).toBeGreaterThan(before.requiredBytes);
  });

  it('shows a ceiling learned on a host whose memory is unknown', async () => {
    // the fake, addressed so that it is not this machine: its memory is unknown until a load fails
    const { host } = await setUp({ host: (url) => url.replace('127.0.0.1', '[::ffff:127.0.0.1]') });
    expect(host.loader.hostMemory.local).toBe(false);
    expect(model(await host.overview.listModels(onCall), 'mixtral:8x7b').fits).toBe(true);
    host.loader.hostMemory.learnOutOfMemory(0, 4 * GB);
    expect(model(await host.overview.listModels(onCall), 'mixtral:8x7b').fits).toBe(false);
  });
});
