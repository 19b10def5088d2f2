/**
 * Memory learned from loads (issue 33, item 4): after a load, what the host reported it took
 * (Ollama's /api/ps size) is what the planner reserves the next time, with a small margin,
 * instead of the formula's weights + 20% + KV cache; it is kept in the state database, and
 * list_models, show_model and show_status say which figure they use. A llama.cpp router reports
 * nothing of what a model holds: its need is its GGUF header's figure, whatever this machine's
 * memory did across the load (issue 73, finding 6).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator, type MemorySource } from '../../src/orchestrator/index.js';
import { render as renderList } from '../../src/tools/list-models.js';
import { renderStatus } from '../../src/tools/status-text.js';
import { FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { coreFor, fakeMemory } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'qwen2.5-coder:7b';
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';

async function start(options: FakeOllamaOptions) {
  const fake = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0, ...options });
  stops.push(() => fake.stop());
  return fake;
}

/** Loads MODEL once and unloads it; returns what /api/ps reported while it was loaded. */
async function loadOnce(core: Orchestrator) {
  expect((await core.loader.ensureLoaded({ model: MODEL })).action).toBe('loaded');
  const entry = (await core.backend.ps()).find((r) => r.name === `${MODEL}`)!;
  await core.loader.unload({ models: [MODEL] });
  return entry;
}

describe('on an Ollama CPU host', () => {
  it(
    'after one load, the figure for loading the model again is within 10% of what Ollama ' +
      'reported, and said as observed',
    async () => {
      const fake = await start({ memoryBytes: 24e9 });
      const core = await coreFor(fake, { totalBytes: 24e9, yaml: YAML });
      stops.push(() => core.shutdown(200));
      const before = await core.loader.ensureLoaded({ model: MODEL, dryRun: true });
      expect((await core.modelCard(MODEL)).memoryFigure).toBe('estimated');
      const reported = await loadOnce(core);
      // the estimate is weights + 20% + KV: well over what Ollama reports
      expect(before.requiredBytes).toBeGreaterThan(reported.size * 1.1);

      const again = await core.loader.ensureLoaded({ model: MODEL, dryRun: true });
      expect(again.requiredBytes).toBeGreaterThanOrEqual(reported.size);
      expect(again.requiredBytes).toBeLessThanOrEqual(reported.size * 1.1);
      const words =
        `observed ${(reported.size / 1e9).toFixed(2)} GB at ` +
        `${Math.round(reported.context_length! / 1024)}k context`;
      expect(again.reason).toContain(words);
      const card = await core.modelCard(MODEL);
      expect(card).toMatchObject({ memoryFigure: words, requiredBytes: again.requiredBytes });
      const list = await core.listModels();
      expect(renderList(list)).toContain(`${MODEL} — `);
      expect(renderList(list)).toContain(`(${words})`);
      expect(renderStatus(await core.fleetStatus(), 'none free for models now')).toContain(
        `memory figures: ${MODEL} ${words}; others estimated`,
      );
    },
  );

  it('is kept in the state database: another process on a smaller machine loads what the estimate would refuse', async () => {
    const fake = await start({ memoryBytes: 24e9 });
    const first = await coreFor(fake, { totalBytes: 24e9, yaml: YAML });
    const reported = await loadOnce(first);
    const learnedFigure = (
      await first.loader.ensureLoaded({ model: MODEL, dryRun: true, contextLength: reported.context_length! })
    ).requiredBytes;
    await first.shutdown(1000);
    // a machine with room for what loading took (+ margin), not for the estimate's weights + 20% + KV
    const ctx = reported.context_length!;
    const fresh = await coreFor(fake, { totalBytes: reported.size * 1.1, yaml: YAML });
    stops.push(() => fresh.shutdown(200));
    const freshPlan = await fresh.loader.ensureLoaded({ model: MODEL, dryRun: true, contextLength: ctx });
    expect(freshPlan.action).toBe('refused');
    expect(freshPlan.reason).toMatch(/\+ 20%/);

    const next = new Orchestrator(first.config, { memorySource: fakeMemory(fake, reported.size * 1.1) });
    stops.push(() => next.shutdown(200));
    await next.stateRead;
    const plan = await next.loader.ensureLoaded({ model: MODEL, dryRun: true, contextLength: ctx });
    expect(plan.action).toBe('would_load');
    expect(plan.requiredBytes).toBe(learnedFigure);
    expect(plan.reason).toContain('observed');
  });
});

describe('only plausible readings are learned (issue 41, item 4)', () => {
  /** The figure learned for MODEL on the fake, as the store holds it. */
  const learned = (core: Orchestrator, fake: FakeOllama) =>
    core.seenSizes.learnedOn(fake.host).filter((r) => r.model === MODEL);

  it(
    'a reading near the earlier ones is added; one past the outlier factor is set aside and ' +
      'logged, the figure unchanged',
    async () => {
      const fake = await start({ memoryBytes: 24e9 });
      const core = await coreFor(fake, { totalBytes: 24e9, yaml: YAML });
      stops.push(() => core.shutdown(200));
      const truth = await loadOnce(core);
      expect(learned(core, fake)).toMatchObject([{ seen: { count: 1, meanBytes: truth.size } }]);
      fake.misreport((t) => ({ size: Math.round(t.size * 1.2) }));
      await loadOnce(core);
      expect(learned(core, fake)).toMatchObject([{ seen: { count: 2, maxBytes: Math.round(truth.size * 1.2) } }]);
      const figure = (await core.loader.ensureLoaded({ model: MODEL, dryRun: true })).requiredBytes;
      const warned: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => (warned.push(String(chunk)), true)) as typeof process.stderr.write;
      try {
        fake.misreport((t) => ({ size: Math.round(t.size * 1.75) })); // within the bounds, past 1.5× the earlier mean
        await loadOnce(core);
      } finally {
        process.stderr.write = write;
      }
      expect(learned(core, fake)[0]!.seen.count).toBe(2);
      expect(warned.join('')).toMatch(
        /reported that qwen2\.5-coder:7b takes [\d.]+ GB loaded; set aside, not learned: earlier loads of it took [\d.]+ GB there \(an outlier beyond 1\.5×\)/,
      );
      fake.misreport(undefined);
      expect((await core.loader.ensureLoaded({ model: MODEL, dryRun: true })).requiredBytes).toBe(figure);
    },
  );

  it('a loaded model reported at 0 bytes is counted at its estimate: the next model must make room', async () => {
    const fake = await start({ memoryBytes: 64e9 });
    const core = await coreFor(fake, { totalBytes: 64e9, yaml: 'ram:\n  budget: 10GB\n  bufferBytes: 0\n' });
    stops.push(() => core.shutdown(200));
    fake.misreport(() => ({ size: 0 }));
    expect((await core.loader.ensureLoaded({ model: MODEL })).action).toBe('loaded');
    const next = await core.loader.ensureLoaded({ model: 'llava:7b', dryRun: true });
    expect(next).toMatchObject({ action: 'would_load', unloaded: [MODEL] });
    expect(learned(core, fake)).toEqual([]);
  });
});

describe('on an Ollama GPU host', () => {
  it('the VRAM planned for the next load is within 10% of what Ollama reported', async () => {
    const fake = await start({ memoryBytes: 32e9, gpus: [{ vramBytes: 24 * 1024 ** 3 }] });
    const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
    stops.push(() => core.shutdown(200));
    const reported = await loadOnce(core);
    expect(reported.size_vram).toBe(reported.size);
    const again = await core.loader.ensureLoaded({ model: MODEL, dryRun: true });
    expect(again.requiredBytes).toBeGreaterThanOrEqual(reported.size);
    expect(again.requiredBytes).toBeLessThanOrEqual(reported.size * 1.1);
    expect(again.reason).toMatch(/of VRAM \(observed .* GB at \d+k context \+ 3% \+ 5% for buffers\)/);
  });
});

describe('on a llama.cpp router on this machine (it reports no memory of its own)', () => {
  /** weights (the file) + f16 KV cache for 512 tokens + the prompt cache (at most the KV once more), + 20%. */
  const HEADER_NEED = Math.ceil((1_185_632 + 2 * (2 * 5 * 4 * 8 * 512 * 2)) * 1.2);

  async function setup(fallPerModel: number) {
    const ollama = await start({ models: [] });
    const router = await FakeLlamacpp.start({
      models: ['storiesA', 'storiesB'].map((id) => ({ id, file: STORIES })),
      modelsMax: 2,
    });
    stops.push(() => router.stop());
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
    // this machine's available memory falls by `fallPerModel` for each model the router holds
    const memory: MemorySource = {
      memory: async () => ({
        totalBytes: 16e9,
        availableBytes: 12e9 - router.loaded().length * fallPerModel,
        swapTotalBytes: 0,
        swapUsedBytes: 0,
      }),
      gpus: async () => [],
    };
    const orch = new Orchestrator(config, { memorySource: memory });
    stops.push(() => orch.shutdown(200));
    return orch.hosts.find((h) => h.name === 'llama')!;
  }

  it(
    "learns nothing from the fall in available memory (the model's process, another figure each " +
      "run): the header's need on every run",
    async () => {
      // what a llama-server process takes for this 1.8 MB model, runtime included, on two runs of b47b5a7 (issue 73)
      for (const fall of [8.8e6, 9.8e6]) {
        const host = await setup(fall);
        expect((await host.loader.ensureLoaded({ model: 'storiesA' })).action).toBe('loaded');
        const card = await host.overview.modelCard('storiesA');
        expect(card).toMatchObject({ memoryFigure: 'estimated', requiredBytes: HEADER_NEED });
        // a load is planned with the same figure (storiesB: the same file and window), and storiesA, loaded,
        // counts for it
        const b = await host.loader.ensureLoaded({ model: 'storiesB', dryRun: true });
        expect(b).toMatchObject({ action: 'would_load', requiredBytes: HEADER_NEED });
        expect((await host.overview.listModels({ refresh: true })).ram.loadedBytes).toBe(HEADER_NEED);
      }
    },
  );

  it('learns nothing from a fall smaller than the model’s file (weights mapped from the page cache)', async () => {
    const host = await setup(100_000);
    await host.loader.ensureLoaded({ model: 'storiesA' });
    expect((await host.overview.modelCard('storiesA')).memoryFigure).toBe('estimated');
  });
});
