/**
 * What the hostile host sends, as lazy producers: each call of a producer gives the next piece of
 * the body, or null when it ends. Nothing is made ahead of what the client reads (server.ts writes
 * a piece only when the socket drains), so a 100 MB line or an endless stream costs the fake next
 * to nothing once the client stops reading.
 */
export type Producer = () => string | null;

export const MODEL = 'hostile:latest';
const SIZE = 1_000_000_000;
const details = {
  parent_model: '',
  format: 'gguf',
  family: 'llama',
  families: ['llama'],
  parameter_size: '1B',
  quantization_level: 'Q4_K_M',
};
export const goodTag = {
  name: MODEL,
  model: MODEL,
  modified_at: '2026-01-01T00:00:00Z',
  size: SIZE,
  digest: 'd1',
  details,
};
export const goodShow = {
  license: 'MIT',
  details,
  capabilities: ['completion'],
  model_info: {
    'general.architecture': 'llama',
    'llama.context_length': 8192,
    'llama.block_count': 16,
    'llama.attention.head_count': 32,
    'llama.attention.head_count_kv': 8,
    'llama.embedding_length': 2048,
  },
};

/** The whole of `text`, once. */
export function once(text: string): Producer {
  let sent = false;
  return () => (sent ? null : ((sent = true), text));
}

/** `piece()` again and again, for ever (or `times` times), in batches of about 64 KiB. */
export function repeat(piece: (i: number) => string, times = Infinity): Producer {
  let i = 0;
  return () => {
    if (i >= times) return null;
    let out = '';
    while (out.length < 65_536 && i < times) out += piece(i++);
    return out;
  };
}

/** Pieces from each producer in turn. */
export function chain(...parts: Producer[]): Producer {
  let k = 0;
  return () => {
    while (k < parts.length) {
      const piece = parts[k]!();
      if (piece !== null) return piece;
      k++;
    }
    return null;
  };
}

/** One line of `bytes` bytes of "x" (then a newline), made 64 KiB at a time. */
export function hugeLine(bytes: number, prefix = ''): Producer {
  let left = bytes;
  let first = true;
  return () => {
    if (left < 0) return null;
    if (left === 0) return ((left = -1), '\n');
    const n = Math.min(left, 65_536);
    left -= n;
    const head = first ? prefix : '';
    first = false;
    return head + 'x'.repeat(n);
  };
}

const now = () => new Date().toISOString();
export const ollamaToken = (text = 'x ') =>
  `${JSON.stringify({ model: MODEL, created_at: now(), response: text, done: false })}\n`;
export const ollamaDone = (extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ model: MODEL, created_at: now(), response: '', done: true, done_reason: 'stop', eval_count: 3, eval_duration: 3e7, ...extra })}\n`;
export const chatToken = (text = 'x ') =>
  `${JSON.stringify({ model: MODEL, created_at: now(), message: { role: 'assistant', content: text }, done: false })}\n`;
export const chatDone = () =>
  `${JSON.stringify({ model: MODEL, created_at: now(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' })}\n`;
export const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
export const oaToken = (text = 'x ') =>
  sse({
    id: 'c',
    object: 'chat.completion.chunk',
    model: MODEL,
    choices: [{ index: 0, delta: { content: text }, finish_reason: null }],
  });
export const oaDone = (usage: Record<string, unknown> = { prompt_tokens: 5, completion_tokens: 3 }) =>
  sse({
    id: 'c',
    object: 'chat.completion.chunk',
    model: MODEL,
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    usage,
  }) + sse('[DONE]');
