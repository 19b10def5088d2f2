/**
 * When Ollama runs on this machine, its server environment is usually ollm-mcp's too: the KV cache
 * type, flash attention and GPU overhead it was started with default to OLLAMA_KV_CACHE_TYPE,
 * OLLAMA_FLASH_ATTENTION and OLLAMA_GPU_OVERHEAD here (envconfig/config.go reads the same names),
 * below every setting given. For another machine nothing is guessed: its settings say.
 */
import { isIP } from 'node:net';
import { KV_CACHE_TYPES } from './schema-parts.js';
import { DEFAULT_OLLAMA_URL, normalizeOllamaHost } from './host.js';

type Env = Record<string, string | undefined>;

/**
 * Whether an Ollama URL points at this machine: localhost, 127.0.0.0/8 or ::1. The URL parser
 * gives each address in one form (lowercase; "127.1" is 127.0.0.1, "[0:0::1]" is [::1]), so a
 * name that only looks like an address ("127.example.com") is not one.
 */
export function isLocalHost(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Go's strconv.ParseBool, as envconfig.BoolWithDefault reads OLLAMA_FLASH_ATTENTION; anything else leaves the
 * default (auto).
 */
const GO_TRUE: ReadonlySet<string | undefined> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE: ReadonlySet<string | undefined> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * The Ollama server settings this machine's environment gives, each with the variable it came from; a value
 * Ollama would not take is left out.
 */
export function ollamaEnvDefaults(
  env: Env,
): Array<{ key: 'kvCacheType' | 'flashAttention' | 'gpuOverhead'; value: string | number; from: string }> {
  const out: Array<{ key: 'kvCacheType' | 'flashAttention' | 'gpuOverhead'; value: string | number; from: string }> =
    [];
  const kv = env.OLLAMA_KV_CACHE_TYPE?.trim().toLowerCase(); // llm/server.go lowercases it
  const known = KV_CACHE_TYPES.find((t) => t === kv);
  if (known) out.push({ key: 'kvCacheType', value: known, from: 'OLLAMA_KV_CACHE_TYPE' });
  const fa = env.OLLAMA_FLASH_ATTENTION?.trim();
  const flash = GO_TRUE.has(fa) ? 'on' : GO_FALSE.has(fa) ? 'off' : undefined;
  if (flash) out.push({ key: 'flashAttention', value: flash, from: 'OLLAMA_FLASH_ATTENTION' });
  const overhead = env.OLLAMA_GPU_OVERHEAD?.trim();
  // envconfig.Uint64: a plain byte count (0, Ollama's default, included); not "1e9" or "0x10", which Number takes
  const bytes = overhead?.match(/^\d+$/) ? Number(overhead) : NaN;
  if (Number.isSafeInteger(bytes)) out.push({ key: 'gpuOverhead', value: bytes, from: 'OLLAMA_GPU_OVERHEAD' });
  return out;
}

type Tree = Record<string, unknown>;

/**
 * The merged settings with this machine's Ollama environment filling what no layer gave, when
 * ollama.host is this machine; `sources` records each as "env OLLAMA_…".
 */
export function withOllamaEnv(merged: Tree, env: Env, sources: Record<string, string>): Tree {
  const given = merged['ollama'];
  // a section that is not a mapping is the schema's to report, not to be replaced
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) return merged;
  const ollama: Tree = Object.assign(Object.create(null) as Tree, given);
  let url = DEFAULT_OLLAMA_URL;
  try {
    if (typeof ollama['host'] === 'string') url = normalizeOllamaHost(ollama['host']);
  } catch {
    return merged; // the schema reports the host
  }
  if (!isLocalHost(url)) return merged;
  for (const d of ollamaEnvDefaults(env).filter((d) => ollama[d.key] === undefined)) {
    ollama[d.key] = d.value;
    sources[`ollama.${d.key}`] = `env ${d.from}`;
  }
  return Object.assign(Object.create(null) as Tree, merged, { ollama });
}
