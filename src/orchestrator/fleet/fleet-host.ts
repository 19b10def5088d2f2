/**
 * One host of the fleet, whatever its engine: its adapter (engines/: Ollama, llama.cpp router,
 * OpenAI-compatible), its installed models, the memory model of its machine, its loader (and so
 * its pins and requests in flight), its pulls, and the overview list_models shows. The first is
 * `ollama.host`; more come from settings' `hosts` entries (fleet-hosts.ts builds them). Everything
 * here works through the host interface (engines/engine.ts); what an engine cannot do, its
 * capability flags say.
 */
import type { Settings } from '../config/index.js';
import type { MetricsStore } from '../stores/metrics.js';
import type { SeenSizes } from '../stores/seen-sizes.js';
import type { Engine, EngineKind } from '../engines/engine.js';
import type { EngineClaim } from '../engines/planned-elsewhere.js';
import type { HostMemoryModel } from '../loading/host-memory.js';
import { Loader } from '../loading/loader.js';
import type { RamMonitor } from '../loading/ram.js';
import { Catalog } from '../models/catalog.js';
import { ModelOverview } from '../models/overview.js';
import { Puller } from '../models/pull.js';
import { describeFigure, type SeenSize } from '../loading/learned-size.js';
import { isEmbedding, modelFacts } from '../loading/load-planning.js';
import { trustedSeen } from '../loading/plausible-size.js';
import { PrefixMemory } from './prefix-memory.js';

export interface FleetHostDeps {
  ram: RamMonitor;
  metrics: MetricsStore;
  /** What loads took, per host, model and context: the planner learns from it. */
  sizes?: SeenSizes;
  fetch?: typeof fetch;
  /** There are several hosts: messages name this one. */
  fleet?: boolean;
  /**
   * Who plans an engine other ollm-mcp servers on this machine may use too (by its kind and
   * address: server/shared/engine-claims.ts); none: this server plans every engine it names.
   */
  claims?: (kind: 'ollama' | 'llamacpp', url: string) => EngineClaim;
  /**
   * It schedules its own replicas (settings' `cluster`, or another ollm-mcp): placed as one host, no prefix
   * steering or extra copy there.
   */
  cluster?: boolean;
}

export class FleetHost {
  readonly catalog: Catalog;
  readonly loader: Loader;
  readonly puller: Puller;
  readonly overview: ModelOverview;
  /** What its engine's slots were last sent, per model (placement's prefix affinity: prefix-memory.ts). */
  readonly prefixes = new PrefixMemory();
  /**
   * It schedules its own replicas: placement steers no prefix there and makes no extra copy
   * (FleetHostDeps.cluster).
   */
  readonly cluster: boolean;
  private readonly sizes?: SeenSizes;

  constructor(
    readonly name: string,
    readonly priority: number,
    /** The settings as this host sees them: its address, capacity and limits (fleet-hosts.ts). */
    readonly settings: Settings,
    readonly engine: Engine,
    memory: HostMemoryModel,
    deps: FleetHostDeps,
  ) {
    this.catalog = new Catalog(engine);
    this.cluster = deps.cluster === true;
    if (deps.sizes) this.sizes = deps.sizes;
    this.loader = new Loader(engine, this.catalog, memory, settings, {
      loadSpeed: () => deps.metrics.loadSpeed(),
      onLoaded: (model, bytes, ms) => deps.metrics.recordLoad(model, bytes, ms),
      ...(deps.sizes && { sizes: onHost(deps.sizes, engine.host) }),
      ...(deps.fleet && { where: ` on ${name}` }),
    });
    // Every reading of the loaded models, by any tool, resource or check: pins that were dropped come back.
    // ...and a model gone from an engine that loads on request took what its slots held with it (prefix-memory.ts)
    engine.onPs = (running) => {
      this.loader.keeper.observe(running);
      if (engine.can.managesMemory) this.prefixes.loadedNow(new Set(running.map((r) => r.name)));
    };
    this.overview = new ModelOverview({
      backend: engine,
      catalog: this.catalog,
      ram: deps.ram,
      loader: this.loader,
      settings,
    });
    this.puller = new Puller(engine, this.catalog, settings.ollama.pullStallTimeoutMs);
  }

  /**
   * The models whose memory was learned from loads here, newest first, with the figure in words:
   * show_status and ollm://fleet. A figure impossible for the installed model (plausible-size.ts) is
   * not listed: the planner does not use it (doctor names it).
   */
  async learnedSizes(): Promise<Array<{ model: string; figure: string }>> {
    const rows = this.sizes?.models(this.engine.host) ?? [];
    if (rows.length === 0) return [];
    const installed = await this.catalog.list().then(
      (l) => l.models,
      () => [],
    );
    const believed = (model: string, seen: SeenSize) => {
      const m = installed.find((x) => x.name === model);
      return !m || trustedSeen([seen], modelFacts(m, isEmbedding(m) ? 1 : this.settings.ollama.numParallel)).length > 0;
    };
    return rows
      .filter((r) => believed(r.model, r.seen))
      .map((m) => ({ model: m.model, figure: describeFigure(m.seen) }));
  }

  /**
   * A request that plans is coming: what its plan and its sending read of this host (overview.ts, the
   * engine's own), begun now where stale. True when a request to the engine was begun.
   */
  freshen(): boolean {
    this.engine.freshen?.();
    return this.overview.freshen();
  }

  /** What runs there. */
  get kind(): EngineKind {
    return this.engine.kind;
  }

  /** host:port, for messages. */
  get address(): string {
    return this.engine.host;
  }
}

/** The sizes store as one host's loader sees it: its own observations only. */
function onHost(sizes: SeenSizes, host: string) {
  return {
    seen: (model: string, digest: string) => sizes.seen(host, model, digest),
    revision: () => sizes.revision(),
    record: (model: string, digest: string, contextLength: number, bytes: number, vramBytes: number) =>
      sizes.record(host, model, digest, contextLength, bytes, vramBytes),
  };
}
