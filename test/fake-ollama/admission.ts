/**
 * Whether a load may start, and which runner goes when it may not (server/sched.go):
 * - 'ollama' admission checks only on a GPU host, only with other models loaded, only for a load
 *   that uses the GPUs without an explicit partial num_gpu: weights + KV + batch surcharge at most
 *   80% of the free memory of its GPUs (memory.ts). A CPU-only host is never checked.
 * - 'legacy-ram' admission (Ollama ≤ 0.12 as the old fake had it): a model bigger than RAM is
 *   refused with "model requires more system memory …"; otherwise idle runners are evicted until it
 *   fits in free RAM, and a busy one is refused ('error') or waited for ('wait').
 * The victim is findRunnerToUnload's: one already closing, else the first idle runner by keep_alive
 * then blob path, else the first busy one (unloaded when its request ends).
 */
import type { FakeModel } from './models.js';
import { normalizeName } from './names.js';
import { humanBytes2 } from './go.js';
import { HttpError } from './exchange.js';
import type { HostConfig } from './options.js';
import type { Memory, Placement } from './memory.js';
import type { LoadOpts } from './load-options.js';
import { type Runner, byKeepAliveThenPath } from './runner.js';
import type { EvictionReason, FakeStats } from './stats.js';

export interface AdmissionDeps {
  readonly cfg: HostConfig;
  readonly memory: Memory;
  readonly runners: ReadonlyMap<string, Runner>;
  counters(): FakeStats;
  /** Record a forced eviction and ask for the runner's unload; returns the runner to wait for. */
  evict(r: Runner, reason: EvictionReason, forModel: FakeModel): Runner;
}

/** findRunnerToUnload. */
export function victimOf(runners: ReadonlyMap<string, Runner>): Runner {
  const all = [...runners.values()];
  const closing = all.find((r) => r.state === 'closing');
  if (closing) return closing;
  const live = all.filter((r) => r.state === 'loaded').sort(byKeepAliveThenPath);
  const pick = live.find((r) => r.inFlight === 0) ?? live[0];
  if (!pick) throw new Error('no runner to unload');
  return pick;
}

/**
 * The memory check: undefined to load now, or the runner being evicted to make room (wait for it, then check
 * again).
 */
export function admit(d: AdmissionDeps, model: FakeModel, opts: LoadOpts, plan: Placement): Runner | undefined {
  const { cfg, memory, runners } = d;
  if (cfg.admission === 'legacy-ram') {
    if (plan.size > cfg.memoryBytes) throw refuse(d, model, plan.size);
    if (runners.size === 0 || plan.size <= memory.freeRamBytes()) return undefined;
    const first = victimOf(runners);
    if (first.state === 'loaded' && first.inFlight > 0 && cfg.busyEviction === 'error')
      throw refuse(d, model, plan.size);
    return d.evict(first, 'memory', model);
  }
  const layers = (model.blockCount ?? 32) + 1;
  const explicitPartial = opts.numGpu > 0 && opts.numGpu < layers;
  if (runners.size === 0 || plan.gpus.length === 0 || explicitPartial || memory.fits(plan)) return undefined;
  return d.evict(victimOf(runners), 'memory', model);
}

function refuse(d: AdmissionDeps, model: FakeModel, cost: number): HttpError {
  const free = d.memory.freeRamBytes();
  d.counters().refusedLoads.push({
    model: normalizeName(model.name),
    costBytes: cost,
    freeBytes: free,
    at: Date.now(),
  });
  return new HttpError(
    500,
    `model requires more system memory (${humanBytes2(cost)}) than is available (${humanBytes2(Math.max(0, free))})`,
  );
}
