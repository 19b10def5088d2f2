/**
 * Estimates expect what will happen (issue 73, finding 4, Deliver 2), through the route's dry run on
 * the fake Ollama, an engine that answers the Lisbon question in well under a second: the dry run
 * says the time expected — an answer as long as such answers ran here (before any, a typical one
 * for the work), not its 4,096-token limit — and, apart, the bound should it write all of them.
 * Once the engine has answered such questions, the dry run expects seconds (within 2× of what the
 * call then takes, or 5 s), from speeds measured here — "not yet measured" no more — and a model
 * not yet used there expects what the host's other models showed, scaled to its size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor } from '../helpers/core.js';

const MEMORY = 32e9;
const LISBON = { prompt: 'What are three things to see in Lisbon in one day?', clientLimitMs: 60_000 };
const OTHERS = [
  'What is there to see in Porto?',
  'Where should one eat in Madrid?',
  'What is the best season to visit Rome?',
];

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function engine() {
  const models = [...DEFAULT_REGISTRY, ...NAMESPACED_MODELS].filter((m) =>
    ['llama3.1:8b', 'phi3:mini', 'llama3.2:latest'].includes(m.name),
  );
  const fake = await FakeOllama.start({ memoryBytes: MEMORY, tokenDelayMs: 1, models });
  stops.push(() => fake.stop());
  const core = await coreFor(fake, { totalBytes: MEMORY, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  stops.push(() => core.shutdown(200));
  return core;
}

describe('the dry run expects what will happen', () => {
  it('before any answer: a typical answer for the work, not the whole limit, and the bound said apart', async () => {
    const core = await engine();
    await core.loader.ensureLoaded({ model: 'llama3.1:8b' });
    const dry = await routeAndGenerate(core, { ...LISBON, model: 'llama3.1:8b', dryRun: true });
    const a = dry.advice!;
    expect(a.answerTokens).toBe(350);
    expect(dry.text).toMatch(
      /^Expected: about [\d.]+ s \(assumed speeds\) for ~350 tokens of answer, typical of general work \(none seen here yet\), up to 4096 \(/m,
    );
    expect(dry.text).toMatch(/^At most: about \d+ s, should it write all 4096 tokens its limit allows\.$/m);
    expect(a.boundSeconds).toBeGreaterThan(5 * a.expectedSeconds);
    // the bound decides the hand-over, not the choice: within the client's 54 s as expected, handed over
    // should it run to its limit
    expect(a.handOverSeconds).toBeUndefined();
    expect(dry.text).toMatch(
      /Within what your client waits \(60 s\), as expected; should it run to its limit \(~\d+ s\), it would be handed over as a job at ~54 s/,
    );
  });

  it(
    'once the engine has answered such questions: seconds, within 2× of what the call takes or ' +
      '5 s, from speeds measured here',
    async () => {
      const core = await engine();
      for (const prompt of OTHERS) await routeAndGenerate(core, { prompt, model: 'llama3.1:8b' });
      await core.speeds.load(); // the answers' figures are recorded with the next group commit
      const dry = await routeAndGenerate(core, { ...LISBON, model: 'llama3.1:8b', dryRun: true });
      expect(dry.advice!.speedMeasured).toBe(true);
      expect(dry.text).toMatch(
        /\(measured speeds\) for ~\d+ tokens of answer, as general answers ran here, up to 4096/,
      );
      expect(dry.text).not.toMatch(/not yet measured/);
      const r = await routeAndGenerate(core, { ...LISBON, model: 'llama3.1:8b' });
      expect(dry.advice!.expectedSeconds).toBeLessThanOrEqual(Math.max(5, (2 * r.metrics.totalMs) / 1000));
    },
  );

  it(
    "a model not used here yet expects its answer from what the host's other models showed, " + 'scaled to its size',
    async () => {
      const core = await engine();
      for (const prompt of OTHERS) await routeAndGenerate(core, { prompt, model: 'llama3.2:latest' });
      await core.speeds.load();
      const dry = await routeAndGenerate(core, { ...LISBON, model: 'llama3.1:8b', dryRun: true });
      const a = dry.advice!;
      expect(a.answerTokens).toBeLessThan(100); // as long as the general answers written here
      expect(a.estimate).toMatch(
        /writing [\d.]+ tokens\/s,? \(?not yet measured for it: scaled from this host's other models/,
      );
      expect(a.expectedSeconds - a.loadSeconds).toBeLessThanOrEqual(5); // its load aside, seconds
    },
  );
});
