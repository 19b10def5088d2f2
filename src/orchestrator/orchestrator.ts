/**
 * The core, assembled: settings, the Ollama backend, the catalog and the RAM monitor.
 * Everything a tool or resource needs is a method here; nothing here knows about MCP.
 */
import type { LoadedConfig } from './config/index.js';
import { redactSettings } from './config/index.js';
import { Catalog, type CatalogModel } from './catalog.js';
import { MODEL_DATABASE, type ModelEntry } from './model-db.js';
import { notInstalled, OllamaBackend, OllamaError, type RunningModel } from './ollama.js';
import { assessFit, roomBytes } from './planner.js';
import { join } from 'node:path';
import { Loader } from './loader.js';
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
    this.loader = new Loader(this.backend, this.catalog, this.ram, config.settings);
    this.metrics = new MetricsStore(join(config.home, 'metrics.json'));
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

  async ramSummary(loaded: LoadedModel[]): Promise<RamSummary> {
    const reading = await this.ram.read();
    const policy = resolveRamPolicy(this.config.settings.ram, reading);
    const loadedBytes = loaded.reduce((sum, m) => sum + m.sizeBytes, 0);
    return {
      totalBytes: reading.totalBytes,
      availableBytes: reading.availableBytes,
      swapTotalBytes: reading.swapTotalBytes,
      swapUsedBytes: reading.swapUsedBytes,
      budgetBytes: policy.budgetBytes,
      loadedBytes,
      headroomBytes: Math.max(0, roomBytes(policy, loadedBytes, reading.availableBytes)),
      safetyMargin: policy.safetyMargin,
      bufferBytes: policy.bufferBytes,
      smallModelBytes: policy.smallModelBytes,
      gpus: reading.gpus,
    };
  }

  private summarize(model: CatalogModel, loaded: LoadedModel[], ram: RamSummary): ModelSummary {
    const isLoaded = loaded.some((l) => l.name === model.name);
    const fit = assessFit({
      modelBytes: model.sizeBytes,
      isLoaded,
      loadedBytes: ram.loadedBytes,
      totalBytes: ram.totalBytes,
      availableBytes: ram.availableBytes,
      policy: ram,
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
    };
  }

  /** Installed models with what they can do and whether they fit; the list_models answer. */
  async listModels(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ModelsOverview> {
    const [snapshot, loaded] = await Promise.all([
      this.catalog.list(options),
      this.loadedModels(options.signal).catch((err: unknown) => {
        if (err instanceof OllamaError && err.kind === 'unreachable') return [];
        throw err;
      }),
    ]);
    const ram = await this.ramSummary(loaded);
    const overview: ModelsOverview = {
      host: this.host,
      models: snapshot.models.map((m) => this.summarize(m, loaded, ram)),
      loaded,
      ram,
    };
    if (snapshot.stale) overview.stale = snapshot.stale.message;
    return overview;
  }

  /** One installed model in full; throws model_not_found with the pull hint when absent. */
  async modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    const [model, loaded] = await Promise.all([this.catalog.get(name, { signal }), this.loadedModels(signal)]);
    if (!model) throw notInstalled(name, this.host);
    const ram = await this.ramSummary(loaded);
    const card: ModelCard = {
      ...this.summarize(model, loaded, ram),
      digest: model.digest,
      modifiedAt: model.modifiedAt,
      contextSource: model.contextSource,
      detailsKnown: model.detailsKnown,
    };
    if (model.architecture) card.architecture = model.architecture;
    if (model.pattern) card.pattern = model.pattern;
    if (model.licenseFirstLines) card.licenseFirstLines = model.licenseFirstLines;
    const running = loaded.find((l) => l.name === model.name);
    if (running) card.running = running;
    return card;
  }

  /** How the router is set up: settings' overrides and default, and the user's preferences. */
  routingSettings() {
    const { model } = this.config.settings;
    return {
      defaultProfile: model.routing.defaultProfile,
      overrides: model.routing.enabled ? model.routing.overrides : {},
      preferred: this.preferences.byProfile(),
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
    let loaded: LoadedModel[] = [];
    let error: string | undefined;
    try {
      loaded = await this.loadedModels();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const ram = await this.ramSummary(loaded);
    return { ...ram, loaded, ollama: { host: this.host, reachable: error === undefined, ...(error && { error }) } };
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
