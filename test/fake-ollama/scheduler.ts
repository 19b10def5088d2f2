/**
 * The fake Ollama's model scheduler: loading costs memory (weights + KV-cache estimate, see
 * estimateModelMemory in models.ts), at most `maxLoadedModels` are loaded, loads are serialised,
 * idle models are evicted shortest keep_alive first (then by name), keep_alive timers unload
 * models, a num_ctx change forces a reload, and OLLAMA_NUM_PARALLEL limits the requests one
 * loaded model serves at a time. A load takes loadDelayMs + loadMsPerGB × cost/1e9 ms; stats()
 * records loads, forced evictions, refused loads, unloads, expiries and peak memory.
 */
import { type FakeModel, estimateModelMemory, nameKey } from './models.js';
import { humanBytes2 } from './go.js';
import { Aborted, HttpError, type Json, isRecord, nowNs, nsSince, parseKeepAlive, sleep } from './exchange.js';

export interface SchedulerOptions {
  memoryBytes: number;
  defaultKeepAliveMs: number;
  maxLoadedModels: number;
  loadDelayMs: number;
  kvCache: boolean;
  defaultNumCtx: number;
  numParallel: number;
  busyEviction: 'error' | 'wait';
  /** Simulated load time per GB (1e9 bytes) of the load's memory cost, on top of loadDelayMs. */
  loadMsPerGB: number;
}

/** What the scheduler did, so a test can prove a client never made Ollama evict or overcommit. */
export interface FakeStats {
  /** Successful model loads, num_ctx reloads included. */
  loads: number;
  /** Total simulated load time of those loads, ms. */
  loadMs: number;
  /**
   * Idle models the scheduler evicted to make room for another load (memory or maxLoadedModels).
   * Not keep_alive:0 unloads, expiries, deletes, or the unload half of a num_ctx reload.
   */
  forcedEvictions: Array<{ evicted: string; for: string; at: number }>;
  /** Loads that failed for lack of memory (the 500 "model requires more system memory ..."); freeBytes as at the refusal. */
  refusedLoads: Array<{ model: string; costBytes: number; freeBytes: number; at: number }>;
  /** Explicit unloads by keep_alive 0 (a load-only request, or any request once it finishes). */
  unloads: number;
  /** Models unloaded because their keep_alive ran out. */
  expiries: number;
  /** Highest memory in use right after any load since start / resetStats() (0 until the next load after a reset). */
  peakUsedBytes: number;
}

type UnloadCause = 'unload' | 'expire' | 'evict' | 'replace' | 'delete';

function emptyStats(): FakeStats {
  return { loads: 0, loadMs: 0, forcedEvictions: [], refusedLoads: [], unloads: 0, expiries: 0, peakUsedBytes: 0 };
}

/** One loaded model. */
export interface Runner {
  key: string;
  model: FakeModel;
  numCtx: number;
  cost: number;
  keepAliveMs: number;
  expiresAt: Date;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
  idleWaiters: Array<() => void>;
  slotsBusy: number;
  slotWaiters: Array<() => void>;
  unloaded: boolean;
}

/** Go's time.Duration max, in ms: what a negative keep_alive turns into. */
const FOREVER_EXPIRY_MS = 9_223_372_036_854;
const MAX_TIMER_MS = 2_147_483_647;

function expiryFrom(keepAliveMs: number): Date {
  const ms = Number.isFinite(keepAliveMs) ? Math.min(keepAliveMs, FOREVER_EXPIRY_MS) : FOREVER_EXPIRY_MS;
  return new Date(Date.now() + ms);
}

export class Scheduler {
  private readonly runners = new Map<string, Runner>();
  private readonly loadCounts = new Map<string, number>();
  private loadChain: Promise<unknown> = Promise.resolve();
  private counters: FakeStats = emptyStats();

  /** `life` is aborted when the server stops: pending loads and waits give up, no timer is armed. */
  constructor(
    private readonly opts: SchedulerOptions,
    private readonly life: AbortSignal,
  ) {}

  /** Loaded runners, latest expiry first (then by name), as /api/ps lists them. */
  sorted(): Runner[] {
    return [...this.runners.values()].sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime() || a.key.localeCompare(b.key));
  }

  usedMemoryBytes(): number {
    let used = 0;
    for (const r of this.runners.values()) used += r.cost;
    return used;
  }

  freeMemoryBytes(): number {
    return this.opts.memoryBytes - this.usedMemoryBytes();
  }

  loadCount(name: string): number {
    return this.loadCounts.get(nameKey(name)) ?? 0;
  }

  stats(): FakeStats {
    return structuredClone(this.counters);
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  /** Clear every keep_alive timer (the server is stopping). */
  stop(): void {
    for (const r of this.runners.values()) {
      if (r.timer) clearTimeout(r.timer);
      r.timer = undefined;
    }
  }

  resolveKeepAlive(body: Json): number {
    const ka = body['keep_alive'];
    if (ka === undefined || ka === null) return this.opts.defaultKeepAliveMs;
    return parseKeepAlive(ka);
  }

  resolveNumCtx(model: FakeModel, body: Json): number {
    const opts = isRecord(body['options']) ? body['options'] : {};
    const requested = opts['num_ctx'];
    const n = typeof requested === 'number' && requested > 0 ? Math.floor(requested) : this.opts.defaultNumCtx;
    return Math.min(n, model.contextLength);
  }

  /** Unload a model now (removed, or unloaded with keep_alive 0 while idle). */
  remove(name: string): void {
    const r = this.runners.get(nameKey(name));
    if (r) this.unload(r, 'delete');
  }

  /** keep_alive 0 with an empty prompt: unload now, or when the model's last request finishes. */
  unloadNow(model: FakeModel): void {
    const r = this.runners.get(nameKey(model.name));
    if (!r) return;
    r.keepAliveMs = 0;
    if (r.inFlight === 0) this.unload(r, 'unload');
    // otherwise release() unloads it when its last request finishes (keep_alive 0)
  }

  /**
   * Get a loaded runner for `model` with `numCtx`, loading it if needed (loads are serialised).
   * The caller owns one in-flight reference and must call release().
   */
  async acquire(model: FakeModel, numCtx: number, keepAliveMs: number, signal: AbortSignal): Promise<{ runner: Runner; loadNs: number }> {
    const existing = this.reuse(model, numCtx, keepAliveMs);
    if (existing) return existing;
    const job = this.loadChain.then(() => this.loadJob(model, numCtx, keepAliveMs, signal));
    this.loadChain = job.catch(() => undefined);
    return job;
  }

  /** A request finished with the runner: when idle, the keep_alive timer starts. */
  release(r: Runner): void {
    r.inFlight = Math.max(0, r.inFlight - 1);
    if (r.inFlight > 0 || r.unloaded) return;
    r.expiresAt = expiryFrom(r.keepAliveMs);
    const waiters = r.idleWaiters.splice(0);
    for (const w of waiters) w();
    if (r.unloaded) return;
    this.armTimer(r);
  }

  /** OLLAMA_NUM_PARALLEL: wait for a free slot on the runner. Returns a release function. */
  async slot(r: Runner, signal: AbortSignal): Promise<() => void> {
    while (r.slotsBusy >= this.opts.numParallel && !r.unloaded) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        r.slotWaiters.push(done);
        signal.addEventListener('abort', done, { once: true });
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

  /** The loaded runner when it already has `numCtx` (one more in-flight reference taken), else undefined. */
  private reuse(model: FakeModel, numCtx: number, keepAliveMs: number): { runner: Runner; loadNs: number } | undefined {
    const existing = this.runners.get(nameKey(model.name));
    if (!existing || existing.numCtx !== numCtx) return undefined;
    this.touch(existing, keepAliveMs);
    return { runner: existing, loadNs: 0 };
  }

  private async loadJob(model: FakeModel, numCtx: number, keepAliveMs: number, signal: AbortSignal): Promise<{ runner: Runner; loadNs: number }> {
    if (signal.aborted || this.life.aborted) throw new Aborted();
    const key = nameKey(model.name);
    const start = nowNs();
    const reused = this.reuse(model, numCtx, keepAliveMs);
    if (reused) return reused;
    const existing = this.runners.get(key);
    if (existing) {
      // num_ctx changed: Ollama waits for the runner to finish its requests, unloads and reloads.
      await this.waitIdle(existing, signal);
      if (signal.aborted) throw new Aborted();
      this.unload(existing, 'replace');
    }
    const cost = estimateModelMemory(model, numCtx, this.opts.kvCache);
    if (cost > this.opts.memoryBytes) throw this.memoryError(cost, model.name);
    await this.makeRoom(cost, model.name, signal);
    const loadMs = this.opts.loadDelayMs + (this.opts.loadMsPerGB * cost) / 1e9;
    await sleep(loadMs, this.life);
    if (this.life.aborted) throw new Aborted();
    const runner: Runner = {
      key,
      model,
      numCtx,
      cost,
      keepAliveMs,
      expiresAt: expiryFrom(keepAliveMs),
      inFlight: 0,
      timer: undefined,
      idleWaiters: [],
      slotsBusy: 0,
      slotWaiters: [],
      unloaded: false,
    };
    this.runners.set(key, runner);
    this.loadCounts.set(key, (this.loadCounts.get(key) ?? 0) + 1);
    this.counters.loads++;
    this.counters.loadMs += loadMs;
    this.counters.peakUsedBytes = Math.max(this.counters.peakUsedBytes, this.usedMemoryBytes());
    this.touch(runner, keepAliveMs);
    return { runner, loadNs: nsSince(start) };
  }

  /** Evict until one more model of `cost` bytes fits under both the memory and the maxLoadedModels limits. */
  private async makeRoom(cost: number, forModel: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      const tooMany = this.runners.size >= this.opts.maxLoadedModels;
      const tooBig = cost > this.freeMemoryBytes();
      if (!tooMany && !tooBig) return;
      // Ollama's eviction order: keep_alive shortest first, then by name; first idle one goes.
      const candidates = [...this.runners.values()].sort((a, b) => a.keepAliveMs - b.keepAliveMs || a.key.localeCompare(b.key));
      const idle = candidates.find((r) => r.inFlight === 0);
      if (idle) {
        this.counters.forcedEvictions.push({ evicted: idle.model.name, for: forModel, at: Date.now() });
        this.unload(idle, 'evict');
        continue;
      }
      const first = candidates[0];
      if (!first) throw this.memoryError(cost, forModel);
      if (tooBig && this.opts.busyEviction === 'error') throw this.memoryError(cost, forModel);
      await this.waitIdle(first, signal);
      if (signal.aborted || this.life.aborted) throw new Aborted();
    }
  }

  private memoryError(cost: number, model: string): HttpError {
    this.counters.refusedLoads.push({ model, costBytes: cost, freeBytes: this.freeMemoryBytes(), at: Date.now() });
    return new HttpError(
      500,
      `model requires more system memory (${humanBytes2(cost)}) than is available (${humanBytes2(Math.max(0, this.freeMemoryBytes()))})`,
    );
  }

  /** Mark a request as using the runner: in-flight +1, expiry timer stopped, keep_alive updated. */
  private touch(r: Runner, keepAliveMs: number): void {
    r.inFlight++;
    r.keepAliveMs = keepAliveMs;
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    r.expiresAt = expiryFrom(keepAliveMs);
  }

  private armTimer(r: Runner): void {
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    if (r.keepAliveMs <= 0) {
      this.unload(r, 'unload');
      return;
    }
    if (!Number.isFinite(r.keepAliveMs) || r.keepAliveMs > MAX_TIMER_MS || this.life.aborted) return;
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (r.inFlight === 0 && !r.unloaded) this.unload(r, 'expire');
    }, r.keepAliveMs);
    r.timer.unref();
  }

  private unload(r: Runner, cause: UnloadCause): void {
    if (cause === 'unload') this.counters.unloads++;
    if (cause === 'expire') this.counters.expiries++;
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    r.unloaded = true;
    if (this.runners.get(r.key) === r) this.runners.delete(r.key);
    for (const w of r.idleWaiters.splice(0)) w();
    for (const w of r.slotWaiters.splice(0)) w();
  }

  private waitIdle(r: Runner, signal: AbortSignal): Promise<void> {
    if (r.inFlight === 0 || r.unloaded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.life.removeEventListener('abort', done);
        resolve();
      };
      r.idleWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
      this.life.addEventListener('abort', done, { once: true });
    });
  }
}
