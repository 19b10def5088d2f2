/**
 * Calls placed at the same moment (issue 64, a hot model): the first candidate is held on its host
 * from the step it was chosen (route-candidates.ts → loading/quick-holds.ts), so a call placed
 * beside it sees that copy's one slot taken and goes to the other host's copy — loaded there for it
 * at once, not after the first call's answer — when loading it takes less than the wait behind the
 * first (else it waits, and no copy is made). Before, both were placed on the copy seen idle, the
 * second queued behind the first, and the second copy was made only by the next call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const models = DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest');

/**
 * A token every 10 ms, answers of 100 words (~1 s); a load takes `loadDelayMs` (the first, measured, is what
 * the second copy's is estimated by).
 */
async function twoHosts(loadDelayMs = 600) {
  const [a, b] = await Promise.all(
    [0, 1].map(() => FakeOllama.start({ models, memoryBytes: 16e9, tokenDelayMs: 10, loadDelayMs })),
  );
  for (const f of [a!, b!]) f.reply(oneTokenWords(100, 'w'));
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    'hosts:',
    `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 16GB}}`,
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ].join('\n');
  const core = await coreFor(a!, { totalBytes: 16e9, yaml });
  stops.push(
    () => core.shutdown(200),
    () => a!.stop(),
    () => b!.stop(),
  );
  // loaded on the first host only, its speed measured
  await routeAndGenerate(core, { prompt: 'warm up', model: 'llama3.2', maxTokens: 100, agent: 'w' });
  return { core, a: a!, b: b! };
}

describe('two calls placed at once on a model loaded on one of two hosts', () => {
  it(
    'the second goes to the other host, its copy loaded for it at once (~0.6 s, against ~1 s ' +
      'behind the first); each host answers one',
    async () => {
      const { core, a, b } = await twoHosts();
      const before = a.generations().length;
      const [x, y] = await Promise.all(
        ['x', 'y'].map((agent) =>
          routeAndGenerate(core, {
            prompt: `question from ${agent}`,
            model: 'llama3.2',
            maxTokens: 100,
            agent,
            client: agent,
          }),
        ),
      );
      expect([x!.host ?? 'ollama', y!.host ?? 'ollama'].sort()).toEqual(['ollama', 'second']);
      expect(a.generations().length - before).toBe(1);
      expect(b.generations().length).toBe(1);
      expect(b.stats().loads).toBe(1);
      // each hold was its call's own, taken over when it began: none left counting as a request
      for (const h of core.fleet.hosts) expect(h.loader.requestsOn('llama3.2:latest')).toBe(0);
    },
  );

  it(
    'loading the second copy would take longer than the wait behind the first call (~1.5 s ' +
      'against ~1 s): the second call waits, no copy is made',
    async () => {
      const { core, a, b } = await twoHosts(1500);
      const before = a.generations().length;
      const [x, y] = await Promise.all(
        ['x', 'y'].map((agent) =>
          routeAndGenerate(core, {
            prompt: `question from ${agent}`,
            model: 'llama3.2',
            maxTokens: 100,
            agent,
            client: agent,
          }),
        ),
      );
      expect([x!.host ?? 'ollama', y!.host ?? 'ollama']).toEqual(['ollama', 'ollama']);
      expect(a.generations().length - before).toBe(2);
      expect(b.stats().loads).toBe(0);
    },
  );

  it('a dry run holds nothing: a call placed beside it goes to the loaded copy', async () => {
    const { core, b } = await twoHosts();
    const [dry, real] = await Promise.all([
      routeAndGenerate(core, {
        prompt: 'plan only',
        model: 'llama3.2',
        maxTokens: 100,
        agent: 'x',
        client: 'x',
        dryRun: true,
      }),
      routeAndGenerate(core, { prompt: 'question', model: 'llama3.2', maxTokens: 100, agent: 'y', client: 'y' }),
    ]);
    expect(dry.model).toBe('llama3.2:latest');
    expect(real.host ?? 'ollama').toBe('ollama');
    expect(b.stats().loads).toBe(0);
  });
});
