/**
 * One loaded model (Ollama's runnerRef): its placement, load options, keep_alive, the requests
 * using it and its OLLAMA_NUM_PARALLEL slots. A runner is 'loaded', then 'closing' while its
 * unload runs (still in /api/ps), then 'gone'.
 */
import { PromptCache } from './prompt-cache.js';
import { type FakeModel, digestOf } from './models.js';
import type { Allocation, Placement } from './memory.js';
import type { RunnerOpts } from './load-options.js';
import { Aborted } from './exchange.js';

/** Why a runner is being unloaded. */
export type UnloadCause = 'unload' | 'expire' | 'evict' | 'reload';

export interface Runner extends Allocation {
  /**
   * The weights' blob (Ollama keys runners by model path): two names with the same digest and
   * size (an `ollama cp` copy) share a runner; a fixture copied with another size does not.
   */
  key: string;
  model: FakeModel;
  opts: RunnerOpts;
  /** Slots (OLLAMA_NUM_PARALLEL; 1 for embedding models). */
  parallel: number;
  /** Weights + KV for numCtx × parallel: /api/ps `size`. */
  size: number;
  gpus: number[];
  /** keep_alive in force, ms (Infinity = forever). */
  keepAliveMs: number;
  expiresAt: Date;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
  slotsBusy: number;
  slotWaiters: Array<() => void>;
  state: 'loaded' | 'closing' | 'gone';
  /** Unload asked for (keep_alive 0, eviction, reload): it happens once the runner is idle. */
  cause: UnloadCause | undefined;
  /** Waiting in the unload queue. */
  queued: boolean;
  /** Resolves once the unload is complete (after the GPU memory recovered). */
  gone: Promise<void>;
  markGone: () => void;
  /** What its slots last read (prompt-cache.ts): empty at each load. */
  prompts: PromptCache;
}

/** Go's time.Duration max, in ms: what a negative keep_alive turns into. */
const FOREVER_EXPIRY_MS = 9_223_372_036_854;

export function expiryFrom(keepAliveMs: number): Date {
  const ms = Number.isFinite(keepAliveMs) ? Math.min(keepAliveMs, FOREVER_EXPIRY_MS) : FOREVER_EXPIRY_MS;
  return new Date(Date.now() + ms);
}

/**
 * The key of a model's runner: its weights blob (digest, and size so an edited fixture copy is
 * another blob) — sched.go's schedulerModelKey is the model's ModelPath, so a model made from
 * another (same weights) shares its base's runner: reused when the options match, else reloaded.
 */
export function runnerKey(model: FakeModel): string {
  return model.made
    ? `sha256-${model.made.weightsDigest}-${model.made.weightsSize}`
    : `sha256-${digestOf(model)}-${model.size}`;
}

export function newRunner(
  model: FakeModel,
  opts: RunnerOpts,
  parallel: number,
  p: Placement,
  keepAliveMs: number,
): Runner {
  let markGone = (): void => undefined;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  return {
    key: runnerKey(model),
    model,
    opts,
    parallel,
    size: p.size,
    gpus: p.gpus,
    vramByGpu: p.vramByGpu,
    ramBytes: p.ramBytes,
    keepAliveMs,
    expiresAt: expiryFrom(keepAliveMs),
    inFlight: 0,
    prompts: new PromptCache(parallel),
    timer: undefined,
    slotsBusy: 0,
    slotWaiters: [],
    state: 'loaded',
    cause: undefined,
    queued: false,
    gone,
    markGone,
  };
}

const MAX_TIMER_MS = 2_147_483_647;

/** The runner went idle: its keep_alive starts counting down (none for forever), then `expire` runs. */
export function armExpiry(r: Runner, expire: () => void): void {
  r.expiresAt = expiryFrom(r.keepAliveMs);
  clearTimeout(r.timer);
  r.timer = undefined;
  if (!Number.isFinite(r.keepAliveMs) || r.keepAliveMs > MAX_TIMER_MS) return;
  r.timer = setTimeout(() => {
    r.timer = undefined;
    if (r.inFlight === 0 && r.state === 'loaded') expire();
  }, r.keepAliveMs);
  r.timer.unref();
}

export function vramOf(r: Allocation): number {
  return r.vramByGpu.reduce((s, v) => s + v, 0);
}

/** Eviction order (sched.go ByDurationAndName): shortest keep_alive first, forever last, then by blob path. */
export function byKeepAliveThenPath(a: Runner, b: Runner): number {
  if (a.keepAliveMs !== b.keepAliveMs) return a.keepAliveMs < b.keepAliveMs ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Wait for a free slot on the runner; returns the function that frees it. */
export async function takeSlot(r: Runner, signal: AbortSignal): Promise<() => void> {
  while (r.slotsBusy >= r.parallel && r.state !== 'gone') {
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', cancel);
        resolve();
      };
      const cancel = (): void => {
        const i = r.slotWaiters.indexOf(wake);
        if (i >= 0) r.slotWaiters.splice(i, 1);
        resolve();
      };
      r.slotWaiters.push(wake);
      signal.addEventListener('abort', cancel, { once: true });
    });
    if (signal.aborted) throw new Aborted();
  }
  r.slotsBusy++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    r.slotsBusy--;
    r.slotWaiters.shift()?.();
  };
}
