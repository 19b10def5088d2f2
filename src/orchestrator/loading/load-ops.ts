/**
 * The Ollama calls that load, and the read that confirms one (unloads: unload-ops.ts): a load
 * within the limit for its size, the wait until /api/ps lists it with its context, and the outcomes
 * that need no load — a model no memory is planned for, one already loaded as asked — with the
 * loader's "memory check" line.
 */
import { withTag } from '../engines/model-names.js';
import type { CatalogModel } from './model-facts.js';
import type { KeepAlive, LoadOutcome, LoadRequest } from './load-types.js';
import type { Settings } from '../config/index.js';
import { formatBytes as fmt } from '../config/units.js';
import { estimateLoadMs, loadTimeoutMs, type LoadSpeed } from './load-estimate.js';
import { log } from '../util/log.js';
import { sleep } from '../util/sleep.js';
import type { PhaseReporter } from '../progress/progress.js';
import type { HostMemory, LoadPlan } from './planner.js';
import { engineName, type Engine } from '../engines/engine.js';
import { type EngineModel as RunningModel } from '../engines/engine-model.js';
import { HostError } from '../engines/host-error.js';

/**
 * The limit for loads whose size is not at hand (pins loaded again, keep-alive changes): a large model from
 * disk can take minutes.
 */
const LOAD_TIMEOUT_MS = 10 * 60_000;

export type { KeepAlive } from './load-types.js';

export interface LoadCallOptions {
  embedding?: boolean;
  signal?: AbortSignal;
  /** The time limit for this load (default LOAD_TIMEOUT_MS); `why` says in the error how it was set. */
  limit?: { ms: number; why: string };
}

/**
 * A load no memory is planned for — its engine loads models itself, or it runs on ollama.com — said as such;
 * else undefined.
 */
export function notPlanned(backend: Engine, model: CatalogModel, keepAlive: KeepAlive): LoadOutcome | undefined {
  const reason = !backend.can.managesMemory
    ? `${backend.who} loads and unloads its models itself, so ollm-mcp plans none of its memory; ` +
      `${model.name} is loaded there on its first request.`
    : model.cloud
      ? `${model.name} is a cloud model: it runs on ollama.com, so nothing is loaded here.`
      : undefined;
  return reason === undefined
    ? undefined
    : {
        model: model.name,
        action: 'already_loaded',
        unloaded: [],
        requiredBytes: 0,
        availableBytes: 0,
        reason,
        keepAlive,
        pinned: false,
        contextLength: model.contextWindow,
      };
}

/**
 * Load only: an empty generate (an empty embed for embedding models). Returns Ollama's load time
 * in ns when it reports one. Past its limit the load is stopped (Ollama aborts a load whose
 * client goes) with an error naming the phase, the time and the settings that set it.
 * `numCtx` undefined (not known): none is sent and Ollama applies its default context, its best
 * guess for a model loaded without one.
 */
export async function sendLoad(
  backend: Engine,
  name: string,
  keepAlive: KeepAlive,
  numCtx: number | undefined,
  options: LoadCallOptions = {},
): Promise<number | undefined> {
  const limit = options.limit ?? { ms: LOAD_TIMEOUT_MS, why: 'the limit for loads' };
  const timer = AbortSignal.timeout(limit.ms);
  const call = { model: name, timeoutMs: 0, signal: options.signal ? AbortSignal.any([options.signal, timer]) : timer };
  try {
    return await backend.load(
      {
        model: name,
        keepAlive,
        ...(numCtx !== undefined && { numCtx }),
        ...(options.embedding && { embedding: true }),
      },
      call,
    );
  } catch (err) {
    if (!timer.aborted || options.signal?.aborted) throw err;
    throw new HostError(
      'timeout',
      `Loading ${name} on ${backend.who} took longer than ${Math.round(limit.ms / 1000)} s ` +
        `(${limit.why}) and was stopped — if this disk is just slow, raise ollama.loadTimeoutMs or ` +
        `ollama.loadTimeoutMsPerGB; otherwise check what ${engineName(backend)} lists loaded, and its log.`,
      backend.host,
    );
  }
}

/**
 * Loads a model within the limit for its size (ollama.loadTimeoutMs + loadTimeoutMsPerGB per GB),
 * telling `progress` the size and the estimate from this host's load speed. Returns the load time in ms.
 */
export async function loadWithinLimit(
  backend: Engine,
  model: { name: string; sizeBytes: number; embedding: boolean },
  keepAlive: KeepAlive,
  numCtx: number,
  ctx: { limits: Settings['ollama']; speed: LoadSpeed; signal?: AbortSignal; progress?: PhaseReporter },
): Promise<number> {
  ctx.progress?.enter({
    kind: 'loading',
    model: model.name,
    sizeBytes: model.sizeBytes,
    estimateMs: estimateLoadMs(model.sizeBytes, ctx.speed),
    speed: ctx.speed,
  });
  const { loadTimeoutMs: base, loadTimeoutMsPerGB: perGB } = ctx.limits;
  const limit = {
    ms: loadTimeoutMs(model.sizeBytes, ctx.limits),
    why:
      `ollama.loadTimeoutMs ${base} ms + ollama.loadTimeoutMsPerGB ${perGB} ms × ` +
      `${(model.sizeBytes / 1e9).toFixed(1)} GB`,
  };
  const started = Date.now();
  const loadNs = await sendLoad(backend, model.name, keepAlive, numCtx, {
    embedding: model.embedding,
    limit,
    ...(ctx.signal && { signal: ctx.signal }),
  });
  return loadNs ? Math.round(loadNs / 1e6) : Date.now() - started;
}

/**
 * Polls /api/ps until `model` shows with at least `contextLength` (a copy made with `ollama cp`
 * may show under the name that loaded it: same digest); a short wait, as Ollama lists a model
 * once its load call returns. Resolves with /api/ps as it then was.
 */
export async function confirmLoaded(
  backend: Engine,
  model: string,
  contextLength: number,
  options: { digest?: string; signal?: AbortSignal } = {},
): Promise<RunningModel[]> {
  let last: RunningModel | undefined;
  for (let i = 0; i < 20; i++) {
    const ps = await backend.ps(options.signal ? { signal: options.signal } : {});
    last =
      ps.find((r) => r.name === model) ?? (options.digest ? ps.find((r) => r.digest === options.digest) : undefined);
    // where the engine fixes the window (llama-server's --ctx-size, after --fit), it runs with what it has
    if (last && (!backend.can.contextPerRequest || (last.context_length ?? contextLength) >= contextLength)) return ps;
    await sleep(50);
  }
  const what = last
    ? `it runs with a ${last.context_length}-token context, not the ${contextLength} tokens asked ` +
      `for — the model or the server may cap it (OLLAMA_CONTEXT_LENGTH); shorten the prompt or ` +
      `choose a model with a larger window`
    : 'it is not in /api/ps after loading — another client may have unloaded it; try again';
  const err = new HostError('server_error', `${backend.who} loaded ${model}, but ${what}.`, backend.host);
  throw last ? err : new UnloadedMeanwhile(err);
}

/**
 * A load the engine carried out whose model was gone from its list by the time it was read: another client
 * unloaded it meanwhile (loading it again may well hold).
 */
export class UnloadedMeanwhile extends HostError {
  constructor(err: HostError) {
    super(err.kind, err.message, err.host);
  }
}

/**
 * The loader's fast path: the request's own /api/ps reading (`seen`) shows the model loaded with
 * enough context, and nothing (pin, keep-alive) is to change — so nothing needs deciding.
 */
export function seenLoaded(
  req: LoadRequest,
  state: (name: string) => { keepAlive: KeepAlive; pinned: boolean },
): LoadOutcome | undefined {
  if (!req.seen || req.pin || req.keepAlive !== undefined) return undefined;
  const name = withTag(req.model);
  const seen = req.seen.find((m) => m.name === name || m.name === req.model);
  if (!seen?.contextLength || seen.contextLength < (req.contextLength ?? 0)) return undefined;
  // the user's own window (options.contextSize) outranks the loaded one for work that fits it: decided, not taken
  const own = req.baseContext;
  if (own !== undefined && (req.contextLength ?? 0) <= own && seen.contextLength !== own) return undefined;
  const { keepAlive, pinned } = state(seen.name);
  return {
    model: seen.name,
    action: 'already_loaded',
    unloaded: [],
    requiredBytes: seen.sizeBytes,
    availableBytes: 0,
    reason: `${seen.name} is already loaded.`,
    keepAlive,
    pinned,
    contextLength: seen.contextLength,
  };
}

/**
 * The seed's "memory check" line on stderr: what is free, what is loaded (as the plan counts it), what is
 * wanted, and the decision.
 */
export function logMemoryCheck(
  plan: LoadPlan,
  loadedModels: ReadonlyArray<{ name: string; sizeBytes: number }>,
  memory: HostMemory,
  model: CatalogModel,
  dryRun: boolean,
): void {
  const loaded = loadedModels.reduce((s, m) => s + m.sizeBytes, 0);
  const names = loadedModels.length ? ` (${loadedModels.map((m) => `${m.name} ${fmt(m.sizeBytes)}`).join(', ')})` : '';
  const decision =
    plan.action === 'already_loaded'
      ? 'already loaded'
      : plan.action === 'refuse'
        ? 'refuse'
        : plan.unload.length
          ? `unload ${plan.unload.join(', ')} (${fmt(plan.freedBytes)}), then load`
          : 'load, nothing to unload';
  const free = memory.vram
    ? `VRAM free ${fmt(memory.vram.freeBytes)} of ${fmt(memory.vram.totalBytes)}`
    : memory.ram
      ? `available ${fmt(memory.ram.availableBytes)}`
      : 'capacity unknown';
  log.info(
    `memory check${dryRun ? ' (dry run)' : ''}: ${free}, loaded ${fmt(loaded)}${names}, wanted ` +
      `${model.name} ${fmt(model.sizeBytes)}, required ${fmt(plan.requiredBytes)}, room ` +
      `${fmt(plan.availableBytes)} → ${decision}`,
  );
}
