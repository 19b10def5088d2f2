/**
 * What is installed, what is loaded and what fits, as list_models, show_model, doctor and the
 * resources show it: the catalog and /api/ps read together, and every model assessed against the
 * memory of the host Ollama runs on.
 */
import type { Settings } from '../config/index.js';
import type { Engine, RunningModel } from '../engines/engine.js';
import { HostError } from '../engines/host-error.js';
import type { HostView } from '../loading/host-memory.js';
import { baseContext, contextFor } from '../loading/load-context.js';
import type { Loader } from '../loading/loader.js';
import { assessFit, kvCacheBytes, roomBytes, VRAM_ADMISSION } from '../loading/planner.js';
import { resolveRamPolicy, type RamMonitor } from '../loading/ram.js';
import { describeFigure } from '../loading/learned-size.js';
import { runnerFor } from '../loading/load-planning.js';
import { heldTotal } from '../loading/held-sizes.js';
import type { Catalog, CatalogModel } from './catalog.js';
import { MODEL_DATABASE, type ModelEntry } from './model-db.js';
import {
  toLoaded,
  type HostCapacity,
  type LoadedModel,
  type ModelCard,
  type ModelsOverview,
  type ModelSummary,
  type RamSummary,
} from './overview-types.js';

/** Where the fit of a model its engine plans comes from (ModelSummary.memoryFigure). */
export const ENGINE_FIGURE = "its host's own plan";

/**
 * A model whose memory is not planned here: the fit its engine says (another ollm-mcp's own plan),
 * else no figure — its engine loads it on demand, so it is taken to fit.
 */
export function reportedFit(
  model: Pick<CatalogModel, 'fit' | 'cloud'>,
): Pick<ModelSummary, 'requiredBytes' | 'fits' | 'fitsNow'> {
  const f = model.cloud ? undefined : model.fit;
  if (!f) return { requiredBytes: 0, fits: true, fitsNow: true };
  return { requiredBytes: f.needBytes ?? 0, fits: f.fitsNow || f.fitsAfterUnload !== false, fitsNow: f.fitsNow };
}

export interface OverviewDeps {
  backend: Engine;
  catalog: Catalog;
  ram: RamMonitor;
  loader: Loader;
  settings: Settings;
}

/** How long a reading of /api/ps serves listings (Ollama also expires models on its own). */
const PS_TTL_MS = 1000;

export class ModelOverview {
  private readonly backend: Engine;
  private readonly catalog: Catalog;
  private readonly ram: RamMonitor;
  private readonly loader: Loader;
  private readonly settings: Settings;

  constructor(deps: OverviewDeps) {
    ({
      backend: this.backend,
      catalog: this.catalog,
      ram: this.ram,
      loader: this.loader,
      settings: this.settings,
    } = deps);
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
    const value = this.backend.ps({ signal });
    const slot = { at: now, changes: this.loader.changes, value };
    this.ps = slot;
    value.catch(() => {
      if (this.ps === slot) this.ps = undefined;
    });
    return value;
  }

  private get host(): string {
    return this.backend.host;
  }

  async loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return (await this.backend.ps({ signal })).map(toLoaded);
  }

  /** What the loaded models count for together: as the planner counts them where it plans memory (a model's need where its engine reports nothing it holds), else as the engine lists them. */
  private async heldBytes(running: RunningModel[], view: HostView): Promise<number> {
    if (!this.backend.can.managesMemory || running.length === 0) return running.reduce((sum, m) => sum + m.size, 0);
    const models = (await this.catalog.list().catch(() => undefined))?.models ?? [];
    return heldTotal(
      { backend: this.backend, settings: this.settings, learned: (...a) => this.loader.learned(...a) },
      models,
      running,
      view,
    );
  }

  /** The host's memory and this machine's readings, for list_models, ollm://system/ram and doctor. */
  async ramSummary(running: RunningModel[]): Promise<RamSummary & { view: HostView }> {
    const [reading, view] = await Promise.all([this.ram.read(), this.loader.hostMemory.view(running)]);
    const policy = resolveRamPolicy(this.settings.ram, reading);
    const loadedBytes = await this.heldBytes(running, view);
    const { memory } = view;
    const known = memory.vram !== undefined || memory.ram !== undefined || memory.ceilingBytes !== undefined;
    const headroom = memory.vram
      ? Math.floor(memory.vram.freeBytes * VRAM_ADMISSION)
      : memory.ram
        ? roomBytes(view.policy, loadedBytes, memory.ram.availableBytes)
        : memory.ceilingBytes !== undefined
          ? memory.ceilingBytes - loadedBytes
          : -1;
    const host: HostCapacity = {
      kind: memory.kind,
      source: view.source,
      note: view.sourceNote,
      ...(memory.ram &&
        memory.ram.totalBytes < Number.MAX_SAFE_INTEGER && {
          ramTotalBytes: memory.ram.totalBytes,
          ramAvailableBytes: memory.ram.availableBytes,
        }),
      ...(memory.vram && { vramTotalBytes: memory.vram.totalBytes, vramFreeBytes: memory.vram.freeBytes }),
      maxLoadedModels: view.maxLoadedModels,
      numParallel: view.numParallel,
      ...(view.runner.preflight && {
        kvCacheType: view.runner.kvCacheType,
        flashAttention: view.runner.flashAttention,
        ...(view.runner.gpuOverheadBytes > 0 && { gpuOverheadBytes: view.runner.gpuOverheadBytes }),
      }),
    };
    return {
      totalBytes: reading.totalBytes,
      availableBytes: reading.availableBytes,
      swapTotalBytes: reading.swapTotalBytes,
      swapUsedBytes: reading.swapUsedBytes,
      budgetBytes: policy.budgetBytes,
      loadedBytes,
      // -1 says unknown (no memory figure at all); loaded models past the budget, or RAM under the buffer, leave none: 0, never a negative
      headroomBytes: known ? Math.max(0, headroom) : -1,
      safetyMargin: policy.safetyMargin,
      bufferBytes: policy.bufferBytes,
      smallModelBytes: policy.smallModelBytes,
      gpus: reading.gpus,
      host,
      view,
    };
  }

  private summarize(model: CatalogModel, running: RunningModel[], view: HostView, loadedBytes: number): ModelSummary {
    const isLoaded = running.some((l) => l.name === model.name);
    const { slots, kvType } = runnerFor(model, view);
    const planned = !model.cloud && this.backend.can.managesMemory;
    const contextLength = contextFor(
      model,
      running.find((r) => r.name === model.name),
      0,
      baseContext(this.settings, view.memory, model),
    );
    const learned = planned ? this.loader.learned(model, contextLength, slots, kvType) : undefined;
    const fit = !planned
      ? reportedFit(model)
      : assessFit({
          modelBytes: model.sizeBytes,
          ...(learned && { learnedBytes: learned.plannedBytes }),
          kvBytes: kvCacheBytes(model.kvShape, contextLength, kvType) * slots,
          isLoaded,
          loadedBytes,
          memory: view.memory,
          policy: view.policy,
        });
    return {
      name: model.name,
      sizeBytes: model.sizeBytes,
      family: model.family,
      parameterSize: model.parameterSize,
      quantization: model.quantization,
      contextWindow: model.contextWindow,
      capabilities: model.capabilities,
      profiles: model.profiles,
      loaded: isLoaded,
      ...fit,
      ...(planned && { memoryFigure: describeFigure(learned?.observed, contextLength) }),
      ...(!planned && !model.cloud && model.fit && { memoryFigure: ENGINE_FIGURE }),
      ...(model.cloud && { cloud: true }),
      ...(!this.backend.can.managesMemory && { selfManaged: true }),
      ...(model.own && { own: model.own }),
    };
  }

  /** Installed models with what they can do and whether they fit; the list_models answer. */
  /**
   * `reachable`: fail when Ollama does not answer now, instead of showing the last list seen;
   * `recent`: a reading of /api/ps from the last second will do (placement on every request).
   */
  async listModels(
    options: { refresh?: boolean; signal?: AbortSignal; reachable?: boolean; recent?: boolean } = {},
  ): Promise<ModelsOverview> {
    const [snapshot, running] = await Promise.all([
      this.catalog.list(options),
      (options.recent
        ? this.running(options.signal)
        : this.backend.ps({ signal: options.signal, ...(options.refresh && { refresh: true }) })
      ).catch((err: unknown) => {
        if (err instanceof HostError && err.kind === 'unreachable' && !options.reachable) return [];
        throw err;
      }),
    ]);
    // Worked out again only when something it is made of changed: it is read on every call's path.
    const key = [
      snapshot,
      running,
      await this.ram.read(),
      this.loader.hostMemory.revision,
      this.loader.learnedRevision(),
    ];
    const kept = this.kept;
    if (kept && key.every((part, i) => part === kept.key[i])) return kept.overview;
    const { view, ...ram } = await this.ramSummary(running);
    const overview: ModelsOverview = {
      host: this.host,
      models: snapshot.models.map((m) => this.summarize(m, running, view, ram.loadedBytes)),
      loaded: running.map(toLoaded),
      ram,
    };
    if (snapshot.stale) overview.stale = snapshot.stale.message;
    this.kept = { key, overview };
    return overview;
  }

  /** The last overview and what it was made of: the catalog's snapshot, /api/ps, the memory readings, the host's memory model and the sizes learned. */
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
      ...this.summarize(model, running, view, loadedBytes),
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
