/**
 * Hosts are bounded at the boundary: against a hostile host (test/fake-hostile) every answer is
 * checked where it enters, lines and bodies have limits, an invalid-line flood stops after a few
 * with one log line, maxTokens holds whatever the host does, and nonsense numbers never pass. Each
 * failure is an error naming the host and the field or the problem.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { frameLines } from '../../src/orchestrator/engines/ollama/ndjson.js';
import { OllamaBackend, HostError } from '../../src/orchestrator/engines/ollama/ollama.js';
import { RULES } from '../../src/orchestrator/engines/ollama/ollama-lines.js';
import { EngineError, OpenAIBackend } from '../../src/orchestrator/engines/openai/openai.js';
import { streamGenerate, type StreamRequest } from '../../src/orchestrator/generation/stream.js';
import { Catalog } from '../../src/orchestrator/models/catalog.js';
import { Puller, type PullProgress } from '../../src/orchestrator/models/pull.js';
import { FakeHostile, type HostileMode } from '../fake-hostile/server.js';

let fake: FakeHostile;
beforeAll(async () => {
  fake = await FakeHostile.start();
});
afterAll(() => fake.stop());
afterEach(() => {
  fake.mode = 'ok';
  vi.restoreAllMocks();
});

const HOST = () => fake.host;
const ollama = () => new OllamaBackend({ host: fake.url, timeoutMs: 5000 });
const engine = () => new OpenAIBackend({ name: 'hostile', baseURL: `${fake.url}/v1`, timeoutMs: 5000 });
const gen = (backend: OllamaBackend, over: Partial<StreamRequest> = {}) =>
  streamGenerate(backend, {
    model: 'hostile:latest',
    prompt: 'hi',
    keepAlive: '5m',
    numCtx: 4096,
    temperature: 0,
    topP: 1,
    maxTokens: 50,
    stallMs: 10_000,
    firstTokenMs: 10_000,
    numParallel: 1,
    ...over,
  });
const chat = (e = engine()) =>
  e.streamChat({ model: 'hostile:latest', prompt: 'hi', maxTokens: 50, stallTimeoutMs: 10_000 });

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'it should have failed').toBeInstanceOf(Error);
  const message = (err as Error).message;
  expect(message).not.toMatch(/bug|Cannot read|undefined/);
  expect(message.length).toBeLessThan(1000);
  return err as Error;
}

/** Log lines and console output while `fn` runs. */
async function watched<T>(fn: () => Promise<T>): Promise<{ result: T; logLines: string[]; consoleCalls: number }> {
  const logLines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith('[ollm-mcp] ')) logLines.push(text);
    else return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    return true;
  }) as typeof process.stderr.write);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const result = await fn();
  return { result, logLines, consoleCalls: warn.mock.calls.length + log.mock.calls.length };
}

/** The host sees the client go: nothing of its answer is still being written. */
async function closed(): Promise<void> {
  await vi.waitFor(() => expect(fake.open()).toBe(0), { timeout: 2000, interval: 20 });
}

function use(mode: HostileMode): void {
  fake.mode = mode;
  fake.bytesSent = 0;
}

describe('an invalid-line flood', () => {
  it('stops an Ollama stream after a few lines, with one log line, and the client never prints per line', async () => {
    use('flood');
    const { result: err, logLines, consoleCalls } = await watched(() => failure(gen(ollama())));
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe('bad_response');
    expect(err.message).toMatch(
      new RegExp(
        `^Ollama at ${HOST()} answered /api/generate with 5 lines that are not Ollama's \\(the ` +
          `first: not JSON: "garbage line 0, not JSON"\\), so the stream was stopped — is Ollama`,
      ),
    );
    expect(logLines.filter((l) => /not Ollama's/.test(l))).toHaveLength(1);
    expect(consoleCalls).toBe(0);
    await closed();
    expect(fake.bytesSent).toBeLessThan(12 << 20); // of an endless flood: what the sockets held
  });

  it('stops a pull the same way', async () => {
    use('flood');
    const backend = ollama();
    const puller = new Puller(backend, new Catalog(backend), 10_000);
    const err = await failure(puller.pull({ model: 'hostile:latest', force: true }));
    expect(err.message).toMatch(
      new RegExp(`Ollama at ${HOST()} answered /api/pull with 5 lines that are not Ollama's`),
    );
    await closed();
  });

  it('stops an OpenAI-compatible stream of chunks of the wrong shape after a few, naming the field', async () => {
    use('flood');
    const { result: err, logLines } = await watched(() => failure(chat()));
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(
      new RegExp(
        `^hostile \\(${HOST()}\\) sent 5 stream events that are not OpenAI chunks \\(the first: ` +
          `"choices" is missing\\)`,
      ),
    );
    expect(logLines).toHaveLength(1);
    await closed();
  });
});

describe('a 100 MB line', () => {
  it('is cut off early in a stream, Ollama or OpenAI-compatible', async () => {
    use('huge-line');
    const err = await failure(gen(ollama()));
    expect(err.message).toMatch(
      new RegExp(
        `^Ollama at ${HOST()} answered /api/generate with a line of more than 256 KiB, which no ` +
          `answer of Ollama's needs`,
      ),
    );
    await closed();
    expect(fake.bytesSent).toBeLessThan(12 << 20); // of 100 MB: the limit, and what the sockets held
    fake.bytesSent = 0;
    expect((await failure(chat())).message).toMatch(/sent a stream event over 1 MiB/);
    await closed();
    expect(fake.bytesSent).toBeLessThan(12 << 20);
  });

  it('is not read past the limit of a whole answer', async () => {
    use('huge-line');
    const backend = ollama();
    expect((await failure(backend.version())).message).toMatch(
      new RegExp(`^Ollama at ${HOST()} answered /api/version with more than 64 KiB`),
    );
    expect((await failure(backend.list())).message).toMatch(/answered \/api\/tags with more than 2 MiB/);
    expect((await failure(engine().listModels())).message).toMatch(/answered GET \/v1\/models with more than 8 MiB/);
    await closed();
  });
});

describe('an endless stream', () => {
  it('is stopped at maxTokens on Ollama and OpenAI-compatible engines', async () => {
    use('endless');
    const out = await gen(ollama());
    expect(out).toMatchObject({ doneReason: 'length' });
    expect(out.outputTokens).toBeLessThanOrEqual(58);
    await closed();
    const answer = await chat();
    expect(answer.doneReason).toBe('length');
    expect(answer.outputTokens).toBeLessThanOrEqual(108);
    await closed();
  });

  it('of pull progress that never ends is stopped by the stall limit once it shows no progress', async () => {
    use('endless');
    const backend = ollama();
    const puller = new Puller(backend, new Catalog(backend), 300);
    const err = await failure(puller.pull({ model: 'hostile:latest', force: true }));
    expect(err.message).toMatch(/stalled/);
    await closed();
  });
});

describe('wrong shapes', () => {
  it('are errors naming the host and the field, never "bug"', async () => {
    use('wrong-shapes');
    const backend = ollama();
    expect((await failure(backend.list())).message).toMatch(
      new RegExp(
        `^Ollama at ${HOST()} answered /api/tags with something that is not Ollama's answer: "models" must be a list`,
      ),
    );
    expect((await failure(backend.version())).message).toMatch(
      new RegExp(
        `^Ollama at ${HOST()} answered /api/version with something that is not Ollama's answer: ` +
          `"version" must be a string \\(got 5\\)`,
      ),
    );
    expect((await failure(backend.show('hostile:latest'))).message).toMatch(
      /answered \/api\/show with something that is not Ollama's answer: "details" .*\(got "lots"\)/,
    );
    expect((await failure(gen(backend))).message).toMatch(
      /answered \/api\/generate with 5 lines that are not Ollama's \(the first: "done" must be true or false \(got "no"\)\)/,
    );
    const puller = new Puller(backend, new Catalog(backend), 10_000);
    expect((await failure(puller.pull({ model: 'hostile:latest', force: true }))).message).toMatch(
      /the first: "status" .*\(got 5\)/,
    );
    expect((await failure(engine().listModels())).message).toMatch(
      new RegExp(`^hostile \\(${HOST()}\\) answered GET /v1/models with`),
    );
    expect((await failure(chat())).message).toMatch(
      /5 stream events that are not OpenAI chunks \(the first: "choices" .*\(got "lots"\)\)/,
    );
    await closed();
  });
});

describe('NaN, negative and absurd numbers', () => {
  it('are left out of model lists, model facts and running models', async () => {
    use('bad-numbers');
    const backend = ollama();
    expect((await backend.list()).map((m) => m.name)).toEqual(['hostile:latest']);
    const running = await backend.ps();
    expect(running.map((m) => m.name)).toEqual([]);
    const show = await backend.show('hostile:latest');
    const info = show.model_info as unknown as Record<string, unknown>;
    expect(info['llama.context_length']).toBeUndefined();
    expect(info['llama.block_count']).toBeUndefined();
    expect(info['llama.embedding_length']).toBe(2048);
    const model = await new Catalog(backend).get('hostile:latest');
    expect(model).toMatchObject({ name: 'hostile:latest', sizeBytes: 1e9 });
    expect(model!.kvShape).toBeUndefined();
    expect(model!.contextWindow ?? 1).toBeGreaterThan(0);
  });

  it('never reach the counts of an answer or a pull', async () => {
    use('bad-numbers');
    const backend = ollama();
    const out = await gen(backend);
    expect(out).toMatchObject({ text: 'ok ok ok ', outputTokens: 3, promptTokens: 0, tokensPerSecond: 0, loadMs: 0 });
    const answer = await chat();
    expect(answer).toMatchObject({ text: 'ok ok ok ', outputTokens: 3, usageReported: false });
    expect(Number.isFinite(answer.promptTokens) && answer.promptTokens >= 0).toBe(true);
    const seen: PullProgress[] = [];
    const puller = new Puller(backend, new Catalog(backend), 10_000);
    await puller.pull({ model: 'hostile:latest', force: true, onProgress: (p) => seen.push(p) });
    for (const p of seen)
      expect(
        p.completedBytes >= 0 &&
          p.totalBytes >= 0 &&
          Number.isFinite(p.completedBytes) &&
          Number.isFinite(p.totalBytes),
      ).toBe(true);
  });
});

describe('a body that never ends', () => {
  it("is not read past its limit: whole answers, error answers, and the tail after a stream's last line", async () => {
    use('endless-body');
    const backend = ollama();
    expect((await failure(backend.list())).message).toMatch(/answered \/api\/tags with more than 2 MiB/);
    const show = await failure(backend.show('hostile:latest'));
    expect(show.message).toMatch(
      new RegExp(`^Ollama at ${HOST()} failed /api/show for "hostile:latest" \\(HTTP 500\\): error error`),
    );
    expect((await gen(backend)).text).toBe('ok ok ok ');
    expect((await failure(chat())).message).toMatch(/hostile \(.*\) failed \(HTTP 503\)/);
    await closed();
  });
});

describe('the context on the last line of a generate', () => {
  /** `text` as a stream in chunks of `size` bytes, and what frameLines makes of it with the generate rules. */
  async function framed(text: string, size: number): Promise<{ lines: Array<Record<string, unknown>>; error?: Error }> {
    const bytes = Buffer.from(text);
    let at = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.subarray(at, (at += size)));
      },
    });
    const rules = RULES['generate']!;
    const out = frameLines(source, {
      maxLineBytes: rules.maxLineBytes,
      skip: rules.skip!,
      check: rules.line!,
      fail: (why) => new Error(why),
      where: 'test',
    });
    const reader = out.getReader();
    let all = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        all += Buffer.from(value).toString();
      }
    } catch (err) {
      return {
        lines: all
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
        error: err as Error,
      };
    }
    return {
      lines: all
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }
  const token = `${JSON.stringify({ model: 'm', response: 'hi', done: false })}\n`;
  const last = (context: string) =>
    `{"model":"m","response":"","done":true,"done_reason":"stop","context":[${context}],"total_duration":5,"eval_count":1}\n`;

  it('is passed over unread however long, in whatever chunks it comes, and the metrics after it are kept', async () => {
    const context = Array.from({ length: 500_000 }, (_, i) => i % 150_000).join(','); // ~3.3 MB
    for (const size of [7, 4096, 65_536, 1 << 20]) {
      const { lines, error } = await framed(token + last(context), size);
      expect(error).toBeUndefined();
      expect(lines).toEqual([
        { model: 'm', response: 'hi', done: false },
        { model: 'm', response: '', done: true, done_reason: 'stop', total_duration: 5, eval_count: 1 },
      ]);
    }
  });

  it('is stopped past 16 MiB, and a line cut off inside it is not an answer', async () => {
    const endless = `${token}{"model":"m","done":true,"context":[${'1,'.repeat(9 << 20)}`;
    expect((await framed(endless, 65_536)).error?.message).toMatch(/a line of more than 16 MiB/);
    const { lines, error } = await framed(
      `${token}{"model":"m","done":true,"context":[1,2,3${'4'.repeat(300_000)}\n${token}`,
      65_536,
    );
    expect(error).toBeUndefined();
    expect(lines).toHaveLength(2); // the two tokens; the cut-off line is skipped as not valid
  });
});
