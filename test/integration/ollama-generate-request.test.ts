/**
 * A generation is sent by the Ollama backend itself (ollama-generate.ts), not by the official
 * client: the request must still be Ollama's — the images as the base64 they came as, sampling
 * options only when asked for, `format` as given — and the answer's lines, an error line in the
 * middle included, read as the client read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { clientHeaders } from '../../src/orchestrator/engines/ollama/ollama-headers.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';
import { FakeOllama } from '../fake-ollama/server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
});
afterAll(() => fake.stop());

const base: GenerateRequest = {
  model: 'llava:7b',
  prompt: 'what is this?',
  keepAlive: '5m',
  numCtx: 2048,
  maxTokens: 64,
  onDelta: () => undefined,
};
const lastGenerate = () =>
  fake.requests.filter((r) => r.path === '/api/generate').at(-1)?.body as Record<string, unknown>;

describe('a generation as the Ollama backend sends it', () => {
  it('carries the images as base64, the format as given, and no sampling option nobody asked for', async () => {
    const backend = new OllamaBackend({ host: fake.url, timeoutMs: 5000 });
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    await backend.generate({ ...base, images: ['iVBORw0KGgo='], format: schema, system: 'be brief' });
    const sent = lastGenerate();
    expect(sent).toMatchObject({
      model: 'llava:7b',
      prompt: 'what is this?',
      stream: true,
      keep_alive: '5m',
      system: 'be brief',
      images: ['iVBORw0KGgo='],
      format: schema,
    });
    expect(sent.options).toEqual({ num_ctx: 2048, num_predict: 64 });
  });

  it('sends the sampling options a caller asked for, and nothing for images or format when there are none', async () => {
    const backend = new OllamaBackend({ host: fake.url, timeoutMs: 5000 });
    await backend.generate({ ...base, model: 'llama3.2:latest', temperature: 0.2, topP: 0.9 });
    const sent = lastGenerate();
    expect(sent.options).toEqual({ num_ctx: 2048, num_predict: 64, temperature: 0.2, top_p: 0.9 });
    expect(sent).not.toHaveProperty('images');
    expect(sent).not.toHaveProperty('format');
  });

  it('an error answer and an error line in the stream both end in the host’s own words', async () => {
    const backend = new OllamaBackend({ host: fake.url, timeoutMs: 5000 });
    fake.failNext('/api/generate', 500, 'the runner crashed');
    await expect(backend.generate({ ...base, model: 'llama3.2:latest' })).rejects.toMatchObject({
      kind: 'server_error',
      message: expect.stringMatching(/HTTP 500.*the runner crashed/),
    });
    fake.failNext('/api/generate', 500, 'the runner crashed later', { afterChunks: 2 });
    let text = '';
    await expect(
      backend.generate({ ...base, model: 'llama3.2:latest', onDelta: (d) => void (text += d.text ?? '') }),
    ).rejects.toThrow(/the runner crashed later/);
    expect(text.length).toBeGreaterThan(0); // the two lines before it were read
  });
});

describe('the headers of a request the backend sends itself', () => {
  const key = process.env.OLLAMA_API_KEY;
  afterAll(() => {
    if (key === undefined) delete process.env.OLLAMA_API_KEY;
    else process.env.OLLAMA_API_KEY = key;
  });

  it('give OLLAMA_API_KEY to ollama.com over HTTPS only', () => {
    process.env.OLLAMA_API_KEY = 'k-123';
    expect(clientHeaders('https://ollama.com/api/generate').Authorization).toBe('Bearer k-123');
    expect(clientHeaders('http://ollama.com/api/generate')).not.toHaveProperty('Authorization');
    expect(clientHeaders('https://ollama.com.example.org/api/generate')).not.toHaveProperty('Authorization');
    expect(clientHeaders('http://127.0.0.1:11434/api/generate')).not.toHaveProperty('Authorization');
    delete process.env.OLLAMA_API_KEY;
    expect(clientHeaders('https://ollama.com/api/generate')).not.toHaveProperty('Authorization');
    expect(clientHeaders('http://127.0.0.1:11434/api/generate')['Content-Type']).toBe('application/json');
  });
});
