/**
 * Two hosts hold one model; two agents ask in turn about their own files (issue 64, Deliver 2).
 * Each agent's questions go where its file was read before, so after the first calls the engines
 * find nearly all of every prompt cached — and a copy whose queue is long is not chosen for its
 * cache. The fake llama-servers keep one slot's last prompt and report `timings.cache_n`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { gatheredLog } from '../helpers/fair.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** ~30 KB of one agent's file. */
const fileOf = (who: string) => Array.from({ length: 400 }, (_, i) => `${who}: record ${i} of the ${who} service, value ${(i * 31) % 977}`).join('\n');

async function setup(engineOptions: { tokenDelayMs?: number } = {}) {
  const ollama = await FakeOllama.start({ models: [] });
  const engines = await Promise.all([0, 1].map(() => FakeLlamacpp.start({ models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }], router: false, tokenDelayMs: 0, ...engineOptions })));
  stops.push(() => ollama.stop(), ...engines.map((e) => () => e.stop()));
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n${engines.map((e, i) => `  - name: box${i}\n    kind: llamacpp\n    url: ${e.url}\n`).join('')}`);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), { memorySource: { memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] } });
  stops.push(() => orch.shutdown(200));
  return { orch, engines };
}

const hostOf = (r: { host?: string }) => r.host;

describe('prefix affinity between two hosts holding one model', () => {
  it('two agents in turn over their own 30 KB files: each sticks to one host, ≥ 80% of prompt tokens cached after the first calls', async () => {
    const { orch } = await setup();
    const files = { ann: gatheredLog(fileOf('ann')), bob: gatheredLog(fileOf('bob')) };
    let prompt = 0;
    let cached = 0;
    const hosts: Record<string, Set<string | undefined>> = { ann: new Set(), bob: new Set() };
    for (let round = 0; round < 4; round++) {
      for (const agent of ['ann', 'bob'] as const) {
        const r = await offload(orch, { prompt: `Question ${round} of ${agent}: which record is largest?`, model: 'reader', agent, inputs: files[agent], useMemory: false });
        hosts[agent]!.add(hostOf(r as { host?: string }));
        if (round > 0) {
          prompt += r.metrics.promptTokens;
          cached += r.metrics.cachedPromptTokens ?? 0;
        }
      }
    }
    expect(hosts['ann']!.size).toBe(1);
    expect(hosts['bob']!.size).toBe(1);
    expect([...hosts['ann']!][0]).not.toBe([...hosts['bob']!][0]);
    expect(cached / prompt).toBeGreaterThanOrEqual(0.8);
  }, 60_000);
});
