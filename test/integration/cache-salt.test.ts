/**
 * What an engine shared by several agents keeps apart (issue 72): vLLM takes a `cache_salt`, and
 * requests share cached prefix blocks only under the same salt — so each owner's prompts are salted
 * with its owner key, and another agent's guess of a prompt finds nothing of it cached, even on one
 * host. An engine that does not know the field (OpenAI's own API refuses it) is never sent it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const memo = (code: string) =>
  `The vault code for the east building is ` +
  `${code}.\n${Array.from({ length: 60 }, (_, i) => `Memo line ${i}: rota shift ${i % 7}, desk ${(i * 13) % 41}.`).join('\n')}\n`;
const ALICE = 'a11ce0000000000000000000000000a1';
const BOB = 'b0b0000000000000000000000000000b';

async function setup(ownedBy: string) {
  const ollama = await FakeOllama.start({ models: [] });
  const engine = await FakeOpenAI.start({
    models: [{ id: 'reader', ownedBy, maxModelLen: 32768 }],
    prefixCache: true,
    promptTokensDetails: true,
    tokenDelayMs: 0,
  });
  stops.push(
    () => ollama.stop(),
    () => engine.stop(),
  );
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: engine\n    kind: openai\n    url: ${engine.url}\n`);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  stops.push(() => orch.shutdown(200));
  const ask = (owner: string, prompt: string) =>
    offload(orch, { agent: 'claude-code', owner, prompt, model: 'reader', useMemory: false, maxTokens: 1 });
  return { engine, ask };
}

describe("an engine's prompt cache kept apart per owner", () => {
  it(
    "vLLM: each owner's prompts salted with its key; bob's right guess finds nothing of alice's " +
      'cached, her own next question finds it',
    async () => {
      const { engine, ask } = await setup('vllm');
      await ask(ALICE, `${memo('4711')}Question: who signs the rota?`);
      await ask(BOB, `${memo('4711')}Question: is that right?`);
      await ask(ALICE, `${memo('4711')}Question: which desk is shift 3 at?`);
      const reads = engine.prefixReads();
      expect(reads.map((r) => r.salt)).toEqual([ALICE, BOB, ALICE]);
      expect(reads[1]!.cachedTokens).toBe(0);
      expect(reads[2]!.cachedTokens / reads[2]!.promptTokens).toBeGreaterThan(0.8);
    },
    30_000,
  );

  it(
    'an engine that is not vLLM is sent no salt (it would refuse the request); its cache is ' +
      'shared, and bob is told none of it',
    async () => {
      const { engine, ask } = await setup('fake-openai');
      await ask(ALICE, `${memo('4711')}Question: who signs the rota?`);
      const r = await ask(BOB, `${memo('4711')}Question: is that right?`);
      const reads = engine.prefixReads();
      expect(reads.map((x) => x.salt)).toEqual([undefined, undefined]);
      // the engine held it: what one host with a shared cache tells by time alone
      expect(reads[1]!.cachedTokens).toBeGreaterThan(0);
      expect(r.metrics.cachedPromptTokens).toBe(0);
    },
    30_000,
  );
});
