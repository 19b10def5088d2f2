/**
 * When Ollama runs on this machine, its server environment is usually ollm-mcp's too: the KV cache
 * type, flash attention and GPU overhead it was started with default to OLLAMA_KV_CACHE_TYPE,
 * OLLAMA_FLASH_ATTENTION and OLLAMA_GPU_OVERHEAD here (envconfig/config.go reads the same names),
 * below every setting given. For another machine nothing is guessed: its settings say.
 */
import { KV_CACHE_TYPES } from './schema-parts.js';
import { DEFAULT_OLLAMA_URL, normalizeOllamaHost } from './host.js';

type Env = Record<string, string | undefined>;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/i;

/** Whether an Ollama URL points at this machine. */
export function isLocalHost(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Go's strconv.ParseBool, as envconfig.BoolWithDefault reads OLLAMA_FLASH_ATTENTION; anything else leaves the default (auto). */
function goBool(raw: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  return undefined;
}

/** The Ollama server settings this machine's environment gives, each with the variable it came from; a value Ollama would not take is left out. */
export function ollamaEnvDefaults(env: Env): Array<{ key: 'kvCacheType' | 'flashAttention' | 'gpuOverhead'; value: string | number; from: string }> {
  const out: Array<{ key: 'kvCacheType' | 'flashAttention' | 'gpuOverhead'; value: string | number; from: string }> = [];
  const kv = env.OLLAMA_KV_CACHE_TYPE?.trim().toLowerCase(); // llm/server.go lowercases it
  if (kv && (KV_CACHE_TYPES as readonly string[]).includes(kv)) out.push({ key: 'kvCacheType', value: kv, from: 'OLLAMA_KV_CACHE_TYPE' });
  const fa = env.OLLAMA_FLASH_ATTENTION?.trim();
  const on = fa ? goBool(fa) : undefined;
  if (on !== undefined) out.push({ key: 'flashAttention', value: on ? 'on' : 'off', from: 'OLLAMA_FLASH_ATTENTION' });
  const overhead = env.OLLAMA_GPU_OVERHEAD?.trim();
  const bytes = overhead && /^\d+$/.test(overhead) ? Number(overhead) : undefined; // envconfig.Uint64: a plain byte count
  if (bytes !== undefined && bytes > 0 && Number.isSafeInteger(bytes)) out.push({ key: 'gpuOverhead', value: bytes, from: 'OLLAMA_GPU_OVERHEAD' });
  return out;
}

type Tree = Record<string, unknown>;

/**
 * The merged settings with this machine's Ollama environment filling what no layer gave, when
 * ollama.host is this machine; `sources` records each as "env OLLAMA_…".
 */
export function withOllamaEnv(merged: Tree, env: Env, sources: Record<string, string>): Tree {
  const given = merged['ollama'];
  const ollama: Tree = Object.assign(Object.create(null) as Tree, typeof given === 'object' && given !== null && !Array.isArray(given) ? given : {});
  let url = DEFAULT_OLLAMA_URL;
  try {
    if (typeof ollama['host'] === 'string') url = normalizeOllamaHost(ollama['host']);
  } catch {
    return merged; // the schema reports the host
  }
  if (!isLocalHost(url)) return merged;
  const defaults = ollamaEnvDefaults(env).filter((d) => ollama[d.key] === undefined);
  if (defaults.length === 0) return merged;
  for (const d of defaults) {
    ollama[d.key] = d.value;
    sources[`ollama.${d.key}`] = `env ${d.from}`;
  }
  return Object.assign(Object.create(null) as Tree, merged, { ollama });
}
