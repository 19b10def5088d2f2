/**
 * Issue 73, finding 6, against the real llama-server router (built by `npm run engine`; CI sets
 * OLLM_REQUIRE_ENGINE=1): a router over a --models-preset that starts storyA with a 512-token
 * window and storyC with 2,048 (copies of the stories model). This machine's memory is read as the
 * router's model processes take it: available memory falls by their resident memory (VmRSS) — so
 * a load "takes" what its llama-server process holds, runtime included (17-19 MB here for these
 * 1.8 and 3.8 MB models, a little different each run), as a process monitor shows it. Two runs,
 * each a fresh home, load both models and list them: each model's need is its header's figure at
 * its window (weights + f16 KV cache + the prompt cache it may keep), the same on both runs —
 * b47b5a7 listed what the process held. Then a capacity of 1.5× the larger need listed holds one
 * model: smart_load of the second unloads the first — on b47b5a7 both stayed, storyA counted at
 * its header's 1.8 MB beside storyC's learned need. Real loads and several homes: a slow test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator, type MemorySource } from '../../src/orchestrator/index.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { FakeOllama } from '../fake-ollama/server.js';
import {
  childrenOf,
  type Engine,
  HAVE_ENGINE,
  modelsDir,
  startEngine,
  stopEngines,
  routerStatuses,
  toEngine,
} from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const RUN = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';

/** The stories model's file, and its f16 KV cache a token: 2 (K, V) × 5 blocks × 4 KV heads × 8 wide × 2 bytes. */
const FILE = 1_185_632;
const KV_PER_TOKEN = 2 * 5 * 4 * 8 * 2;
/**
 * Its need at a window: (weights + KV cache + the prompt cache, at most the KV once more) × (1 +
 * ram.safetyMargin 20%).
 */
const need = (ctx: number) => Math.ceil((FILE + 2 * KV_PER_TOKEN * ctx) * 1.2);
const WINDOWS = { storyA: 512, storyC: 2048 } as const;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(stopEngines);

async function unloadAll(url: string): Promise<void> {
  for (const id of Object.keys(WINDOWS))
    await toEngine(`${url}/models/unload`, { method: 'POST', body: JSON.stringify({ model: id }) }).catch(
      () => undefined,
    );
  const end = Date.now() + 10_000;
  while (Object.values(await routerStatuses(url)).some((s) => s !== 'unloaded') && Date.now() < end)
    await new Promise((r) => setTimeout(r, 50));
}

/** A router whose preset gives each model its own window (the models' files: copies in a folder of their own). */
async function presetRouter(): Promise<Engine> {
  const files = modelsDir(Object.keys(WINDOWS));
  const sections = Object.entries(WINDOWS).map(
    ([id, ctx]) => `[${id}]\nmodel = ${join(files, `${id}.gguf`)}\nctx-size = ${ctx}\n`,
  );
  const preset = join(tempDir('ollm-preset-'), 'models.ini');
  writeFileSync(preset, `version = 1\n\n${sections.join('\n')}`);
  return startEngine({ preset, modelsMax: 2 });
}

/** The resident memory of a process (0 once it is gone). */
function resident(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** 16 GB, 12 GB available less what the router's model processes hold. */
function processMemory(router: Engine): MemorySource {
  const held = () => childrenOf(router.proc.pid!).reduce((sum, pid) => sum + resident(pid), 0);
  return {
    memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9 - held(), swapTotalBytes: 0, swapUsedBytes: 0 }),
    gpus: async () => [],
  };
}

/** An orchestrator on `home` with the router as host llama (and `extra` settings). */
async function core(home: string, router: Engine, extra = ''): Promise<Orchestrator> {
  const ollama = await FakeOllama.start({ models: [] });
  stops.push(() => ollama.stop());
  writeFileSync(
    join(home, 'config.yaml'),
    `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n${extra}`,
  );
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: processMemory(router),
  });
  stops.push(() => orch.shutdown(200));
  return orch;
}

/** The needs list_models gives for the router's models. */
async function listedNeeds(orch: Orchestrator): Promise<Record<string, number>> {
  const o = await orch.listModels({ refresh: true });
  return Object.fromEntries(
    o.models.filter((m) => m.host === 'llama').map((m) => [m.name.replace(/:latest$/, ''), m.requiredBytes]),
  );
}

/**
 * One run on `home`: both models loaded by smart_load, then the needs list_models gives; everything stopped
 * and unloaded after.
 */
async function loadBoth(home: string, router: Engine): Promise<Record<string, number>> {
  const orch = await core(home, router);
  for (const id of Object.keys(WINDOWS)) expect((await smartLoad(orch, { model: id })).action).toBe('loaded');
  const needs = await listedNeeds(orch);
  await Promise.all(stops.splice(0).map((s) => s()));
  await unloadAll(router.url);
  return needs;
}

describe.runIf(RUN)("a real llama-server router: one figure for a model's need", { timeout: 90_000 }, () => {
  let router: Engine;
  beforeAll(async () => {
    router = await presetRouter();
  }, 30_000);
  afterEach(() => unloadAll(router.url));

  it("lists each model's need from its header and window, the same on two runs", async () => {
    const first = await loadBoth(tempDir('ollm-home-'), router);
    const second = await loadBoth(tempDir('ollm-home-'), router);
    expect(first).toEqual({ storyA: need(WINDOWS.storyA), storyC: need(WINDOWS.storyC) });
    expect(second).toEqual(first);
  });

  it('a capacity that holds one of them, read from list_models, makes smart_load of the second unload the first', async () => {
    const home = tempDir('ollm-home-');
    const listed = await loadBoth(home, router);
    // 1.5× the larger need: within ram.budget's 80% of it, one model and not both
    const capacity = Math.round(1.5 * Math.max(...Object.values(listed)));
    const orch = await core(home, router, `    capacity: {ram: ${capacity}}\nram:\n  bufferBytes: 0\n`);
    expect((await smartLoad(orch, { model: 'storyA' })).action).toBe('loaded');
    expect(await smartLoad(orch, { model: 'storyC' })).toMatchObject({
      action: 'loaded',
      unloaded: ['storyA:latest'],
    });
    expect(await routerStatuses(router.url)).toEqual({ storyA: 'unloaded', storyC: 'loaded' });
    expect(await listedNeeds(orch)).toEqual(listed); // the same figures with the capacity set, and after a restart
  });
});
