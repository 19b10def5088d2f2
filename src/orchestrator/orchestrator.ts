/**
 * The core, assembled: settings, the Ollama backend, the catalog and the RAM monitor.
 * Everything a tool or resource needs is a method here; nothing here knows about MCP.
 */
import type { LoadedConfig } from './config/index.js';
import { redactSettings } from './config/index.js';
import { Catalog, type CatalogModel } from './catalog.js';
import { MODEL_DATABASE, type ModelEntry } from './model-db.js';
import { OllamaBackend, OllamaError, type RunningModel } from './ollama.js';
import { assessFit, kvCacheBytes, roomBytes, VRAM_ADMISSION } from './planner.js';
import { HostMemoryModel, type CapacitySource, type HostView } from './host-memory.js';
import { join } from 'node:path';
import { Loader } from './loader.js';
import { baseContext, contextFor } from './load-context.js';
import type { MemoryProvider } from './memory-hook.js';
import { MemoryStore } from './memory-store.js';
import { MetricsStore } from './metrics.js';
import { Comparisons } from './compare.js';
import { Preferences } from './preferences.js';
import { Puller } from './pull.js';
import type { ProfileName } from './profiles.js';
import type { ProjectProfile } from './project.js';
import { RamMonitor, resolveRamPolicy, type GpuReading, type MemorySource } from './ram.js';
import { TemplateLibrary } from './templates/library.js';

export interface LoadedModel {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  expiresAt: string;
  /** Ollama keeps it until told otherwise (negative keep_alive). */
  keptForever: boolean;
  contextLength?: number;
}

export interface RamSummary {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
  budgetBytes: number;
  loadedBytes: number;
  /** What one more model may take now: min(budget − loaded, available − buffer). */
  headroomBytes: number;
  safetyMargin: number;
  bufferBytes: number;
  smallModelBytes: number;
  gpus: GpuReading[];
  /** The machine Ollama runs on, as loading decisions see it. */
  host: HostCapacity;
}

/** The Ollama host's memory as the planner sees it, and where the figures come from. */
export interface HostCapacity {
  kind: 'gpu' | 'cpu' | 'unknown';
  source: CapacitySource;
  note: string;
  ramTotalBytes?: number;
  ramAvailableBytes?: number;
  vramTotalBytes?: number;
  vramFreeBytes?: number;
  maxLoadedModels: number;
  numParallel: number;
}

export interface ModelSummary {
  name: string;
  sizeBytes: number;
  family: string;
  parameterSize: string;
  quantization: string;
  contextWindow: number;
  capabilities: string[];
  profiles: ProfileName[];
  loaded: boolean;
  requiredBytes: number;
  fits: boolean;
  fitsNow: boolean;
  /** Runs on ollama.com: takes no memory here, needs `ollama signin`. */
  cloud?: boolean;
}

export interface ModelsOverview {
  host: string;
  models: ModelSummary[];
  loaded: LoadedModel[];
  ram: RamSummary;
  /** Set when Ollama is unreachable and the list is the last one seen. */
  stale?: string;
}

export interface ModelCard extends ModelSummary {
  digest: string;
  modifiedAt: string;
  architecture?: string;
  contextSource: string;
  detailsKnown: boolean;
  pattern?: string;
  licenseFirstLines?: string;
  running?: LoadedModel;
}

export interface OrchestratorDeps {
  memorySource?: MemorySource;
  fetch?: typeof fetch;
  /** The project profile in effect (detected from the working folder or --project). */
  project?: ProjectProfile;
}

const FOREVER_AFTER_MS = 100 * 365 * 24 * 3600 * 1000;

function toLoaded(m: RunningModel): LoadedModel {
  const expiresAt = String(m.expires_at);
  const loaded: LoadedModel = {
    name: m.name,
    sizeBytes: m.size,
    vramBytes: m.size_vram ?? 0,
    expiresAt,
    keptForever: Date.parse(expiresAt) - Date.now() > FOREVER_AFTER_MS,
  };
  if (typeof m.context_length === 'number') loaded.contextLength = m.context_length;
  return loaded;
}

export class Orchestrator {
  readonly backend: OllamaBackend;
  readonly catalog: Catalog;
  readonly ram: RamMonitor;
  readonly loader: Loader;
  readonly metrics: MetricsStore;
  readonly puller: Puller;
  readonly comparisons = new Comparisons();
  readonly preferences: Preferences;
  /** Remembered facts, shared with other ollm-mcp processes through $OLLM_HOME/memory.json. */
  readonly memoryStore: MemoryStore;
  /** What generation asks for remembered facts (the memory store). */
  memory?: MemoryProvider;
  readonly templates: TemplateLibrary;
  readonly project?: ProjectProfile;
  /** Aborted when the server shuts down: every generation and pull in flight stops. */
  private readonly stopping = new AbortController();

  constructor(
    readonly config: LoadedConfig,
    deps: OrchestratorDeps = {},
  ) {
    const { ollama } = config.settings;
    this.backend = new OllamaBackend({ host: ollama.host, timeoutMs: ollama.timeoutMs, ...(deps.fetch && { fetch: deps.fetch }) });
    this.catalog = new Catalog(this.backend);
    this.ram = new RamMonitor(deps.memorySource);
    this.metrics = new MetricsStore(join(config.home, 'metrics.json'));
    this.loader = new Loader(this.backend, this.catalog, new HostMemoryModel(ollama.host, config.settings, this.ram), config.settings, {
      loadSpeed: () => this.metrics.loadSpeed(),
      onLoaded: (model, bytes, ms) => this.metrics.recordLoad(model, bytes, ms),
    });
    this.preferences = new Preferences(join(config.home, 'preferences.json'));
    const { maxEntries, maxValueChars } = config.settings.memory;
    this.memoryStore = new MemoryStore(config.memoryFile, { maxEntries, maxValueChars });
    this.memory = this.memoryStore;
    this.templates = new TemplateLibrary(config.templatesDir);
    if (deps.project) this.project = deps.project;
    this.puller = new Puller(this.backend, this.catalog, config.settings.ollama.pullStallTimeoutMs);
  }

  get host(): string {
    return this.backend.host;
  }

  /** A request's signal, also aborted when the server shuts down (AbortSignal.any: Node 20.3+). */
  signalFor(request: AbortSignal): AbortSignal {
    return AbortSignal.any([request, this.stopping.signal]);
  }

  /**
   * Stops for good: work in flight is cancelled (Ollama streams closed), pinned models go back to
   * the normal idle timeout, and counters and memory uses are written. Bounded by `withinMs`.
   */
  async shutdown(withinMs = 1500): Promise<void> {
    this.stopping.abort(new Error('ollm-mcp is shutting down'));
    this.templates.unwatch();
    const work = Promise.all([this.loader.releasePins(), this.metrics.close(), this.memoryStore.flush().then(() => this.memoryStore.settled())]).catch(() => undefined);
    await Promise.race([work, new Promise((r) => setTimeout(r, withinMs).unref())]);
  }

  async loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return (await this.backend.ps({ signal })).map(toLoaded);
  }

  /** The host's memory and this machine's readings, for list_models, ollm://system/ram and doctor. */
  async ramSummary(running: RunningModel[]): Promise<RamSummary & { view: HostView }> {
    const [reading, view] = await Promise.all([this.ram.read(), this.loader.hostMemory.view(running)]);
    const policy = resolveRamPolicy(this.config.settings.ram, reading);
    const loadedBytes = running.reduce((sum, m) => sum + m.size, 0);
    const { memory } = view;
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
      ...(memory.ram && memory.ram.totalBytes < Number.MAX_SAFE_INTEGER && { ramTotalBytes: memory.ram.totalBytes, ramAvailableBytes: memory.ram.availableBytes }),
      ...(memory.vram && { vramTotalBytes: memory.vram.totalBytes, vramFreeBytes: memory.vram.freeBytes }),
      maxLoadedModels: view.maxLoadedModels,
      numParallel: view.numParallel,
    };
    return {
      totalBytes: reading.totalBytes,
      availableBytes: reading.availableBytes,
      swapTotalBytes: reading.swapTotalBytes,
      swapUsedBytes: reading.swapUsedBytes,
      budgetBytes: policy.budgetBytes,
      loadedBytes,
      headroomBytes: headroom < 0 ? -1 : Math.max(0, headroom),
      safetyMargin: policy.safetyMargin,
      bufferBytes: policy.bufferBytes,
      smallModelBytes: policy.smallModelBytes,
      gpus: reading.gpus,
      host,
      view,
    };
  }

  private summarize(model: CatalogModel, running: RunningModel[], view: HostView): ModelSummary {
    const isLoaded = running.some((l) => l.name === model.name);
    const slots = model.capabilities.includes('completion') ? view.numParallel : 1;
    const fit = model.cloud
      ? { requiredBytes: 0, fits: true, fitsNow: true }
      : assessFit({
          modelBytes: model.sizeBytes,
          kvBytes: kvCacheBytes(model.kvShape, contextFor(model, running.find((r) => r.name === model.name), 0, baseContext(this.config.settings, view.memory))) * slots,
          isLoaded,
          loadedBytes: running.reduce((s, r) => s + r.size, 0),
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
      ...(model.cloud && { cloud: true }),
    };
  }

  /** Installed models with what they can do and whether they fit; the list_models answer. */
  async listModels(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ModelsOverview> {
    const [snapshot, running] = await Promise.all([
      this.catalog.list(options),
      this.backend.ps({ signal: options.signal }).catch((err: unknown) => {
        if (err instanceof OllamaError && err.kind === 'unreachable') return [];
        throw err;
      }),
    ]);
    const { view, ...ram } = await this.ramSummary(running);
    const overview: ModelsOverview = {
      host: this.host,
      models: snapshot.models.map((m) => this.summarize(m, running, view)),
      loaded: running.map(toLoaded),
      ram,
    };
    if (snapshot.stale) overview.stale = snapshot.stale.message;
    return overview;
  }

  /** One installed model in full; throws model_not_found with the pull hint when absent. */
  async modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    const [model, running] = await Promise.all([this.catalog.resolve(name, signal ? { signal } : {}), this.backend.ps({ signal })]);
    const { view } = await this.ramSummary(running);
    const loaded = running.map(toLoaded);
    const card: ModelCard = {
      ...this.summarize(model, running, view),
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

  /** How the router is set up: settings' overrides and default, and the user's preferences. */
  routingSettings() {
    const { model } = this.config.settings;
    return {
      defaultProfile: model.routing.defaultProfile,
      overrides: model.routing.enabled ? model.routing.overrides : {},
      preferred: this.preferences.byProfile(),
      allowCloud: model.routing.allowCloud,
      ...(model.routing.maxColdLoadMs !== undefined && { maxColdLoadMs: model.routing.maxColdLoadMs }),
      ...(model.default && { defaultModel: model.default }),
    };
  }

  /** Loaded models with what this server knows of them: pins, requests running, last use. */
  async loadedView(signal?: AbortSignal): Promise<Array<LoadedModel & { pinned: boolean; requestsRunning: number; lastUsedAt?: string }>> {
    const loaded = await this.loadedModels(signal);
    return loaded.map((m) => {
      const last = this.loader.lastUsed.get(m.name);
      return { ...m, pinned: this.loader.pins.has(m.name), requestsRunning: this.loader.requestsOn(m.name), ...(last && { lastUsedAt: new Date(last).toISOString() }) };
    });
  }

  /** The RAM resource: readings, budget, loaded models, and whether Ollama answered. */
  async ramStatus(): Promise<RamSummary & { loaded: LoadedModel[]; ollama: { host: string; reachable: boolean; error?: string } }> {
    let running: RunningModel[] = [];
    let error: string | undefined;
    try {
      running = await this.backend.ps();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const { view: _view, ...ram } = await this.ramSummary(running);
    return { ...ram, loaded: running.map(toLoaded), ollama: { host: this.host, reachable: error === undefined, ...(error && { error }) } };
  }

  /** Known patterns, and installed models merged with what Ollama says when it answers. */
  async modelDatabase(): Promise<{ patterns: readonly ModelEntry[]; installed: CatalogModel[]; ollama: { reachable: boolean; error?: string } }> {
    try {
      const snap = await this.catalog.list();
      return { patterns: MODEL_DATABASE, installed: snap.models, ollama: { reachable: !snap.stale, ...(snap.stale && { error: snap.stale.message }) } };
    } catch (err) {
      return { patterns: MODEL_DATABASE, installed: [], ollama: { reachable: false, error: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** The effective settings, secrets hidden, with where each given value came from. */
  effectiveConfig() {
    const { settings, home, file, fileFound, sources, memoryFile, templatesDir } = this.config;
    return {
      settings: redactSettings(settings),
      sources,
      home,
      file,
      fileFound,
      memoryFile,
      templatesDir,
      preferences: this.preferences.all(),
      project: this.project ?? null,
    };
  }
}
