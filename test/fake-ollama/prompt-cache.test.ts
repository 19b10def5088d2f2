/**
 * The runner's prompt cache (prompt-cache.ts): a slot reads only what follows the prefix it holds;
 * prompt_eval_count still counts it all.
 */
import { describe, expect, it } from 'vitest';
import { model, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const FILE = Array.from({ length: 300 }, (_, i) => `line ${i} of the shared file`).join('\n');

describe("a runner's prompt cache", () => {
  it('the same prefix again: the slot held it, the prompt takes the time of the rest only, its count unchanged', async () => {
    const { fake, client } = await start({
      models: [model('llama3.2:latest')],
      promptTokenDelayMs: 0.2,
      tokenDelayMs: 0,
      loadDelayMs: 0,
    });
    const first = await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQuestion: which line is first?` });
    const second = await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQuestion: which line is last?` });
    const [g1, g2] = fake.generations();
    expect(g1!.cachedTokens).toBe(0);
    expect(g2!.cachedTokens).toBeGreaterThan(0.9 * g2!.evalTokens!);
    expect(g2!.cachedTokens).toBeLessThan(g2!.evalTokens!); // at least one token is read
    expect(second.prompt_eval_count).toBe(g2!.evalTokens); // every token counted, as Ollama reports cache_n + prompt_n
    expect(second.prompt_eval_duration).toBeLessThan(first.prompt_eval_duration / 3);
  });

  it('one slot holds one prompt: another prefix between them is read whole again; two slots keep both', async () => {
    const other = FILE.replace(/line/g, 'row');
    for (const [numParallel, expectHeld] of [
      [1, false],
      [2, true],
    ] as const) {
      const { fake, client } = await start({
        models: [model('llama3.2:latest')],
        numParallel,
        tokenDelayMs: 0,
        loadDelayMs: 0,
      });
      await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQ1` });
      await client.generate({ model: 'llama3.2', prompt: `${other}\nQ1` });
      await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQ2` });
      const third = fake.generations()[2]!;
      expect(third.cachedTokens! > 0.9 * third.evalTokens!).toBe(expectHeld);
    }
  });

  it('a reload starts with empty slots', async () => {
    const { fake, client } = await start({ models: [model('llama3.2:latest')], tokenDelayMs: 0, loadDelayMs: 0 });
    await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQ1` });
    await client.generate({ model: 'llama3.2', prompt: '', keep_alive: 0 }); // unloaded
    await new Promise((r) => setTimeout(r, 50));
    await client.generate({ model: 'llama3.2', prompt: `${FILE}\nQ2` });
    expect(
      fake
        .generations()
        .filter((g) => g.evalTokens)
        .map((g) => g.cachedTokens),
    ).toEqual([0, 0]);
  });
});
