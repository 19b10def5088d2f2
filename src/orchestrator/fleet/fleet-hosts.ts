/**
 * The fleet from settings: `ollama.host` first among equals, then every `hosts` entry — other
 * Ollama machines, llama.cpp routers, OpenAI-compatible engines, other ollm-mcp servers — by priority, each with its
 * adapter (engines/) and its memory model. The only place that picks an adapter by kind.
 */
import type { Settings } from '../config/index.js';
import { OllamaBackend } from '../engines/ollama/ollama.js';
import { LlamacppBackend } from '../engines/llamacpp/llamacpp.js';
import { OpenAIBackend } from '../engines/openai/openai.js';
import { OpenAIEngine } from '../engines/openai/openai-engine.js';
import { OllmEngine } from '../engines/ollm/ollm-engine.js';
import type { Engine } from '../engines/engine.js';
import { plannedElsewhere, sharedOf } from '../engines/planned-elsewhere.js';
import { withTag } from '../models/catalog.js';
import { HostMemoryModel } from '../loading/host-memory.js';
import { LlamacppMemoryModel } from '../loading/llamacpp-memory.js';
import { FleetHost, type FleetHostDeps } from './fleet-host.js';

type HostSpec = Settings['hosts'][number];
type LlamacppHostSpec = Extract<HostSpec, { kind: 'llamacpp' }>;
type OpenAIHostSpec = Extract<HostSpec, { kind: 'openai' }>;
type OllmHostSpec = Extract<HostSpec, { kind: 'ollm' }>;

type OwnSettings = Pick<
  Settings['ollama'],
  'capacity' | 'maxLoadedModels' | 'contextLength' | 'kvCacheType' | 'flashAttention' | 'gpuOverhead'
>;

/**
 * The settings as one more host sees them: its address, capacity, limits and how it runs models (never the
 * primary's); no pins of the primary's.
 */
function settingsFor(base: Settings, spec: { url: string; numParallel?: number } & OwnSettings): Settings {
  const ollama: Settings['ollama'] = {
    ...base.ollama,
    host: spec.url,
    numParallel: spec.numParallel ?? base.ollama.numParallel,
  };
  const own = ['capacity', 'maxLoadedModels', 'contextLength', 'kvCacheType', 'flashAttention', 'gpuOverhead'] as const;
  for (const key of own) delete ollama[key];
  for (const key of own) if (spec[key] !== undefined) Object.assign(ollama, { [key]: spec[key] });
  return { ...base, ollama, model: { ...base.model, keepAlive: { ...base.model.keepAlive, models: [] } } };
}

/** The server root as written, without a trailing slash or /v1. */
function serverRoot(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/**
 * An engine whose memory this server plans, unless another server on the machine claimed it first
 * (engines/planned-elsewhere.ts).
 */
function claimed(
  engine: Engine,
  kind: 'ollama' | 'llamacpp',
  name: string,
  settings: Settings,
  deps: FleetHostDeps,
): Engine {
  if (!deps.claims) return engine;
  return plannedElsewhere(engine, deps.claims(kind, engine.url), {
    name,
    timeoutMs: settings.ollama.timeoutMs,
    parallel: settings.ollama.numParallel,
  });
}

/** While this server plans a shared engine, holds on its loaded models are lent from its loader (engines/holds/). */
function lending(host: FleetHost, settings: Settings): FleetHost {
  const keepAlive = (m: string) => (host.loader.pins.has(withTag(m)) ? -1 : settings.model.keepAlive.timeout);
  sharedOf(host.engine)?.lend({
    begin: (m) => host.loader.begin(m),
    keepAlive,
    claimed: (m) => host.loader.claimed(m),
  });
  return host;
}

function ollamaHost(name: string, priority: number, settings: Settings, deps: FleetHostDeps): FleetHost {
  const { ollama } = settings;
  const backend = new OllamaBackend({
    host: ollama.host,
    timeoutMs: ollama.timeoutMs,
    ...(name !== 'ollama' && { setting: `hosts.${name}.url` }),
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  const engine = claimed(backend, 'ollama', name, settings, deps);
  const memory = new HostMemoryModel(
    ollama.host,
    settings,
    deps.ram,
    name === 'ollama' ? 'ollama.capacity' : `hosts.${name}.capacity`,
  );
  return lending(new FleetHost(name, priority, settings, engine, memory, deps), settings);
}

function llamacppHost(base: Settings, given: LlamacppHostSpec, priority: number, deps: FleetHostDeps): FleetHost {
  const spec = { ...given, url: serverRoot(given.url) };
  // one slot per model (its KV cache is in its size)
  const settings = settingsFor(base, {
    url: spec.url,
    numParallel: 1,
    ...(spec.capacity && { capacity: spec.capacity }),
    ...(spec.modelsMax !== undefined && { maxLoadedModels: spec.modelsMax }),
  });
  const backend = new LlamacppBackend({
    name: spec.name,
    url: spec.url,
    timeoutMs: base.ollama.timeoutMs,
    ...(spec.tokenEnv && { apiKeyEnv: spec.tokenEnv }),
    ...(spec.modelsMax !== undefined && { modelsMax: spec.modelsMax }),
    ...(spec.modelSizes && { modelSizes: spec.modelSizes }),
    ...(spec.loadFigures === false && { loadFigures: false }),
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  const memory = new LlamacppMemoryModel(settings.ollama.host, settings, deps.ram, `hosts.${spec.name}.capacity`, () =>
    backend.modelsMax({ timeoutMs: 3000 }),
  );
  const engine = claimed(backend, 'llamacpp', spec.name, settings, deps);
  return lending(new FleetHost(spec.name, priority, settings, engine, memory, { ...deps, fleet: true }), settings);
}

function openaiHost(base: Settings, spec: OpenAIHostSpec, priority: number, deps: FleetHostDeps): FleetHost {
  const parallel = spec.numParallel ?? base.ollama.numParallel;
  const settings = settingsFor(base, {
    url: spec.url,
    numParallel: parallel,
    ...(spec.contextLength !== undefined && { contextLength: spec.contextLength }),
  });
  const backend = new OpenAIBackend({
    name: spec.name,
    baseURL: spec.url,
    settingsPath: `hosts.${spec.name}`,
    ...(spec.tokenEnv && { apiKeyEnv: spec.tokenEnv }),
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  const engine = new OpenAIEngine(backend, {
    parallel,
    stallMs: base.ollama.stallTimeoutMs,
    ...(spec.loadFigures === false && { loadFigures: false }),
    ...(spec.model && { model: spec.model }),
    ...(spec.contextLength !== undefined && { contextLength: spec.contextLength }),
  });
  // it plans nothing (can.managesMemory is false): the memory model only answers status questions
  const memory = new HostMemoryModel(settings.ollama.host, settings, deps.ram, `hosts.${spec.name}.capacity`);
  return new FleetHost(spec.name, priority, settings, engine, memory, {
    ...deps,
    fleet: true,
    ...(spec.cluster && { cluster: true }),
  });
}

/**
 * Another ollm-mcp (a team's GPU box): its memory is its own plan's, so nothing is planned here
 * (can.managesMemory false).
 */
function ollmHost(base: Settings, spec: OllmHostSpec, priority: number, deps: FleetHostDeps): FleetHost {
  const parallel = spec.numParallel ?? base.ollama.numParallel;
  const settings = settingsFor(base, { url: spec.url, numParallel: parallel });
  const engine = new OllmEngine({
    name: spec.name,
    url: spec.url,
    timeoutMs: base.ollama.timeoutMs,
    parallel,
    ...(spec.tokenEnv && { tokenEnv: spec.tokenEnv }),
  });
  // the memory model only answers status questions
  const memory = new HostMemoryModel(settings.ollama.host, settings, deps.ram, `hosts.${spec.name}.capacity`);
  // it places work over its own engines by its own plan: one host here
  return new FleetHost(spec.name, priority, settings, engine, memory, { ...deps, fleet: true, cluster: true });
}

/** Every host of the settings, by priority: ollama.host first among equals. */
export function fleetHosts(settings: Settings, deps: Omit<FleetHostDeps, 'fleet'>): FleetHost[] {
  const extra = settings.hosts;
  const hostDeps = { ...deps, fleet: extra.length > 0 };
  const make = (h: HostSpec, i: number): FleetHost => {
    const priority = h.priority ?? i;
    if (h.kind === 'llamacpp') return llamacppHost(settings, h, priority, hostDeps);
    if (h.kind === 'openai') return openaiHost(settings, h, priority, hostDeps);
    if (h.kind === 'ollm') return ollmHost(settings, h, priority, hostDeps);
    return ollamaHost(h.name, priority, settingsFor(settings, h), hostDeps);
  };
  return [ollamaHost('ollama', -1, settings, hostDeps), ...extra.map(make)].sort((a, b) => a.priority - b.priority);
}
