import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { render } from '../../src/tools/list-models.js';

let fake: FakeOllama;
beforeEach(async () => {
  fake = await FakeOllama.start({ memoryBytes: 16e9 });
});
afterEach(async () => {
  await fake.stop();
});

async function load(model: string, keepAlive: string | number = '5m') {
  const res = await fetch(`${fake.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model, keep_alive: keepAlive }),
  });
  expect(res.status).toBe(200);
  await res.text();
}

describe('listModels: the memory free for one more model', () => {
  it('models loaded past the budget leave none free (0, not -1), and the text says by how much', async () => {
    await load('llama3.2:latest'); // loaded by Ollama itself, past ollm-mcp's budget of 1 GB
    const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: 1GB\n' });
    const o = await core.listModels();
    expect(o.ram.loadedBytes).toBeGreaterThan(o.ram.budgetBytes);
    expect(o.ram.headroomBytes).toBe(0);
    const text = render({ ...o, models: [] });
    expect(text).toMatch(/none free for models now \(\d+\.\d GB over budget: \d+\.\d GB loaded, budget 1\.0 GB\)/);
    expect(text).not.toMatch(/-1 B|-\d/);
  });

  it('with room, the figure in bytes', async () => {
    const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: 8GB\n' });
    const o = await core.listModels();
    expect(o.ram.headroomBytes).toBeGreaterThan(0);
    expect(render({ ...o, models: [] })).toMatch(/\d+\.\d GB free for models now \(budget 8\.0 GB\)/);
  });
});

describe('listModels: loaded, fits and fitsNow against the fake', () => {
  it('marks what Ollama has loaded and counts its memory', async () => {
    await load('llama3.2:latest');
    const core = await coreFor(fake, { totalBytes: 16e9 });
    const o = await core.listModels();
    expect(o.host).toBe(fake.host);
    expect(o.loaded.map((l) => l.name)).toEqual(['llama3.2:latest']);
    expect(o.models.find((m) => m.name === 'llama3.2:latest')?.loaded).toBe(true);
    expect(o.models.filter((m) => m.loaded)).toHaveLength(1);
    expect(o.ram.loadedBytes).toBe(fake.loaded()[0]!.size);
    expect(o.ram.availableBytes).toBe(16e9 - fake.usedMemoryBytes());
  });

  it('fits follows the budget; fitsNow also counts what is loaded and the free RAM', async () => {
    // 16 GB machine, budget 12 GB, margin 20%: a 26 GB model never fits; a 4.7 GB one needs 5.6 GB.
    const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: 12GB\n' });
    let o = await core.listModels();
    const mixtral = o.models.find((m) => m.name.startsWith('mixtral'))!;
    expect(mixtral).toMatchObject({ fits: false, fitsNow: false, loaded: false });
    expect(mixtral.requiredBytes).toBeGreaterThanOrEqual(Math.ceil(mixtral.sizeBytes * 1.2)); // + its KV cache
    const coder = o.models.find((m) => m.name.startsWith('qwen2.5-coder'))!;
    expect(coder).toMatchObject({ fits: true, fitsNow: true });

    // Load two ~4.7 GB models: 9.4 GB of the 12 GB budget is taken, so another 5.6 GB does not fit now.
    await load('llava:7b');
    await load('qwen2.5-coder:7b');
    o = await core.listModels();
    expect(o.ram.loadedBytes).toBeGreaterThan(9e9);
    const phi = o.models.find((m) => m.name.startsWith('phi3'))!;
    const llama = o.models.find((m) => m.name === 'llama3.2:latest')!;
    expect(llama).toMatchObject({ fits: true, fitsNow: false });
    expect(phi.fits).toBe(true);
    expect(phi.fitsNow).toBe(o.ram.budgetBytes - o.ram.loadedBytes >= phi.requiredBytes);
    expect(o.models.find((m) => m.name === 'qwen2.5-coder:7b')).toMatchObject({ loaded: true, fitsNow: true });
  });

  it('sees models expire on their own: /api/ps is read again, not trusted stale', async () => {
    await load('phi3:mini', '300ms');
    const core = await coreFor(fake);
    expect((await core.listModels()).loaded).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    expect((await core.listModels()).loaded).toHaveLength(0);
  });

  it('flags a model kept forever', async () => {
    await load('phi3:mini', -1);
    const core = await coreFor(fake);
    const o = await core.listModels();
    expect(o.loaded[0]).toMatchObject({ name: 'phi3:mini', keptForever: true });
  });

  it('fails with the host and the fix when Ollama is down and nothing was listed before', async () => {
    const core = await coreFor(fake);
    await fake.stop();
    await expect(core.listModels()).rejects.toThrow(HostError);
    await expect(core.listModels()).rejects.toThrow(
      new RegExp(`not reachable at ${fake.host.replace(/\./g, '\\.')}.*ollama serve`),
    );
  });

  it('a model card has the running state and license lines; an unknown one says to pull it', async () => {
    await load('llama3.2:latest');
    const core = await coreFor(fake);
    const card = await core.modelCard('llama3.2');
    expect(card.name).toBe('llama3.2:latest');
    expect(card.running?.name).toBe('llama3.2:latest');
    expect(card.contextWindow).toBe(fake.installed().find((m) => m.name === 'llama3.2:latest')!.contextLength);
    await expect(core.modelCard('nope:7b')).rejects.toThrow(/ollama pull nope:7b/);
  });

  it('the RAM status reports Ollama unreachable but still gives the readings', async () => {
    const core = await coreFor(fake, { totalBytes: 16e9 });
    await fake.stop();
    const status = await core.ramStatus();
    expect(status.ollama.reachable).toBe(false);
    expect(status.ollama.error).toMatch(/ollama serve/);
    expect(status.totalBytes).toBe(16e9);
    expect(status.loaded).toEqual([]);
  });
});
