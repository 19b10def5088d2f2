/**
 * The fake Ollama's scheduler (server/sched.go): requests for a loaded model with the same load
 * options use it at once; anything else waits in one queue of loads. A load first reloads a
 * model whose options changed, then, at OLLAMA_MAX_LOADED_MODELS, evicts one runner ('count'),
 * then checks memory ('memory': VRAM on a GPU host, nothing on a CPU host, RAM with 'legacy-ram'),
 * evicting the idle runner with the shortest keep_alive (then by blob path; a busy one is waited
 * for when none is idle) and waiting for each unload to complete. A load takes loadDelayMs +
 * loadMsPerGB × size; the client disconnecting aborts it. A load that fails out of memory is
 * retried once, with a smaller automatic context and/or after evicting all other models.
 */
import { type FakeModel, KV_BYTES_PER_VALUE, slotsOf } from './models.js';
import { nameKey, normalizeName } from './names.js';
import { Aborted, HttpError, type Json, nowNs, nsSince, parseKeepAlive, sleep } from './exchange.js';
import { type HostConfig, defaultContext } from './options.js';
import { Memory } from './memory.js';
import { type LoadOpts, loadOptsFor, reloadReasons, runnerOpts } from './load-options.js';
import { type Runner, type UnloadCause, armExpiry, expiryFrom, newRunner, runnerKey, takeSlot } from './runner.js';
import { type AdmissionDeps, admit, victimOf } from './admission.js';
import { UnloadQueue } from './unloads.js';
import { type EvictionReason, type FakeStats, emptyStats, recordLoad } from './stats.js';
import { type Injected, isOutOfMemory } from './failures.js';

export interface LoadRequest {
  model: FakeModel;
  opts: LoadOpts;
  /** keep_alive as sent (ms, Infinity = forever); undefined = not sent. */
  keepAliveMs: number | undefined;
  signal: AbortSignal;
}

export interface Acquired {
  runner: Runner;
  /** ns spent loading for this request (0 when the model was already loaded). */
  loadNs: number;
}

export class Scheduler {
  readonly memory: Memory;
  private readonly runners = new Map<string, Runner>();
  private readonly loadCounts = new Map<string, number>();
  private readonly unloads: UnloadQueue;
  private readonly admission: AdmissionDeps;
  private loadChain: Promise<unknown> = Promise.resolve();
  private counters: FakeStats = emptyStats();

  /** `life` is aborted when the server stops: pending loads and waits give up, no timer is armed. */
  constructor(
    readonly cfg: HostConfig,
    private readonly life: AbortSignal,
    private readonly injected: Injected,
  ) {
    this.memory = new Memory(cfg, () => this.runners.values());
    this.admission = {
      cfg,
      memory: this.memory,
      runners: this.runners,
      counters: () => this.counters,
      evict: (r, reason, forModel) => this.evict(r, reason, forModel),
    };
    this.unloads = new UnloadQueue({
      unloadDelayMs: cfg.unloadDelayMs,
      gpuRecoveryMs: cfg.gpuRecoveryMs,
      memory: this.memory,
      life,
      closed: (r) => this.closed(r),
    });
  }

  /** Loaded runners (unloading ones included), latest expiry first, as /api/ps lists them. */
  sorted(): Runner[] {
    return [...this.runners.values()].sort(
      (a, b) => b.expiresAt.getTime() - a.expiresAt.getTime() || a.key.localeCompare(b.key),
    );
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
    for (const r of this.runners.values()) clearTimeout(r.timer);
  }

  /** keep_alive as sent, in ms (Infinity = forever), or undefined when not sent. */
  keepAliveOf(body: Json): number | undefined {
    const ka = body['keep_alive'];
    return ka === undefined || ka === null ? undefined : parseKeepAlive(ka);
  }

  loadOpts(model: FakeModel, body: Json): LoadOpts {
    return loadOptsFor(model, body, defaultContext(this.cfg), this.cfg.contextLength !== undefined);
  }

  /** keep_alive 0 with nothing to do: queue the unload (done once idle). False when not loaded. */
  expire(model: FakeModel): boolean {
    const r = this.runners.get(runnerKey(model));
    if (!r || r.state !== 'loaded') return false;
    if (r.cause !== 'unload') this.counters.unloads++;
    this.markExpiring(r, 'unload');
    return true;
  }

  /** An out-of-memory during generation: every loaded model expires, pinned ones included. */
  expireAllAfterOom(forModel: FakeModel): void {
    for (const r of this.runners.values()) if (r.state === 'loaded') this.evict(r, 'oom', forModel);
  }

  /** A loaded runner for the request, loading it if needed. The caller owns one reference: release() it. */
  acquire(req: LoadRequest): Promise<Acquired> {
    const ready = this.reuse(req);
    if (ready) return Promise.resolve(ready);
    const job = this.loadChain.then(() => this.loadJob(req));
    this.loadChain = job.catch(() => undefined);
    return job;
  }

  /** A request finished with the runner: when idle, the keep_alive timer starts (or the unload is queued). */
  release(r: Runner): void {
    r.inFlight = Math.max(0, r.inFlight - 1);
    if (r.inFlight > 0 || r.state !== 'loaded') return;
    if (r.cause !== undefined || r.keepAliveMs <= 0) {
      if (r.cause === undefined) this.counters.unloads++; // the request itself said keep_alive 0
      this.markExpiring(r, r.cause ?? 'unload');
      return;
    }
    if (!this.life.aborted) armExpiry(r, () => this.markExpiring(r, 'expire'));
  }

  /** OLLAMA_NUM_PARALLEL: wait for a free slot on the runner. Returns the function that frees it. */
  slot(r: Runner, signal: AbortSignal): Promise<() => void> {
    return takeSlot(r, signal);
  }

  private reuse(req: LoadRequest): Acquired | undefined {
    const r = this.runners.get(runnerKey(req.model));
    if (!r || r.state !== 'loaded' || reloadReasons(r.opts, req.opts).length > 0) return undefined;
    this.touch(r, req.keepAliveMs);
    return { runner: r, loadNs: 0 };
  }

  private async loadJob(req: LoadRequest): Promise<Acquired> {
    const { model, signal } = req;
    const start = nowNs();
    const key = runnerKey(model);
    let opts = req.opts;
    let retried = false;
    let reload: string[] | undefined;
    for (let round = 0; ; round++) {
      if (this.life.aborted) throw new Aborted();
      if (signal.aborted) {
        if (round > 0) this.counters.abortedLoads.push({ model: normalizeName(model.name), at: Date.now() });
        throw new Aborted();
      }
      const existing = this.runners.get(key);
      if (existing?.state === 'loaded') {
        const changed = reloadReasons(existing.opts, opts);
        if (changed.length === 0) {
          this.touch(existing, req.keepAliveMs);
          return { runner: existing, loadNs: 0 };
        }
        reload = changed;
        this.markExpiring(existing, 'reload');
      }
      if (existing) {
        await this.gone(existing);
        continue;
      }
      if (this.runners.size >= this.cfg.maxLoadedModels) {
        await this.gone(this.evict(victimOf(this.runners), 'count', model));
        continue;
      }
      // sched.go load: one slot for embedding models and the families "not safe with num_parallel > 1"
      const parallel = slotsOf(model, this.cfg.numParallel);
      const unrunnable = cacheProblem(this.cfg.kvCacheType, this.cfg.flashAttention);
      if (unrunnable) {
        this.counters.failedLoads.push({ model: normalizeName(model.name), error: unrunnable, at: Date.now() });
        throw new HttpError(500, unrunnable);
      }
      const plan = this.memory.plan(model, opts, parallel);
      const victim = admit(this.admission, model, opts, plan);
      if (victim) {
        await this.gone(victim);
        continue;
      }
      const loadMs = this.cfg.loadDelayMs + (this.cfg.loadMsPerGB * plan.size) / 1e9;
      await sleep(loadMs, AbortSignal.any([signal, this.life]));
      if (this.life.aborted) throw new Aborted();
      if (signal.aborted) {
        this.counters.abortedLoads.push({ model: normalizeName(model.name), at: Date.now() });
        throw new Aborted();
      }
      const failure = this.injected.takeLoad(model.name);
      if (failure !== undefined) {
        const others = [...this.runners.values()].filter((r) => r.key !== key);
        const smaller = opts.numCtxAuto
          ? opts.numCtx > 32768
            ? 32768
            : opts.numCtx > 4096
              ? 4096
              : undefined
          : undefined;
        if (isOutOfMemory(failure) && !retried && (smaller !== undefined || others.length > 0)) {
          retried = true;
          if (smaller !== undefined) opts = { ...opts, numCtx: smaller };
          this.counters.loadRetries.push({
            model: normalizeName(model.name),
            numCtx: opts.numCtx,
            evictedAll: others.length > 0,
            at: Date.now(),
          });
          await Promise.all(others.map((r) => this.gone(r.state === 'loaded' ? this.evict(r, 'evict-all', model) : r)));
          continue;
        }
        this.counters.failedLoads.push({ model: normalizeName(model.name), error: failure, at: Date.now() });
        throw new HttpError(500, failure);
      }
      const runner = newRunner(
        model,
        runnerOpts(opts, plan.numBatch, plan.gpus.length === 0),
        parallel,
        plan,
        req.keepAliveMs ?? this.cfg.defaultKeepAliveMs,
      );
      this.runners.set(key, runner);
      this.loadCounts.set(nameKey(model.name), this.loadCount(model.name) + 1);
      recordLoad(this.counters, normalizeName(model.name), loadMs, reload, this.memory, this.cfg.memoryBytes);
      this.touch(runner, undefined);
      return { runner, loadNs: nsSince(start) };
    }
  }

  private evict(r: Runner, reason: EvictionReason, forModel: FakeModel): Runner {
    if (r.state === 'loaded' && r.cause === undefined) {
      this.counters.forcedEvictions.push({
        evicted: normalizeName(r.model.name),
        for: normalizeName(forModel.name),
        reason,
        at: Date.now(),
      });
      this.markExpiring(r, 'evict');
    }
    return r;
  }

  /** Ask for the runner's unload: at once when idle, else when its last request ends. */
  private markExpiring(r: Runner, cause: UnloadCause): void {
    if (r.state !== 'loaded') return;
    r.cause ??= cause;
    r.keepAliveMs = 0;
    r.expiresAt = new Date();
    clearTimeout(r.timer);
    r.timer = undefined;
    if (r.inFlight === 0) this.unloads.push(r);
  }

  /** Resolves when the runner's unload is complete, or the server stops. */
  private gone(r: Runner): Promise<void> {
    const life = this.life;
    if (life.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        life.removeEventListener('abort', done);
        resolve();
      };
      life.addEventListener('abort', done, { once: true });
      void r.gone.then(done);
    });
  }

  /** The unload worker closed a runner. */
  private closed(r: Runner): void {
    clearTimeout(r.timer);
    r.timer = undefined;
    if (this.runners.get(r.key) === r) this.runners.delete(r.key);
    if (r.cause === 'unload') this.counters.unloadsCompleted++;
    if (r.cause === 'expire') this.counters.expiries++;
  }

  /** A request uses the runner: in-flight +1, expiry timer stopped, keep_alive updated when sent. */
  private touch(r: Runner, keepAliveMs: number | undefined): void {
    r.inFlight++;
    if (keepAliveMs !== undefined && r.cause === undefined) r.keepAliveMs = keepAliveMs;
    clearTimeout(r.timer);
    r.timer = undefined;
    if (r.cause === undefined) r.expiresAt = expiryFrom(r.keepAliveMs);
  }
}

/**
 * A cache llama-server will not start with: a type it does not know, or a quantized V cache with
 * flash attention off (llama.cpp: "V cache quantization requires flash_attn"; Ollama passes
 * --flash-attn off when OLLAMA_FLASH_ATTENTION=0, llm/llama_server.go appendFlashAttentionArgs).
 */
function cacheProblem(type: string, flashAttention: 'auto' | 'on' | 'off'): string | undefined {
  const bytes = KV_BYTES_PER_VALUE[type];
  if (bytes === undefined) return `llama-server process has terminated: error: unsupported cache type: ${type}`;
  if (bytes < 2 && flashAttention === 'off')
    return 'llama-server process has terminated: error: V cache quantization requires flash_attn';
  return undefined;
}
