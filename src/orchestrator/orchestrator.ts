/**
 * The core, assembled: settings, the Ollama backend, the catalog and the RAM monitor.
 * Everything a tool or resource needs is a method here; nothing here knows about MCP.
 */
import type { LoadedConfig } from './config/index.js';
import { redactSettings } from './config/index.js';
import type { Catalog } from './models/catalog.js';
import type { OllamaBackend, RunningModel } from './engines/ollama/ollama.js';
import { ServerStopping } from './util/stopping.js';
import { join } from 'node:path';
import type { Loader } from './loading/loader.js';
import type { MemoryProvider } from './memory/memory-hook.js';
import { MemoryStore } from './memory/memory-store.js';
import { MetricsStore } from './generation/metrics.js';
import { Outcomes } from './generation/outcomes.js';
import { SavingsStore } from './savings/savings-store.js';
import { Comparisons } from './generation/comparisons.js';
import { Preferences } from './generation/preferences.js';
import type { Puller } from './models/pull.js';
import type { ProjectProfile } from './project/project.js';
import { RamMonitor, type MemorySource } from './loading/ram.js';
import { TemplateLibrary } from './templates/library.js';
import type { ModelOverview } from './models/overview.js';
import type { OllamaHost } from './fleet/ollama-host.js';
import { fleetHosts } from './fleet/llamacpp-host.js';
import { HostCooldown } from './fleet/placement.js';
import { defaultHost, FailoverOverview } from './fleet/default-host.js';
import { coolingHosts, listFleetModels } from './fleet/fleet-reads.js';
import { loadedStatus, modelDatabase, ollamaHostStatus, ramStatus, unreachableOf } from './fleet/fleet-status.js';
import { pickHost, type PickHostOptions } from './fleet/pick-host.js';
import { Engines } from './engines/openai/engines.js';
import type { LoadedModel, ModelCard, ModelsOverview } from './models/overview-types.js';

export type { HostCapacity, LoadedModel, ModelCard, ModelsOverview, ModelSummary, RamSummary } from './models/overview-types.js';

export interface OrchestratorDeps {
  memorySource?: MemorySource;
  fetch?: typeof fetch;
  /** The project profile in effect (detected from the working folder or --project). */
  project?: ProjectProfile;
}

export class Orchestrator {
  /**
   * Every Ollama host, by priority. `backend`, `catalog`, `loader`, `puller` and `overview` are the
   * default host's: ollama.host, or while it does not answer the next host that does (default-host.ts).
   */
  readonly ollamaHosts: OllamaHost[];
  /** Hosts that did not answer, skipped for a while and re-checked in the background (reading /api/ps, so pins Ollama dropped come back). */
  readonly hostCooldown = new HostCooldown((name) => this.ollamaHosts.find((h) => h.name === name)!.backend.ps({ timeoutMs: 3000 }));
  readonly ram: RamMonitor;
  readonly metrics: MetricsStore;
  /** What happened to earlier answers (verdicts, failures, speed…), which routing learns from. */
  readonly outcomes: Outcomes;
  /** What offloaded calls saved the assistant, shared with other ollm-mcp processes through the state database. */
  readonly savings: SavingsStore;
  /** The default host's models, falling over to the next host when it does not answer. */
  readonly overview: ModelOverview;
  /** OpenAI-compatible engines (settings' hosts, and the fallback provider), tried when local models cannot answer. */
  readonly engines: Engines;
  readonly comparisons = new Comparisons();
  /**
   * Settles once the shared state a request may need (metrics, preferences, the ledger, what
   * routing learned) has been read: a server sets it at start and answers initialize and the lists
   * meanwhile; tools and the resources that show that state wait for it.
   */
  stateRead: Promise<unknown> = Promise.resolve();
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
    this.ram = new RamMonitor(deps.memorySource);
    this.metrics = new MetricsStore(config.home, { legacyFile: join(config.home, 'metrics.json') });
    this.savings = new SavingsStore(config.home, config.settings.savings, { legacyFile: join(config.home, 'savings.json') });
    // Ollama hosts and llama.cpp routers (managed alike), by priority
    this.ollamaHosts = fleetHosts(config.settings, { ram: this.ram, metrics: this.metrics, ...(deps.fetch && { fetch: deps.fetch }) });
    // The tools that name no host act on ollama.host (or, while it is down, the next host up).
    this.overview = new FailoverOverview(this, this.ram);
    this.preferences = new Preferences(config.home, { legacyFile: join(config.home, 'preferences.json') });
    this.outcomes = new Outcomes(config.home);
    const { maxEntries, maxValueChars } = config.settings.memory;
    this.memoryStore = new MemoryStore(config.home, { maxEntries, maxValueChars }, { legacyFile: config.memoryFile });
    this.memory = this.memoryStore;
    this.templates = new TemplateLibrary(config.templatesDir, config.home);
    if (deps.project) this.project = deps.project;
    this.engines = new Engines(config.settings, deps.fetch ? { fetch: deps.fetch } : {});
  }

  get backend(): OllamaBackend {
    return defaultHost(this).backend;
  }

  get catalog(): Catalog {
    return defaultHost(this).catalog;
  }

  get loader(): Loader {
    return defaultHost(this).loader;
  }

  get puller(): Puller {
    return defaultHost(this).puller;
  }

  get host(): string {
    return this.backend.host;
  }

  /** Pins loaded again since the last answer (on any host), for the next result's notes; each said once. */
  pinNotes(): string[] {
    return this.ollamaHosts.flatMap((h) => h.loader.keeper.takeNotes());
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
    this.stopping.abort(new ServerStopping());
    this.templates.unwatch();
    const work = Promise.all([...this.ollamaHosts.map((h) => h.loader.releasePins().catch(() => undefined)), this.metrics.close(), this.savings.close(), this.memoryStore.flush().then(() => this.memoryStore.settled())]).catch(() => undefined);
    await Promise.race([work, new Promise((r) => setTimeout(r, withinMs).unref())]);
  }

  // What is installed, loaded and fits: models/overview.ts per host, fleet/ for every host at once.
  loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return this.overview.loadedModels(signal);
  }

  /** Every reachable host's models, each tagged with its host when there are several; hosts down in `unreachable`; pins loaded again in `notes`. */
  async listModels(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ModelsOverview> {
    const overview = this.ollamaHosts.length === 1 ? await this.ollamaHosts[0]!.overview.listModels(options) : await listFleetModels(this.ollamaHosts, this.hostCooldown, options);
    const notes = this.pinNotes();
    return notes.length ? { ...overview, notes: [...(overview.notes ?? []), ...notes] } : overview;
  }

  /** One model's card, from the host that answers and has it (the first by priority when several do). */
  async modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    const unit = await this.pickHost({ model: name, first: true, ...(signal && { signal }) });
    const card = await unit.overview.modelCard(name, signal);
    const down = coolingHosts(this);
    return this.ollamaHosts.length > 1 ? { ...card, host: unit.name, ...(down.length > 0 && { unreachable: down }) } : card;
  }

  ramStatus() {
    return ramStatus(this);
  }

  /** What every Ollama host holds in memory, with pins and requests running; hosts down named. */
  loadedStatus() {
    return loadedStatus(this);
  }

  /** The Ollama host a management call acts on: see fleet/pick-host.ts. */
  pickHost(opts: PickHostOptions = {}): Promise<OllamaHost> {
    return pickHost(this, opts);
  }

  /** Every backend: each Ollama host (memory, loaded models, requests running) and each OpenAI-compatible host (cheap health); Ollama hosts down in `unreachable`. */
  async fleetStatus() {
    const [ollama, engines] = await Promise.all([Promise.all(this.ollamaHosts.map((h) => ollamaHostStatus(this, h))), this.engines.health()]);
    const unreachable = unreachableOf(ollama);
    return { hosts: [...ollama, ...engines.map((e) => ({ ...e, kind: 'openai' as const }))], ...(unreachable.length > 0 && { unreachable }) };
  }

  modelDatabase() {
    return modelDatabase(this);
  }

  ramSummary(running: RunningModel[]) {
    return this.overview.ramSummary(running);
  }

  /** How the router is set up: settings' overrides and default, and the user's preferences. */
  routingSettings() {
    const { model } = this.config.settings;
    return {
      defaultProfile: model.routing.defaultProfile,
      overrides: model.routing.enabled ? model.routing.overrides : {},
      preferred: this.preferences.byProfile(),
      allowCloud: model.routing.allowCloud,
      ...(model.routing.learning && { learning: { book: this.outcomes.evidence(), rng: Math.random } }),
      ...(model.routing.maxColdLoadMs !== undefined && { maxColdLoadMs: model.routing.maxColdLoadMs }),
      ...(model.default && { defaultModel: model.default }),
    };
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
