/**
 * Two hosts hold one model; two agents ask in turn about their own files (issue 64, Deliver 2).
 * Each agent's questions go where its file was read before, so after the first calls the engines
 * find nearly all of every prompt cached — and a copy whose queue is long is not chosen for its
 * cache. The fake llama-servers keep one slot's last prompt and report `timings.cache_n`. An
 * engine that stops keeping prompts (restarted with --no-cache-prompt) is steered to no longer once
 * its figures show it (fleet/prefix-evidence.ts): placement goes by load again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp, type FakeLlamacppOptions } from '../fake-llamacpp/server.js';
import { gatheredLog } from '../helpers/fair.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** ~30 KB of one agent's file. */
const fileOf = (who: string) =>
  Array.from({ length: 400 }, (_, i) => `${who}: record ${i} of the ${who} service, value ${(i * 31) % 977}`).join(
    '\n',
  );

async function setup(engineOptions: Partial<Pick<FakeLlamacppOptions, 'tokenDelayMs' | 'reply'>> = {}) {
  const ollama = await FakeOllama.start({ models: [] });
  const engines = await Promise.all(
    [0, 1].map(() =>
      FakeLlamacpp.start({
        models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }],
        router: false,
        tokenDelayMs: 0,
        ...engineOptions,
      }),
    ),
  );
  stops.push(() => ollama.stop(), ...engines.map((e) => () => e.stop()));
  const home = tempDir('ollm-home-');
  writeFileSync(
    join(home, 'config.yaml'),
    `hosts:\n${engines.map((e, i) => `  - name: box${i}\n    kind: llamacpp\n    url: ${e.url}\n`).join('')}`,
  );
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  stops.push(() => orch.shutdown(200));
  return { orch, engines };
}

const hostOf = (r: { host?: string }) => r.host;

describe('prefix affinity between two hosts holding one model', () => {
  it(
    'two agents in turn over their own 30 KB files: each sticks to one host, ≥ 80% of prompt ' +
      'tokens cached after the first calls',
    async () => {
      const { orch } = await setup();
      const files = { ann: gatheredLog(fileOf('ann')), bob: gatheredLog(fileOf('bob')) };
      let prompt = 0;
      let cached = 0;
      const hosts: Record<string, Set<string | undefined>> = { ann: new Set(), bob: new Set() };
      for (let round = 0; round < 4; round++) {
        for (const agent of ['ann', 'bob'] as const) {
          const r = await offload(orch, {
            prompt: `Question ${round} of ${agent}: which record is largest?`,
            model: 'reader',
            agent,
            inputs: files[agent],
            useMemory: false,
          });
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
    },
    60_000,
  );

  it(
    'an engine that stops keeping prompts: steered to for 3 misses, then placement goes by load ' +
      '(the first choice, free)',
    async () => {
      // a long answer keeps box0 busy while ann's first call is placed (its prompt is too short to remember)
      const long = Array.from({ length: 150 }, (_, i) => `${(i * 7919) % 1000}`).join(' ');
      const { orch, engines } = await setup({
        tokenDelayMs: 4,
        reply: (body) => (JSON.stringify(body['messages']).includes('Count on') ? long : 'The largest record is 42.'),
      });
      const busy = offload(orch, { prompt: 'Count on', model: 'reader', useMemory: false, maxTokens: 400 });
      while (engines[0]!.streaming === 0) await new Promise((r) => setTimeout(r, 2));
      const file = gatheredLog(fileOf('ann'));
      const ask = (i: number) =>
        offload(orch, {
          prompt: `Question ${i} of ann: which record is largest?`,
          model: 'reader',
          agent: 'ann',
          inputs: file,
          useMemory: false,
        });
      const first = await ask(0);
      expect(hostOf(first as { host?: string })).toBe('box1'); // box0 was busy
      await busy;
      const share = (r: Awaited<ReturnType<typeof ask>>) =>
        (r.metrics.cachedPromptTokens ?? 0) / r.metrics.promptTokens;
      const steered = (r: Awaited<ReturnType<typeof ask>>) =>
        /tokens of this prompt cached/.test((r as { reason?: string }).reason ?? '');
      // box0 free and first, box1 holding ann's file: steered to box1, whose engine holds it
      const warm = await ask(1);
      expect([hostOf(warm as { host?: string }), steered(warm)]).toEqual(['box1', true]);
      expect(share(warm)).toBeGreaterThan(0.9);
      engines[1]!.options.cachePrompt = false;
      const after = [];
      for (let i = 2; i < 7; i++) after.push(await ask(i));
      // three misses (believed held, read whole), then the first choice by load, which keeps it from then on
      expect(after.map((r) => hostOf(r as { host?: string }))).toEqual(['box1', 'box1', 'box1', 'box0', 'box0']);
      expect(after.map(steered)).toEqual([true, true, true, false, false]);
      expect(after.slice(0, 4).map(share)).toEqual([0, 0, 0, 0]);
      expect(share(after[4]!)).toBeGreaterThan(0.9);
    },
    60_000,
  );
});

describe("one agent's prompt steers and tells nothing to another (issue 72)", () => {
  // a memo with a short secret, as alice sent it; bob sends the same memo with a guess in its place
  // (before the fix a right guess went to the host holding alice's prompt, told "~N tokens of this
  // prompt cached" and answered at once; a wrong one shared too little with it and went elsewhere)
  const memo = (code: string) =>
    `The vault code for the east building is ` +
    `${code}.\n${Array.from({ length: 40 }, (_, i) => `Memo line ${i}: the east building's rota, shift ${i % 7}, desk ${(i * 13) % 41}.`).join('\n')}\n`;
  const cases = [
    { guess: '4711', right: true },
    { guess: '1234', right: false },
  ];

  it.each(cases)(
    'bob guessing $guess (right: $right) is placed as any guess is: the same host, the same ' +
      'reason, nothing cached told',
    async ({ guess }) => {
      const { orch } = await setup();
      // two owners of one agent name (two projects on one shared server): only the owner counts
      const alice = { agent: 'claude-code', owner: 'owner-alice', model: 'reader', useMemory: false } as const;
      const bob = {
        agent: 'claude-code',
        owner: 'owner-bob',
        model: 'reader',
        useMemory: false,
        maxTokens: 1,
      } as const;
      const first = (await offload(orch, { ...alice, prompt: `${memo('4711')}Question: who signs the rota?` })) as {
        host?: string;
        reason?: string;
      };
      const r = (await offload(orch, { ...bob, prompt: `${memo(guess)}Question: is that right?` })) as {
        host?: string;
        reason?: string;
        metrics: { cachedPromptTokens?: number };
      };
      // never sent where alice's prompt is held: a free slot elsewhere, the same for a right guess and a wrong one
      expect(r.host).not.toBe(first.host);
      expect(r.reason).toMatch(/a free slot on box1/);
      expect(r.reason).not.toMatch(/tokens of this prompt cached/);
      expect(r.metrics.cachedPromptTokens ?? 0).toBe(0);
      // alice's own next question still goes where her memo is held, and finds it cached
      const again = (await offload(orch, {
        ...alice,
        prompt: `${memo('4711')}Question: which desk is shift 3 at?`,
      })) as { host?: string; reason?: string; metrics: { cachedPromptTokens?: number; promptTokens: number } };
      expect(again.host).toBe(first.host);
      expect(again.metrics.cachedPromptTokens ?? 0).toBeGreaterThan(0.8 * again.metrics.promptTokens);
    },
    60_000,
  );
});
