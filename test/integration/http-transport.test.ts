import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import type { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let fake: FakeOllama;
beforeEach(async () => {
  fake = await FakeOllama.start({ tokenDelayMs: 5 });
  fake.reply('one two three four five six seven eight');
});
afterEach(async () => {
  await fake.stop();
});

describe('the node:http transport under the ollama client', () => {
  it('streams NDJSON chunk by chunk and ends with the metrics', async () => {
    const core = await coreFor(fake);
    const words: string[] = [];
    let last: { done: boolean; eval_count?: number } | undefined;
    await (core.backend as OllamaBackend).call('generate', async (c) => {
      for await (const chunk of await c.generate({ model: 'phi3:mini', prompt: 'count', stream: true })) {
        if (chunk.response) words.push(chunk.response.trim());
        last = chunk;
      }
    });
    expect(words).toEqual(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']);
    expect(last).toMatchObject({ done: true, eval_count: 8 });
  });

  it('timeoutMs: 0 lets a stream outlive the default time limit', async () => {
    fake.reply(Array.from({ length: 40 }, () => 'word').join(' ')); // 40 tokens × 5 ms ≈ 200 ms
    const core = await coreFor(fake, { yaml: 'ollama:\n  timeoutMs: 100\n' });
    const stream = (timeoutMs?: number) =>
      (core.backend as OllamaBackend).call(
        'generate',
        async (c) => {
          let n = 0;
          for await (const _ of await c.generate({ model: 'phi3:mini', prompt: 'x', stream: true })) n++;
          return n;
        },
        timeoutMs === undefined ? {} : { timeoutMs },
      );
    expect(await stream(0)).toBe(41);
    await expect(stream()).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('an error line mid-stream throws, and the status code before streaming is kept', async () => {
    const core = await coreFor(fake);
    fake.failNext('/api/generate', 500, 'llama runner process has terminated', { afterChunks: 2 });
    const seen: string[] = [];
    const err = await (core.backend as OllamaBackend)
      .call('generate', async (c) => {
        for await (const chunk of await c.generate({ model: 'phi3:mini', prompt: 'x', stream: true }))
          seen.push(chunk.response ?? '');
      })
      .catch((e: unknown) => e);
    expect(seen.length).toBe(2);
    expect(String((err as Error).message)).toMatch(/llama runner process has terminated/);

    const missing = (await (core.backend as OllamaBackend)
      .call('generate', (c) => c.generate({ model: 'ghost:1b', prompt: 'x' }), { model: 'ghost:1b' })
      .catch((e: unknown) => e)) as HostError;
    expect(missing.kind).toBe('model_not_found');
    expect(missing.status).toBe(404);
  });

  it('the signal aborts a stream in progress, and Ollama sees the request end', async () => {
    fake.reply(oneTokenWords(4000, 'w')); // 20 s if not stopped: its end within the wait below is the abort's doing
    const core = await coreFor(fake);
    const ac = new AbortController();
    let n = 0;
    const err = await (core.backend as OllamaBackend)
      .call(
        'generate',
        async (c) => {
          for await (const _ of await c.generate({ model: 'phi3:mini', prompt: 'x', stream: true })) {
            if (++n === 3) ac.abort();
          }
        },
        { signal: ac.signal, timeoutMs: 10_000 },
      )
      .catch((e: unknown) => e);
    expect((err as HostError).kind).toBe('aborted');
    expect(n).toBeLessThan(10);
    await vi.waitFor(() => expect(fake.loaded().find((m) => m.name === 'phi3:mini')?.inFlight).toBe(0), {
      timeout: 5000,
    });
  });

  it('a 400 answer is a bad_request naming the host and what Ollama said', async () => {
    const core = await coreFor(fake);
    const err = (await (core.backend as OllamaBackend)
      .call('/api/embed', (c) => c.embed({ model: '', input: 'x' }))
      .catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.kind).toBe('bad_request');
    expect(err.message).toBe(`Ollama at ${fake.host} rejected /api/embed: model is required`);
  });
});
