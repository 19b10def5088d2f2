/**
 * What Ollama does with a prompt longer than the context (v0.33, the llama-server era), as the
 * fake reproduces it. Read from ollama/ollama at v0.33.0-rc2 and ggml-org/llama.cpp master:
 *
 * server/prompt.go
 * - chatPrompt (~20-92) runs only when `truncate` is on (~35). From the front it drops whole
 *   messages until the rest fits (~37-73), keeping 1) the last message, whatever its size
 *   (~68-71), and 2) every system message, also those of the dropped part (~39-44). The test is
 *   tokens(rendered prompt) <= num_ctx (~63), tokenized WITHOUT the BOS (Tokenize is
 *   add_special=false: llm/llama_server.go ~2529), plus 768 tokens per image of the kept
 *   messages when the model has a vision projector (~30, ~56-61). Images of kept messages are
 *   passed as media (imageTaggedMessages ~94-133).
 * server/routes.go
 * - GenerateHandler (~245): an empty prompt only loads (~478). Otherwise the prompt becomes the
 *   messages [system (req.system or the model's), user{prompt, images}] (~511-531) and goes
 *   through chatPrompt (~556-557, ~599), so the prompt, being the last message, is never dropped.
 *   With `suffix` or `template` the template is executed directly, no chatPrompt (~611-617); `raw`
 *   sends the prompt as is. The runner gets Truncate = `truncate` (default true) and Shift (~659-668).
 * - ChatHandler (~2440): messages = the model's + the request's (~2656), chatPrompt with truncate
 *   = `truncate` (default true, ~2695-2700) and num_ctx capped at the runner's (optionsForPrompt
 *   ~2336-2348), then the runner with the same Truncate (~2780).
 * - An error the runner returns as api.StatusError keeps its status (~736-742); before anything
 *   is streamed it is answered with that status and {"error": text}, also when streaming
 *   (streamResponse ~2097-2127; stream:false ~765-777, writeChatResponse ~2387).
 * llm/llama_server.go
 * - completionPromptForRequest (~279-319): no truncation when Truncate is off, when there are
 *   media, when num_ctx <= 1, or when the prompt is shorter in BYTES than num_ctx (~281). Else it
 *   tokenizes WITH the BOS (~285); fits when tokens <= num_ctx-1 (~290-293). Context shift off →
 *   400 PROMPT_TOO_LONG (~295-300). Else n_keep = num_keep (default 4, api/types.go ~1102; < 0 =
 *   the whole prompt), +1 when the tokenizer adds a BOS, at most num_ctx-1 (~302-309); it keeps
 *   tokens[:n_keep] + the last (limit - n_keep) tokens, limit = num_ctx - max((num_ctx-n_keep)/2, 1)
 *   (contextShiftPromptLimit ~321-331): about half the context is left for the reply.
 * - Completion (~1528): a llama-server status >= 400 becomes api.StatusError{status, body text as
 *   is} (~1648-1655, statusErrorMessage ~1782). prompt_eval_count = cache_n + prompt_n: every
 *   prompt token evaluated, BOS and images included (~1511-1513).
 * server/sched.go: context shift = `shift`, default on except deepseek2 (~129-147); a change of
 *   it reloads (~1415); the runner's num_ctx is at least 4, 2048 for vision models (~172-178).
 * llama.cpp tools/server/server-context.cpp (update_slots, SLOT_STATE_STARTED): no prompt
 *   truncation; a prompt of n_tokens >= the slot's n_ctx fails with ERROR_TYPE_EXCEED_CONTEXT_SIZE
 *   "request (N tokens) exceeds the available context size (M tokens), try increasing it";
 *   format_error_response (server-common.cpp) gives code 400, type exceed_context_size_error, and the
 *   error carries n_prompt_tokens and n_ctx (server-task.cpp); the body is {"error":{...}}.
 *   So with truncate:false, or with images, the Ollama error text is that whole JSON body.
 *
 * Not modelled: the native chat mode (a model with a GGUF chat template and no Modelfile
 * TEMPLATE: llama-server renders messages itself); the fake's models all have a TEMPLATE.
 * The fake's template is Llama 3's; an image costs 768 tokens at the runner too (the real
 * count depends on the projector).
 */
import { tokenize, countTokens } from './tokenize.js';

export const IMAGE_TOKENS = 768;
export const BOS = '<|begin_of_text|>';
export const PROMPT_TOO_LONG =
  'the prompt is longer than the context length currently available to the model; shorten the ' +
  'prompt, adjust the context length in settings, or use a model with a longer context length';

/** llama-server's answer to a prompt of `nPrompt` >= `nCtx` tokens: the error text Ollama passes on. */
export function exceedsContextError(nPrompt: number, nCtx: number): string {
  const message = `request (${nPrompt} tokens) exceeds the available context size (${nCtx} tokens), try increasing it`;
  return JSON.stringify({
    error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: nPrompt, n_ctx: nCtx },
  });
}

export interface PromptMessage {
  role: string;
  content: string;
  /** Base64, as received. */
  images: string[];
  /** An assistant message's tool_calls, as received (rendered as JSON after the content). */
  toolCalls?: unknown[];
}

/** One message in the fake's (Llama 3) template. */
export function renderMessage(m: PromptMessage): string {
  const calls = m.toolCalls && m.toolCalls.length > 0 ? JSON.stringify(m.toolCalls) : '';
  return `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}${calls}<|eot_id|>`;
}
const ASSISTANT_HEADER = '<|start_header_id|>assistant<|end_header_id|>\n\n';

/** The chat request's tools, one JSON line each, in a block before the messages ('' without tools). */
export function renderTools(tools: unknown[]): string {
  if (tools.length === 0) return '';
  return (
    `<|start_header_id|>system<|end_header_id|>\n\nYou can call these ` +
    `functions:\n${tools.map((t) => JSON.stringify(t)).join('\n')}<|eot_id|>`
  );
}

export function render(msgs: PromptMessage[], tools: unknown[] = []): string {
  return renderTools(tools) + msgs.map(renderMessage).join('') + ASSISTANT_HEADER;
}

export interface ChatPromptResult {
  /** Messages rendered: system messages of the dropped part, then the kept ones. */
  rendered: PromptMessage[];
  /** How many messages were left out (the oldest non-system ones). */
  dropped: number;
  /** Images passed to the runner (those of the kept messages). */
  images: number;
}

/**
 * server/prompt.go chatPrompt (tools are rendered each time). `numCtx` is optionsForPrompt's: the request's,
 * capped at the runner's.
 */
export function chatPrompt(
  msgs: PromptMessage[],
  tools: unknown[],
  numCtx: number,
  truncate: boolean,
  vision: boolean,
): ChatPromptResult {
  const last = msgs.length - 1;
  let curr = 0;
  let system: PromptMessage[] = [];
  if (truncate) {
    // each message renders on its own between special tokens, so its tokens simply add up
    const cost = msgs.map((m) => countTokens(renderMessage(m)) + (vision ? IMAGE_TOKENS * m.images.length : 0));
    const header = countTokens(ASSISTANT_HEADER) + countTokens(renderTools(tools));
    let tail = header + cost.reduce((a, b) => a + b, 0);
    let systemCost = 0;
    for (let i = 0; i <= last; i++) {
      if (i > 0) {
        const gone = msgs[i - 1];
        tail -= cost[i - 1] ?? 0;
        if (gone?.role === 'system') {
          system = [...system, gone];
          systemCost += countTokens(renderMessage(gone)); // rendered again, its images not counted
        }
      }
      curr = i;
      if (systemCost + tail <= numCtx) break;
    }
  }
  const kept = msgs.slice(curr);
  return {
    rendered: [...system, ...kept],
    dropped: curr - system.length,
    images: kept.reduce((n, m) => n + m.images.length, 0),
  };
}

export interface RunnerInput {
  /** The prompt text as Ollama sends it to the runner (template applied). */
  text: string;
  /** Tokens before the text (the deprecated generate `context`, detokenized and prepended). */
  contextTokens: number;
  images: number;
  bos: boolean;
  truncate: boolean;
  shift: boolean;
  numKeep: number;
  /** The runner's num_ctx (per slot). */
  numCtx: number;
}

export interface RunnerResult {
  /** Tokens the runner would see untouched: BOS + context + text + images. */
  promptTokens: number;
  /** prompt_eval_count: tokens evaluated (after truncation). */
  evalTokens: number;
  droppedTokens: number;
  /** The text evaluated, BOS marker included; the middle cut out when truncated. */
  evaluated: string;
  refused?: { status: number; error: string };
}

/** llm/llama_server.go completionPromptForRequest, then llama-server's own length check. */
export function runnerPrompt(r: RunnerInput): RunnerResult {
  const pieces = [...(r.bos ? [BOS] : []), ...Array.from({ length: r.contextTokens }, () => ''), ...tokenize(r.text)];
  const promptTokens = pieces.length + IMAGE_TOKENS * r.images;
  const whole = { promptTokens, evalTokens: promptTokens, droppedTokens: 0, evaluated: pieces.join('') };
  const skip = !r.truncate || r.images > 0 || r.numCtx <= 1 || Buffer.byteLength(r.text) + r.contextTokens < r.numCtx;
  if (skip || pieces.length <= r.numCtx - 1) {
    if (promptTokens < r.numCtx) return whole;
    return {
      ...whole,
      evalTokens: 0,
      evaluated: '',
      refused: { status: 400, error: exceedsContextError(promptTokens, r.numCtx) },
    };
  }
  if (!r.shift) return { ...whole, evalTokens: 0, evaluated: '', refused: { status: 400, error: PROMPT_TOO_LONG } };
  let nKeep = r.numKeep < 0 ? pieces.length : r.numKeep;
  if (r.bos) nKeep++;
  nKeep = Math.min(nKeep, r.numCtx - 1);
  const limit = contextShiftPromptLimit(r.numCtx, nKeep);
  const discard = pieces.length - limit;
  const kept = [...pieces.slice(0, nKeep), ...pieces.slice(nKeep + discard)];
  return { promptTokens, evalTokens: kept.length, droppedTokens: discard, evaluated: kept.join('') };
}

/** llm/llama_server.go contextShiftPromptLimit: keep num_keep, free about half the rest. */
export function contextShiftPromptLimit(numCtx: number, numKeep: number): number {
  if (numCtx <= 1) return 0;
  const keep = Math.max(0, Math.min(numKeep, numCtx - 1));
  return numCtx - Math.max(Math.floor((numCtx - keep) / 2), 1);
}
