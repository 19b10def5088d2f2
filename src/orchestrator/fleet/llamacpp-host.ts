/**
 * A llama.cpp router of the fleet (settings' `hosts` entries of kind `llamacpp`): an OllamaHost
 * whose backend speaks to llama-server (hosts/llamacpp.ts) and whose memory model counts the
 * router's --models-max (loading/llamacpp-memory.ts). Everything else — catalog, loader and
 * planner, pins, overview, placement — is the same as for an Ollama host.
 */
import type { Settings } from '../config/index.js';
import { LlamacppBackend } from '../engines/llamacpp/llamacpp.js';
import { LlamacppMemoryModel } from '../loading/llamacpp-memory.js';
import { OllamaHost, settingsFor, type OllamaHostDeps, type OllamaHostSpec } from './ollama-host.js';

export type LlamacppHostSpec = Extract<Settings['hosts'][number], { kind: 'llamacpp' }>;

/** The settings as the router's host sees them: its address and capacity; one slot per model (its KV cache is in its size). */
export function llamacppSettings(base: Settings, spec: LlamacppHostSpec): Settings {
  const asOllama: OllamaHostSpec = { name: spec.name, kind: 'ollama', url: spec.url, numParallel: 1, ...(spec.capacity && { capacity: spec.capacity }), ...(spec.modelsMax !== undefined && { maxLoadedModels: spec.modelsMax }) };
  return settingsFor(base, asOllama);
}

/** The server root as written, without a trailing slash or /v1. */
export function serverRoot(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

export function llamacppHost(base: Settings, given: LlamacppHostSpec, priority: number, deps: OllamaHostDeps): OllamaHost {
  const spec = { ...given, url: serverRoot(given.url) };
  const settings = llamacppSettings(base, spec);
  const backend = new LlamacppBackend({
    name: spec.name,
    url: spec.url,
    timeoutMs: base.ollama.timeoutMs,
    ...(spec.tokenEnv && { apiKeyEnv: spec.tokenEnv }),
    ...(spec.modelsMax !== undefined && { modelsMax: spec.modelsMax }),
    ...(spec.modelSizes && { modelSizes: spec.modelSizes }),
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  const memory = new LlamacppMemoryModel(settings.ollama.host, settings, deps.ram, `hosts.${spec.name}.capacity`, () => backend.modelsMax({ timeoutMs: 3000 }));
  return new OllamaHost(spec.name, priority, settings, { ...deps, fleet: true }, { kind: 'llamacpp', backend, memory });
}

/** Every Ollama and llama.cpp host of the settings, by priority: ollama.host first among equals. */
export function fleetHosts(settings: Settings, deps: Omit<OllamaHostDeps, 'fleet'>): OllamaHost[] {
  const extra = settings.hosts.filter((h) => h.kind === 'ollama' || h.kind === 'llamacpp');
  const hostDeps = { ...deps, fleet: extra.length > 0 };
  return [
    new OllamaHost('ollama', -1, settings, hostDeps),
    ...extra.map((h, i) => (h.kind === 'llamacpp' ? llamacppHost(settings, h, h.priority ?? i, hostDeps) : new OllamaHost(h.name, h.priority ?? i, settingsFor(settings, h), hostDeps))),
  ].sort((a, b) => a.priority - b.priority);
}
