/**
 * The Ollama calls that load and unload, and the waits that confirm them, as modern Ollama
 * performs them: `keep_alive: 0` only queues an unload; one worker unloads models one at a time
 * and, on a discrete GPU, waits up to 5 s after each for GPU memory to recover (server/sched.go).
 * So an unload is confirmed by polling /api/ps with a budget of seconds per model.
 */
import { withTag } from '../engines/model-names.js';
import type { CatalogModel } from './model-facts.js';
import type { KeepAlive, LoadOutcome, LoadRequest, UnloadOutcome } from './load-types.js';
import type { Settings } from '../config/index.js';
import { formatBytes as fmt } from '../config/units.js';
import { estimateLoadMs, loadTimeoutMs, type LoadSpeed } from './load-estimate.js';
import { log } from '../util/log.js';
import { sleep } from '../util/sleep.js';
import type { PhaseReporter } from '../progress/progress.js';
import type { HostMemory, LoadPlan } from './planner.js';
import { engineName, type Engine, type EngineModel as RunningModel } from '../engines/engine.js';
import { HostError } from '../engines/host-error.js';
import type { HostMemoryModel } from './host-memory.js';
import { observedLoad, type SeenSize } from './learned-size.js';
import { readingContext, setAsideBecause, type ModelFacts } from './plausible-size.js';

/** The limit for loads whose size is not at hand (pins loaded again, keep-alive changes): a large model from disk can take minutes. */
const LOAD_TIMEOUT_MS = 10 * 60_000;
/** Per model unloaded: Ollama's GPU recovery wait (up to 5 s) and the unload itself. */
export const UNLOAD_WAIT_PER_MODEL_MS = Number(process.env.OLLM_UNLOAD_WAIT_PER_MODEL_MS) || 7000;
const POLL_MS = 100;

export type { KeepAlive } from './load-types.js';

export interface LoadCallOptions {
  embedding?: boolean;
  signal?: AbortSignal;
  /** The time limit for this load (default LOAD_TIMEOUT_MS); `why` says in the error how it was set. */
  limit?: { ms: number; why: string };
}

/**
 * Load only: an empty generate (an empty embed for embedding models). Returns Ollama's load time
 * in ns when it reports one. Past its limit the load is stopped (Ollama aborts a load whose
 * client goes) with an error naming the phase, the time and the settings that set it.
 */
/** `numCtx` undefined (not known): none is sent and Ollama applies its default context, its best guess for a model loaded without one. */
/** A load no memory is planned for — its engine loads models itself, or it runs on ollama.com — said as such; else undefined. */
export function notPlanned(backend: Engine, model: CatalogModel, keepAlive: KeepAlive): LoadOutcome | undefined {
  const reason = !backend.can.managesMemory
    ? `${backend.who} loads and unloads its models itself, so ollm-mcp plans none of its memory; ${model.name} is loaded there on its first request.`
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
      `Loading ${name} on ${backend.who} took longer than ${Math.round(limit.ms / 1000)} s (${limit.why}) and was stopped — if this disk is just slow, raise ollama.loadTimeoutMs or ollama.loadTimeoutMsPerGB; otherwise check what ${engineName(backend)} lists loaded, and its log.`,
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
    why: `ollama.loadTimeoutMs ${base} ms + ollama.loadTimeoutMsPerGB ${perGB} ms × ${(model.sizeBytes / 1e9).toFixed(1)} GB`,
  };
  const started = Date.now();
  const loadNs = await sendLoad(backend, model.name, keepAlive, numCtx, {
    embedding: model.embedding,
    limit,
    ...(ctx.signal && { signal: ctx.signal }),
  });
  return loadNs ? Math.round(loadNs / 1e6) : Date.now() - started;
}

/** Unloads `names` and waits until /api/ps no longer lists them; returns how long Ollama took (ms). */
export async function unloadAndConfirm(
  backend: Engine,
  names: readonly string[],
  signal?: AbortSignal,
  progress?: PhaseReporter,
): Promise<number> {
  progress?.enter({ kind: 'unloading', models: names });
  for (const name of names) await sendUnload(backend, name, signal);
  const ms = await waitUntilGone(backend, names, signal);
  log.info(`unloaded ${names.join(', ')} (${engineName(backend)} took ${ms} ms)`);
  return ms;
}

/** Queues an unload; Ollama carries it out in the background (see waitUntilGone). */
async function sendUnload(backend: Engine, name: string, signal?: AbortSignal): Promise<void> {
  await backend.unload(name, { model: name, ...(signal && { signal }) });
}

/** On an engine that loads and unloads by itself, nothing is ollm-mcp's to unload: a model named is asked of it (it refuses, saying so), and none counts as unloaded. */
export async function unloadUnplanned(
  backend: Engine,
  target: { models: string[] } | { all: true },
  signal?: AbortSignal,
): Promise<UnloadOutcome> {
  if ('all' in target || target.models.length === 0) return { unloaded: [], kept: [], notLoaded: [] };
  await backend.unload(target.models[0]!, signal ? { signal } : {});
  return { unloaded: [], kept: [], notLoaded: target.models };
}

/**
 * Unloads by name, or every loaded model for `all`. Naming a pinned model unpins it (the user
 * asked); `all` keeps pinned models unless `includePinned`. Models with requests running stay.
 */
export async function unloadModels(
  backend: Engine,
  target: { models: string[] } | { all: true; includePinned?: boolean },
  state: { pins: Set<string>; busy(name: string): boolean },
  signal?: AbortSignal,
): Promise<UnloadOutcome> {
  const running = await backend.ps({ signal });
  const loadedNames = running.map((r) => r.name);
  const out: UnloadOutcome = { unloaded: [], kept: [], notLoaded: [] };
  const wanted =
    'models' in target
      ? target.models.map((m) => {
          const name = loadedNames.find((n) => n === m || n === withTag(m)) ?? withTag(m);
          state.pins.delete(name);
          return name;
        })
      : loadedNames;
  for (const name of wanted) {
    if (!loadedNames.includes(name)) out.notLoaded.push(name);
    else if (state.busy(name)) out.kept.push({ model: name, why: 'a request is running on it' });
    else if ('all' in target && !target.includePinned && state.pins.has(name))
      out.kept.push({ model: name, why: 'pinned (includePinned: true unloads it too)' });
    else {
      await sendUnload(backend, name, signal);
      out.unloaded.push(name);
    }
  }
  if ('all' in target && target.includePinned) state.pins.clear();
  if (out.unloaded.length) out.unloadWaitMs = await waitUntilGone(backend, out.unloaded, signal);
  return out;
}

/**
 * Polls /api/ps until none of `names` is listed. Returns how long that took. Past the budget
 * (UNLOAD_WAIT_PER_MODEL_MS per model), fails with what is still loaded and what to do.
 */
async function waitUntilGone(backend: Engine, names: readonly string[], signal?: AbortSignal): Promise<number> {
  if (names.length === 0) return 0;
  const started = Date.now();
  const budget = UNLOAD_WAIT_PER_MODEL_MS * names.length;
  for (;;) {
    const ps = await backend.ps(signal ? { signal } : {});
    const left = names.filter((n) => ps.some((r) => r.name === n));
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > budget) {
      const held = left.map((n) => `${n} (${fmt(ps.find((r) => r.name === n)!.size)})`).join(', ');
      throw new HostError(
        'timeout',
        `${backend.who} had not finished unloading after ${Math.round((Date.now() - started) / 1000)} s (it unloads one model at a time and waits for GPU memory after each; the wait is ${Math.round(UNLOAD_WAIT_PER_MODEL_MS / 1000)} s per model, set by OLLM_UNLOAD_WAIT_PER_MODEL_MS): still loaded ${held}. Nothing was loaded in their place; try again in a moment, or check \`ollama ps\`.`,
        backend.host,
      );
    }
    await sleep(POLL_MS);
  }
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
    ? `it runs with a ${last.context_length}-token context, not the ${contextLength} tokens asked for — the model or the server may cap it (OLLAMA_CONTEXT_LENGTH); shorten the prompt or choose a model with a larger window`
    : 'it is not in /api/ps after loading — another client may have unloaded it; try again';
  const err = new HostError('server_error', `${backend.who} loaded ${model}, but ${what}.`, backend.host);
  throw last ? err : new UnloadedMeanwhile(err);
}

/** A load the engine carried out whose model was gone from its list by the time it was read: another client unloaded it meanwhile (loading it again may well hold). */
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

/** The seed's "memory check" line on stderr: what is free, what is loaded (as the plan counts it), what is wanted, and the decision. */
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
    `memory check${dryRun ? ' (dry run)' : ''}: ${free}, loaded ${fmt(loaded)}${names}, wanted ${model.name} ${fmt(model.sizeBytes)}, required ${fmt(plan.requiredBytes)}, room ${fmt(plan.availableBytes)} → ${decision}`,
  );
}

/**
 * Records what the load of `model` took (learned-size.ts): the engine's report of it where it
 * reports one, else the fall in this machine's available memory since `availableBefore` — only
 * when it is within the model's bounds (`facts`) and agrees with earlier loads (plausible-size.ts);
 * a reading that is not is set aside and logged. Filed under the context just loaded unless the
 * host's claim of another is sensible.
 */
export async function learnLoadSize(
  backend: Engine,
  hostMemory: HostMemoryModel,
  sizes: {
    seen(model: string, digest: string): SeenSize[];
    record(model: string, digest: string, contextLength: number, bytes: number, vramBytes: number): void;
  },
  load: {
    model: CatalogModel;
    facts: ModelFacts;
    slots: number;
    contextLength: number;
    after: readonly RunningModel[];
    availableBefore: number | undefined;
  },
): Promise<void> {
  const { model, after, availableBefore } = load;
  const entry = after.find((r) => r.name === model.name) ?? after.find((r) => r.digest === model.digest);
  const reported =
    backend.can.reportsLoadedSize && entry ? { bytes: entry.size, vramBytes: entry.size_vram ?? 0 } : undefined;
  const availableAfter =
    availableBefore === undefined ? undefined : await hostMemory.availableNow().catch(() => undefined);
  const seen = observedLoad({
    ...(reported && { reported }),
    ...(availableBefore !== undefined && { availableBefore }),
    ...(availableAfter !== undefined && { availableAfter }),
    fileBytes: model.sizeBytes,
  });
  if (!seen) return;
  const contextLength = readingContext(entry?.context_length, load.contextLength, load.slots, load.facts);
  const why = setAsideBecause(seen.bytes, contextLength, load.facts, sizes.seen(model.name, model.digest));
  if (why) {
    log.warn(
      `${backend.who} reported that ${model.name} takes ${fmt(seen.bytes)} loaded; set aside, not learned: ${why}. Its memory is planned by the estimate instead.`,
    );
    return;
  }
  sizes.record(model.name, model.digest, contextLength, seen.bytes, seen.vramBytes);
}
