/**
 * Prompt evaluation takes promptTokenDelayMs per prompt token, and prompt_eval_duration says so (Ollama:
 * llm/llama_server.go, prompt_ms).
 */
import { describe, expect, it } from 'vitest';
import { expectNsInt, model, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('prompt evaluation', () => {
  it(
    'takes promptTokenDelayMs per prompt token (a model may set its own), and ' +
      'prompt_eval_duration reports that time',
    async () => {
      const slow = { ...model('phi3:mini'), name: 'slow:latest', promptTokenDelayMs: 2 };
      const { client } = await start({
        models: [model('llama3.2:latest'), slow],
        promptTokenDelayMs: 0.5,
        tokenDelayMs: 0,
        loadDelayMs: 0,
      });
      const fast = await client.generate({ model: 'llama3.2', prompt: words(200) });
      const own = await client.generate({ model: 'slow', prompt: words(200) });
      for (const [r, perToken] of [
        [fast, 0.5],
        [own, 2],
      ] as const) {
        expectNsInt(r.prompt_eval_duration);
        expect(r.prompt_eval_count).toBeGreaterThan(200);
        expect(r.prompt_eval_duration).toBeGreaterThanOrEqual(Math.floor(r.prompt_eval_count * perToken - 2) * 1e6);
      }
      // unset: the whole prompt takes one tokenDelayMs, whatever its size
      const { client: plain } = await start({ tokenDelayMs: 0, loadDelayMs: 0 });
      const flat = await plain.generate({ model: 'llama3.2', prompt: words(200) });
      expect(flat.prompt_eval_duration).toBeLessThan(own.prompt_eval_duration);
    },
  );
});
