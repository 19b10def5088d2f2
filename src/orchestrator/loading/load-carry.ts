/**
 * A load plan carried out (loader.ts runs it in its queue): its unloads confirmed in /api/ps, then
 * the GPU's memory read free again (host-memory.ts waitForVram); then the load within its time limit, told to
 * the load-speed figures, confirmed in /api/ps with the context
 * asked, the memory it took learned (learned-size.ts), and — when a first attempt ran out of memory
 * and the engine evicted every other model to retry (server/sched.go) — the pins that went loaded
 * again, said in the outcome's reason. A failed load's error says what came back.
 */
import type { Settings } from '../config/index.js';
import type { CatalogModel } from './model-facts.js';
import { HostError } from '../engines/host-error.js';
import type { Engine } from '../engines/engine.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { HostMemoryModel, HostView } from './host-memory.js';
import { isEmbedding, modelFacts, runnerFor } from './load-planning.js';
import { confirmLoaded, loadWithinLimit, type KeepAlive } from './load-ops.js';
import { unloadAndConfirm } from './unload-ops.js';
import { learnLoadSize } from './load-learning.js';
import type { LoadDecision } from './load-decision.js';
import { log } from '../util/log.js';
import { loadSpeed, type LoadSpeed } from './load-estimate.js';
import type { LoadOutcome, LoadRequest, SizesOnHost } from './load-types.js';

export interface CarryParts {
  backend: Engine;
  hostMemory: HostMemoryModel;
  settings: Settings;
  loadSpeed?: (() => LoadSpeed) | undefined;
  onLoaded?: ((model: string, bytes: number, ms: number) => void) | undefined;
  sizes?: SizesOnHost | undefined;
  /** In the load queue: pinned models among these that the engine dropped are loaded again; what happened, in words. */
  restorePins(before: readonly RunningModel[]): Promise<string>;
}

/** The load's step as it is carried out, and what it does, in words. */
export type CarryStep = (step: 'unload' | 'load', what: string) => void;

/**
 * What the load is: the model at its context and keep-alive, the view it was planned on, and the models that
 * stay beside it.
 */
interface CarriedLoad {
  model: CatalogModel;
  keepAlive: KeepAlive;
  contextLength: number;
  view: HostView;
  stayed: readonly RunningModel[];
  requiredBytes: number;
}

/**
 * Carries out the decision's plan to load — `step` told as it unloads and as it loads, in words for
 * the requests waiting (the load's state: load-state.ts) — and returns its outcome.
 */
export async function carryOut(
  p: CarryParts,
  d: LoadDecision,
  req: LoadRequest,
  step: CarryStep,
): Promise<LoadOutcome> {
  const { model, keepAlive, pinned, contextLength, view, plan, others, outcome } = d;
  const stayed = others.filter((r) => !plan.unload.includes(r.name));
  if (plan.unload.length) {
    step('unload', `another request's unload of ${plan.unload.join(', ')}`);
    outcome.unloadWaitMs = await unloadAndConfirm(p.backend, plan.unload, req.signal, req.progress);
    if (view.memory.kind === 'gpu') outcome.unloadWaitMs += await p.hostMemory.waitForVram(stayed, plan.unload.length);
  }
  step('load', `another request's load of ${model.name}`);
  await loadPlanned(
    p,
    { model, keepAlive, contextLength, view, stayed, requiredBytes: plan.requiredBytes },
    req,
    outcome,
  );
  log.info(`loaded ${model.name} in ${outcome.loadMs} ms (keep_alive ${keepAlive}${pinned ? ', pinned' : ''})`);
  return outcome;
}

/** Loads `d.model`, filling in `outcome.loadMs` and, after an evict-all retry, the pins it brought back. */
async function loadPlanned(p: CarryParts, d: CarriedLoad, req: LoadRequest, outcome: LoadOutcome): Promise<void> {
  const { model, keepAlive, contextLength, view, stayed } = d;
  // where the engine does not report what a model takes, this machine's memory is read across the load
  const availableBefore = p.backend.can.reportsLoadedSize
    ? undefined
    : await p.hostMemory.availableNow().catch(() => undefined);
  try {
    outcome.loadMs = await loadWithinLimit(
      p.backend,
      { name: model.name, sizeBytes: model.sizeBytes, embedding: isEmbedding(model) },
      keepAlive,
      contextLength,
      {
        limits: p.settings.ollama,
        speed: p.loadSpeed?.() ?? loadSpeed(0, 0),
        ...(req.signal && { signal: req.signal }),
        ...(req.progress && { progress: req.progress }),
      },
    );
  } catch (err) {
    throw await afterFailedLoad(p, err, stayed, d.requiredBytes);
  }
  p.onLoaded?.(model.name, model.sizeBytes, outcome.loadMs);
  const after = await confirmLoaded(p.backend, model.name, contextLength, {
    digest: model.digest,
    ...(req.signal && { signal: req.signal }),
  });
  const { slots, kvType } = runnerFor(model, view);
  if (p.sizes)
    await learnLoadSize(p.backend, p.hostMemory, p.sizes, {
      model,
      facts: modelFacts(model, slots, kvType),
      slots,
      contextLength,
      after,
      availableBefore,
    });
  // A first attempt that ran out of memory makes Ollama evict everything and retry: say so, and bring pins back.
  if (stayed.some((r) => !after.some((a) => a.name === r.name))) {
    const note = await p.restorePins(stayed).catch(() => '');
    if (note)
      outcome.reason = `${outcome.reason} ${note.replace('after it', 'while loading it (its first attempt ran out of memory)')}`;
  }
}

/**
 * After a failed load Ollama evicts every other model and retries once (server/sched.go): pins that went come
 * back, and the error says so.
 */
async function afterFailedLoad(
  p: CarryParts,
  err: unknown,
  stayed: readonly RunningModel[],
  requiredBytes: number,
): Promise<unknown> {
  if (!(err instanceof HostError) || err.kind === 'aborted' || err.kind === 'unreachable') return err;
  if (err.kind === 'out_of_memory')
    p.hostMemory.learnOutOfMemory(
      stayed.reduce((s, r) => s + r.size, 0),
      requiredBytes,
    );
  const note = await p.restorePins(stayed).catch(() => '');
  return note ? new HostError(err.kind, `${err.message} ${note}`, err.host, err.status) : err;
}
