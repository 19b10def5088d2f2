/**
 * Answers from an Ollama host are checked where they enter: a wrong shape is an error naming the host and the
 * field; a bad entry is left out; nonsense numbers never pass.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OllamaBackend, HostError } from '../../src/orchestrator/engines/ollama/ollama.js';
import { checkModels } from '../../src/orchestrator/engines/ollama/ollama-answers.js';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A host that answers every GET with `body`. */
async function host(body: unknown): Promise<OllamaBackend> {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return new OllamaBackend({ host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5000 });
}

interface Endless {
  url: string;
  /** Answers begun. */
  answers: () => number;
  /** Answers whose connection closed: each stopped sending then. */
  closed: () => number;
}

/**
 * A host that answers every request with a stream of `line` every millisecond, never ending, until the client
 * goes away (its connection closes).
 */
async function endless(contentType: string, line: string): Promise<Endless> {
  let answers = 0;
  let closed = 0;
  server = http.createServer((req, res) => {
    req.resume();
    answers++;
    res.writeHead(200, { 'content-type': contentType });
    const timer = setInterval(() => res.write(line), 1);
    res.on('close', () => {
      clearInterval(timer);
      closed++;
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers: () => answers,
    closed: () => closed,
  };
}

/**
 * After the client stopped: the host is told (the connection closes), so it sends nothing more. A client that
 * stopped reading and kept the connection would leave the host sending for ever: the wait would time out.
 */
async function expectStopped(host: Endless): Promise<void> {
  expect(host.answers()).toBeGreaterThan(0);
  await vi.waitFor(() => expect(host.closed()).toBe(host.answers()), { timeout: 5000 });
}

const good = {
  name: 'llama3.2:latest',
  model: 'llama3.2:latest',
  size: 2019393189,
  digest: 'a80c',
  details: { family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
};

describe('answers from an Ollama host', () => {
  it("a body that is not Ollama's is an error naming the host and the field, not a crash", async () => {
    for (const [body, got] of [
      [{ models: 'lots' }, /"models" must be a list of models \(got "models" as a string\)/],
      [[1, 2], /got a list/],
      ['hello', /got a string/],
    ] as const) {
      const backend = await host(body);
      const err = await backend.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostError);
      expect((err as Error).message).toMatch(
        new RegExp(`^Ollama at 127\\.0\\.0\\.1:\\d+ answered /api/tags with something that is not Ollama's answer: `),
      );
      expect((err as Error).message).toMatch(got);
      expect((err as Error).message).not.toMatch(/bug|Cannot read/);
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    }
  });

  it('leaves out entries with a size that is negative or not a number, and drops nonsense optional numbers', async () => {
    const backend = await host({
      models: [
        good,
        { ...good, name: 'neg:latest', size: -5 },
        { ...good, name: 'nan:latest', size: 'NaN' },
        { ...good, name: 'vram:latest', size_vram: 'NaN', context_length: -1 },
        { size: 1 },
      ],
    });
    const running = await backend.ps();
    expect(running.map((m) => m.name)).toEqual(['llama3.2:latest', 'vram:latest']);
    const vram = running.find((m) => m.name === 'vram:latest')!;
    expect(vram.size_vram).toBeUndefined();
    expect(vram.context_length).toBeUndefined();
  });

  it('keeps a real answer as it is', () => {
    const out = checkModels({
      models: [{ ...good, size_vram: 2019393189, context_length: 4096, expires_at: '2026-11-22T10:00:00Z' }],
    });
    expect(out).toEqual({
      models: [
        expect.objectContaining({
          name: 'llama3.2:latest',
          size: 2019393189,
          size_vram: 2019393189,
          context_length: 4096,
          details: good.details,
        }),
      ],
      dropped: [],
    });
    expect(checkModels({ models: null })).toEqual({ models: [], dropped: [] });
  });
});

describe('a host that never stops', () => {
  it('is stopped at maxTokens by the server itself, and the answer says it was cut there', async () => {
    const { streamGenerate } = await import('../../src/orchestrator/generation/stream.js');
    // ignores num_predict: a token every millisecond until the client goes away
    const host = await endless(
      'application/x-ndjson',
      `${JSON.stringify({ model: 'm', created_at: new Date().toISOString(), response: 'x ', done: false })}\n`,
    );
    const backend = new OllamaBackend({ host: host.url, timeoutMs: 5000 });
    const out = await streamGenerate(backend, {
      model: 'm',
      prompt: 'go on forever',
      keepAlive: '5m',
      numCtx: 4096,
      temperature: 0,
      topP: 1,
      maxTokens: 50,
      stallMs: 10_000,
      firstTokenMs: 10_000,
      numParallel: 1,
    });
    expect(out.doneReason).toBe('length');
    expect(out.outputTokens).toBeLessThanOrEqual(50 + 8);
    expect(out.text.length).toBeLessThanOrEqual((50 + 8) * 2);
    await expectStopped(host);
  });
});

describe('an OpenAI-compatible engine that never stops', () => {
  it('is stopped at maxTokens by the server itself, as a "length" finish', async () => {
    const { OpenAIBackend } = await import('../../src/orchestrator/engines/openai/openai.js');
    // ignores max_tokens: a chunk every millisecond, no finish_reason, until the client goes away
    const host = await endless(
      'text/event-stream',
      `data: ` +
        `${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'x ' }, finish_reason: null }] })}\n\n`,
    );
    const engine = new OpenAIBackend({ name: 'endless', baseURL: `${host.url}/v1`, timeoutMs: 5000 });
    const out = await engine.streamChat({ model: 'm', prompt: 'go on forever', maxTokens: 50, stallTimeoutMs: 10_000 });
    expect(out.doneReason).toBe('length');
    expect(out.outputTokens).toBeLessThanOrEqual(2 * 50 + 8);
    await expectStopped(host);
  });
});
