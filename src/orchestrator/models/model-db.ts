/**
 * The model database: what ollm-mcp knows about a model — what its host says (Ollama's facts
 * win), what its name says (name-words.ts), and the table of known models as a prior.
 * Unknown models the host says nothing about get safe defaults.
 */
import { CAPABILITIES, PROFILE_NAMES, type Capability, type ProfileName } from '../config/profiles.js';
import { MODEL_DATABASE, SAFE_DEFAULT, type ModelEntry } from './model-db-entries.js';
import { nameWords, type NameWords } from './name-words.js';
import { baseName } from '../engines/model-names.js';
import type { ModelDescription } from '../loading/model-facts.js';

export { MODEL_DATABASE, type ModelEntry } from './model-db-entries.js';
export type { ModelDescription } from '../loading/model-facts.js';
export { baseName, findModel, isModel, modelKey, similarModels, withTag } from '../engines/model-names.js';

/** Facts Ollama reports for an installed model (from /api/tags and /api/show). */
export interface OllamaFacts {
  family?: string;
  parameterSize?: string;
  quantization?: string;
  contextWindow?: number;
  capabilities?: string[];
  /** `general.architecture` from model_info ("gptoss", "qwen3moe"): the family when details give none. */
  architecture?: string;
  /** `general.parameter_count` from model_info: exact, and there when details.parameter_size is not. */
  parameterCount?: number;
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

/**
 * "3.2B" -> 3.2e9, "270M" -> 2.7e8, "116829156672" -> 1.17e11 (cloud models give raw counts); undefined when
 * nothing readable.
 */
export function parameterCount(parameterSize: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$/i.exec(parameterSize ?? '');
  if (!m) return undefined;
  const scale = m[2] ? { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2].toUpperCase() as 'K' | 'M' | 'B' | 'T'] : 1;
  return Number(m[1]) * scale;
}

/** At most this many parameters, a model answers fast work. */
const FAST_PARAMETERS = 4.5e9;
/** A model the name calls small ("tiny", "mini", "e4b") answers fast work up to this size; above it, nothing does. */
const SMALL_NAMED_PARAMETERS = 8e9;

function knownCapabilities(list: string[]): Capability[] {
  return list.filter((c): c is Capability => (CAPABILITIES as readonly string[]).includes(c));
}

/** What a model's profiles are derived from. */
interface Evidence {
  /** The table entry's profiles (the prior), or what an unknown model is assumed to serve. */
  prior: readonly ProfileName[];
  /** Whether a table entry matched. */
  known: boolean;
  capabilities: readonly Capability[];
  /** Whether the capabilities are the host's (so an absent one is really absent). */
  fromHost: boolean;
  parameters: number | undefined;
  words: NameWords;
}

/**
 * Profiles from every source: the table's prior, then what the host reports (vision → vision,
 * thinking → reasoning; no completion, or image generation → none), the name's own words (code,
 * reasoning, size) and the parameter count (small → fast). `insert` (fill-in-the-middle) alone
 * never makes a code model — base models have it too — but with a table entry it does.
 */
function deriveProfiles(e: Evidence): ProfileName[] {
  const caps = e.capabilities;
  if (!caps.includes('completion') || caps.includes('image')) return [];
  const set = new Set<ProfileName>(e.prior);
  if (caps.includes('vision')) set.add('vision');
  else set.delete('vision');
  if (e.words.code || (caps.includes('insert') && e.known)) set.add('code');
  // Reasoning is for models that think: the host says so, or the name does. A model the host
  // reports without thinking keeps the table's reasoning only when its name says it reasons.
  if (caps.includes('thinking') || e.words.reasoning) set.add('reasoning');
  else if (e.fromHost) set.delete('reasoning');
  const p = e.parameters;
  const small =
    p !== undefined
      ? p <= FAST_PARAMETERS || (e.words.small && p <= SMALL_NAMED_PARAMETERS)
      : e.words.small && !e.known;
  // Fast work is short text: for small general models, never one that always reasons at length.
  if (small && set.has('general')) set.add('fast');
  if ((p !== undefined && p > SMALL_NAMED_PARAMETERS) || e.words.reasoning) set.delete('fast');
  if (set.size === 0) set.add('general');
  return PROFILE_NAMES.filter((x) => set.has(x));
}

/**
 * The host's capabilities: a model that thinks or calls tools writes text, even when a cloud stub leaves
 * `completion` out.
 */
function hostCapabilities(reported: string[] | undefined): Capability[] | undefined {
  const caps = reported && reported.length > 0 ? knownCapabilities(reported) : [];
  if (caps.length === 0) return undefined;
  const writes = caps.includes('thinking') || caps.includes('tools');
  if (writes && !caps.includes('completion') && !caps.includes('embedding') && !caps.includes('image'))
    caps.unshift('completion');
  return caps;
}

/** Without the host's word: the table's capabilities, or the default's with what the name says (vision, embedding). */
function assumedCapabilities(entry: ModelEntry | undefined, words: NameWords): Capability[] {
  if (entry) return [...entry.capabilities];
  if (words.embedding) return ['embedding'];
  return words.vision ? [...SAFE_DEFAULT.capabilities, 'vision'] : [...SAFE_DEFAULT.capabilities];
}

/**
 * A model described from everything known about it: what its host reports (capabilities, family,
 * parameter count, context window) first, the name's own words, and the table entry — when one
 * matches — as the prior these add to. An unknown model with only completion (and tools) is a
 * general model; one whose name says code is a code model.
 */
export function describeModel(
  name: string,
  facts: OllamaFacts = {},
  db: readonly ModelEntry[] = MODEL_DATABASE,
): ModelDescription {
  const entry = matchEntry(name, db);
  const words = nameWords(name);
  const known = entry ?? { ...SAFE_DEFAULT, pattern: undefined };
  const reported = hostCapabilities(facts.capabilities);
  const capabilities = reported ?? assumedCapabilities(entry, words);
  const contextWindow = facts.contextWindow && facts.contextWindow > 0 ? facts.contextWindow : known.contextWindow;
  const prior = entry ? entry.profiles : words.code ? (['code'] as const) : SAFE_DEFAULT.profiles;
  const parameters =
    facts.parameterCount && facts.parameterCount > 0
      ? facts.parameterCount
      : (parameterCount(facts.parameterSize) ?? words.parameters);
  const description: ModelDescription = {
    family: facts.family || entry?.family || facts.architecture || SAFE_DEFAULT.family,
    contextWindow,
    capabilities,
    profiles: deriveProfiles({
      prior,
      known: entry !== undefined,
      capabilities,
      fromHost: reported !== undefined,
      parameters,
      words,
    }),
    contextSource: facts.contextWindow && facts.contextWindow > 0 ? 'ollama' : entry ? 'database' : 'default',
  };
  if (entry) description.pattern = entry.pattern;
  if (known.maxOutputTokens !== undefined) description.maxOutputTokens = known.maxOutputTokens;
  return description;
}
