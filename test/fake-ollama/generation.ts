/**
 * /api/generate, /api/chat, /api/embed and /api/embeddings of the fake Ollama.
 *
 * Replies are streamed one whitespace-separated word per NDJSON chunk (`stream` defaults to
 * true); durations are integer nanoseconds and zero metrics are left out.
 */
import { createHash } from 'node:crypto';
import { type FakeModel, archParams } from './models.js';
import { type Exchange, type Failure, HttpError, type Json, failStatus, isRecord, nowNs, nsSince, sleep, str } from './exchange.js';
import type { Scheduler } from './scheduler.js';

export interface ReplyContext {
  endpoint: 'generate' | 'chat';
  /** Model name as sent by the client. */
  model: string;
  prompt?: string;
  messages?: unknown[];
}
export type ReplyFn = (ctx: ReplyContext) => string;

/** What the handlers need from the server. */
export interface GenerationDeps {
  readonly scheduler: Scheduler;
  /** Delay between streamed tokens; also the simulated prompt-eval time. */
  readonly tokenDelayMs: number;
  /** The installed model named `sent` (404 when there is none). */
  findModel(sent: string): FakeModel;
  /** The text a generate/chat request is answered with. */
  replyFor(ctx: ReplyContext): string;
}

function words(s: unknown): number {
  return typeof s === 'string' ? (s.match(/\S+/g)?.length ?? 0) : 0;
}

function thinkOn(v: unknown): boolean {
  return v === true || v === 'high' || v === 'medium' || v === 'low';
}

/** The model a chat/embed request names: 400 when missing, 404 when not installed. */
function requestedModel(deps: GenerationDeps, body: Json): { sent: string; model: FakeModel } {
  const sent = str(body['model']);
  if (!sent) throw new HttpError(400, 'model is required');
  return { sent, model: deps.findModel(sent) };
}

function requireCaps(model: FakeModel, sent: string, caps: string[], primary: string): void {
  for (const c of caps) {
    if (!model.capabilities.includes(c)) {
      throw new HttpError(400, `${JSON.stringify(sent)} does not support ${c === 'completion' ? primary : c}`);
    }
  }
}

interface RunnerUse {
  loadNs: number;
  /** Wait for one of the runner's OLLAMA_NUM_PARALLEL slots; it is given back with the runner. */
  slot(): Promise<void>;
}

/** Load (or reuse) the model with the request's keep_alive and num_ctx, run `work`, then release it. */
async function withRunner(deps: GenerationDeps, ex: Exchange, body: Json, model: FakeModel, work: (use: RunnerUse) => Promise<void>): Promise<void> {
  const { scheduler } = deps;
  const keepAliveMs = scheduler.resolveKeepAlive(body);
  const { runner, loadNs } = await scheduler.acquire(model, scheduler.resolveNumCtx(model, body), keepAliveMs, ex.signal);
  let freeSlot: (() => void) | undefined;
  try {
    await work({
      loadNs,
      slot: async () => {
        freeSlot = await scheduler.slot(runner, ex.signal);
      },
    });
  } finally {
    freeSlot?.();
    scheduler.release(runner);
  }
}

export async function generate(deps: GenerationDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  const sent = str(body['model']);
  if (!sent) throw new HttpError(404, `model '' not found`);
  const model = deps.findModel(sent);
  const keepAliveMs = deps.scheduler.resolveKeepAlive(body);
  const prompt = str(body['prompt']);
  if (prompt === '' && keepAliveMs === 0) {
    deps.scheduler.unloadNow(model);
    if (failure) throw new HttpError(failStatus(failure), failure.error);
    return ex.json(200, { model: sent, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'unload' });
  }
  const raw = body['raw'] === true;
  if (raw && (str(body['template']) || str(body['system']) || (Array.isArray(body['context']) && body['context'].length > 0))) {
    throw new HttpError(400, 'raw mode does not support template, system, or context');
  }
  const caps = ['completion'];
  if (str(body['suffix'])) caps.push('insert');
  if (Array.isArray(body['images']) && body['images'].length > 0) caps.push('vision');
  if (thinkOn(body['think'])) caps.push('thinking');
  requireCaps(model, sent, caps, 'generate');
  const context = Array.isArray(body['context']) ? body['context'].length : 0;
  const promptTokens = prompt === '' ? 0 : Math.max(1, words(str(body['system'])) + words(prompt) + context + (raw ? 0 : 10));
  await complete(deps, ex, body, model, sent, failure, {
    endpoint: 'generate',
    loadOnly: prompt === '',
    promptTokens,
    withContext: !raw,
    replyCtx: { endpoint: 'generate', model: sent, prompt },
  });
}

export async function chat(deps: GenerationDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  const { sent, model } = requestedModel(deps, body);
  const keepAliveMs = deps.scheduler.resolveKeepAlive(body);
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  if (messages.length === 0 && keepAliveMs === 0) {
    deps.scheduler.unloadNow(model);
    if (failure) throw new HttpError(failStatus(failure), failure.error);
    return ex.json(200, {
      model: sent,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '' },
      done_reason: 'unload',
      done: true,
    });
  }
  const caps = ['completion'];
  if (Array.isArray(body['tools']) && body['tools'].length > 0) caps.push('tools');
  if (messages.some((m) => isRecord(m) && Array.isArray(m['images']) && m['images'].length > 0)) caps.push('vision');
  if (thinkOn(body['think'])) caps.push('thinking');
  requireCaps(model, sent, caps, 'chat');
  let promptTokens = 0;
  for (const m of messages) promptTokens += (isRecord(m) ? words(m['content']) : 0) + 4;
  if (messages.length > 0) promptTokens += 5;
  await complete(deps, ex, body, model, sent, failure, {
    endpoint: 'chat',
    loadOnly: messages.length === 0,
    promptTokens,
    withContext: false,
    replyCtx: { endpoint: 'chat', model: sent, messages },
  });
}

interface Completion {
  endpoint: 'generate' | 'chat';
  loadOnly: boolean;
  promptTokens: number;
  withContext: boolean;
  replyCtx: ReplyContext;
}

async function complete(deps: GenerationDeps, ex: Exchange, body: Json, model: FakeModel, sent: string, failure: Failure | undefined, p: Completion): Promise<void> {
  const chat = p.endpoint === 'chat';
  const stream = body['stream'] !== false;
  await withRunner(deps, ex, body, model, async ({ loadNs, slot }) => {
    if (ex.closed) return;
    const base = (): Json => ({ model: sent, created_at: new Date().toISOString() });
    if (p.loadOnly) {
      if (failure) throw new HttpError(failStatus(failure), failure.error);
      return ex.json(200, chat ? { ...base(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true } : { ...base(), response: '', done: true, done_reason: 'load' });
    }
    await slot();
    // prompt evaluation
    const peStart = nowNs();
    await sleep(deps.tokenDelayMs, ex.signal);
    const promptEvalNs = nsSince(peStart);
    if (ex.closed) return;

    let tokens: string[] = deps.replyFor(p.replyCtx).match(/\S+\s*/g) ?? [];
    let doneReason = 'stop';
    const opts = isRecord(body['options']) ? body['options'] : {};
    const numPredict = opts['num_predict'];
    if (typeof numPredict === 'number' && numPredict >= 0 && tokens.length > numPredict) {
      tokens = tokens.slice(0, Math.floor(numPredict));
      doneReason = 'length';
    }
    const chunk = (t: string): Json => (chat ? { ...base(), message: { role: 'assistant', content: t }, done: false } : { ...base(), response: t, done: false });
    const fail = (): void => {
      if (!failure) return;
      if (stream) {
        ex.line({ error: failure.error });
        ex.end();
      } else ex.error(failStatus(failure), failure.error);
    };

    const evalStart = nowNs();
    let produced = '';
    // A thinking model asked to think streams its reasoning first, in `thinking` (or message.thinking).
    const thinkingWords = thinkOn(body['think']) ? ['Let ', 'me ', 'think. '] : [];
    let thought = '';
    for (const w of thinkingWords) {
      await sleep(deps.tokenDelayMs, ex.signal);
      if (ex.closed) return;
      thought += w;
      if (stream) ex.line(chat ? { ...base(), message: { role: 'assistant', content: '', thinking: w }, done: false } : { ...base(), response: '', thinking: w, done: false });
    }
    for (let k = 0; k < tokens.length; k++) {
      if (failure?.afterChunks === k) return fail();
      await sleep(deps.tokenDelayMs, ex.signal);
      if (ex.closed) return;
      const t = tokens[k] ?? '';
      produced += t;
      if (stream) ex.line(chunk(t));
    }
    if (failure) return fail();
    const evalNs = nsSince(evalStart);

    const metrics: Json = { total_duration: nsSince(ex.start) };
    if (loadNs > 0) metrics['load_duration'] = loadNs;
    if (p.promptTokens > 0) {
      metrics['prompt_eval_count'] = p.promptTokens;
      metrics['prompt_eval_duration'] = promptEvalNs;
    }
    if (tokens.length > 0) {
      metrics['eval_count'] = tokens.length;
      metrics['eval_duration'] = evalNs;
    }
    const content = stream ? '' : produced;
    const thinkingField = !stream && thought ? { thinking: thought } : {};
    const ctxTokens = p.withContext ? { context: fakeContext(p.promptTokens + tokens.length) } : {};
    const final = chat
      ? { ...base(), message: { role: 'assistant', content, ...thinkingField }, done_reason: doneReason, done: true, ...metrics }
      : { ...base(), response: content, ...thinkingField, done: true, done_reason: doneReason, ...ctxTokens, ...metrics };
    if (stream) {
      ex.line(final);
      ex.end();
    } else ex.json(200, final);
  });
}

// ------------------------------------------------------------------ embeddings

export async function embed(deps: GenerationDeps, ex: Exchange, body: Json): Promise<void> {
  const { sent, model } = requestedModel(deps, body);
  const input = body['input'];
  let inputs: string[];
  if (input === undefined || input === null) inputs = [];
  else if (typeof input === 'string') inputs = input === '' ? [] : [input];
  else if (Array.isArray(input) && input.every((x) => typeof x === 'string')) inputs = input as string[];
  else throw new HttpError(400, 'invalid input type');
  await withRunner(deps, ex, body, model, async ({ loadNs, slot }) => {
    if (inputs.length === 0) return ex.json(200, { model: sent, embeddings: [] });
    await slot();
    await sleep(deps.tokenDelayMs, ex.signal);
    if (ex.closed) return;
    const dims = typeof body['dimensions'] === 'number' && body['dimensions'] > 0 ? Math.floor(body['dimensions']) : undefined;
    const embeddings = inputs.map((s) => fakeVector(model, s, dims));
    const res: Json = { model: sent, embeddings, total_duration: nsSince(ex.start) };
    if (loadNs > 0) res['load_duration'] = loadNs;
    res['prompt_eval_count'] = inputs.reduce((n, s) => n + Math.max(1, words(s)), 0);
    ex.json(200, res);
  });
}

/** Legacy /api/embeddings {model, prompt} → {embedding: [...]}. */
export async function embeddings(deps: GenerationDeps, ex: Exchange, body: Json): Promise<void> {
  const { model } = requestedModel(deps, body);
  await withRunner(deps, ex, body, model, async () => {
    const prompt = str(body['prompt']);
    ex.json(200, { embedding: prompt === '' ? [] : fakeVector(model, prompt) });
  });
}

function fakeContext(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(128000 + ((i * 7919) % 4096));
  return out;
}

/** Deterministic unit-length vector from model + text. */
function fakeVector(model: FakeModel, text: string, dims?: number): number[] {
  const n = dims ?? archParams(model).embeddingLength;
  const out: number[] = [];
  let block = Buffer.alloc(0);
  let counter = 0;
  for (let i = 0; i < n; i++) {
    const off = (i * 2) % 32;
    if (off === 0) block = createHash('sha256').update(`${model.name}\0${text}\0${counter++}`).digest();
    out.push((block.readUInt16BE(off) / 65535) * 2 - 1);
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}
