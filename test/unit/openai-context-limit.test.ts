/**
 * Reading the window an OpenAI-compatible engine runs a model with: from its refusals (the three
 * shapes that name it, and bodies that must not be read as one), its model list (meta.n_ctx beside
 * n_ctx_train), a single llama-server's /props, and what is kept per model (openai-windows.ts).
 */
import { describe, expect, it } from 'vitest';
import { contextRefusal } from '../../src/orchestrator/engines/openai/context-limit.js';
import { readModelList, readPropsWindow } from '../../src/orchestrator/engines/openai/openai-http.js';
import { PROPS_TTL_MS, RuntimeWindows } from '../../src/orchestrator/engines/openai/openai-windows.js';
import { Failures } from '../../src/orchestrator/engines/openai/openai-failures.js';
import { OpenAIBackend } from '../../src/orchestrator/engines/openai/openai.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';

// llama-server: server-common.cpp format_error_response (exceed_context_size_error → 400) and
// server-task.cpp server_task_result_error::to_json (n_prompt_tokens, n_ctx beside it)
const LLAMA = {
  error: {
    code: 400,
    message: 'request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it',
    type: 'exceed_context_size_error',
    n_prompt_tokens: 9412,
    n_ctx: 8192,
  },
};
const body = (e: Record<string, unknown>) => JSON.stringify({ error: e });

describe('a refusal that names the window', () => {
  it("reads llama-server's exceed_context_size_error by its n_ctx field, with the prompt it counted", () => {
    expect(contextRefusal(400, JSON.stringify(LLAMA))).toEqual({ limit: 8192, promptTokens: 9412 });
    // the field wins over the words: the message is only where no field says it
    expect(contextRefusal(400, body({ ...LLAMA.error, n_ctx: 4096 }))).toEqual({ limit: 4096, promptTokens: 9412 });
    // llama-server's `error:` stream line carries the error object itself
    expect(contextRefusal(400, JSON.stringify(LLAMA.error))).toEqual({ limit: 8192, promptTokens: 9412 });
  });

  it("reads llama-server's words when a proxy kept only the message", () => {
    expect(contextRefusal(400, body({ message: LLAMA.error.message, type: 'invalid_request_error' }))).toEqual({
      limit: 8192,
    });
    expect(contextRefusal(400, JSON.stringify({ object: 'error', message: LLAMA.error.message }))).toEqual({
      limit: 8192,
    }); // the body itself, as older vLLM sends it
  });

  it('reads OpenAI\'s and vLLM\'s "maximum context length is N tokens"', () => {
    const openai =
      "This model's maximum context length is 8192 tokens. However, your messages resulted in " +
      '9000 tokens. Please reduce the length of the messages.';
    expect(
      contextRefusal(
        400,
        body({ message: openai, type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' }),
      ),
    ).toEqual({ limit: 8192 });
    const vllm =
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens " +
      '(4000 in the messages, 1000 in the completion). Please reduce the length of the messages ' +
      'or completion.';
    expect(
      contextRefusal(400, JSON.stringify({ object: 'error', message: vllm, type: 'BadRequestError', code: 400 })),
    ).toEqual({ limit: 4096 });
  });

  it.each([
    ['another status (a 500 with the same words)', 500, JSON.stringify(LLAMA)],
    ['a 413', 413, JSON.stringify(LLAMA)],
    ['no status (a stream error without a code)', undefined, JSON.stringify(LLAMA)],
    [
      'the words without a number (older llama-server)',
      400,
      body({
        message: 'the request exceeds the available context size, try increasing it',
        type: 'exceed_context_size_error',
      }),
    ],
    [
      'a completion limit, not the window',
      400,
      body({
        message:
          'max_tokens is too large: 9000. This model supports at most 4096 completion tokens, whereas ' +
          'you provided 9000.',
        type: 'invalid_request_error',
      }),
    ],
    [
      'another number in a message',
      400,
      body({ message: 'the image takes 4096 tokens; at most 2 images per request', type: 'invalid_request_error' }),
    ],
    ['n_ctx on another error type', 400, body({ message: 'bad', type: 'invalid_request_error', n_ctx: 8192 })],
    ['n_ctx not an integer', 400, body({ ...LLAMA.error, n_ctx: '8192', message: 'refused' })],
    ['n_ctx below any real window', 400, body({ ...LLAMA.error, n_ctx: 16, message: 'refused' })],
    ['n_ctx past any real window', 400, body({ ...LLAMA.error, n_ctx: 2 ** 40, message: 'refused' })],
    [
      'a stated window past any real one',
      400,
      body({ message: "This model's maximum context length is 999999999 tokens." }),
    ],
    ['a body that is not JSON', 400, '<html>request exceeds the available context size (8192 tokens)</html>'],
    ['JSON that is not an object', 400, '[8192]'],
    ['JSON null', 400, 'null'],
    ['a message that is not text (a list holding the words)', 400, body({ message: [LLAMA.error.message] })],
    ['n_ctx not a whole number', 400, body({ ...LLAMA.error, n_ctx: 8192.5, message: 'refused' })],
    ['n_ctx one below the smallest window believed', 400, body({ ...LLAMA.error, n_ctx: 255, message: 'refused' })],
    [
      'n_ctx one past the largest window believed',
      400,
      body({ ...LLAMA.error, n_ctx: 16_777_217, message: 'refused' }),
    ],
  ])('does not read %s as a window', (_what, status, text) => {
    expect(contextRefusal(status, text)).toBeUndefined();
  });

  it('believes a window at either bound (256 and 16,777,216 tokens)', () => {
    expect(contextRefusal(400, body({ ...LLAMA.error, n_ctx: 256 }))).toEqual({ limit: 256, promptTokens: 9412 });
    expect(contextRefusal(400, body({ ...LLAMA.error, n_ctx: 16_777_216 }))).toEqual({
      limit: 16_777_216,
      promptTokens: 9412,
    });
  });

  it("reads the body's own message when its `error` is not an object", () => {
    expect(contextRefusal(400, JSON.stringify({ error: ['refused'], message: LLAMA.error.message }))).toEqual({
      limit: 8192,
    });
    expect(contextRefusal(400, JSON.stringify({ error: 'refused', message: LLAMA.error.message }))).toEqual({
      limit: 8192,
    });
  });

  it('keeps a prompt count only when it is a positive integer', () => {
    expect(contextRefusal(400, body({ ...LLAMA.error, n_prompt_tokens: 0 }))).toEqual({ limit: 8192 });
    expect(contextRefusal(400, body({ ...LLAMA.error, n_prompt_tokens: 12.5 }))).toEqual({ limit: 8192 });
  });

  it('becomes a bad_request carrying the window, naming it and what happens next; another 400 carries none', () => {
    const f = new Failures(
      { name: 'lab', host: '127.0.0.1:8080', shownURL: 'http://127.0.0.1:8080/v1', settingsPath: 'hosts.lab' },
      () => undefined,
    );
    const headers = new Headers();
    const e = f.fromHttp({
      status: 400,
      headers,
      text: JSON.stringify(LLAMA),
      what: 'POST /v1/chat/completions',
      model: 'm',
    });
    expect(e).toMatchObject({ kind: 'bad_request', status: 400, contextLimit: 8192 });
    expect(e.message).toMatch(
      /lab \(127\.0\.0\.1:8080\) refused the request for "m": the prompt is over the 8192-token window it runs the model with \(HTTP 400: request \(9412 tokens\) exceeds/,
    );
    const other = f.fromHttp({
      status: 400,
      headers,
      text: body({ message: "Invalid 'temperature'" }),
      what: 'POST /v1/chat/completions',
      model: 'm',
    });
    expect(other.kind).toBe('bad_request');
    expect(other.contextLimit).toBeUndefined();
  });
});

describe('a refusal sent after the stream began', () => {
  /** A backend whose engine answers the chat with a stream holding only `events`. */
  const streaming = (events: string) =>
    new OpenAIBackend({
      name: 'lab',
      baseURL: 'http://127.0.0.1:1/v1',
      fetch: async () => new Response(events, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
  const chat = (b: OpenAIBackend) =>
    b.streamChat({ model: 'm', prompt: 'hi', maxTokens: 10, stallTimeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e as HostError,
    );

  it("carries the window from llama-server's `error:` line, and none from another error", async () => {
    const refused = await chat(streaming(`error: ${JSON.stringify(LLAMA.error)}\n\n`));
    expect(refused).toBeInstanceOf(HostError);
    expect(refused).toMatchObject({ kind: 'bad_request', contextLimit: 8192, status: 400 });
    expect(refused!.message).toMatch(/the prompt is over the 8192-token window it runs the model with/);
    const other = await chat(
      streaming(
        `data: ` +
          `${JSON.stringify({ error: { code: 500, message: 'the engine failed', type: 'server_error' } })}\n\ndata: ` +
          `[DONE]\n\n`,
      ),
    );
    expect(other).toMatchObject({ kind: 'server_error' });
    expect(other!.contextLimit).toBeUndefined();
  });
});

describe('what a model list and /props say of the window a model runs with', () => {
  it(
    "takes llama-swap's meta.n_ctx as the runtime window beside the trained one, and marks a " +
      "llama-server's n_ctx_train-only entry",
    () => {
      const list = readModelList(
        JSON.stringify({
          object: 'list',
          data: [
            { id: 'swapped', context_length: 4096, meta: { n_ctx: 4096, llamaswap: { type: 'model' } } },
            { id: 'single', meta: { n_ctx_train: 32768, n_vocab: 32000 } },
            { id: 'both', meta: { n_ctx_train: 32768, n_ctx: 8192 } },
            { id: 'bad', meta: { n_ctx: '4096', n_ctx_train: 2 ** 40 } },
            { id: 'vllm', max_model_len: 16384 },
          ],
        }),
      )!;
      expect(Object.fromEntries(list.runtime)).toEqual({ swapped: 4096, both: 8192 });
      expect(Object.fromEntries(list.contexts)).toEqual({ swapped: 4096, single: 32768, both: 32768, vllm: 16384 });
      expect(list.llamaServer).toEqual(['single']);
    },
  );

  it("reads one slot's window from a single llama-server's /props, and nothing from a router's or a bad one", () => {
    expect(
      readPropsWindow(JSON.stringify({ default_generation_settings: { n_ctx: 4096, params: {} }, total_slots: 4 })),
    ).toBe(4096);
    expect(
      readPropsWindow(JSON.stringify({ role: 'router', max_instances: 4, models_autoload: true })),
    ).toBeUndefined();
    expect(readPropsWindow(JSON.stringify({ default_generation_settings: { n_ctx: 0 } }))).toBeUndefined();
    expect(readPropsWindow(JSON.stringify({ default_generation_settings: null }))).toBeUndefined();
    expect(readPropsWindow('not json')).toBeUndefined();
  });
});

describe('the windows kept per model on one host', () => {
  it('is what the list says, else /props for its model, else nothing', () => {
    const w = new RuntimeWindows();
    expect(w.of('a')).toBeUndefined();
    w.listing(new Map([['a', 8192]]));
    w.propsRead('b', 4096, 1000);
    expect([w.of('a'), w.of('b'), w.of('c')]).toEqual([8192, 4096, undefined]);
  });

  it("learns a refusal's window, the smaller of it and what is said, and keeps the smallest learned", () => {
    const w = new RuntimeWindows();
    w.learn('a', 4096);
    expect(w.of('a')).toBe(4096);
    w.learn('a', 6000);
    expect(w.of('a')).toBe(4096);
    w.learn('a', 2048);
    expect(w.of('a')).toBe(2048);
    expect(w.learnedWindows()).toEqual(new Map([['a', 2048]]));
    expect(w.of('b')).toBeUndefined(); // per model
    // a refusal naming more than the engine says: what it says stands
    w.listing(new Map([['c', 8192]]));
    w.learn('c', 16384);
    expect(w.of('c')).toBe(8192);
  });

  it(
    'forgets a learned window once the engine says another window than it did then (restarted ' +
      'with other settings)',
    () => {
      const w = new RuntimeWindows();
      w.listing(new Map([['a', 8192]]));
      w.learn('a', 4096);
      expect(w.of('a')).toBe(4096);
      w.listing(new Map([['a', 8192]])); // the same said again: still learned
      expect(w.of('a')).toBe(4096);
      w.listing(new Map([['a', 16384]]));
      expect(w.of('a')).toBe(16384);
      expect(w.learnedWindows()).toEqual(new Map());
      w.learn('a', 12000); // learned against the new window, not merged with the old one
      expect(w.of('a')).toBe(12000);
    },
  );

  it('reads /props again only for another model or after a minute', () => {
    const w = new RuntimeWindows();
    expect(w.propsDue('a', 0)).toBe(true);
    w.propsRead('a', 4096, 0);
    expect(w.propsDue('a', PROPS_TTL_MS - 1)).toBe(false);
    expect(w.propsDue('a', PROPS_TTL_MS)).toBe(true);
    expect(w.propsDue('b', 1)).toBe(true);
    // the minute counts from the reading, not from zero
    w.propsRead('a', 4096, 5000);
    expect(w.propsDue('a', 5000 + PROPS_TTL_MS - 1)).toBe(false);
    expect(w.propsDue('a', 5000 + PROPS_TTL_MS)).toBe(true);
  });
});
