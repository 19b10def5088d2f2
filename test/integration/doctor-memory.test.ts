/**
 * doctor on a llama.cpp router (the fake one, test/fake-llamacpp) holding more than the budget: its
 * host line warns, names the loaded models and says how to unload them; within the budget it is ✓.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { learnedChecks } from '../../src/orchestrator/doctor-learned.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/**
 * A router with storiesA and storiesB loaded (each 1.8 MB: the file, its KV cache and its prompt cache),
 * under `budget`.
 */
async function doctorWith(budget: string) {
  const { orch } = await routerBeside(budget);
  return (await runDoctor(orch)).checks.find((c) => c.name === 'Host llama')!;
}

/** The router of doctorWith beside an Ollama with no models, and the orchestrator over both. */
async function routerBeside(budget: string) {
  const ollama = await FakeOllama.start({ models: [] });
  const router = await FakeLlamacpp.start({
    models: ['storiesA', 'storiesB'].map((id) => ({ id, file: STORIES })),
    modelsMax: 2,
  });
  stops.push(
    () => ollama.stop(),
    () => router.stop(),
  );
  for (const model of ['storiesA', 'storiesB']) {
    await fetch(`${router.url}/models/load`, { method: 'POST', body: JSON.stringify({ model }) });
    while (router.status(model) !== 'loaded') await new Promise((r) => setTimeout(r, 10));
  }
  const home = tempDir('ollm-home-');
  writeFileSync(
    join(home, 'config.yaml'),
    `ram:\n  budget: ${budget}\n  bufferBytes: 0\nhosts:\n  - name: llama\n    kind: llamacpp\n ` +
      `   url: ${router.url}\n`,
  );
  const memory = {
    memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
    gpus: async () => [],
  };
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: memory,
  });
  stops.push(() => orch.shutdown(200));
  return { orch, ollama };
}

describe('doctor on a llama.cpp router', () => {
  it('over the budget: a warning naming the loaded models, largest first, and how to unload them', async () => {
    const check = await doctorWith('2MB');
    expect(check.level).toBe('warn');
    expect(check.detail).toMatch(
      /2 loaded; the models loaded take 3\.7 MB of RAM, more than the budget \(2\.0 MB\): stories[AB]:latest \(1\.8 MB\), stories[AB]:latest \(1\.8 MB\)$/,
    );
    expect(check.fix).toMatch(
      /^unload stories[AB]:latest \(unload_model, or POST \/models\/unload \{"model": NAME\} to the router\), or raise ram\.budget \(or hosts\.llama\.capacity\)/,
    );
  });

  it('within the budget: ✓ with no fix', async () => {
    const check = await doctorWith('1GB');
    expect(check).toMatchObject({ level: 'ok', detail: expect.stringMatching(/: 2 models, 2 loaded$/) });
    expect(check).not.toHaveProperty('fix');
  });
});

describe("doctor's learned memory line (issue 41, item 4)", () => {
  it(
    'lists a learned figure far from the estimate with the command to forget it; a figure near ' +
      'it, or of a model pulled again, is not listed',
    async () => {
      const fake = await FakeOllama.start({ memoryBytes: 32e9 });
      stops.push(() => fake.stop());
      const home = tempDir('ollm-home-');
      const memory = {
        memory: async () => ({ totalBytes: 32e9, availableBytes: 30e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      };
      const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: fake.url } }), {
        memorySource: memory,
      });
      stops.push(() => orch.shutdown(200));
      const models = (await orch.catalog.list()).models;
      const coder = models.find((m) => m.name === 'qwen2.5-coder:7b')!;
      const llava = models.find((m) => m.name === 'llava:7b')!;
      const host = orch.hosts[0]!.engine.host;
      expect((await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')).toBeUndefined();
      // as an earlier version kept them: one a host's lie, one real, one of a digest no longer installed
      orch.seenSizes.record(host, coder.name, coder.digest, 4096, 1e14, 0);
      // weights + KV, near the estimate
      orch.seenSizes.record(host, llava.name, llava.digest, 4096, llava.sizeBytes * 1.4, 0);
      orch.seenSizes.record(host, llava.name, 'f'.repeat(64), 4096, 1e14, 0);
      // another model's digest under its name: not llava's figure
      orch.seenSizes.record(host, llava.name, coder.digest, 4096, 1e14, 0);
      const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')!;
      expect(check.level).toBe('warn');
      expect(check.detail).toMatch(
        /^1 figure learned from loads is far from the estimate: qwen2\.5-coder:7b at 4k context: 100\.0 TB learned, [\d.]+ GB estimated \([\d,]+× the estimate; set aside as impossible for it, not used\)$/,
      );
      expect(check.fix).toContain('`ollm-mcp learning reset sizes`');
      expect(await orch.seenSizes.reset()).toBe(4);
      expect((await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')).toBeUndefined();
    },
  );

  it(
    'with two hosts, names the host of each figure and estimates each at its own context; an ' +
      'Ollama that stopped answering leaves the router’s listed',
    async () => {
      const { orch, ollama } = await routerBeside('1GB');
      const [ollamaHost, llama] = orch.hosts;
      const stories = (await llama!.catalog.list()).models.find((m) => m.name.startsWith('storiesA'))!;
      // a router's digest names the file: kept to 64 characters when learned
      expect(stories.digest.length).toBeGreaterThan(64);
      await ollama.stop(); // its catalog cannot be listed: its figures are left out, the router's still listed
      orch.seenSizes.record(ollamaHost!.engine.host, 'gone:7b', 'a'.repeat(64), 4096, 1e14, 0);
      orch.seenSizes.record(llama!.engine.host, stories.name, stories.digest, 64, 1e14, 0);
      // past its window: set aside, still estimated there
      orch.seenSizes.record(llama!.engine.host, stories.name, stories.digest, 32768, 1e14, 0);
      const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')!;
      const contexts = [...check.detail.matchAll(/storiesA\S* on llama at (\d+k?) context: 100\.0 TB learned/g)].map(
        (m) => m[1],
      );
      expect(contexts.sort()).toEqual(['32k', '64']);
      expect(check.detail).toMatch(/^2 figures learned from loads are far/); // not the model no longer installed
    },
  );

  it('estimates each figure at its own context, the KV cache counted', async () => {
    const fake = await FakeOllama.start({ memoryBytes: 32e9 });
    stops.push(() => fake.stop());
    const memory = {
      memory: async () => ({ totalBytes: 32e9, availableBytes: 30e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    };
    const orch = new Orchestrator(
      await loadConfig({ env: { OLLM_HOME: tempDir('ollm-home-'), OLLM_HOST: fake.url } }),
      { memorySource: memory },
    );
    stops.push(() => orch.shutdown(200));
    const coder = (await orch.catalog.list()).models.find((m) => m.name === 'qwen2.5-coder:7b')!;
    expect(await learnedChecks(orch)).toEqual([]); // nothing learned: no line at all
    for (const ctx of [4096, 32768])
      orch.seenSizes.record(orch.hosts[0]!.engine.host, coder.name, coder.digest, ctx, 1e14, 0);
    const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Learned memory')!;
    const estimates = Object.fromEntries(
      [...check.detail.matchAll(/coder:7b at (\d+k) context: 100\.0 TB learned, ([\d.]+) GB estimated/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(Object.keys(estimates).sort()).toEqual(['32k', '4k']);
    // 28k tokens more of KV cache: over 1 GB on a 7B model
    expect(estimates['32k']!).toBeGreaterThan(estimates['4k']! + 1);
  });
});
