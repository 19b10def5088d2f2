/**
 * The layers settings arrive in before they are merged (load.ts): env vars and command-line flags,
 * each value's text read as the setting wants it (a number, a yes or no), set at its dotted path in a
 * tree without a prototype, and where every key came from recorded.
 */

/**
 * One value given on the command line: `--temperature 0.2` is { path: 'options.temperature', value: 0.2,
 * flag: '--temperature' }.
 */
export interface FlagSetting {
  path: string;
  value: unknown;
  flag: string;
}

/** Env vars and the setting each one feeds. `OLLAMA_HOST` is read only when `OLLM_HOST` is unset. */
const ENV_MAP: Array<{ name: string; path: string; type: 'string' | 'number' | 'boolean' }> = [
  { name: 'OLLM_PROVIDER', path: 'provider', type: 'string' },
  { name: 'OLLM_MODEL', path: 'model.default', type: 'string' },
  { name: 'OLLM_HOST', path: 'ollama.host', type: 'string' },
  { name: 'OLLAMA_HOST', path: 'ollama.host', type: 'string' },
  { name: 'OLLM_TEMPERATURE', path: 'options.temperature', type: 'number' },
  { name: 'OLLM_MAX_TOKENS', path: 'options.maxTokens', type: 'number' },
  { name: 'OLLM_CONTEXT_SIZE', path: 'options.contextSize', type: 'number' },
  { name: 'OLLM_RAM_BUDGET', path: 'ram.budget', type: 'string' },
  { name: 'OLLM_SHARED', path: 'shared.enabled', type: 'boolean' },
];

/**
 * An env var's yes or no ("1", "true", "on", "yes" / "0", "false", "off", "no"); anything else is kept as
 * text for the schema to refuse.
 */
function booleanOrText(raw: string): boolean | string {
  const t = raw.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(t)) return true;
  if (['0', 'false', 'off', 'no'].includes(t)) return false;
  return raw.trim();
}
export const ENV_VARS = ENV_MAP.map((e) => e.name);

export type Tree = Record<string, unknown>;

export const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Env vars and flags arrive as text: a setting that wants a number gets one when the text is one. */
export function numberOrText(raw: string): number | string {
  const text = raw.trim();
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : text;
}

/** Settings trees have no prototype, so a key such as "__proto__" from a flag or file stays a plain (unknown) key. */
export const tree = (): Tree => Object.create(null) as Tree;

function setPath(target: Tree, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = tree();
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

/** Records the source of every key a layer gives, at every depth. */
export function recordSources(value: unknown, prefix: string[], source: string, out: Record<string, string>): void {
  if (prefix.length > 0) out[prefix.join('.')] = source;
  if (isTree(value)) {
    for (const [k, v] of Object.entries(value)) recordSources(v, [...prefix, k], source, out);
  }
}

export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = Object.assign(tree(), base);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function envLayer(env: Record<string, string | undefined>, sources: Record<string, string>): Tree {
  const layer = tree();
  for (const { name, path, type } of ENV_MAP) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    if (name === 'OLLAMA_HOST' && env.OLLM_HOST?.trim()) continue;
    setPath(
      layer,
      path.split('.'),
      type === 'number' ? numberOrText(raw) : type === 'boolean' ? booleanOrText(raw) : raw.trim(),
    );
    sources[path] = `env ${name}`;
  }
  return layer;
}

export function flagLayer(flags: FlagSetting[], sources: Record<string, string>): Tree {
  const layer = tree();
  for (const f of flags) {
    setPath(layer, f.path.split('.'), f.value);
    recordSources(f.value, f.path.split('.'), `flag ${f.flag}`, sources);
  }
  return layer;
}
