/** Prompts longer than the context on /api/generate: cut at the front or refused as Ollama does, and recorded. */
import { describe, expect, it } from 'vitest';
import { PROMPT_TOO_LONG, countTokens, exceedsContextError } from './server.js';
import { BOS, contextShiftPromptLimit } from './prompt.js';
import { gen, ndjson, post, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const USER_HEADER = '<|start_header_id|>user<|end_header_id|>\n\n';
const ASSISTANT_HEADER = '<|start_header_id|>assistant<|end_header_id|>\n\n';
/** The fake's template around one user message: 4 header tokens and an end token, 5 for the assistant header. */
const TEMPLATE_TOKENS = 10;

/** `n` numbered sentences of the same length ("Sentence alpha 0 is about the fox." …). */
function sentences(n: number): string {
  return Array.from({ length: n }, (_, i) => `Sentence number ${i} is about the fox.`).join(' ');
}

describe('a prompt that fits', () => {
  it('is evaluated whole: prompt_eval_count is template + BOS + prompt tokens, and the request is recorded', async () => {
    const { fake } = await start();
    const res = await gen(fake, {
      model: 'llama3.2',
      prompt: 'Why is the sky blue?',
      system: 'Be brief.',
      options: { num_ctx: 2048 },
    });
    expect(res.status).toBe(200);
    // BOS + system message (5 + 3) + user message (5 + 6) + assistant header (5)
    expect(res.body['prompt_eval_count']).toBe(1 + 8 + 11 + 5);
    const [g] = fake.generations();
    expect(g).toMatchObject({
      endpoint: 'generate',
      model: 'llama3.2',
      resolved: 'llama3.2:latest',
      requestedNumCtx: 2048,
      numCtx: 2048,
      truncate: true,
      shift: true,
      numKeep: 4,
      prompt: 'Why is the sky blue?',
      system: 'Be brief.',
      images: [],
      promptTokens: 25,
      evalTokens: 25,
      droppedMessages: 0,
      droppedTokens: 0,
      truncated: false,
      fits: true,
      refused: undefined,
    });
    expect(g?.evaluated).toBe(
      `${BOS}<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>${USER_HEADER}Why ` +
        `is the sky blue?<|eot_id|>${ASSISTANT_HEADER}`,
    );
    expect(fake.overflows()).toEqual([]);
  });

  it('a model whose tokenizer adds no BOS (qwen2) counts one token less; raw mode has no template', async () => {
    const { fake } = await start();
    const qwen = await gen(fake, { model: 'qwen2.5-coder:7b', prompt: 'Why is the sky blue?' });
    expect(qwen.body['prompt_eval_count']).toBe(6 + TEMPLATE_TOKENS);
    const raw = await gen(fake, { model: 'llama3.2', prompt: 'Why is the sky blue?', raw: true });
    expect(raw.body['prompt_eval_count']).toBe(1 + 6);
    expect(fake.generations().map((g) => g.numCtx)).toEqual([4096, 4096]); // the default context on a CPU host
  });
});

describe('a prompt longer than num_ctx', () => {
  const prompt = sentences(60); // ~540 tokens
  const promptTokens = 1 + countTokens(prompt) + TEMPLATE_TOKENS;

  it(
    'is cut at the front by default: num_keep (4) + BOS tokens kept, then the last ones, ' +
      'leaving about half the context',
    async () => {
      const { fake } = await start();
      const res = await gen(fake, { model: 'llama3.2', prompt, options: { num_ctx: 256 } });
      expect(res.status).toBe(200);
      const limit = contextShiftPromptLimit(256, 5);
      expect(limit).toBe(256 - 125);
      expect(res.body['prompt_eval_count']).toBe(limit);
      const [g] = fake.generations();
      expect(g).toMatchObject({
        numCtx: 256,
        promptTokens,
        evalTokens: limit,
        droppedTokens: promptTokens - limit,
        truncated: true,
        fits: false,
      });
      // num_keep keeps BOS + the user header; the beginning of the prompt is gone, its end is there
      expect(g?.evaluated.startsWith(`${BOS}${USER_HEADER}`)).toBe(true);
      expect(g?.evaluated.endsWith(`Sentence number 59 is about the fox.<|eot_id|>${ASSISTANT_HEADER}`)).toBe(true);
      expect(g?.evaluated).not.toContain('Sentence number 0 ');
      // re-tokenizing the joined pieces may merge a few
      expect(countTokens(g?.evaluated ?? '')).toBeLessThanOrEqual(limit + 2);
      expect(fake.overflows()).toEqual([g]);
    },
  );

  it('the same when streamed: the done line carries the reduced prompt_eval_count', async () => {
    const { fake } = await start();
    const lines = await ndjson(
      await post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt, options: { num_ctx: 256 } }),
    );
    expect(lines.at(-1)).toMatchObject({ done: true, prompt_eval_count: 131 });
  });

  it('num_keep decides what is kept: 0 keeps only the BOS; -1 keeps the beginning instead of the end', async () => {
    const { fake } = await start();
    await gen(fake, { model: 'llama3.2', prompt, options: { num_ctx: 256, num_keep: 0 } });
    await gen(fake, { model: 'llama3.2', prompt, options: { num_ctx: 256, num_keep: -1 } });
    const [zero, all] = fake.generations();
    expect(zero?.evalTokens).toBe(contextShiftPromptLimit(256, 1));
    expect(zero?.evaluated.startsWith(`${BOS}`)).toBe(true);
    expect(zero?.evaluated).not.toContain(USER_HEADER);
    expect(all?.evalTokens).toBe(255); // keep = num_ctx - 1: the first 255 tokens
    expect(all?.evaluated.startsWith(`${BOS}${USER_HEADER}Sentence number 0 is about the fox.`)).toBe(true);
    expect(all?.evaluated).not.toContain(ASSISTANT_HEADER);
  });

  it('with truncate:false it is refused with 400 and llama-server’s own error as the text, streamed or not', async () => {
    const { fake } = await start();
    const want = exceedsContextError(promptTokens, 256);
    expect(JSON.parse(want)).toEqual({
      error: {
        code: 400,
        message: `request (${promptTokens} tokens) exceeds the available context size (256 tokens), try increasing it`,
        type: 'exceed_context_size_error',
        n_prompt_tokens: promptTokens,
        n_ctx: 256,
      },
    });
    const res = await gen(fake, { model: 'llama3.2', prompt, truncate: false, options: { num_ctx: 256 } });
    expect(res).toEqual({ status: 400, body: { error: want } });
    const streamed = await post(`${fake.url}/api/generate`, {
      model: 'llama3.2',
      prompt,
      truncate: false,
      options: { num_ctx: 256 },
    });
    expect(streamed.status).toBe(400);
    expect(streamed.headers.get('content-type')).toContain('application/json');
    expect(await streamed.json()).toEqual({ error: want });
    expect(fake.generations()[0]).toMatchObject({
      truncate: false,
      refused: { status: 400, error: want },
      evalTokens: undefined,
      evaluated: '',
      truncated: false,
      fits: false,
    });
    expect(fake.loaded()).toHaveLength(1); // the model was loaded first
  });

  it(
    'with shift:false (or a deepseek2 model) it is refused with Ollama’s own 400; changing ' +
      'shift reloads the model',
    async () => {
      const { fake } = await start();
      await gen(fake, { model: 'llama3.2', prompt: 'hi', options: { num_ctx: 256 } });
      const res = await gen(fake, { model: 'llama3.2', prompt, shift: false, options: { num_ctx: 256 } });
      expect(res).toEqual({ status: 400, body: { error: PROMPT_TOO_LONG } });
      expect(fake.stats().reloads).toMatchObject([{ model: 'llama3.2:latest', changed: ['shift'] }]);
      const fits = await gen(fake, { model: 'llama3.2', prompt: 'hi', shift: false, options: { num_ctx: 256 } });
      expect(fits.status).toBe(200);
      expect(fake.generations().map((g) => g.shift)).toEqual([true, false, false]);
    },
  );

  it('is never cut when it carries images: 768 tokens each, and llama-server refuses what does not fit', async () => {
    const { fake } = await start();
    const image = Buffer.from('fake png bytes').toString('base64');
    const ok = await gen(fake, {
      model: 'llava:7b',
      prompt: 'What is this?',
      images: [image, image],
      options: { num_ctx: 2048 },
    });
    expect(ok.body['prompt_eval_count']).toBe(1 + 4 + TEMPLATE_TOKENS + 2 * 768);
    const tooMany = await gen(fake, {
      model: 'llava:7b',
      prompt: 'What is this?',
      images: [image, image, image],
      options: { num_ctx: 2048 },
    });
    const n = 1 + 4 + TEMPLATE_TOKENS + 3 * 768;
    expect(tooMany).toEqual({ status: 400, body: { error: exceedsContextError(n, 2048) } });
    expect(fake.generations()[1]).toMatchObject({
      images: [image, image, image],
      imageBytes: [14, 14, 14],
      promptTokens: n,
      truncated: false,
      fits: false,
    });
  });

  it('num_ctx is capped at the trained window (and at least 2048 for vision models); that is what has to fit', async () => {
    const { fake } = await start();
    await gen(fake, { model: 'llava:7b', prompt: 'hi', options: { num_ctx: 65536 } });
    await gen(fake, { model: 'llava:7b', prompt: 'hi', options: { num_ctx: 1024 } });
    expect(fake.generations().map((g) => [g.requestedNumCtx, g.numCtx])).toEqual([
      [65536, 4096],
      [1024, 2048],
    ]);
  });
});
