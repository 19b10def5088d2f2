/**
 * Model names as Ollama reads them (types/model/name.go, internal/modelref):
 * `host/namespace/model:tag`, every part part of the identity, defaults
 * `registry.ollama.ai`, `library` and `latest` filled in, compared case-insensitively.
 * So `llama3` is `registry.ollama.ai/library/llama3:latest` and not `someuser/llama3:latest`.
 * A `:cloud` tag or a `-cloud` tag suffix marks an explicit cloud model.
 */

export const DEFAULT_HOST = 'registry.ollama.ai';
export const DEFAULT_NAMESPACE = 'library';
export const DEFAULT_TAG = 'latest';

export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

/** Cut at the last `sep`: [before, after] or undefined when `sep` does not occur. */
function cutLast(s: string, sep: string): [string, string] | undefined {
  const i = s.lastIndexOf(sep);
  return i < 0 ? undefined : [s.slice(0, i), s.slice(i + sep.length)];
}

/** ParseName: the parts of `s`, with the default host, namespace and tag filled in. */
export function parseName(raw: string): ModelName {
  let s = raw.trim();
  let tag = '';
  if (s.lastIndexOf(':') > s.lastIndexOf('/')) {
    const cut = cutLast(s, ':');
    if (cut) [s, tag] = cut;
  }
  let namespace = '';
  let host = '';
  let model = s;
  const m = cutLast(s, '/');
  if (m) {
    [s, model] = m;
    const ns = cutLast(s, '/');
    if (ns) {
      [host, namespace] = ns;
      host = host.replace(/^[a-z]+:\/\//i, '');
    } else namespace = s;
  }
  return { host: host || DEFAULT_HOST, namespace: namespace || DEFAULT_NAMESPACE, model, tag: tag || DEFAULT_TAG };
}

/** DisplayShortest: `model:tag`, `namespace/model:tag`, or `host/namespace/model:tag`. */
export function displayName(n: ModelName): string {
  if (n.host.toLowerCase() !== DEFAULT_HOST) return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
  if (n.namespace.toLowerCase() !== DEFAULT_NAMESPACE) return `${n.namespace}/${n.model}:${n.tag}`;
  return `${n.model}:${n.tag}`;
}

/**
 * The name as Ollama shows it (/api/tags, /api/ps): the shortest display form, case kept.
 * `registry.ollama.ai/library/llama3` → `llama3:latest`; `someuser/llama3` → `someuser/llama3:latest`.
 */
export function normalizeName(name: string): string {
  return displayName(parseName(name));
}

/** The identity of a name: all four parts, lower-cased (Ollama's Name.EqualFold). */
export function nameKey(name: string): string {
  const n = parseName(name);
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`.toLowerCase();
}

/**
 * An explicit cloud reference (modelref.ParseRef): `gpt-oss:120b-cloud` → `gpt-oss:120b`,
 * `glm-4.6:cloud` → `glm-4.6`. Undefined for a local name.
 */
export function cloudBase(raw: string): string | undefined {
  const s = raw.trim();
  const i = s.lastIndexOf(':');
  if (i < 0) return undefined;
  const suffix = s.slice(i + 1).trim();
  const lower = suffix.toLowerCase();
  if (lower === 'cloud') return s.slice(0, i);
  if (!suffix.includes('/') && lower.endsWith('-cloud')) return s.slice(0, i + 1) + suffix.slice(0, -'-cloud'.length);
  return undefined;
}
