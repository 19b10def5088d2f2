/**
 * doctor on a llama.cpp router (the fake one, test/fake-llamacpp) holding more than the budget: its
 * host line warns, names the loaded models and says how to unload them; within the budget it is ✓.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A router with storiesA and storiesB loaded (each 1.8 MB: the file, its KV cache and its prompt cache), under `budget`. */
async function doctorWith(budget: string) {
  const ollama = await FakeOllama.start({ models: [] });
  const router = await FakeLlamacpp.start({ models: ['storiesA', 'storiesB'].map((id) => ({ id, file: STORIES })), modelsMax: 2 });
  stops.push(() => ollama.stop(), () => router.stop());
  for (const model of ['storiesA', 'storiesB']) {
    await fetch(`${router.url}/models/load`, { method: 'POST', body: JSON.stringify({ model }) });
    while (router.status(model) !== 'loaded') await new Promise((r) => setTimeout(r, 10));
  }
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `ram:\n  budget: ${budget}\n  bufferBytes: 0\nhosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
  const memory = { memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] };
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  return (await runDoctor(orch)).checks.find((c) => c.name === 'Host llama')!;
}

describe('doctor on a llama.cpp router', () => {
  it('over the budget: a warning naming the loaded models, largest first, and how to unload them', async () => {
    const check = await doctorWith('2MB');
    expect(check.level).toBe('warn');
    expect(check.detail).toMatch(/2 loaded; the models loaded take 3\.7 MB of RAM, more than the budget \(2\.0 MB\): stories[AB]:latest \(1\.8 MB\), stories[AB]:latest \(1\.8 MB\)$/);
    expect(check.fix).toMatch(/^unload stories[AB]:latest \(unload_model, or POST \/models\/unload \{"model": NAME\} to the router\), or raise ram\.budget \(or hosts\.llama\.capacity\)/);
  });

  it('within the budget: ✓ with no fix', async () => {
    const check = await doctorWith('1GB');
    expect(check).toMatchObject({ level: 'ok', detail: expect.stringMatching(/: 2 models, 2 loaded$/) });
    expect(check).not.toHaveProperty('fix');
  });
});

describe("doctor's learned memory line (issue 41, item 4)", () => {
  it('lists a learned figure far from the estimate with the command to forget it; a figure near it, or of a model pulled again, is not listed', async () => {
    const fake = await FakeOllama.start({ memoryBytes: 32e9 });
    stops.push(() => fake.stop());
    const home = tempDir('ollm-home-');
    const memory = { memory: async () => ({ totalBytes: 32e9, availableBytes: 30e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] };
    const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: fake.url } }), { memorySource: memory });
    stops.push(() => orch.shutdown(200));
    const models = (await orch.catalog.list()).models;
    const coder = models.find((m) => m.name === 'qwen2.5-coder:7b')!;
    const llava = models.find((m) => m.name === 'llava:7b')!;
    const host = orch.hosts[0]!.engine.host;
    expect((await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')).toBeUndefined();
    // as an earlier version kept them: one a host's lie, one real, one of a digest no longer installed
    orch.seenSizes.record(host, coder.name, coder.digest, 4096, 1e14, 0);
    orch.seenSizes.record(host, llava.name, llava.digest, 4096, llava.sizeBytes * 1.4, 0); // weights + KV, near the estimate
    orch.seenSizes.record(host, llava.name, 'f'.repeat(64), 4096, 1e14, 0);
    const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')!;
    expect(check.level).toBe('warn');
    expect(check.detail).toMatch(/^1 figure learned from loads is far from the estimate: qwen2\.5-coder:7b at 4k context: 100\.0 TB learned, [\d.]+ GB estimated \([\d,]+× the estimate; set aside as impossible for it, not used\)$/);
    expect(check.fix).toContain('`ollm-mcp learning reset sizes`');
    expect(await orch.seenSizes.reset()).toBe(3);
    expect((await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')).toBeUndefined();
  });
});
