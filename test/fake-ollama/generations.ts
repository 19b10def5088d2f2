/**
 * What the fake records of each /api/generate and /api/chat request that asks for a generation
 * (load-only and unload requests are not generations), and how it works out what the model saw
 * (prompt.ts has Ollama's rules, tokenize.ts the token counts). FakeOllama.generations() lists
 * them, so a test can check that every request fit its context and that every part of an input
 * reached the model.
 */
import type { FakeModel } from './models.js';
import { type Json, isRecord, str } from './exchange.js';
import type { RunnerOpts } from './load-options.js';
import { addsBos, countTokens } from './tokenize.js';
import { IMAGE_TOKENS, type PromptMessage, chatPrompt, render, runnerPrompt } from './prompt.js';

export interface GenerationRecord {
  endpoint: 'generate' | 'chat';
  /** The model name as sent. */
  model: string;
  /** The installed model it named, e.g. 'llama3.2:latest'. */
  resolved: string;
  /** options.num_ctx as sent (undefined when not sent, or not a positive number: the default context). */
  requestedNumCtx: number | undefined;
  /**
   * The context the prompt had to fit: the loaded runner's num_ctx per slot (the request's or the
   * default, at least 4, at least 2048 for vision models, capped at the trained window). A cloud
   * model's trained window.
   */
  numCtx: number;
  /**
   * The request's `truncate` (default true), `shift` in effect (default true but deepseek2) and
   * options.num_keep (default 4).
   */
  truncate: boolean;
  shift: boolean;
  numKeep: number;
  /** generate: the prompt, system, suffix and raw flag as received. */
  prompt?: string;
  system?: string;
  /** generate: the system prompt the model got — the request's, else its own (Modelfile SYSTEM). */
  systemUsed?: string;
  /** The options the model ran with: its own (Modelfile PARAMETER) overridden by the request's. */
  options: Record<string, unknown>;
  suffix?: string;
  raw?: boolean;
  /** chat: the messages as received (images as base64), and how many tools were offered (rendered into the prompt). */
  messages?: PromptMessage[];
  tools?: number;
  /** The `format` as received (undefined when none was sent). */
  format?: unknown;
  /** Every image received, base64 as sent, and its decoded size in bytes. */
  images: string[];
  imageBytes: number[];
  /** Tokens of the whole input before anything was dropped: template, BOS, generate's `context`, 768 per image. */
  promptTokens: number;
  /** chat: how many of the oldest messages chatPrompt left out (system ones are still rendered). */
  droppedMessages: number;
  /** Tokens the runner cut from the prompt, after the first num_keep ones. */
  droppedTokens: number;
  /** Whether anything of the input was left out (messages or tokens). */
  truncated: boolean;
  /** Set when Ollama answered an error instead of generating (the prompt does not fit and may not be truncated). */
  refused: { status: number; error: string } | undefined;
  /** prompt_eval_count: the tokens the model evaluated; undefined when refused. */
  evalTokens: number | undefined;
  /** The prompt the model evaluated (template markers included; the middle cut out when truncated); '' when refused. */
  evaluated: string;
  /** Of its prompt tokens, those its runner's slot held already (prompt-cache.ts): read again, they took no time. */
  cachedTokens?: number;
  /** What it reported as prompt_eval_duration and eval_duration, in ns (unset until its answer was whole). */
  reported?: { promptEvalNs?: number; evalNs?: number };
  /** The whole input reached the model: nothing left out, nothing refused. */
  fits: boolean;
  /** Date.now() when the prompt was evaluated. */
  at: number;
  /** Date.now() when its answer was whole and sent (unset while it runs, or when it failed or was refused). */
  endedAt?: number;
  /** Set when the client closed the request before its answer was whole (Ollama stops the generation). */
  aborted?: true;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

function images(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function messagesOf(body: Json): PromptMessage[] {
  const raw = Array.isArray(body['messages']) ? body['messages'] : [];
  return raw.filter(isRecord).map((m) => {
    const calls = m['tool_calls'];
    return {
      role: str(m['role']),
      content: str(m['content']),
      images: images(m['images']),
      ...(Array.isArray(calls) ? { toolCalls: calls } : {}),
    };
  });
}

export interface PlanInput {
  endpoint: 'generate' | 'chat';
  sent: string;
  model: FakeModel;
  body: Json;
  /** The loaded runner's options; undefined for a cloud model. */
  runner: RunnerOpts | undefined;
  /** The context used when no num_ctx is sent (OLLAMA_CONTEXT_LENGTH or the VRAM default). */
  defaultNumCtx: number;
}

/** Work out, as Ollama would, what of the request reaches the model. */
export function planGeneration(p: PlanInput): GenerationRecord {
  const { body, model } = p;
  const opts = isRecord(body['options']) ? body['options'] : {};
  const sentCtx = int(opts['num_ctx']);
  const requestedNumCtx = sentCtx !== undefined && sentCtx > 0 ? sentCtx : undefined;
  const truncate = body['truncate'] !== false;
  const numKeep = int(opts['num_keep']) ?? 4;
  const bos = addsBos(model.family);
  const vision = model.capabilities.includes('vision');
  const chat = p.endpoint === 'chat';
  const prompt = str(body['prompt']);
  const system = str(body['system']);
  const suffix = str(body['suffix']);
  const raw = body['raw'] === true;
  // a request without a system prompt gets the model's own (its Modelfile's SYSTEM); one with a system prompt
  // replaces it
  const systemUsed = system || (raw ? '' : (model.made?.system ?? ''));
  const msgs = chat
    ? messagesOf(body)
    : [
        ...(systemUsed ? [{ role: 'system', content: systemUsed, images: [] }] : []),
        { role: 'user', content: prompt, images: images(body['images']) },
      ];
  const tools: unknown[] = chat && Array.isArray(body['tools']) ? body['tools'] : [];
  const allImages = msgs.flatMap((m) => m.images);
  const contextTokens = !chat && !raw && Array.isArray(body['context']) ? body['context'].length : 0;
  const numCtx = p.runner?.numCtx ?? model.contextLength;
  const shift = p.runner?.contextShift ?? true;

  // the prompt text Ollama sends to the runner
  let text: string;
  let media = allImages.length;
  let droppedMessages = 0;
  if (raw) text = prompt;
  else if (!chat && suffix) text = `<|fim_prefix|>${prompt}<|fim_suffix|>${suffix}<|fim_middle|>`;
  else if (!chat && str(body['template'])) text = render(msgs);
  else {
    const promptNumCtx = Math.min(requestedNumCtx ?? p.defaultNumCtx, numCtx);
    const r = chatPrompt(msgs, tools, promptNumCtx, truncate && p.runner !== undefined, vision);
    text = render(r.rendered, tools);
    media = r.images;
    droppedMessages = r.dropped;
  }
  const whole =
    (bos ? 1 : 0) + contextTokens + countTokens(chat ? render(msgs, tools) : text) + IMAGE_TOKENS * allImages.length;
  const run = p.runner
    ? runnerPrompt({ text, contextTokens, images: media, bos, truncate, shift, numKeep, numCtx })
    : { promptTokens: whole, evalTokens: whole, droppedTokens: 0, evaluated: text, refused: undefined };
  const truncated = droppedMessages > 0 || run.droppedTokens > 0;
  return {
    endpoint: p.endpoint,
    model: p.sent,
    resolved: model.name,
    requestedNumCtx,
    numCtx,
    truncate,
    shift,
    numKeep,
    ...(chat ? { messages: msgs, tools: tools.length } : { prompt, system, systemUsed, suffix, raw }),
    options: { ...(model.made?.parameters ?? {}), ...opts },
    ...(body['format'] !== undefined && { format: body['format'] }),
    images: allImages,
    imageBytes: allImages.map((b) => Buffer.from(b, 'base64').length),
    promptTokens: whole,
    droppedMessages,
    droppedTokens: run.droppedTokens,
    truncated,
    refused: run.refused,
    evalTokens: run.refused ? undefined : run.evalTokens,
    evaluated: run.evaluated,
    fits: !truncated && !run.refused,
    at: Date.now(),
  };
}
