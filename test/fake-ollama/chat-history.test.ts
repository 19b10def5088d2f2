/**
 * /api/chat with more history than num_ctx: Ollama's chatPrompt drops the oldest messages, never system ones
 * nor the last.
 */
import { describe, expect, it } from 'vitest';
import { countTokens, exceedsContextError } from './server.js';
import { BOS, type PromptMessage, contextShiftPromptLimit, renderMessage, renderTools } from './prompt.js';
import { post, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const NAMES = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
];

/** A message whose rendering is `rendered` tokens: the role's header, a name, then ' word's. */
function msg(role: string, name: string, rendered = 45, images: string[] = []): PromptMessage {
  const overhead = countTokens(renderMessage({ role, content: name, images: [] }));
  return { role, content: name + ' word'.repeat(rendered - overhead), images };
}

const SYSTEM = { role: 'system', content: 'You are terse.', images: [] };
/** system (9 tokens), 10 alternating history messages and a last user message (45 tokens each). */
function history(): PromptMessage[] {
  const turns = NAMES.slice(0, 10).map((n, i) => msg(i % 2 === 0 ? 'user' : 'assistant', n));
  return [SYSTEM, ...turns, msg('user', 'kilo')];
}

async function chat(
  url: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await post(`${url}/api/chat`, { stream: false, ...body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('chat history longer than num_ctx', () => {
  it('drops the oldest messages until the rest fits; system messages and the last message stay', async () => {
    const { fake } = await start();
    const messages = history();
    expect(messages.map((m) => countTokens(renderMessage(m)))).toEqual([9, ...Array<number>(11).fill(45)]);
    const res = await chat(fake.url, { model: 'llama3.2', messages, options: { num_ctx: 210 } });
    expect(res.status).toBe(200);
    // 9 (system) + 4 × 45 + 5 (assistant header) = 194 <= 210: the last 4 messages are kept; + BOS
    expect(res.body['prompt_eval_count']).toBe(195);
    const [g] = fake.generations();
    expect(g).toMatchObject({
      endpoint: 'chat',
      numCtx: 210,
      promptTokens: 1 + 9 + 11 * 45 + 5,
      evalTokens: 195,
      droppedMessages: 7,
      droppedTokens: 0,
      truncated: true,
      fits: false,
    });
    expect(g?.messages).toEqual(messages);
    expect(g?.evaluated.startsWith(`${BOS}${renderMessage(SYSTEM)}${renderMessage(messages[8]!)}`)).toBe(true);
    for (const name of ['alpha', 'golf']) expect(g?.evaluated).not.toContain(name);
    for (const name of ['hotel', 'india', 'juliet', 'kilo']) expect(g?.evaluated).toContain(name);
  });

  it('keeps system messages from the dropped part, in order, before the kept messages', async () => {
    const { fake } = await start();
    const later = { role: 'system', content: 'Answer in French.', images: [] };
    const messages = [
      SYSTEM,
      msg('user', 'alpha'),
      msg('assistant', 'bravo'),
      later,
      msg('user', 'charlie'),
      msg('assistant', 'delta'),
      msg('user', 'echo'),
    ];
    await chat(fake.url, { model: 'llama3.2', messages, options: { num_ctx: 120 } });
    const [g] = fake.generations();
    expect(g?.droppedMessages).toBe(3);
    expect(
      g?.evaluated.startsWith(`${BOS}${renderMessage(SYSTEM)}${renderMessage(later)}${renderMessage(messages[5]!)}`),
    ).toBe(true);
  });

  it('with truncate:false nothing is dropped and llama-server refuses the whole prompt with 400', async () => {
    const { fake } = await start();
    const res = await chat(fake.url, {
      model: 'llama3.2',
      messages: history(),
      truncate: false,
      options: { num_ctx: 210 },
    });
    expect(res).toEqual({ status: 400, body: { error: exceedsContextError(1 + 9 + 11 * 45 + 5, 210) } });
    expect(fake.generations()[0]).toMatchObject({
      truncate: false,
      droppedMessages: 0,
      refused: { status: 400 },
      fits: false,
    });
  });

  it('a last message too long on its own is then cut at the front by the runner: even the system prompt goes', async () => {
    const { fake } = await start();
    const long = msg('user', 'kilo', 305);
    const res = await chat(fake.url, {
      model: 'llama3.2',
      messages: [...history().slice(0, -1), long],
      options: { num_ctx: 210 },
    });
    const limit = contextShiftPromptLimit(210, 5);
    expect(res.body['prompt_eval_count']).toBe(limit);
    const [g] = fake.generations();
    expect(g).toMatchObject({ droppedMessages: 10, droppedTokens: 1 + 9 + 305 + 5 - limit, evalTokens: limit });
    // num_keep 4 + BOS keeps the system header only; its text is cut with the start of the message
    expect(g?.evaluated.startsWith(`${BOS}<|start_header_id|>system<|end_header_id|>\n\n word`)).toBe(true);
    expect(g?.evaluated).not.toContain('terse');
  });

  it('an image costs 768 tokens; a dropped message takes its image with it; kept images are never cut', async () => {
    const { fake } = await start();
    const image = Buffer.from('a small png').toString('base64');
    const messages = [msg('user', 'alpha', 10, [image]), msg('assistant', 'bravo', 46), msg('user', 'charlie', 1305)];
    const res = await chat(fake.url, { model: 'llava:7b', messages, options: { num_ctx: 2048 } });
    expect(res.status).toBe(200);
    expect(res.body['prompt_eval_count']).toBe(1 + 46 + 1305 + 5);
    expect(fake.generations()[0]).toMatchObject({
      images: [image],
      imageBytes: [11],
      promptTokens: 1 + 10 + 768 + 46 + 1305 + 5,
      droppedMessages: 1,
    });

    const last = [msg('user', 'bravo', 1300, [image])]; // the last message is kept, and with an image it is not cut
    const refused = await chat(fake.url, { model: 'llava:7b', messages: last, options: { num_ctx: 2048 } });
    const n = 1 + 1300 + 768 + 5;
    expect(refused).toEqual({ status: 400, body: { error: exceedsContextError(n, 2048) } });
  });

  it('offered tools are rendered into every prompt and count, and so do an assistant’s tool calls', async () => {
    const { fake } = await start();
    const tools = [
      {
        type: 'function',
        function: {
          name: 'read_file',
          description: 'Read a file',
          parameters: { type: 'object', properties: { path: { type: 'string' } } },
        },
      },
    ];
    const calls = [{ function: { name: 'read_file', arguments: { path: 'a.ts' } } }];
    const messages = [
      { role: 'user', content: 'Read a.ts' },
      { role: 'assistant', content: '', tool_calls: calls },
      { role: 'tool', content: 'export const a = 1;' },
    ];
    const res = await chat(fake.url, { model: 'llama3.2', messages, tools });
    const rendered = [
      { role: 'user', content: 'Read a.ts', images: [] },
      { role: 'assistant', content: '', images: [], toolCalls: calls },
      { role: 'tool', content: 'export const a = 1;', images: [] },
    ];
    expect(countTokens(renderTools(tools))).toBeGreaterThan(30);
    expect(res.body['prompt_eval_count']).toBe(
      1 + countTokens(renderTools(tools)) + rendered.reduce((n, m) => n + countTokens(renderMessage(m)), 0) + 5,
    );
    expect(fake.generations()[0]).toMatchObject({ tools: 1, messages: rendered, fits: true });
  });
});
