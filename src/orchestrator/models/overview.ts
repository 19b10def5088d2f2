/**
 * What is installed, what is loaded and what fits, as list_models, show_model, doctor and the
 * resources show it: the catalog and /api/ps read together, and every model assessed against the
 * memory of the host Ollama runs on.
 */
import type { Engine } from '../engines/engine.js';
import type { RunningModel } from '../engines/engine-model.js';
import { HostError } from '../engines/host-error.js';
import type { HostView } from '../loading/host-memory.js';
import type { Loader } from '../loading/loader.js';
import type { RamMonitor } from '../loading/ram.js';
import type { Catalog, CatalogModel } from './catalog.js';
import { MODEL_DATABASE, type ModelEntry } from './model-db.js';
import { modelSummary } from './overview-model.js';
import { ramSummaryOf, type OverviewDeps } from './overview-ram.js';
import { toLoaded, type LoadedModel, type ModelCard, type ModelsOverview, type RamSummary } from './overview-types.js';

/** How long a reading of /api/ps serves listings (Ollama also expires models on its own). */
const PS_TTL_MS = 1000;

export class ModelOverview {
  private readonly backend: Engine;
  private readonly catalog: Catalog;
  private readonly ram: RamMonitor;
  private readonly loader: Loader;
  /** The parts as given, which the summaries of the host's memory and of each model read too. */
  private readonly deps: OverviewDeps;

  constructor(deps: OverviewDeps) {
    const { backend, catalog, ram, loader, settings } = deps;
    this.deps = { backend, catalog, ram, loader, settings };
    ({ backend: this.backend, catalog: this.catalog, ram: this.ram, loader: this.loader } = this.deps);
  }

  /**
   * /api/ps as read a moment ago: listing models on every call would cost a round trip per host.
   * Reused for PS_TTL_MS unless this server loaded or unloaded something since; every load or
   * unload decision reads /api/ps afresh itself (loader.ts); the windows a request plans against
   * use this reading (fleet/windows.ts).
   */
  private ps?: { at: number; changes: number; value: Promise<RunningModel[]> };

  running(signal?: AbortSignal): Promise<RunningModel[]> {
    const now = Date.now();
    const c = this.ps;
    if (c && now - c.at < PS_TTL_MS && c.changes === this.loader.changes) return c.value;
    const value = this.backend.ps({ signal, recent: true });
    const slot = { at: now, changes: this.loader.changes, value };
    this.ps = slot;
    value.catch(() => {
      if (this.ps === slot) this.ps = undefined;
    });
    return value;
  }

  /**
   * A request is coming (a tool that plans: tools/tool-call.ts): what its plan reads of this host — /api/ps
   * and the memory — begun now where what is kept is stale, beside the call's first steps; the plan then
   * finds them read or in flight (shared) instead of asking one after the other on its path. True when a
   * request to the engine was begun (it leaves once the caller yields to the event loop).
   */
  freshen(): boolean {
    const before = this.ps;
    this.running().catch(() => undefined);
    this.ram.read().catch(() => undefined);
    return this.ps !== before;
  }

  private get host(): string {
    return this.backend.host;
  }

  async loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return (await this.backend.ps({ signal })).map(toLoaded);
  }

  /** The host's memory and this machine's readings, for list_models, ollm://system/ram and doctor. */
  ramSummary(running: RunningModel[]): Promise<RamSummary & { view: HostView }> {
    return ramSummaryOf(this.deps, running);
  }

  /** Installed models with what they can do and whether they fit; the list_models answer. */
  /**
   * `reachable`: fail when Ollama does not answer now, instead of showing the last list seen;
   * `recent`: a reading of /api/ps from the last second will do (placement on every request).
   */
  async listModels(
    options: { refresh?: boolean; signal?: AbortSignal; reachable?: boolean; recent?: boolean } = {},
  ): Promise<ModelsOverview> {
    // the memory read beside the others, not after them: each may be a read on the call's path
    const [snapshot, running, reading] = await Promise.all([
      this.catalog.list(options),
      (options.recent
        ? this.running(options.signal)
        : this.backend.ps({ signal: options.signal, ...(options.refresh && { refresh: true }) })
      ).catch((err: unknown) => {
        if (err instanceof HostError && err.kind === 'unreachable' && !options.reachable) return [];
        throw err;
      }),
      this.ram.read(),
    ]);
    // Worked out again only when something it is made of changed: it is read on every call's path.
    const key = [snapshot, running, reading, this.loader.hostMemory.revision, this.loader.learnedRevision()];
    const kept = this.kept;
    if (kept && key.every((part, i) => part === kept.key[i])) return kept.overview;
    const { view, ...ram } = await this.ramSummary(running);
    const overview: ModelsOverview = {
      host: this.host,
      models: snapshot.models.map((m) => modelSummary(this.deps, m, running, view, ram.loadedBytes)),
      loaded: running.map(toLoaded),
      ram,
    };
    if (snapshot.stale) overview.stale = snapshot.stale.message;
    this.kept = { key, overview };
    return overview;
  }

  /**
   * The last overview and what it was made of: the catalog's snapshot, /api/ps, the memory readings, the
   * host's memory model and the sizes learned.
   */
  private kept?: { key: readonly unknown[]; overview: ModelsOverview };

  /** One installed model in full; throws model_not_found with the pull hint when absent. */
  async modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    const [model, running] = await Promise.all([
      this.catalog.resolve(name, signal ? { signal } : {}),
      this.backend.ps({ signal }),
    ]);
    const { view, loadedBytes } = await this.ramSummary(running);
    const loaded = running.map(toLoaded);
    const card: ModelCard = {
      ...modelSummary(this.deps, model, running, view, loadedBytes),
      digest: model.digest,
      modifiedAt: model.modifiedAt,
      contextSource: model.contextSource,
      detailsKnown: model.detailsKnown,
    };
    if (model.architecture) card.architecture = model.architecture;
    if (model.pattern) card.pattern = model.pattern;
    if (model.licenseFirstLines) card.licenseFirstLines = model.licenseFirstLines;
    const mine = loaded.find((l) => l.name === model.name);
    if (mine) card.running = mine;
    return card;
  }

  /** Loaded models with what this server knows of them: pins, requests running, last use. */
  async loadedView(
    signal?: AbortSignal,
  ): Promise<Array<LoadedModel & { pinned: boolean; requestsRunning: number; lastUsedAt?: string }>> {
    const loaded = await this.loadedModels(signal);
    return loaded.map((m) => {
      const last = this.loader.lastUsed.get(m.name);
      return {
        ...m,
        pinned: this.loader.pins.has(m.name),
        requestsRunning: this.loader.requestsOn(m.name),
        ...(last && { lastUsedAt: new Date(last).toISOString() }),
      };
    });
  }

  /** The RAM resource: readings, budget, loaded models, and whether Ollama answered. */
  async ramStatus(): Promise<
    RamSummary & { loaded: LoadedModel[]; ollama: { host: string; reachable: boolean; error?: string } }
  > {
    let running: RunningModel[] = [];
    let error: string | undefined;
    try {
      running = await this.backend.ps();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const { view: _view, ...ram } = await this.ramSummary(running);
    return {
      ...ram,
      loaded: running.map(toLoaded),
      ollama: { host: this.host, reachable: error === undefined, ...(error && { error }) },
    };
  }

  /** Known patterns, and installed models merged with what Ollama says when it answers. */
  async modelDatabase(): Promise<{
    patterns: readonly ModelEntry[];
    installed: CatalogModel[];
    ollama: { reachable: boolean; error?: string };
  }> {
    try {
      const snap = await this.catalog.list();
      return {
        patterns: MODEL_DATABASE,
        installed: snap.models,
        ollama: { reachable: !snap.stale, ...(snap.stale && { error: snap.stale.message }) },
      };
    } catch (err) {
      return {
        patterns: MODEL_DATABASE,
        installed: [],
        ollama: { reachable: false, error: err instanceof Error ? err.message : String(err) },
      };
    }
  }
}
