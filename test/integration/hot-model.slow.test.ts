/**
 * One hot model on two hosts with room (issue 64, Deliver 3–4): three agents ask it at once, six
 * times each. Both copies answer about half the calls: with every copy busy, a call goes to the copy
 * whose slot frees sooner (the work its running and waiting requests have left), never piling on
 * the first while the other's queue is shorter. Real time: the fake writes a token every 5 ms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const models = DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest');
const ANSWER = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');

describe('a hot model on two hosts with room', () => {
  it('three agents × six calls at once: both copies answer, neither more than 2 calls ahead of the other', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start({ models, memoryBytes: 16e9, tokenDelayMs: 5, loadDelayMs: 100 })));
    for (const f of [a!, b!]) f.reply(ANSWER);
    const yaml = ['ollama:', '  capacity: {ram: 16GB}', 'hosts:', `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 16GB}}`, 'ram:', '  budget: "100%"', '  bufferBytes: 0'].join('\n');
    const core = await coreFor(a!, { totalBytes: 16e9, yaml });
    stops.push(() => core.shutdown(200), () => a!.stop(), () => b!.stop());
    await routeAndGenerate(core, { prompt: 'warm up', model: 'llama3.2', maxTokens: 40, agent: 'w' }); // loaded on the first host; its speed measured
    const per = new Map<string, number>();
    await Promise.all(
      ['x', 'y', 'z'].map(async (agent) => {
        for (let i = 0; i < 6; i++) {
          const r = await routeAndGenerate(core, { prompt: `question ${i} from ${agent}`, model: 'llama3.2', maxTokens: 40, agent, client: agent });
          per.set(r.host ?? 'ollama', (per.get(r.host ?? 'ollama') ?? 0) + 1);
        }
      }),
    );
    expect([...per.values()].reduce((n, v) => n + v, 0)).toBe(18);
    expect(per.size).toBe(2);
    expect(Math.abs((per.get('ollama') ?? 0) - (per.get('second') ?? 0))).toBeLessThanOrEqual(2);
  }, 60_000);
});
