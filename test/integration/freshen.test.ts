/**
 * A call that plans begins what its plan reads of the hosts at its arrival (fleet.ts freshen, called by
 * tools/tool-call.ts for route_and_generate and compare): /api/ps and the memory, where what is kept is stale,
 * beside the call's first steps — and the plan then takes those readings instead of asking again, one after
 * the other on its path. Time here is the wall clock's alone (Date), moved past the readings' reuse.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MemorySource } from '../../src/orchestrator/index.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { routeClient } from '../helpers/route-client.js';

const fakes: FakeOllama[] = [];
const cores: Array<{ shutdown(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cores.splice(0).map((c) => c.shutdown()));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const GB = 1e9;
const onCall = { reachable: true, recent: true } as const;
const psOf = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/ps').length;

/** Memory readings, counted. */
function counted(): MemorySource & { reads: number } {
  const source = {
    reads: 0,
    memory: async () => {
      source.reads++;
      return { totalBytes: 16 * GB, availableBytes: 12 * GB, swapTotalBytes: 0, swapUsedBytes: 0 };
    },
    gpus: async () => [],
  };
  return source;
}

async function oneHost() {
  const fake = await FakeOllama.start({ memoryBytes: 16 * GB, tokenDelayMs: 0, loadDelayMs: 0 });
  fakes.push(fake);
  const ram = counted();
  const orch = await coreFor(fake, { deps: { memorySource: ram } });
  cores.push(orch);
  const host = orch.hosts[0]!;
  await host.overview.listModels(onCall); // everything read once
  return { fake, orch, host, ram };
}

describe('the readings a call plans with, begun at its arrival', () => {
  it('begins /api/ps and the memory once stale; the plan takes them, asking neither again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { fake, orch, host, ram } = await oneHost();
    expect(orch.fleet.freshen()).toBe(false); // just read: nothing begun
    expect([psOf(fake), ram.reads]).toEqual([1, 1]);
    vi.setSystemTime(Date.now() + 5000);
    expect(orch.fleet.freshen()).toBe(true);
    expect(ram.reads).toBe(2); // begun now, not when the plan asks
    expect(orch.fleet.freshen()).toBe(false); // in flight: shared, not begun twice
    await host.overview.listModels(onCall);
    expect([psOf(fake), ram.reads]).toEqual([2, 2]);
  });

  it('a plan on its own reads the memory beside /api/ps, not after its answer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { fake, host, ram } = await oneHost();
    vi.setSystemTime(Date.now() + 5000);
    fake.setLatency('/api/ps', 400);
    let answered = false;
    const listed = host.overview.listModels(onCall).then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false); // /api/ps answers in 400 ms
    expect(ram.reads).toBe(2);
    await listed;
  });

  it('of several hosts, leaves one resting after not answering alone; asks it again once it is up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [first, second] = await Promise.all([0, 1].map(() => FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0 })));
    fakes.push(first!, second!);
    const yaml = ['hosts:', `  - {name: second, kind: ollama, url: "${second!.url}"}`].join('\n');
    const orch = await coreFor(first!, { yaml });
    cores.push(orch);
    const before = [psOf(first!), psOf(second!)];
    vi.setSystemTime(Date.now() + 5000);
    orch.fleet.hostCooldown.down('second', 'did not answer');
    expect(orch.fleet.freshen()).toBe(true);
    await vi.waitFor(() => expect(psOf(first!)).toBe(before[0]! + 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(psOf(second!)).toBe(before[1]!);
    orch.fleet.hostCooldown.up('second');
    vi.setSystemTime(Date.now() + 5000);
    orch.fleet.freshen();
    await vi.waitFor(() => expect(psOf(second!)).toBe(before[1]! + 1));
  });
});

describe('a tool that plans begins them at its arrival', () => {
  it('route_and_generate: before its arguments are checked; not when it names inputs, read first', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { fake, orch, ram } = await oneHost();
    const c = await routeClient(orch, 'freshen');
    expect([psOf(fake), ram.reads]).toEqual([1, 1]);
    vi.setSystemTime(Date.now() + 5000);
    const named = [{ files: ['none.txt'] }, { images: ['none.png'] }, { diff: { range: 'no-such-ref..' } }];
    for (const inputs of named) {
      const unread = await c.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', ...inputs } });
      expect(unread.isError).toBe(true); // refused for its input: it reached no engine, and began nothing there
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([psOf(fake), ram.reads]).toEqual([1, 1]);
    }
    const refused = await c.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', maxTokens: 0 } });
    expect(refused.isError).toBe(true); // its arguments refused: no plan made
    await vi.waitFor(() => expect([psOf(fake), ram.reads]).toEqual([2, 2]));
    await c.close();
  });
});
