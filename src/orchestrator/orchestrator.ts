/**
 * The core, assembled: settings, the Ollama backend, the catalog and the RAM monitor.
 * Everything a tool or resource needs is a method here; nothing here knows about MCP.
 */
import type { LoadedConfig, Settings } from './config/index.js';
import { HostFleet } from './fleet/fleet.js';
import type { RoutingSettings } from './generation/routing-shapes.js';
import { routingFrom } from './generation/routing-from.js';
import { redactSettings } from './config/index.js';
import type { Catalog } from './models/catalog.js';
import type { Engine } from './engines/engine.js';
import type { RunningModel } from './engines/engine-model.js';
import { linkedSignal, ServerStopping } from './util/stopping.js';
import type { Loader } from './loading/loader.js';
import { JobStore } from './stores/job-store.js';
import { LongWork } from './jobs/long-work.js';
import type { Puller } from './models/pull.js';
import type { ProjectProfile } from './project/project.js';
import { RamMonitor, type MemorySource } from './loading/ram.js';
import { TemplateLibrary } from './templates/library.js';
import type { ModelOverview } from './models/overview.js';
import type { FleetHost, FleetHostDeps } from './fleet/fleet-host.js';
import { sharedOf } from './engines/planned-elsewhere.js';
import { fleetHosts } from './fleet/fleet-hosts.js';
import { HostCooldown } from './fleet/placement.js';
import { defaultHost, FailoverOverview } from './fleet/default-host.js';
import { coolingHosts, listFleetModels } from './fleet/fleet-reads.js';
import { loadedStatus, modelDatabase, hostStatus, ramStatus, unreachableOf } from './fleet/fleet-status.js';
import type { PickHostOptions } from './fleet/pick-host.js';
import { CloudFallback } from './engines/openai/fallback.js';
import { ReadOrigins } from './inputs/origins.js';
import type { LoadedModel, ModelCard, ModelsOverview } from './models/overview-types.js';
import { CoreStores } from './orchestrator-stores.js';

export type { LoadedModel, ModelCard, ModelsOverview, ModelSummary, RamSummary } from './models/overview-types.js';

export interface OrchestratorDeps {
  memorySource?: MemorySource;
  fetch?: typeof fetch;
  /** The project profile in effect (detected from the working folder or --project). */
  project?: ProjectProfile;
  /** The templates, when the server already reads them (it lists them as prompts before the core is made). */
  templates?: TemplateLibrary;
  /**
   * Who plans an engine other ollm-mcp servers on this machine use too (server/shared/engine-claims.ts);
   * none: this server plans them all.
   */
  claims?: FleetHostDeps['claims'];
}

/** A client connected to a shared server (ollm://fleet, doctor): what it said it is, and where it runs. */
export interface ConnectedClient {
  name?: string;
  version?: string;
  pid: number;
  cwd: string;
  project?: string;
  since: string;
}

/** The core: the hosts and their fleet, over the stores (orchestrator-stores.ts). */
export class Orchestrator extends CoreStores {
  /**
   * Every Ollama host, by priority. `backend`, `catalog`, `loader`, `puller` and `overview` are the
   * default host's: ollama.host, or while it does not answer the next host that does (default-host.ts).
   */
  readonly hosts: readonly FleetHost[];
  /** The hosts with their cooldowns: what a job needs of them (route/parts.ts). */
  readonly fleet: HostFleet;
  readonly hostCooldown: HostCooldown;
  readonly ram: RamMonitor;
  /** Long work handed over before a client's limit, run on here and kept (jobs/long-work.ts). */
  readonly longWork: LongWork;
  /** The default host's models, falling over to the next host when it does not answer. */
  readonly overview: ModelOverview;
  /** The cloud fallback (settings' fallback): the last member, asked when every local engine failed. */
  readonly fallback?: CloudFallback;
  /** What the input readers read from this machine: the fallback sends none of it unless fallback.sendInputs. */
  readonly origins = new ReadOrigins();
  readonly templates: TemplateLibrary;
  readonly project?: ProjectProfile;
  /** Where relative paths resolve when no project is in effect (default: this process's working folder). */
  readonly workingDir?: string;
  /** The clients of a shared server, when this core is one (server/shared); ollm://fleet lists them. */
  clients?: () => ConnectedClient[];
  /** Aborted when the server shuts down: every generation and pull in flight stops. */
  private readonly stopping = new AbortController();

  constructor(config: LoadedConfig, deps: OrchestratorDeps = {}) {
    super(config);
    this.ram = new RamMonitor(deps.memorySource);
    // Ollama hosts and llama.cpp routers (managed alike), by priority
    this.hosts = fleetHosts(config.settings, {
      ram: this.ram,
      metrics: this.metrics,
      sizes: this.seenSizes,
      ...(deps.fetch && { fetch: deps.fetch }),
      ...(deps.claims && { claims: deps.claims }),
    });
    this.fleet = new HostFleet(this.hosts, config.settings.model.keepAlive.extraCopyIdleSeconds);
    this.hostCooldown = this.fleet.hostCooldown;
    // The tools that name no host act on ollama.host (or, while it is down, the next host up).
    this.overview = new FailoverOverview(this, this.ram);
    this.longWork = new LongWork(new JobStore(config.home), this.stopping.signal);
    this.templates = deps.templates ?? new TemplateLibrary(config.templatesDir, config.home);
    if (deps.project) this.project = deps.project;
    if (config.settings.fallback)
      this.fallback = new CloudFallback(
        config.settings.fallback,
        config.settings.ollama.stallTimeoutMs,
        this.origins,
        deps.fetch ? { fetch: deps.fetch } : {},
      );
  }

  /**
   * Asks each engine's claim who plans it (engines/planned-elsewhere.ts): before the first call, so no two
   * servers plan one engine.
   */
  async settleClaims(): Promise<void> {
    await Promise.all(this.hosts.map((h) => sharedOf(h.engine)?.settle()));
  }

  get backend(): Engine {
    return defaultHost(this).engine;
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
    return this.fleet.pinNotes();
  }

  get settings(): Settings {
    return this.config.settings;
  }

  get home(): string {
    return this.config.home;
  }

  routing(): RoutingSettings {
    return this.routingSettings();
  }

  /**
   * A request's signal, also aborted when the server shuts down; `release` once the request is over
   * (util/stopping.ts).
   */
  signalFor(request: AbortSignal): { signal: AbortSignal; release(): void } {
    return linkedSignal(request, this.stopping.signal);
  }

  /**
   * Stops for good: work in flight is cancelled (Ollama streams closed), pinned models go back to
   * the normal idle timeout, and counters and memory uses are written. Bounded by `withinMs`.
   */
  async shutdown(withinMs = 1500): Promise<void> {
    this.stopping.abort(new ServerStopping());
    this.templates.unwatch();
    this.fleet.stop();
    const work = Promise.all([
      ...this.hosts.map((h) => h.loader.releasePins().catch(() => undefined)),
      ...this.closeStores(),
    ]).catch(() => undefined);
    await Promise.race([work, new Promise((r) => setTimeout(r, withinMs).unref())]);
  }

  // What is installed, loaded and fits: models/overview.ts per host, fleet/ for every host at once.
  loadedModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    return this.overview.loadedModels(signal);
  }

  /**
   * Every reachable host's models, each tagged with its host when there are several; hosts down in
   * `unreachable`; pins loaded again in `notes`.
   */
  async listModels(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<ModelsOverview> {
    const overview =
      this.hosts.length === 1
        ? await this.hosts[0]!.overview.listModels(options)
        : await listFleetModels(this.hosts, this.hostCooldown, options);
    const notes = this.pinNotes();
    return notes.length ? { ...overview, notes: [...(overview.notes ?? []), ...notes] } : overview;
  }

  /** One model's card, from the host that answers and has it (the first by priority when several do). */
  async modelCard(name: string, signal?: AbortSignal): Promise<ModelCard> {
    const unit = await this.pickHost({ model: name, first: true, ...(signal && { signal }) });
    const card = await unit.overview.modelCard(name, signal);
    const down = coolingHosts(this);
    return this.hosts.length > 1 ? { ...card, host: unit.name, ...(down.length > 0 && { unreachable: down }) } : card;
  }

  ramStatus() {
    return ramStatus(this);
  }

  /** What every Ollama host holds in memory, with pins and requests running; hosts down named. */
  loadedStatus() {
    return loadedStatus(this);
  }

  /** The Ollama host a management call acts on: see fleet/pick-host.ts. */
  pickHost(opts: PickHostOptions = {}): Promise<FleetHost> {
    return this.fleet.pickHost(opts);
  }

  /**
   * Every host (memory where ollm-mcp manages it, loaded models, requests running) and the cloud fallback
   * (cheap health); hosts down in `unreachable`.
   */
  async fleetStatus(asked: { relayed?: boolean } = {}) {
    const statuses = this.hosts.map((h) => hostStatus(this, h, this.fleet.extraCopies, asked.relayed));
    const [hosts, fallback] = await Promise.all([Promise.all(statuses), this.fallback?.health()]);
    const unreachable = unreachableOf(hosts);
    const clients = this.clients?.();
    return {
      hosts,
      ...(fallback && { fallback }),
      ...(unreachable.length > 0 && { unreachable }),
      ...(clients && { clients }),
    };
  }

  modelDatabase() {
    return modelDatabase(this);
  }

  ramSummary(running: RunningModel[]) {
    return this.overview.ramSummary(running);
  }

  /** How the router is set up: settings' overrides and default, and the user's preferences. */
  routingSettings(): RoutingSettings {
    return routingFrom(
      this.config.settings.model,
      this.preferences.byProfile(),
      this.outcomes.evidence(),
      this.madeFor.all(),
    );
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
