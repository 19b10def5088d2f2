/**
 * The core, assembled: settings, the Ollama backend, the catalog and the RAM monitor.
 * Everything a tool or resource needs is a method here; nothing here knows about MCP.
 */
import type { LoadedConfig } from './config/index.js';
import { redactSettings } from './config/index.js';
import type { Catalog } from './models/catalog.js';
import { OllamaError, type OllamaBackend, type RunningModel } from './hosts/ollama.js';
import { shortened } from './util/shorten.js';
import { ServerStopping } from './util/stopping.js';
import { join } from 'node:path';
import type { Loader } from './loading/loader.js';
import type { MemoryProvider } from './memory/memory-hook.js';
import { MemoryStore } from './memory/memory-store.js';
import { MetricsStore } from './generation/metrics.js';
import { SavingsStore } from './savings/savings-store.js';
import { Comparisons } from './generation/comparisons.js';
import { Preferences } from './generation/preferences.js';
import type { Puller } from './models/pull.js';
import type { ProjectProfile } from './project/project.js';
import { RamMonitor, type MemorySource } from './loading/ram.js';
import { TemplateLibrary } from './templates/library.js';
import type { ModelOverview } from './models/overview.js';
import { OllamaHost, settingsFor, type OllamaHostSpec } from './fleet/ollama-host.js';
import { HostCooldown } from './fleet/placement.js';
import { Engines } from './hosts/engines.js';
import type { LoadedModel, ModelCard, ModelsOverview } from './models/overview-types.js';

export type { HostCapacity, LoadedModel, ModelCard, ModelsOverview, ModelSummary, RamSummary } from './models/overview-types.js';

export interface OrchestratorDeps {
  memorySource?: MemorySource;
  fetch?: typeof fetch;
  /** The project profile in effect (detected from the working folder or --project). */
  project?: ProjectProfile;
}

export class Orchestrator {
  /** Every Ollama host, by priority; `backend`, `catalog`, `loader`, `puller` and `overview` are ollama.host's. */
  readonly ollamaHosts: OllamaHost[];
  /** Hosts that did not answer, skipped for a while and re-checked in the background. */
  readonly hostCooldown = new HostCooldown((name) => this.ollamaHosts.find((h) => h.name === name)!.backend.version({ timeoutMs: 3000 }));
  readonly backend: OllamaBackend;
  readonly catalog: Catalog;
  readonly ram: RamMonitor;
  readonly loader: Loader;
  readonly metrics: MetricsStore;
  /** What offloaded calls saved the assistant, shared with other ollm-mcp processes through $OLLM_HOME/savings.json. */
  readonly savings: SavingsStore;
  readonly puller: Puller;
  readonly overview: ModelOverview;
  /** OpenAI-compatible engines (settings' hosts, and the fallback provider), tried when local models cannot answer. */
  readonly engines: Engines;
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
    this.ram = new RamMonitor(deps.memorySource);
    this.metrics = new MetricsStore(join(config.home, 'metrics.json'));
    this.savings = new SavingsStore(join(config.home, 'savings.json'), config.settings.savings);
    const hostDeps = { ram: this.ram, metrics: this.metrics, ...(deps.fetch && { fetch: deps.fetch }) };
    const extra = config.settings.hosts.filter((h): h is OllamaHostSpec => h.kind === 'ollama');
    this.ollamaHosts = [
      new OllamaHost('ollama', -1, config.settings, hostDeps),
      ...extra.map((h, i) => new OllamaHost(h.name, h.priority ?? i, settingsFor(config.settings, h), hostDeps)),
    ].sort((a, b) => a.priority - b.priority);
    // The first host is ollama.host: the tools that name no host act on it.
    const primary = this.ollamaHosts.find((h) => h.name === 'ollama')!;
    ({ backend: this.backend, catalog: this.catalog, loader: this.loader, overview: this.overview, puller: this.puller } = primary);
    this.preferences = new Preferences(join(config.home, 'preferences.json'));
    const { maxEntries, maxValueChars } = config.settings.memory;
    this.memoryStore = new MemoryStore(config.memoryFile, { maxEntries, maxValueChars });
    this.memory = this.memoryStore;
    this.templates = new TemplateLibrary(config.templatesDir);
    if (deps.project) this.project = deps.project;
    this.engines = new Engines(config.settings, deps.fetch ? { fetch: deps.fetch } : {});
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
    this.stopping.abort(new ServerStopping());
    this.templates.unwatch();
    const work = Promise.all([this.loader.releasePins(), this.metrics.close(), this.savings.close(), this.memoryStore.flush().then(() => this.memoryStore.settled())]).catch(() => undefined);
    await Promise.race([work, new Promise((r) => setTimeout(r, withinMs).unref())]);
  }

  // What is installed, loaded and fits: see models/overview.ts.
  loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return this.overview.loadedModels(signal);
  }

  /** ollama.host's models; with several Ollama hosts, every reachable host's, each tagged with its host. */
  async listModels(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ModelsOverview> {
    if (this.ollamaHosts.length === 1) return this.overview.listModels(options);
    const views = await Promise.all(this.ollamaHosts.map(async (h) => ({ h, o: await h.overview.listModels(options).catch(() => undefined) })));
    const primary = views.find((v) => v.h.name === 'ollama')!.o ?? (await this.overview.listModels(options));
    const up = views.filter((v): v is { h: OllamaHost; o: ModelsOverview } => v.o !== undefined);
    return {
      ...primary,
      models: up.flatMap((v) => v.o.models.map((m) => ({ ...m, host: v.h.name }))),
      loaded: up.flatMap((v) => v.o.loaded.map((l) => ({ ...l, host: v.h.name }))),
    };
  }

  modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    return this.overview.modelCard(name, signal);
  }

  ramStatus() {
    return this.overview.ramStatus();
  }

  loadedView(signal?: AbortSignal) {
    return this.overview.loadedView(signal);
  }

  /**
   * The Ollama host a management call acts on: the one named; else, with several hosts, the one
   * that has the model (the one where it is loaded, with `loaded`) — refusing when that is
   * ambiguous; else ollama.host.
   */
  async pickHost(opts: { host?: string; model?: string; loaded?: boolean; signal?: AbortSignal } = {}): Promise<OllamaHost> {
    const primary = this.ollamaHosts.find((h) => h.name === 'ollama')!;
    if (opts.host !== undefined) {
      const named = this.ollamaHosts.find((h) => h.name === opts.host);
      if (!named) throw new OllamaError('bad_request', `There is no Ollama host "${shortened(opts.host)}" — the hosts are ${this.ollamaHosts.map((h) => h.name).join(', ')} (see ollm://fleet).`, this.host);
      return named;
    }
    if (this.ollamaHosts.length === 1 || opts.model === undefined) return primary;
    const model = opts.model;
    const having = (
      await Promise.all(
        this.ollamaHosts.map(async (h) => {
          const installed = await h.catalog.get(model, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
          if (!installed) return undefined;
          const loaded = opts.loaded ? (await h.backend.ps(opts.signal ? { signal: opts.signal } : {}).catch(() => [])).some((r) => r.name === installed.name) : false;
          return { h, loaded };
        }),
      )
    ).filter((x): x is { h: OllamaHost; loaded: boolean } => x !== undefined);
    const where = opts.loaded && having.some((x) => x.loaded) ? having.filter((x) => x.loaded) : having;
    if (where.length === 1) return where[0]!.h;
    if (where.length === 0) return primary;
    throw new OllamaError('bad_request', `${shortened(model)} is ${opts.loaded ? 'loaded' : 'installed'} on several Ollama hosts (${where.map((x) => x.h.name).join(', ')}) — name the one with host.`, this.host);
  }

  /** Every backend: the Ollama host (memory, loaded models, requests running) and each OpenAI-compatible host (cheap health). */
  async fleetStatus() {
    const [ollama, engines] = await Promise.all([Promise.all(this.ollamaHosts.map((h) => this.ollamaHostStatus(h))), this.engines.health()]);
    return { hosts: [...ollama, ...engines.map((e) => ({ ...e, kind: 'openai' as const }))] };
  }

  private async ollamaHostStatus(h: OllamaHost) {
    const ram = await h.overview.ramStatus();
    const loaded = ram.loaded.map((m) => ({ ...m, pinned: h.loader.pins.has(m.name), requestsRunning: h.loader.requestsOn(m.name) }));
    const cooling = this.hostCooldown.skipped(h.name);
    return {
      name: h.name,
      kind: 'ollama' as const,
      url: h.address,
      priority: h.priority,
      reachable: ram.ollama.reachable,
      ...(ram.ollama.error && { error: ram.ollama.error }),
      ...(cooling && { coolingDown: cooling }),
      capacity: ram.host,
      loaded,
      requestsRunning: loaded.reduce((n, m) => n + m.requestsRunning, 0),
    };
  }

  modelDatabase() {
    return this.overview.modelDatabase();
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
