/**
 * One Ollama host of the fleet, with everything that is per host: its client, its installed
 * models, the memory model of its machine, its loader (and so its pins and requests in flight),
 * its pulls, and the overview list_models shows. The first is `ollama.host`; more come from
 * settings' `hosts` entries of kind `ollama`, each with its own capacity and server limits.
 */
import type { Settings } from '../config/index.js';
import type { MetricsStore } from '../generation/metrics.js';
import { OllamaBackend, type CallOptions, type RunningModel } from '../engines/ollama/ollama.js';
import { HostMemoryModel } from '../loading/host-memory.js';
import { Loader } from '../loading/loader.js';
import type { RamMonitor } from '../loading/ram.js';
import { Catalog } from '../models/catalog.js';
import { ModelOverview } from '../models/overview.js';
import { Puller } from '../models/pull.js';

export type OllamaHostSpec = Extract<Settings['hosts'][number], { kind: 'ollama' }>;

/** A host's own backend and memory model, for hosts that are not Ollama (llamacpp-host.ts). */
export interface HostParts {
  kind: 'llamacpp';
  backend: OllamaBackend & { onPs?: (running: RunningModel[]) => void };
  memory: HostMemoryModel;
}

export interface OllamaHostDeps {
  ram: RamMonitor;
  metrics: MetricsStore;
  fetch?: typeof fetch;
  /** There are several Ollama hosts: messages name this one. */
  fleet?: boolean;
}

/** The settings as one more Ollama host sees them: its address, capacity and limits; no pins of the primary's. */
export function settingsFor(base: Settings, spec: OllamaHostSpec): Settings {
  const ollama: Settings['ollama'] = { ...base.ollama, host: spec.url, numParallel: spec.numParallel ?? base.ollama.numParallel };
  delete ollama.capacity;
  delete ollama.maxLoadedModels;
  delete ollama.contextLength;
  if (spec.capacity) ollama.capacity = spec.capacity;
  if (spec.maxLoadedModels !== undefined) ollama.maxLoadedModels = spec.maxLoadedModels;
  if (spec.contextLength !== undefined) ollama.contextLength = spec.contextLength;
  return { ...base, ollama, model: { ...base.model, keepAlive: { ...base.model.keepAlive, models: [] } } };
}

/** The host's client, telling `onPs` of every /api/ps reading, whoever made it (the pin keeper watches them). */
export class ObservedBackend extends OllamaBackend {
  onPs?: (running: RunningModel[]) => void;

  override async ps(options?: CallOptions): Promise<RunningModel[]> {
    const running = await super.ps(options);
    this.onPs?.(running);
    return running;
  }
}

export class OllamaHost {
  /** What runs there: Ollama, or llama.cpp's llama-server (a router managed the same way). */
  readonly kind: 'ollama' | 'llamacpp';
  readonly backend: OllamaBackend;
  readonly catalog: Catalog;
  readonly loader: Loader;
  readonly puller: Puller;
  readonly overview: ModelOverview;

  constructor(
    readonly name: string,
    readonly priority: number,
    readonly settings: Settings,
    deps: OllamaHostDeps,
    parts?: HostParts,
  ) {
    const { ollama } = settings;
    this.kind = parts?.kind ?? 'ollama';
    const backend = parts?.backend ?? new ObservedBackend({ host: ollama.host, timeoutMs: ollama.timeoutMs, ...(deps.fetch && { fetch: deps.fetch }) });
    this.backend = backend;
    this.catalog = new Catalog(this.backend);
    const capacityKey = name === 'ollama' ? 'ollama.capacity' : `hosts.${name}.capacity`;
    const memory = parts?.memory ?? new HostMemoryModel(ollama.host, settings, deps.ram, capacityKey);
    this.loader = new Loader(this.backend, this.catalog, memory, settings, {
      loadSpeed: () => deps.metrics.loadSpeed(),
      onLoaded: (model, bytes, ms) => deps.metrics.recordLoad(model, bytes, ms),
      ...(deps.fleet && { where: ` on ${name}` }),
    });
    // Every reading of /api/ps (or a router's loaded models), by any tool, resource or check: pins that were dropped come back.
    backend.onPs = (running) => this.loader.keeper.observe(running);
    this.overview = new ModelOverview({ backend: this.backend, catalog: this.catalog, ram: deps.ram, loader: this.loader, settings });
    this.puller = new Puller(this.backend, this.catalog, ollama.pullStallTimeoutMs);
  }

  /** host:port, for messages. */
  get address(): string {
    return this.backend.host;
  }
}
