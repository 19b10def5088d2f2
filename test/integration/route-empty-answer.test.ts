// An empty answer from a model that samples its words is drawn once more from the same model
// before it is set aside (the real stories model on llama-server ends before its first word now
// and then); a model told to answer at temperature 0 would only answer the same: passed over at once.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { answerRecorded } from '../helpers/answer-records.js';

const MEMORY = 16e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  stallTimeoutMs: 1000\n';
const PROMPT = 'Why is the sky blue?';

let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup(yaml = YAML) {
  fake = await FakeOllama.start({
    memoryBytes: MEMORY,
    models: DEFAULT_REGISTRY.filter((m) => ['llama3.2:latest', 'phi3:mini'].includes(m.name)),
    tokenDelayMs: 1,
  });
  return coreFor(fake, { totalBytes: MEMORY, yaml });
}

/** The model's answers in turn (the last one from then on), and the generate requests each model got. */
function answers(model: string, texts: string[]): () => number {
  let n = 0;
  fake.reply((ctx) =>
    ctx.model.startsWith(model) ? texts[Math.min(n++, texts.length - 1)]! : 'Air scatters blue light more than red.',
  );
  return () =>
    fake.requests.filter(
      (q) =>
        q.path === '/api/generate' &&
        (q.body as { model?: string; prompt?: string }).model?.startsWith(model) &&
        (q.body as { prompt?: string }).prompt === PROMPT,
    ).length;
}

describe('an empty answer', () => {
  it('from a sampling model: asked once more, and its second answer is the answer', async () => {
    const core = await setup();
    const asked = answers('llama3.2', [' ... ', 'Sunlight scatters off the air; blue scatters most.']);
    const r = await routeAndGenerate(core, { prompt: PROMPT, model: 'llama3.2' });
    expect(r).toMatchObject({
      model: 'llama3.2:latest',
      text: 'Sunlight scatters off the air; blue scatters most.',
      fallbacks: [],
    });
    expect(asked()).toBe(2);
    // the first draw counts against nothing
    await answerRecorded();
    expect(core.metrics.get('llama3.2:latest')).toMatchObject({ requests: 1, successes: 1 });
  });

  it('of punctuation twice: set aside, and the next model answers', async () => {
    const core = await setup();
    const asked = answers('llama3.2', [' ... ']);
    const r = await routeAndGenerate(core, { prompt: PROMPT, model: 'llama3.2' });
    expect(r.model).toBe('phi3:mini');
    expect(r.fallbacks).toEqual([
      { model: 'llama3.2:latest', error: expect.stringMatching(/set aside: the answer was empty/) },
    ]);
    expect(asked()).toBe(2);
  });

  it('of no word twice: passed over, and the next model answers', async () => {
    const core = await setup();
    const asked = answers('llama3.2', ['']);
    const r = await routeAndGenerate(core, { prompt: PROMPT, model: 'llama3.2' });
    expect(r.model).toBe('phi3:mini');
    expect(r.fallbacks).toEqual([
      { model: 'llama3.2:latest', error: expect.stringMatching(/returned an empty answer/) },
    ]);
    expect(asked()).toBe(2);
    expect(core.metrics.get('llama3.2:latest')).toMatchObject({ requests: 1, successes: 0 });
  });

  it("at temperature 0 (the caller's or the settings'): set aside at once, never asked again", async () => {
    for (const [yaml, temperature] of [
      [YAML, 0],
      [`${YAML}options:\n  temperature: 0\n`, undefined],
    ] as const) {
      const core = await setup(yaml);
      const asked = answers('llama3.2', [' . ', 'A second draw.']);
      const r = await routeAndGenerate(core, {
        prompt: PROMPT,
        model: 'llama3.2',
        ...(temperature !== undefined && { temperature }),
      });
      expect(r.model).toBe('phi3:mini');
      expect(asked()).toBe(1);
      await fake.stop();
    }
  });
});
