/**
 * A named model's calls use its copies on every host (issue 81, finding 1). The tool sends a named
 * model as that model alone (`only`: no other model answers in its place), and on c0c8fe6 that
 * left its other hosts out too — three agents' calls all waited on the first host's one slot, the
 * other host with room idle. Its copies are that model: calls placed at once pass the busy copy for
 * a copy loaded on the host with room (an extra copy, said with why). Both sides: with one host, or
 * a second host with no room for it, every call runs on the first host and nothing is loaded
 * elsewhere. Counted on the fakes (generations per host, loads), never timed.
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
const ANSWER = oneTokenWords(20, 'w');

/** The first host, and a second one (`room`: its RAM holds the model, else 1 GB) unless `two` is false. */
async function fleet(two: boolean, room = true) {
  const options = { models, memoryBytes: 16e9, tokenDelayMs: 10, loadDelayMs: 20 };
  const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start(options)));
  for (const f of [a!, b!]) f.reply(ANSWER);
  const second = `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: ${room ? '16GB' : '1GB'}}}`;
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    ...(two ? ['hosts:', second] : []),
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ];
  const core = await coreFor(a!, { totalBytes: 16e9, yaml: yaml.join('\n') });
  stops.push(
    () => core.shutdown(200),
    () => a!.stop(),
    () => b!.stop(),
  );
  return { core, fakes: [a!, b!] };
}

/** As route_and_generate sends a named model: that model alone. */
const named = (prompt: string, agent: string) =>
  ({ prompt, model: 'llama3.2', only: true, maxTokens: 20, agent, client: agent, useMemory: false }) as const;

/** A warm-up on the first host, then three agents × two calls at once: the generations each fake answered. */
async function rush({ core, fakes }: Awaited<ReturnType<typeof fleet>>): Promise<number[]> {
  await routeAndGenerate(core, named('warm up', 'w'));
  await Promise.all(
    ['x', 'y', 'z'].map(async (agent) => {
      for (let i = 0; i < 2; i++) await routeAndGenerate(core, named(`question ${i} from ${agent}`, agent));
    }),
  );
  return fakes.map((f) => f.generations().filter((g) => g.evalTokens !== undefined).length);
}

describe('a named model, sent alone, on a fleet', () => {
  it('calls at once pass its busy copy for a copy loaded on the host with room', async () => {
    const f = await fleet(true);
    const [first, second] = await rush(f);
    expect(first! + second!).toBe(7);
    expect(second).toBeGreaterThan(0);
    expect(f.fakes[1]!.loadCount('llama3.2:latest')).toBe(1);
    expect(f.core.fleet.extraCopies.list()).toMatchObject([
      { model: 'llama3.2:latest', host: 'second', of: 'ollama', why: expect.stringMatching(/^the copy on ollama/) },
    ]);
  });

  it('with one host, every call runs there', async () => {
    const f = await fleet(false);
    expect(await rush(f)).toEqual([7, 0]);
    expect(f.core.fleet.extraCopies.list()).toEqual([]);
  });

  it('a host without room for it gets no copy: every call runs on the first', async () => {
    const f = await fleet(true, false);
    expect(await rush(f)).toEqual([7, 0]);
    expect(f.fakes[1]!.loadCount('llama3.2:latest')).toBe(0);
    expect(f.core.fleet.extraCopies.list()).toEqual([]);
  });
});
