/**
 * Carries out load plans against Ollama. Every decision starts from a fresh /api/ps and RAM
 * reading (Ollama evicts and expires models on its own), loads are serialised so two requests
 * cannot both believe they fit, and concurrent requests for one model share one load.
 * Unloading uses keep_alive 0 on the native API and is confirmed with /api/ps before loading.
 */
import type { Settings } from './config/index.js';
import { formatBytes as fmt } from './config/units.js';
import { withTag, type Catalog, type CatalogModel } from './catalog.js';
import { log } from './log.js';
import { notInstalled, OllamaError, type OllamaBackend, type RunningModel } from './ollama.js';
import { kvCacheBytes, planLoad, type LoadPlan } from './planner.js';
import { resolveRamPolicy, type RamMonitor } from './ram.js';

/** Ollama's own default context when none is asked for. */
export const DEFAULT_NUM_CTX = 4096;
/** Loading a large model from disk can take minutes. */
const LOAD_TIMEOUT_MS = 10 * 60_000;
const CONFIRM_TRIES = 20;
const CONFIRM_INTERVAL_MS = 50;

export type KeepAlive = string | number;

export interface LoadRequest {
  model: string;
  /** The context the coming work needs, in tokens; the loaded one is kept when it suffices. */
  contextLength?: number;
  keepAlive?: KeepAlive;
  pin?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  /**
   * What /api/ps said moments ago within this same request. When it shows the model loaded with
   * enough context, nothing needs deciding and the loader does not ask Ollama again.
   */
  seen?: ReadonlyArray<{ name: string; sizeBytes: number; contextLength?: number }>;
}

export interface LoadOutcome {
  model: string;
  action: 'already_loaded' | 'loaded' | 'would_load' | 'refused';
  /** Unloaded to make room (or, in a dry run, what would be). */
  unloaded: string[];
  requiredBytes: number;
  availableBytes: number;
  reason: string;
  keepAlive: KeepAlive;
  pinned: boolean;
  contextLength: number;
  /** Set when the model was loaded with a smaller context and is reloaded with this work's. */
  contextRaisedFrom?: number;
  loadMs?: number;
  fitsInVram?: boolean;
  /** For a refusal: what could be loaded, together with the most that could be freed. */
  obtainableBytes?: number;
}

export interface UnloadOutcome {
  unloaded: string[];
  kept: Array<{ model: string; why: string }>;
  notLoaded: string[];
}

export interface LoaderOptions {
  now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Loader {
  /** Models kept loaded while the server runs: settings' keepAlive.models plus per-call pins. */
  readonly pins = new Set<string>();
  readonly lastUsed = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly shared = new Map<string, Promise<LoadOutcome>>();
  private readonly now: () => number;

  constructor(
    private readonly backend: OllamaBackend,
    private readonly catalog: Catalog,
    private readonly ram: RamMonitor,
    private readonly settings: Settings,
    options: LoaderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    if (settings.model.keepAlive.enabled) for (const m of settings.model.keepAlive.models) this.pins.add(withTag(m));
  }

  /** Marks a request running on `model` (it will not be unloaded); call the result when done. */
  begin(model: string): () => void {
    const name = withTag(model);
    this.inFlight.set(name, (this.inFlight.get(name) ?? 0) + 1);
    this.lastUsed.set(name, this.now());
    return () => {
      const n = (this.inFlight.get(name) ?? 1) - 1;
      if (n > 0) this.inFlight.set(name, n);
      else this.inFlight.delete(name);
      this.lastUsed.set(name, this.now());
    };
  }

  busy(): ReadonlySet<string> {
    return new Set(this.inFlight.keys());
  }

  requestsOn(model: string): number {
    return this.inFlight.get(withTag(model)) ?? 0;
  }

  /** Runs `work` after every earlier load or unload has finished. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  ensureLoaded(req: LoadRequest): Promise<LoadOutcome> {
    const quick = this.alreadyLoaded(req);
    if (quick) return quick;
    if (req.dryRun) return this.decide(req);
    const key = `${withTag(req.model)}|${req.keepAlive ?? ''}|${req.pin ?? ''}|${req.contextLength ?? ''}`;
    const existing = this.shared.get(key);
    if (existing) return existing;
    const job = this.serial(() => this.decide(req)).finally(() => this.shared.delete(key));
    this.shared.set(key, job);
    return job;
  }

  /** The fast path: loaded with enough context per this request's own /api/ps reading, nothing to change. */
  private alreadyLoaded(req: LoadRequest): Promise<LoadOutcome> | undefined {
    if (!req.seen || req.pin || req.keepAlive !== undefined) return undefined;
    const name = withTag(req.model);
    const seen = req.seen.find((m) => m.name === name || m.name === req.model);
    if (!seen?.contextLength || seen.contextLength < (req.contextLength ?? 0)) return undefined;
    this.lastUsed.set(seen.name, this.now());
    return Promise.resolve({
      model: seen.name,
      action: 'already_loaded',
      unloaded: [],
      requiredBytes: seen.sizeBytes,
      availableBytes: 0,
      reason: `${seen.name} is already loaded.`,
      keepAlive: this.keepAliveFor(seen.name, req),
      pinned: this.pins.has(seen.name),
      contextLength: seen.contextLength,
    });
  }

  private keepAliveFor(name: string, req: LoadRequest): KeepAlive {
    if (req.pin || this.pins.has(name)) return -1;
    return req.keepAlive ?? this.settings.model.keepAlive.timeout;
  }

  /**
   * The context a model runs with here: what it is loaded with when that is enough, else what the
   * work needs (rounded up to a power of two, at least the setting or Ollama's default), never
   * beyond the trained window. Keeping it stable avoids Ollama reloading the model.
   */
  contextFor(model: CatalogModel, running?: RunningModel, needed = 0): number {
    if (running?.context_length && running.context_length >= needed) return running.context_length;
    const base = this.settings.options.contextSize ?? DEFAULT_NUM_CTX;
    const wanted = needed > base ? 2 ** Math.ceil(Math.log2(needed)) : base;
    return Math.min(wanted, model.contextWindow);
  }

  private async installed(name: string, signal?: AbortSignal): Promise<CatalogModel> {
    const model = (await this.catalog.get(name, { signal })) ?? (await this.catalog.get(name, { refresh: true, signal }));
    if (!model) throw notInstalled(name, this.backend.host);
    return model;
  }

  /** Reads the state, plans, logs the memory check, and (unless a dry run) carries the plan out. */
  private async decide(req: LoadRequest): Promise<LoadOutcome> {
    const model = await this.installed(req.model, req.signal);
    const [running, reading] = await Promise.all([this.backend.ps({ signal: req.signal }), this.ram.read({ fresh: true })]);
    const policy = resolveRamPolicy(this.settings.ram, reading);
    const loadedAs = running.find((r) => r.name === model.name);
    const contextLength = this.contextFor(model, loadedAs, req.contextLength);
    // A larger context means Ollama reloads the model: plan as if it were not loaded, its memory freed.
    const reload = loadedAs !== undefined && (loadedAs.context_length ?? 0) < contextLength;
    const others = running.filter((r) => r.name !== model.name || !reload);
    const gpu = reading.gpus[0];
    const plan = planLoad({
      model: { name: model.name, sizeBytes: model.sizeBytes, kvBytes: kvCacheBytes(model.kvShape, contextLength) },
      loaded: others.map((r) => ({ name: r.name, sizeBytes: r.size, vramBytes: r.size_vram ?? 0 })),
      pinned: this.pins,
      inFlight: this.busy(),
      lastUsed: this.lastUsed,
      memory: {
        totalBytes: reading.totalBytes,
        availableBytes: reading.availableBytes + (reload ? loadedAs.size : 0),
        ...(gpu && {
          gpu: { vramTotalBytes: gpu.vramTotalBytes, vramFreeBytes: gpu.vramFreeBytes ?? gpu.vramTotalBytes - running.reduce((s, r) => s + (r.size_vram ?? 0), 0) },
        }),
      },
      policy,
      now: this.now(),
    });
    if (reload) plan.reason = `${plan.reason} The context grows from ${loadedAs.context_length} to ${contextLength} tokens for this work, so Ollama reloads it.`;
    this.logMemoryCheck(plan, others, reading.availableBytes, model, req.dryRun ?? false);

    const pinned = req.pin === true || this.pins.has(model.name);
    const keepAlive = this.keepAliveFor(model.name, req);
    const outcome: LoadOutcome = {
      model: model.name,
      action: plan.action === 'refuse' ? 'refused' : plan.action === 'already_loaded' ? 'already_loaded' : req.dryRun ? 'would_load' : 'loaded',
      unloaded: plan.unload,
      requiredBytes: plan.requiredBytes,
      availableBytes: plan.availableBytes,
      reason: plan.reason,
      keepAlive,
      pinned,
      contextLength,
    };
    if (plan.fitsInVram !== undefined) outcome.fitsInVram = plan.fitsInVram;
    if (reload) outcome.contextRaisedFrom = loadedAs.context_length ?? 0;
    if (plan.action === 'refuse') outcome.obtainableBytes = plan.obtainableBytes;
    if (req.dryRun || plan.action === 'refuse') return outcome;

    if (req.pin) this.pins.add(model.name);
    if (plan.action === 'already_loaded') {
      // A new pin or keep-alive is applied with the context it runs with, so Ollama does not reload it.
      if (req.pin || req.keepAlive !== undefined) await this.sendLoad(model.name, keepAlive, contextLength, req.signal);
      this.lastUsed.set(model.name, this.now());
      return outcome;
    }
    for (const name of plan.unload) await this.sendUnload(name, req.signal);
    await this.confirm((ps) => plan.unload.every((n) => !ps.some((r) => r.name === n)), 'unload');
    const started = this.now();
    const loadNs = await this.sendLoad(model.name, keepAlive, contextLength, req.signal).catch(async (err: unknown) => {
      await this.backend.ps().catch(() => undefined); // leave a fresh view for the next decision
      throw err;
    });
    outcome.loadMs = loadNs ? Math.round(loadNs / 1e6) : this.now() - started;
    await this.confirm((ps) => ps.some((r) => r.name === model.name && (r.context_length ?? contextLength) >= contextLength), 'load');
    this.lastUsed.set(model.name, this.now());
    log.info(`loaded ${model.name} in ${outcome.loadMs} ms (keep_alive ${keepAlive}${pinned ? ', pinned' : ''})`);
    return outcome;
  }

  private logMemoryCheck(plan: LoadPlan, running: RunningModel[], available: number, model: CatalogModel, dryRun: boolean): void {
    const loaded = running.reduce((s, r) => s + r.size, 0);
    const names = running.length ? ` (${running.map((r) => `${r.name} ${fmt(r.size)}`).join(', ')})` : '';
    const decision =
      plan.action === 'already_loaded'
        ? 'already loaded'
        : plan.action === 'refuse'
          ? 'refuse'
          : plan.unload.length
            ? `unload ${plan.unload.join(', ')} (${fmt(plan.freedBytes)}), then load`
            : 'load, nothing to unload';
    log.info(
      `memory check${dryRun ? ' (dry run)' : ''}: available ${fmt(available)}, loaded ${fmt(loaded)}${names}, wanted ${model.name} ${fmt(model.sizeBytes)}, required ${fmt(plan.requiredBytes)} with margin, room ${fmt(plan.availableBytes)} → ${decision}`,
    );
  }

  /** Load only: an empty generate. Returns Ollama's load_duration in ns when it reports one. */
  private async sendLoad(name: string, keepAlive: KeepAlive, numCtx: number, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.backend.call(
      `loading "${name}"`,
      (c) => c.generate({ model: name, prompt: '', keep_alive: keepAlive, options: { num_ctx: numCtx } }),
      { model: name, timeoutMs: LOAD_TIMEOUT_MS, ...(signal && { signal }) },
    );
    return res.load_duration || undefined;
  }

  private async sendUnload(name: string, signal?: AbortSignal): Promise<void> {
    await this.backend.call(`unloading "${name}"`, (c) => c.generate({ model: name, prompt: '', keep_alive: 0 }), { model: name, ...(signal && { signal }) });
    log.info(`unloaded ${name}`);
  }

  /** Polls /api/ps until `done` holds: Ollama frees memory asynchronously. */
  private async confirm(done: (ps: RunningModel[]) => boolean, what: string): Promise<void> {
    for (let i = 0; i < CONFIRM_TRIES; i++) {
      if (done(await this.backend.ps())) return;
      await sleep(CONFIRM_INTERVAL_MS);
    }
    throw new OllamaError('server_error', `Ollama at ${this.backend.host} did not confirm the ${what} in /api/ps — check \`ollama ps\` and try again.`, this.backend.host);
  }

  /**
   * Unloads by name, or every loaded model for `all`. Naming a pinned model unpins it (the user
   * asked); `all` keeps pinned models unless `includePinned`. Models with requests running stay.
   */
  unload(target: { models: string[] } | { all: true; includePinned?: boolean }, signal?: AbortSignal): Promise<UnloadOutcome> {
    return this.serial(async () => {
      const running = await this.backend.ps({ signal });
      const loadedNames = running.map((r) => r.name);
      const out: UnloadOutcome = { unloaded: [], kept: [], notLoaded: [] };
      const wanted =
        'models' in target
          ? target.models.map((m) => {
              const name = loadedNames.find((n) => n === m || n === withTag(m)) ?? withTag(m);
              this.pins.delete(name);
              return name;
            })
          : loadedNames;
      for (const name of wanted) {
        if (!loadedNames.includes(name)) out.notLoaded.push(name);
        else if (this.inFlight.has(name)) out.kept.push({ model: name, why: 'a request is running on it' });
        else if ('all' in target && !target.includePinned && this.pins.has(name)) out.kept.push({ model: name, why: 'pinned (includePinned: true unloads it too)' });
        else {
          await this.sendUnload(name, signal);
          out.unloaded.push(name);
        }
      }
      if ('all' in target && target.includePinned) this.pins.clear();
      await this.confirm((ps) => out.unloaded.every((n) => !ps.some((r) => r.name === n)), 'unload');
      return out;
    });
  }

  /** At start-up: loads pinned models that fit without unloading anything. */
  async loadPins(): Promise<void> {
    for (const name of this.pins) {
      try {
        const plan = await this.ensureLoaded({ model: name, dryRun: true });
        if (plan.action === 'refused' || plan.unloaded.length > 0) {
          log.warn(`pinned model ${name} is not loaded: ${plan.action === 'refused' ? plan.reason : `it would need ${plan.unloaded.join(', ')} unloaded first`}; smart_load it when wanted.`);
        } else {
          await this.ensureLoaded({ model: name, pin: true });
        }
      } catch (err) {
        log.warn(`pinned model ${name}: ${(err as Error).message}`);
      }
    }
  }

  /** At shutdown: pinned models go back to the normal idle timeout, so they do not stay loaded forever. */
  async releasePins(): Promise<void> {
    if (this.pins.size === 0) return;
    const running = await this.backend.ps({ timeoutMs: 1000 });
    await Promise.all(
      running
        .filter((r) => this.pins.has(r.name))
        .map((r) => this.sendLoad(r.name, this.settings.model.keepAlive.timeout, r.context_length ?? DEFAULT_NUM_CTX).catch(() => undefined)),
    );
  }
}
