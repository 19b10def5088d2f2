/**
 * Engines keep each slot's last prompt and read only what follows the part a new prompt shares
 * with it (llama-server: `timings.cache_n`; the fake's slot does the same). Questions over the
 * same inputs must share everything up to the question: the system prompt stays the same, the
 * inputs come first, and what changes with the question — the question, the remembered facts
 * chosen for it — comes last (issue 64, Deliver 1).
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

/** ~40 KB of a service's log. */
const LOG = Array.from({ length: 520 }, (_, i) => `2026-11-25T10:${String(i % 60).padStart(2, '0')}:00Z worker-${i % 7} handled job ${i} in ${(i * 37) % 900} ms status=${i % 13 === 0 ? 'error' : 'ok'}`).join('\n');

/** 80 remembered facts; those sharing a word with the question come first (as memory-search ranks them). */
const FACTS = Array.from({ length: 80 }, (_, i) => `fact-${i}: ${['the worker', 'the deploy', 'the review', 'the queue', 'the error'][i % 5]} rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}`);
const memory = {
  factsFor: async (prompt: string) => {
    const words = new Set(prompt.toLowerCase().split(/\W+/));
    const relevant = FACTS.filter((f) => f.split(/\W+/).some((w) => w.length > 3 && words.has(w)));
    return `Remembered from earlier sessions (use when relevant):\n${[...relevant, ...FACTS.filter((f) => !relevant.includes(f))].slice(0, 20).join('\n')}`;
  },
};

async function setup() {
  const ollama = await FakeOllama.start({ models: [] });
  const engine = await FakeLlamacpp.start({ models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }], router: false, tokenDelayMs: 0 });
  stops.push(() => ollama.stop(), () => engine.stop());
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${engine.url}\n`);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), { memorySource: { memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] } });
  orch.memory = memory;
  stops.push(() => orch.shutdown(200));
  return orch;
}

/** The share of a call's prompt tokens its engine found already read. */
const cachedShare = (m: { promptTokens: number; cachedPromptTokens?: number }) => (m.cachedPromptTokens ?? 0) / m.promptTokens;

describe('a request laid out for the prefix cache', () => {
  it('three questions over one 40 KB file, remembered facts chosen per question: the 2nd and 3rd read at most 10% of their prompt', async () => {
    const orch = await setup();
    const questions = ['Which worker failed most often?', 'When does the deploy happen, by the review rules?', 'Summarize the queue errors.'];
    const shares: number[] = [];
    for (const prompt of questions) {
      const r = await offload(orch, { prompt, model: 'reader', inputs: gatheredLog(LOG) });
      expect(r.split).toBeUndefined(); // one request each: the whole file fits the window
      shares.push(cachedShare(r.metrics));
    }
    expect(shares[0]).toBeLessThan(0.1); // nothing read before
    expect(shares[1]).toBeGreaterThanOrEqual(0.9);
    expect(shares[2]).toBeGreaterThanOrEqual(0.9);
  }, 30_000);
});
