/**
 * One generation on one model of any engine (Engine.generate), always streamed (a non-streamed
 * request can outlive any sane time limit and shows no sign of life). The caller's signal stops it
 * at once — the request is closed, so the engine stops generating. Its phases are watched
 * (stream-watch.ts): the engine reading the prompt, or the request queued behind others on the model, then generating; a first
 * token that never comes, or a stall once tokens flow, stops it with an error naming the phase,
 * the time and the setting, so the next model can be tried.
 */
import type { Settings } from '../config/index.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { Engine, GenerateRequest } from '../engines/engine.js';
import { HostError } from '../engines/host-error.js';
import { cancelledText } from '../util/stopping.js';
import type { PhaseReporter } from '../progress/progress.js';
import { StreamWatch } from './stream-watch.js';
import type { ModelSettings } from '../models/model-settings.js';
import { answerLimit, limitOn, type SettledLimit } from './answer-limit.js';

export { answerLimit } from './answer-limit.js';

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

export interface StreamResult {
  text: string;
  thinking?: string;
  doneReason: string;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second while generating, from Ollama's own timing. */
  tokensPerSecond: number;
  loadMs: number;
  totalMs: number;
  /** Time queued behind this server's other requests on the model. */
  queueMs: number;
  /** From the request leaving the queue to its first token: Ollama reading the prompt. */
  timeToFirstTokenMs: number;
  /** The engine's own timings, engine-neutral (engine.ts GenerateDone): reading the prompt (what its cache did not hold), the prompt tokens its cache held, generating. */
  promptMs?: number;
  cachedPromptTokens?: number;
  generatingMs?: number;
  /**
   * Where the engine says nothing of its cache (Ollama, whose prompt time counts only what it read
   * again): the prompt tokens this server believes its slot held (fleet/prefix-memory.ts) — for the
   * speed learned, never shown as the engine's figure.
   */
  believedCachedTokens?: number;
  /**
   * The engine's own figure of its cache, whoever's prompts it held, for the speed learned only;
   * `cachedPromptTokens` is then what the request's owner may be told (jobs/route-affinity.ts shownCached).
   */
  engineCachedTokens?: number;
}

/**
 * maxTokens holds whatever the host does. A piece of the answer is about a token (thinking counts
 * too, allowed as much again), and a token is a few characters: past this many per token on
 * average the answer is cut there too, so a host sending huge "tokens" cannot run it long.
 */
const CHARS_PER_TOKEN = 256;
/** Faster than this is not a measurement but a host's nonsense: reported as 0 (not known). */
const MAX_TOKENS_PER_SECOND = 100_000;
/** Counts past this are a host's nonsense. */
const MAX_COUNT = 100_000_000;
/** Times past a day are a host's nonsense. */
const MAX_MS = 86_400_000;
const count = (n: number | undefined) =>
  n !== undefined && Number.isFinite(n) && n >= 0 && n <= MAX_COUNT ? Math.round(n) : undefined;

export async function streamGenerate(engine: Engine, req: StreamRequest): Promise<StreamResult> {
  const watch = new StreamWatch({
    model: req.model,
    stallMs: req.stallMs,
    firstTokenMs: req.firstTokenMs,
    promptTokens: req.promptTokens ?? 0,
    maxTokens: req.maxTokens,
    numParallel: req.numParallel,
    ...(req.ahead && { ahead: req.ahead }),
    ...(req.progress && { progress: req.progress }),
  });
  const signal = req.signal ? AbortSignal.any([req.signal, watch.signal]) : watch.signal;
  const started = performance.now();
  let text = '';
  let thinking = '';
  let limited = false; // stopped here at the answer's limit: it ran into it, whatever the engine says
  const tokenLimit = req.maxTokens * (req.think ? 2 : 1) + 8;
  const charLimit = tokenLimit * CHARS_PER_TOKEN;
  try {
    watch.start();
    const final = await engine.generate(
      {
        model: req.model,
        prompt: req.prompt,
        keepAlive: req.keepAlive,
        numCtx: req.numCtx,
        maxTokens: req.maxTokens,
        ...(req.temperature !== undefined && { temperature: req.temperature }),
        ...(req.topP !== undefined && { topP: req.topP }),
        ...(req.system && { system: req.system }),
        ...(req.think && { think: true }),
        ...(req.format !== undefined && { format: req.format }),
        ...(req.images?.length && { images: req.images }),
        ...(req.agent !== undefined && { agent: req.agent }),
        ...(req.owner !== undefined && { owner: req.owner }),
        ...(req.relayed && { relayed: true }),
        onDelta: (d) => {
          // cancelled or stopped by the watch: what the engine had already sent is not counted or told
          if (signal.aborted) return 'stop';
          if (d.thinking) thinking += d.thinking;
          if (d.text) text += d.text;
          watch.token();
          req.onToken?.(watch.tokens);
          // a host that ignores the answer's limit is stopped here
          if (watch.tokens >= tokenLimit || text.length + thinking.length >= charLimit) {
            text = text.slice(0, charLimit);
            limited = true;
            return 'stop';
          }
        },
      },
      { timeoutMs: 0, signal, model: req.model },
    );
    // cancelled, or stalled, while the last of it arrived: such a generation never answers
    if (req.signal?.aborted)
      throw new HostError('aborted', cancelledText(`generation on "${req.model}"`, req.signal), engine.host);
    if (watch.fired) throw timedOut(watch.fired, req, watch.tokens, engine.host, engine.who);
    if (text.trim() === '') {
      throw new HostError(
        thinking ? 'server_error' : 'empty_answer',
        `${req.model} returned an empty answer${thinking ? ' (it only produced thinking)' : ''} — trying another model may help, or raise maxTokens.`,
        engine.host,
      );
    }
    // a count past what the request allows is the host's nonsense and is held to the limit
    const evalCount = Math.min(count(final.outputTokens) ?? watch.tokens, tokenLimit);
    const evalSeconds = (count(final.generatingMs) ?? 0) / 1000;
    const perSecond = evalSeconds > 0 ? Math.round((evalCount / evalSeconds) * 10) / 10 : 0;
    const result: StreamResult = {
      text,
      doneReason: limited ? 'length' : final.doneReason,
      promptTokens: Math.min(count(final.promptTokens) ?? 0, req.numCtx),
      outputTokens: evalCount,
      tokensPerSecond: perSecond <= MAX_TOKENS_PER_SECOND ? perSecond : 0,
      loadMs: count(final.loadMs) ?? 0,
      totalMs: Math.round(performance.now() - started),
      queueMs: Math.round(watch.queueMs),
      timeToFirstTokenMs: watch.timeToFirstTokenMs,
    };
    if (thinking) result.thinking = thinking;
    const ms = (v: number | undefined) =>
      v !== undefined && Number.isFinite(v) && v >= 0 && v <= MAX_MS ? Math.round(v) : undefined;
    const promptMs = ms(final.promptMs);
    const generatingMs = ms(final.generatingMs);
    const cached = count(final.cachedPromptTokens);
    if (promptMs !== undefined) result.promptMs = promptMs;
    if (generatingMs !== undefined) result.generatingMs = generatingMs;
    if (cached !== undefined) result.cachedPromptTokens = Math.min(cached, result.promptTokens);
    return result;
  } catch (err) {
    if (watch.fired && !req.signal?.aborted) throw timedOut(watch.fired, req, watch.tokens, engine.host, engine.who);
    // The engine had begun answering: the host is there, the connection broke (the next model is tried on it).
    if (err instanceof HostError && err.kind === 'unreachable' && watch.tokens > 0) {
      throw new HostError(
        'server_error',
        `The connection to ${engine.who} dropped while ${req.model} was answering (after ${watch.tokens} tokens) — the next model is tried.`,
        engine.host,
      );
    }
    throw err;
  } finally {
    watch.stop();
  }
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
      ? `${req.model} sent nothing for ${s(req.stallMs)} while generating (after ${tokens} token${tokens === 1 ? '' : 's'}) and was stopped — ${who} may be overloaded; raise ollama.stallTimeoutMs (${req.stallMs} ms) if the model is just slow.`
      : `${req.model} sent no first token within ${s(req.firstTokenMs)} while ${who} read the prompt${req.promptTokens ? ` (~${req.promptTokens} tokens)` : ''} (time queued behind other requests not counted) and was stopped — a long prompt on a slow machine needs more: raise ollama.firstTokenTimeoutMs (${req.firstTokenMs} ms).`;
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
    /** The call's limit, settled once (jobs/call-plan.ts): read, not worked out again. */
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
  | 'stallMs'
  | 'firstTokenMs'
  | 'numParallel'
  | 'think'
  | 'system'
> {
  const temperature = opts.temperature ?? settings.options.temperature;
  const topP = settings.options.topP;
  const system =
    opts.system && opts.own?.system && !opts.callerSystem ? `${opts.own.system}\n\n${opts.system}` : opts.system;
  return {
    model: loaded.model,
    keepAlive: loaded.keepAlive,
    numCtx: loaded.contextLength,
    ...(temperature !== undefined && { temperature }),
    ...(topP !== undefined && { topP }),
    // the call's limit read (jobs/call-plan.ts) where it was settled, else worked out here (compare)
    maxTokens: opts.settled
      ? limitOn(opts.maxTokens, opts.settled, opts.own)
      : answerLimit(opts.maxTokens, settings, opts.own),
    stallMs: settings.ollama.stallTimeoutMs,
    firstTokenMs: settings.ollama.firstTokenTimeoutMs,
    numParallel: settings.ollama.numParallel,
    think: opts.capabilities.includes('thinking'),
    ...(system && { system }),
  };
}
