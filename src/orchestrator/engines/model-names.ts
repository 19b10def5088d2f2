/**
 * Model names as Ollama writes them (its types/model/name.go): "llama3" is "llama3:latest", and
 * "registry.ollama.ai/library/llama3:latest" — the names every engine here lists models by (a
 * llama-server router's are given Ollama's form). On the engines' floor, so an adapter, the loader
 * and the model database all reach it and name a model the same way.
 */
import { editDistance } from '../util/edit-distance.js';
import { remembered } from '../util/memo.js';

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
export const modelKey = remembered(identity, 1024, 256); // asked many times a call, of the same few names

function identity(name: string): string {
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

/**
 * Whether an installed model's name is the one a user wrote ("llama3.2" for "llama3.2:latest", any
 * case, with or without "library/").
 */
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

/**
 * Installed models a mistyped name may have meant (issue 75, finding 5: "lama3.1:8b"): those whose
 * name — the model and its tag, past any namespace — is at most two edits from the one written,
 * and under a third of its length; the nearest first, at most three. None for the name itself.
 */
export function nearModels<T extends { name: string }>(models: readonly T[], wanted: string): T[] {
  const short = (name: string) => modelKey(name).split('/').pop()!;
  const target = short(wanted);
  const bound = Math.min(2, Math.floor((target.length - 1) / 3));
  return models
    .map((m) => ({ m, d: editDistance(short(m.name), target) }))
    .filter(({ d }) => d > 0 && d <= bound)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ m }) => m);
}
