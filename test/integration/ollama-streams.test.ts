/**
 * A streamed call leaves nothing behind in the Ollama backend's shared client. The official client
 * lists every stream it opens and takes one off the list only when it is read past its done line;
 * a generation that stops reading at the done line (as every generation does), is cut short, or
 * fails would stay on the list of a client that lives as long as the server (~6 KB each).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';
import { FakeOllama } from '../fake-ollama/server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
});
afterAll(() => fake.stop());

const request = (onDelta: GenerateRequest['onDelta']): GenerateRequest => ({
  model: 'llama3.2:latest',
  prompt: 'hi',
  keepAlive: '5m',
  numCtx: 2048,
  temperature: 0,
  topP: 1,
  maxTokens: 64,
  onDelta,
});

/** What the shared client still holds of streams (the official client's own list). */
const held = (backend: OllamaBackend) =>
  (backend.client as unknown as { ongoingStreamedRequests: unknown[] }).ongoingStreamedRequests.length;

describe('streams through the Ollama backend', () => {
  it('a finished, a cut-short and a failed generation, and a pull, leave no stream held by the shared client', async () => {
    const backend = new OllamaBackend({ host: fake.url, timeoutMs: 5000 });
    let text = '';
    const done = await backend.generate(request((d) => void (text += d.text ?? '')));
    expect(done.doneReason).toBe('stop');
    expect(text.length).toBeGreaterThan(0);

    const cut = await backend.generate(request(() => 'stop'));
    expect(cut.doneReason).toBe('length');

    fake.failNext('/api/generate', 500, 'the runner crashed', { afterChunks: 2 });
    await expect(backend.generate(request(() => undefined))).rejects.toThrow(/runner crashed/);

    let lines = 0;
    await backend.pull('gemma3:4b', { onLine: () => void lines++ });
    expect(lines).toBeGreaterThan(0);

    expect(held(backend)).toBe(0);
  });
});
