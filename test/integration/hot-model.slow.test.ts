/**
 * One hot model on two hosts with room (issue 64, Deliver 3–4): three agents ask it at once, six
 * times each. Both copies answer about half the calls: with every copy busy, a call goes to the copy
 * whose slot frees sooner (the work its running and waiting requests have left), never piling on
 * the first while the other's queue is shorter. The second copy, loaded for the rush, is said in the
 * fleet's status and unloaded once idle (model.keepAlive.extraCopyIdleSeconds), the first kept. Real
 * time: the fake writes a token every 20 ms (an answer ~0.8 s) and loads in 0.6 s, measured at the
 * warm-up: loading the second copy takes less than the wait behind the first's slot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { renderStatus } from '../../src/tools/status-text.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const models = DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest');
const ANSWER = oneTokenWords(40, 'w');

describe('a hot model on two hosts with room', () => {
  it(
    'three agents × six calls at once: both copies answer, neither more than 2 calls ahead of ' +
      'the other; the second copy goes when idle',
    async () => {
      const [a, b] = await Promise.all(
        [0, 1].map(() => FakeOllama.start({ models, memoryBytes: 16e9, tokenDelayMs: 20, loadDelayMs: 600 })),
      );
      for (const f of [a!, b!]) f.reply(ANSWER);
      const yaml = [
        'ollama:',
        '  capacity: {ram: 16GB}',
        'hosts:',
        `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 16GB}}`,
        'ram:',
        '  budget: "100%"',
        '  bufferBytes: 0',
        'model:',
        '  keepAlive:',
        '    extraCopyIdleSeconds: 1',
      ].join('\n');
      const core = await coreFor(a!, { totalBytes: 16e9, yaml });
      stops.push(
        () => core.shutdown(200),
        () => a!.stop(),
        () => b!.stop(),
      );
      // loaded on the first host; its speed measured
      await routeAndGenerate(core, { prompt: 'warm up', model: 'llama3.2', maxTokens: 40, agent: 'w' });
      const per = new Map<string, number>();
      await Promise.all(
        ['x', 'y', 'z'].map(async (agent) => {
          for (let i = 0; i < 6; i++) {
            const r = await routeAndGenerate(core, {
              prompt: `question ${i} from ${agent}`,
              model: 'llama3.2',
              maxTokens: 40,
              agent,
              client: agent,
            });
            per.set(r.host ?? 'ollama', (per.get(r.host ?? 'ollama') ?? 0) + 1);
          }
        }),
      );
      expect([...per.values()].reduce((n, v) => n + v, 0)).toBe(18);
      expect(per.size).toBe(2);
      expect(Math.abs((per.get('ollama') ?? 0) - (per.get('second') ?? 0))).toBeLessThanOrEqual(2);

      // the second copy: said with why, then unloaded once idle; the first stays
      const status = await core.fleetStatus();
      const second = status.hosts.find((h) => h.name === 'second') as {
        loaded?: Array<{ name: string; extraCopy?: { of: string; why: string } }>;
      };
      expect(second.loaded?.[0]).toMatchObject({
        name: 'llama3.2:latest',
        extraCopy: { of: 'ollama', why: expect.stringMatching(/^the copy on ollama was busy/) },
      });
      expect(renderStatus(status, '')).toMatch(
        /- llama3\.2:latest: .*; a second copy, loaded because the copy on ollama was busy.*, unloaded after 1 s without a request/,
      );
      const loadedOn = async (f: FakeOllama) =>
        ((await (await fetch(`${f.url}/api/ps`)).json()) as { models: Array<{ name: string }> }).models.map(
          (m) => m.name,
        );
      const until = Date.now() + 10_000;
      while ((await loadedOn(b!)).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      expect(await loadedOn(b!)).toEqual([]);
      expect(await loadedOn(a!)).toEqual(['llama3.2:latest']);
      expect(core.fleet.extraCopies.list()).toEqual([]);
    },
    60_000,
  );
});
