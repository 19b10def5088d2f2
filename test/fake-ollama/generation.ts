/**
 * /api/generate and /api/chat of the fake Ollama (server/routes.go GenerateHandler, ChatHandler).
 *
 * Replies are streamed one whitespace-separated word per NDJSON chunk (`stream` defaults to
 * true); durations are integer nanoseconds and zero metrics are left out. An empty prompt (or no
 * messages) loads the model; with an explicit keep_alive 0 it unloads it instead, whatever else
 * is sent. A thinking model thinks unless `think:false`. Cloud models are answered without a
 * runner (cloud.ts). The model runs through the scheduler (scheduler.ts); embed.ts has /api/embed.
 * A prompt longer than the context is cut or refused as Ollama does (prompt.ts), and every
 * generation is recorded (generations.ts); prompt_eval_count is the tokens evaluated (tokenize.ts).
 */
import { type FakeModel, isCloudModel } from './models.js';
import { type Exchange, type Failure, HttpError, type Json, failStatus, isRecord, str } from './exchange.js';
import type { Scheduler } from './scheduler.js';
import { type Injected, isOutOfMemory } from './failures.js';
import { cloudGate, isCloudRequest } from './cloud.js';
import { type Completion, stream } from './stream.js';
import type { RunnerOpts } from './load-options.js';
import { type GenerationRecord, planGeneration } from './generations.js';

export interface ReplyContext {
  endpoint: 'generate' | 'chat';
  /** Model name as sent by the client. */
  model: string;
  prompt?: string;
  messages?: unknown[];
  /** The `format` sent ("json" or a JSON Schema): the reply is JSON then (server.ts). */
  format?: 'json' | Record<string, unknown>;
}
export type ReplyFn = (ctx: ReplyContext) => string;

/** What the handlers need from the server. */
export interface GenerationDeps {
  readonly scheduler: Scheduler;
  readonly injected: Injected;
  /** Delay between streamed tokens; also the simulated prompt-eval time. */
  readonly tokenDelayMs: number;
  /** Prompt evaluation per prompt token, when set (else tokenDelayMs for the whole prompt). */
  readonly promptTokenDelayMs?: number | undefined;
  /** Whether cloud models answer (else 401). */
  cloudSignedIn(): boolean;
  /** The installed model named `sent` (404 when there is none; a stand-in for an explicit cloud name). */
  findModel(sent: string): FakeModel;
  /** The text a generate/chat request is answered with. */
  replyFor(ctx: ReplyContext): string;
  /** The context used when a request sends no num_ctx (OLLAMA_CONTEXT_LENGTH or by VRAM). */
  defaultNumCtx(): number;
  /** Keep the record of a generation (FakeOllama.generations()). */
  record(g: GenerationRecord): void;
}

export interface RunnerUse {
  loadNs: number;
  /** The loaded runner's options; undefined for a cloud model. */
  opts: RunnerOpts | undefined;
  /** Wait for one of the runner's OLLAMA_NUM_PARALLEL slots; it is given back with the runner. */
  slot(): Promise<void>;
  /** The prompt read by the slot: the tokens of it the slot already held (prompt-cache.ts); 0 for a cloud model. */
  cached(prompt: string, promptTokens: number): number;
}

function thinkOn(v: unknown): boolean {
  return v === true || v === 'high' || v === 'medium' || v === 'low' || v === 'max';
}

export function requireCaps(model: FakeModel, sent: string, caps: string[], primary: string): void {
  for (const c of caps) {
    if (!model.capabilities.includes(c)) {
      throw new HttpError(400, `${JSON.stringify(sent)} does not support ${c === 'completion' ? primary : c}`);
    }
  }
}

/** Whether the reply thinks: a thinking model unless think:false; 400 when asked of a model that cannot. */
function thinking(model: FakeModel, sent: string, body: Json): boolean {
  if (model.capabilities.includes('thinking')) return body['think'] !== false;
  if (thinkOn(body['think'])) throw new HttpError(400, `${JSON.stringify(sent)} does not support thinking`);
  return false;
}

/**
 * The request's `format`: absent or "" (none), "json", or a JSON Schema object; anything else is
 * refused as Ollama does (api/types.go: format must be "json" or a JSON schema).
 */
function formatOf(body: Json): 'json' | Record<string, unknown> | undefined {
  const f = body['format'];
  if (f === undefined || f === null || f === '') return undefined;
  if (f === 'json' || isRecord(f)) return f;
  throw new HttpError(400, `invalid format: ${JSON.stringify(f)}; expected "json" or a valid JSON Schema`);
}

/**
 * Load (or reuse) the model with the request's keep_alive and load options, run `work`, then release it.
 * Cloud models run without a runner.
 */
export async function withRunner(
  deps: GenerationDeps,
  ex: Exchange,
  body: Json,
  model: FakeModel,
  work: (use: RunnerUse) => Promise<void>,
): Promise<void> {
  if (isCloudModel(model)) return work({ loadNs: 0, opts: undefined, slot: async () => undefined, cached: () => 0 });
  const { scheduler } = deps;
  const req = {
    model,
    opts: scheduler.loadOpts(model, body),
    keepAliveMs: scheduler.keepAliveOf(body),
    signal: ex.signal,
  };
  const { runner, loadNs } = await scheduler.acquire(req);
  let freeSlot: (() => void) | undefined;
  try {
    await work({
      loadNs,
      opts: runner.opts,
      slot: async () => {
        freeSlot = await scheduler.slot(runner, ex.signal);
      },
      cached: (prompt, promptTokens) => runner.prompts.read(prompt, promptTokens),
    });
  } finally {
    freeSlot?.();
    scheduler.release(runner);
  }
}

/** Resolve the model; false when the request was answered already (a cloud model without sign-in). */
function open(deps: GenerationDeps, ex: Exchange, sent: string): FakeModel | undefined {
  const model = deps.findModel(sent);
  if (isCloudRequest(sent, model) && !cloudGate(ex, deps.cloudSignedIn())) return undefined;
  return model;
}

function unloadAnswer(deps: GenerationDeps, model: FakeModel, failure: Failure | undefined): void {
  if (!isCloudModel(model)) deps.scheduler.expire(model);
  if (failure) throw new HttpError(failStatus(failure), failure.error);
}

export async function generate(
  deps: GenerationDeps,
  ex: Exchange,
  body: Json,
  failure: Failure | undefined,
): Promise<void> {
  const sent = str(body['model']);
  if (!sent) throw new HttpError(404, `model '' not found`);
  const model = open(deps, ex, sent);
  if (!model) return;
  const prompt = str(body['prompt']);
  if (prompt === '' && deps.scheduler.keepAliveOf(body) === 0) {
    unloadAnswer(deps, model, failure);
    return ex.json(200, {
      model: sent,
      created_at: new Date().toISOString(),
      response: '',
      done: true,
      done_reason: 'unload',
    });
  }
  if (model.capabilities.includes('image'))
    throw new HttpError(400, 'image generation models are not currently supported');
  const raw = body['raw'] === true;
  if (
    raw &&
    (str(body['template']) || str(body['system']) || (Array.isArray(body['context']) && body['context'].length > 0))
  ) {
    throw new HttpError(400, 'raw mode does not support template, system, or context');
  }
  const think = thinking(model, sent, body);
  const format = formatOf(body);
  const caps = ['completion'];
  if (str(body['suffix'])) caps.push('insert');
  if (Array.isArray(body['images']) && body['images'].length > 0) caps.push('vision');
  requireCaps(model, sent, caps, 'generate');
  await complete(deps, ex, body, model, sent, failure, {
    endpoint: 'generate',
    loadOnly: prompt === '',
    withContext: !raw,
    think,
    replyCtx: { endpoint: 'generate', model: sent, prompt, ...(format !== undefined && { format }) },
  });
}

export async function chat(
  deps: GenerationDeps,
  ex: Exchange,
  body: Json,
  failure: Failure | undefined,
): Promise<void> {
  const sent = str(body['model']);
  if (!sent) throw new HttpError(400, 'model is required');
  const model = open(deps, ex, sent);
  if (!model) return;
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  if (messages.length === 0 && deps.scheduler.keepAliveOf(body) === 0) {
    unloadAnswer(deps, model, failure);
    return ex.json(200, {
      model: sent,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '' },
      done_reason: 'unload',
      done: true,
    });
  }
  const think = thinking(model, sent, body);
  const format = formatOf(body);
  const caps = ['completion'];
  if (Array.isArray(body['tools']) && body['tools'].length > 0) caps.push('tools');
  if (messages.some((m) => isRecord(m) && Array.isArray(m['images']) && m['images'].length > 0)) caps.push('vision');
  requireCaps(model, sent, caps, 'chat');
  await complete(deps, ex, body, model, sent, failure, {
    endpoint: 'chat',
    loadOnly: messages.length === 0,
    withContext: false,
    think,
    replyCtx: { endpoint: 'chat', model: sent, messages, ...(format !== undefined && { format }) },
  });
}

async function complete(
  deps: GenerationDeps,
  ex: Exchange,
  body: Json,
  model: FakeModel,
  sent: string,
  failure: Failure | undefined,
  job: Omit<Completion, 'promptTokens'>,
): Promise<void> {
  await withRunner(deps, ex, body, model, async (use) => {
    if (ex.closed) return;
    let promptTokens = 0;
    let evaluated: string | undefined;
    let cachedOf: Pick<GenerationRecord, 'cachedTokens' | 'reported'> | undefined;
    let logged: GenerationRecord | undefined;
    if (!job.loadOnly) {
      const g = planGeneration({
        endpoint: job.endpoint,
        sent,
        model,
        body,
        runner: use.opts,
        defaultNumCtx: deps.defaultNumCtx(),
      });
      deps.record(g);
      logged = g;
      // FakeOllama.generations(): which the client stopped
      ex.signal.addEventListener('abort', () => (g.aborted = true), { once: true });
      if (g.refused) {
        await use.slot(); // the runner refuses it (Completion holds a slot meanwhile)
        throw new HttpError(g.refused.status, g.refused.error);
      }
      promptTokens = g.evalTokens ?? 0;
      evaluated = g.evaluated;
      cachedOf = g;
    }
    const p: Completion = { ...job, promptTokens, ...(evaluated !== undefined && { evaluated }) };
    const injected = p.loadOnly ? undefined : deps.injected.takeGeneration(model.name);
    await stream(ex, body, sent, p, use, {
      tokenDelayMs: model.tokenDelayMs ?? deps.tokenDelayMs,
      promptTokenDelayMs: model.promptTokenDelayMs ?? deps.promptTokenDelayMs,
      reply: () => deps.replyFor(p.replyCtx),
      onCached: (n) => cachedOf && (cachedOf.cachedTokens = n),
      onReported: (reported) => cachedOf && (cachedOf.reported = reported),
      failure: injected ? { status: 500, error: injected.error, afterChunks: injected.afterChunks } : failure,
      onFail: (error) => {
        if (injected && isOutOfMemory(error) && !isCloudModel(model)) deps.scheduler.expireAllAfterOom(model);
      },
    });
    if (logged) logged.endedAt = Date.now();
  });
}
