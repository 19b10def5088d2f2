/**
 * One generation on one model of any engine (Engine.generate), always streamed (a non-streamed
 * request can outlive any sane time limit and shows no sign of life). The caller's signal stops it
 * at once — the request is closed, so the engine stops generating. Its phases are watched
 * (stream-watch.ts): the engine reading the prompt, or the request queued behind others on the model, then
 * generating; a first
 * token that never comes, or a stall once tokens flow, stops it with an error naming the phase,
 * the time and the setting, so the next model can be tried.
 */
import type { Settings } from '../config/index.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { Engine } from '../engines/engine.js';
import type { GenerateRequest } from '../engines/engine-requests.js';
import { HostError } from '../engines/host-error.js';
import { cancelledText } from '../util/stopping.js';
import type { PhaseReporter } from '../progress/progress.js';
import { StreamWatch } from './stream-watch.js';
import type { ModelSettings } from '../models/model-settings.js';
import { answerLimit, askedLimit, limitOn, settledLimit, type SettledLimit } from './answer-limit.js';
import { collecting, emptyAnswer, resultOf, type GatheredAnswer, type StreamResult } from './stream-answer.js';

export { answerLimit } from './answer-limit.js';
export type { StreamResult } from './stream-answer.js';

/** A generation's request as any engine takes it (engine.ts), with the watch's limits and the caller's hooks. */
export interface StreamRequest extends Omit<GenerateRequest, 'onDelta'> {
  /** Longest gap between tokens once generating (ollama.stallTimeoutMs). */
  stallMs: number;
  /** Longest wait for the first token, time queued behind other requests excluded (ollama.firstTokenTimeoutMs). */
  firstTokenMs: number;
  /** Ollama's parallel slots per model (ollama.numParallel). */
  numParallel: number;
  /** The prompt's size in tokens, estimated, for the progress message. */
  promptTokens?: number;
  /** This server's requests on the model that began before this one and still run (Loader.begin). */
  ahead?: () => number;
  /** Told when the request waits in a queue, Ollama reads the prompt, and as tokens come. */
  progress?: PhaseReporter;
  signal?: AbortSignal;
  /** Called with the running token count after each chunk. */
  onToken?: (tokens: number) => void;
}

export async function streamGenerate(engine: Engine, req: StreamRequest): Promise<StreamResult> {
  const watch = watchOf(req);
  const signal = watch.signal; // the caller's, and the watch's limits
  const started = performance.now();
  const answer = emptyAnswer(req.maxTokens, req.think);
  try {
    watch.start();
    const final = await engine.generate(
      { ...engineRequest(req), onDelta: collecting(answer, signal, watch, req.onToken) },
      { timeoutMs: 0, signal, model: req.model },
    );
    checkAnswered(engine, req, watch, answer);
    return resultOf(final, answer, watch, req.numCtx, started);
  } catch (err) {
    throw failureOf(err, engine, req, watch);
  } finally {
    watch.stop();
  }
}

/** The watch over the request's phases: its limits, and what it tells of the wait and the prompt. */
function watchOf(req: StreamRequest): StreamWatch {
  return new StreamWatch({
    model: req.model,
    stallMs: req.stallMs,
    firstTokenMs: req.firstTokenMs,
    promptTokens: req.promptTokens ?? 0,
    maxTokens: req.maxTokens,
    numParallel: req.numParallel,
    ...(req.ahead && { ahead: req.ahead }),
    ...(req.progress && { progress: req.progress }),
    ...(req.signal && { signal: req.signal }),
  });
}

/** The request as the engine takes it: only the options set. */
function engineRequest(req: StreamRequest): Omit<GenerateRequest, 'onDelta'> {
  return {
    model: req.model,
    prompt: req.prompt,
    keepAlive: req.keepAlive,
    numCtx: req.numCtx,
    maxTokens: req.maxTokens,
    ...(req.askedMaxTokens !== undefined && { askedMaxTokens: req.askedMaxTokens }),
    ...(req.temperature !== undefined && { temperature: req.temperature }),
    ...(req.topP !== undefined && { topP: req.topP }),
    ...(req.system && { system: req.system }),
    ...(req.think && { think: true }),
    ...(req.format !== undefined && { format: req.format }),
    ...(req.images?.length && { images: req.images }),
    ...(req.agent !== undefined && { agent: req.agent }),
    ...(req.owner !== undefined && { owner: req.owner }),
    ...(req.relayed && { relayed: true }),
  };
}

/** Throws when the finished generation is no answer: cancelled or stalled meanwhile, or empty. */
function checkAnswered(engine: Engine, req: StreamRequest, watch: StreamWatch, answer: GatheredAnswer): void {
  // cancelled, or stalled, while the last of it arrived: such a generation never answers
  if (req.signal?.aborted)
    throw new HostError('aborted', cancelledText(`generation on "${req.model}"`, req.signal), engine.host);
  if (watch.fired) throw timedOut(watch.fired, req, watch.tokens, engine.host, engine.who);
  if (answer.text.trim() === '') {
    throw new HostError(
      answer.thinking ? 'server_error' : 'empty_answer',
      `${req.model} returned an empty ` +
        `answer${answer.thinking ? ' (it only produced thinking)' : ''} — trying another model may ` +
        `help, or raise maxTokens.`,
      engine.host,
    );
  }
}

/** The error a failed generation ends with: the watch's limit, a dropped connection, or the engine's own. */
function failureOf(err: unknown, engine: Engine, req: StreamRequest, watch: StreamWatch): unknown {
  if (watch.fired && !req.signal?.aborted) return timedOut(watch.fired, req, watch.tokens, engine.host, engine.who);
  // The engine had begun answering: the host is there, the connection broke (the next model is tried on it).
  if (err instanceof HostError && err.kind === 'unreachable' && watch.tokens > 0) {
    return new HostError(
      'server_error',
      `The connection to ${engine.who} dropped while ${req.model} was answering (after ` +
        `${watch.tokens} tokens) — the next model is tried.`,
      engine.host,
    );
  }
  return err;
}

/** Which limit stopped a generation, after how long, and the setting that sets it. */
function timedOut(
  which: 'first_token' | 'stall',
  req: StreamRequest,
  tokens: number,
  host: string,
  who: string,
): HostError {
  const s = (ms: number) => `${Math.round(ms / 1000)} s`;
  const message =
    which === 'stall'
      ? `${req.model} sent nothing for ${s(req.stallMs)} while generating (after ${tokens} ` +
        `token${tokens === 1 ? '' : 's'}) and was stopped — ${who} may be overloaded; raise ` +
        `ollama.stallTimeoutMs (${req.stallMs} ms) if the model is just slow.`
      : `${req.model} sent no first token within ${s(req.firstTokenMs)} while ${who} read the ` +
        `prompt${req.promptTokens ? ` (~${req.promptTokens} tokens)` : ''} (time queued behind ` +
        `other requests not counted) and was stopped — a long prompt on a slow machine needs more: ` +
        `raise ollama.firstTokenTimeoutMs (${req.firstTokenMs} ms).`;
  return new HostError('timeout', message, host);
}

/**
 * The parts of a stream request that come from settings, the load and the model: one place for
 * every caller. A sampling option goes only when the caller (`temperature`) or the user's settings
 * set it — else the model's own applies (its Modelfile, a preset), then the engine's. The system
 * prompt: the caller's replaces the model's own; ollm-mcp's additions (project, agent, guidance,
 * remembered facts) follow the model's own, which the engine would drop for them.
 */
export function streamOptions(
  settings: Settings,
  loaded: Pick<LoadOutcome, 'model' | 'keepAlive' | 'contextLength'>,
  opts: {
    capabilities: readonly string[];
    maxTokens: number | undefined;
    /** The call's limit, settled once (route/call-plan.ts): read, not worked out again. */
    settled?: SettledLimit | undefined;
    temperature?: number | undefined;
    own?: ModelSettings | undefined;
    system?: string | undefined;
    callerSystem?: boolean;
  },
): Pick<
  StreamRequest,
  | 'model'
  | 'keepAlive'
  | 'numCtx'
  | 'temperature'
  | 'topP'
  | 'maxTokens'
  | 'askedMaxTokens'
  | 'stallMs'
  | 'firstTokenMs'
  | 'numParallel'
  | 'think'
  | 'system'
> {
  const temperature = opts.temperature ?? settings.options.temperature;
  const topP = settings.options.topP;
  // the limit as someone set it, apart from a default: another ollm-mcp is sent only that (engines/ollm)
  const asked = askedLimit(opts.maxTokens, opts.settled ?? settledLimit(settings));
  const system =
    opts.system && opts.own?.system && !opts.callerSystem ? `${opts.own.system}\n\n${opts.system}` : opts.system;
  return {
    model: loaded.model,
    keepAlive: loaded.keepAlive,
    numCtx: loaded.contextLength,
    ...(temperature !== undefined && { temperature }),
    ...(topP !== undefined && { topP }),
    // the call's limit read (route/call-plan.ts) where it was settled, else worked out here (compare)
    maxTokens: opts.settled
      ? limitOn(opts.maxTokens, opts.settled, opts.own)
      : answerLimit(opts.maxTokens, settings, opts.own),
    ...(asked !== undefined && { askedMaxTokens: asked }),
    stallMs: settings.ollama.stallTimeoutMs,
    firstTokenMs: settings.ollama.firstTokenTimeoutMs,
    numParallel: settings.ollama.numParallel,
    think: opts.capabilities.includes('thinking'),
    ...(system && { system }),
  };
}
