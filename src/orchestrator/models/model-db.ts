/**
 * The model database: what ollm-mcp knows about a model by its name, merged with what Ollama
 * itself says (Ollama's facts win). Unknown models get safe defaults.
 */
import { CAPABILITIES, PROFILE_NAMES, type Capability, type ProfileName } from './profiles.js';
import { MODEL_DATABASE, SAFE_DEFAULT, type ModelEntry } from './model-db-entries.js';

export { MODEL_DATABASE, type ModelEntry } from './model-db-entries.js';

/** Facts Ollama reports for an installed model (from /api/tags and /api/show). */
export interface OllamaFacts {
  family?: string;
  parameterSize?: string;
  quantization?: string;
  contextWindow?: number;
  capabilities?: string[];
}

export interface ModelDescription {
  family: string;
  contextWindow: number;
  maxOutputTokens?: number;
  capabilities: Capability[];
  profiles: ProfileName[];
  /** The database pattern that matched, if any. */
  pattern?: string;
  /** Where the context window came from. */
  contextSource: 'ollama' | 'database' | 'default';
}

/** "registry.ollama.ai/library/Llama3.1:8B" -> "llama3.1:8b"; the tag is kept. */
export function baseName(name: string): string {
  const lower = name.trim().toLowerCase();
  const slash = lower.lastIndexOf('/');
  return slash >= 0 ? lower.slice(slash + 1) : lower;
}

/** "llama3" -> "llama3:latest": the form Ollama lists names in. */
export function withTag(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') ? name : `${name}:latest`;
}

/**
 * A model's identity as Ollama defines it (types/model/name.go): host, namespace, model and tag,
 * case-insensitive, with registry.ollama.ai, library and latest filled in. "llama3" is
 * "registry.ollama.ai/library/llama3:latest" — never "alice/llama3:latest".
 */
export function modelKey(name: string): string {
  const lower = name.trim().toLowerCase();
  const slash = lower.lastIndexOf('/');
  const colon = lower.lastIndexOf(':');
  const [path, tag] = colon > slash ? [lower.slice(0, colon), lower.slice(colon + 1)] : [lower, 'latest'];
  const parts = path.split('/');
  const model = parts.pop()!;
  const namespace = parts.pop() ?? 'library';
  const host = parts.length ? parts.join('/') : 'registry.ollama.ai';
  return `${host}/${namespace}/${model}:${tag}`;
}

/** Whether an installed model's name is the one a user wrote ("llama3.2" for "llama3.2:latest", any case, with or without "library/"). */
export function isModel(installedName: string, wanted: string): boolean {
  return installedName === wanted || modelKey(installedName) === modelKey(wanted);
}

/** The installed model a user means, from any list of named models: the same identity, nothing looser. */
export function findModel<T extends { name: string }>(models: readonly T[], wanted: string): T | undefined {
  return models.find((m) => m.name === wanted) ?? models.find((m) => isModel(m.name, wanted));
}

/** Installed models a name may have meant: the same model under another tag or namespace. */
export function similarModels<T extends { name: string }>(models: readonly T[], wanted: string): T[] {
  const model = (name: string) => modelKey(name).split('/').pop()!.split(':')[0];
  return models.filter((m) => model(m.name) === model(wanted));
}

const patternCache = new Map<string, RegExp>();
function patternRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`);
    patternCache.set(pattern, re);
  }
  return re;
}

const literalLength = (pattern: string) => pattern.replace(/\*/g, '').length;

/** The most specific database entry for a model name, or undefined for an unknown model. */
export function matchEntry(name: string, db: readonly ModelEntry[] = MODEL_DATABASE): ModelEntry | undefined {
  const base = baseName(name);
  const tagged = base.includes(':') ? base : `${base}:latest`;
  let best: ModelEntry | undefined;
  for (const entry of db) {
    if (!patternRegExp(entry.pattern).test(tagged)) continue;
    if (!best || literalLength(entry.pattern) > literalLength(best.pattern)) best = entry;
  }
  return best;
}

/** "3.2B" -> 3.2e9, "270M" -> 2.7e8; undefined when Ollama gave nothing readable. */
export function parameterCount(parameterSize: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$/i.exec(parameterSize ?? '');
  if (!m) return undefined;
  const scale = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]!.toUpperCase() as 'K' | 'M' | 'B' | 'T'];
  return Number(m[1]) * scale;
}

const FAST_PARAMETERS = 4.5e9;

function knownCapabilities(list: string[]): Capability[] {
  return list.filter((c): c is Capability => (CAPABILITIES as readonly string[]).includes(c));
}

/** Profiles follow capabilities: embedding-only and image-generating models serve none, vision and thinking add theirs. */
function deriveProfiles(base: ProfileName[], caps: Capability[], params: number | undefined): ProfileName[] {
  if (!caps.includes('completion') || caps.includes('image')) return [];
  const set = new Set<ProfileName>(base);
  if (caps.includes('vision')) set.add('vision');
  else set.delete('vision');
  if (caps.includes('thinking')) set.add('reasoning');
  if (params !== undefined && params <= FAST_PARAMETERS) set.add('fast');
  if (set.size === 0) set.add('general');
  return PROFILE_NAMES.filter((p) => set.has(p));
}

export function describeModel(name: string, facts: OllamaFacts = {}, db: readonly ModelEntry[] = MODEL_DATABASE): ModelDescription {
  const entry = matchEntry(name, db);
  const known = entry ?? { ...SAFE_DEFAULT, pattern: undefined };
  const ollamaCaps = facts.capabilities && facts.capabilities.length > 0 ? knownCapabilities(facts.capabilities) : undefined;
  const capabilities = ollamaCaps && ollamaCaps.length > 0 ? ollamaCaps : [...known.capabilities];
  const contextWindow = facts.contextWindow && facts.contextWindow > 0 ? facts.contextWindow : known.contextWindow;
  const description: ModelDescription = {
    family: facts.family || entry?.family || SAFE_DEFAULT.family,
    contextWindow,
    capabilities,
    profiles: deriveProfiles([...known.profiles], capabilities, parameterCount(facts.parameterSize)),
    contextSource: facts.contextWindow && facts.contextWindow > 0 ? 'ollama' : entry ? 'database' : 'default',
  };
  if (entry) description.pattern = entry.pattern;
  if (known.maxOutputTokens !== undefined) description.maxOutputTokens = known.maxOutputTokens;
  return description;
}
