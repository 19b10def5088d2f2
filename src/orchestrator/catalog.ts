/**
 * Installed models: /api/tags plus /api/show per model, merged with the model database.
 * The list is cached for a TTL; /api/show answers are cached by digest (they cannot change
 * while the digest stays), so a refresh only asks about new or changed models, a few at a time.
 * When Ollama goes away, the last good list is served, marked stale.
 */
import type { ShowResponse } from 'ollama';
import { describeModel, type ModelDescription } from './model-db.js';
import { OllamaError, type OllamaBackend } from './ollama.js';

export interface CatalogModel extends ModelDescription {
  name: string;
  sizeBytes: number;
  digest: string;
  modifiedAt: string;
  parameterSize: string;
  quantization: string;
  architecture?: string;
  /** False when /api/show failed and the facts come from the database alone. */
  detailsKnown: boolean;
  license?: string;
}

export interface CatalogSnapshot {
  models: CatalogModel[];
  fetchedAt: number;
  /** Set when Ollama could not be reached and this is the last good list. */
  stale?: OllamaError;
}

export interface CatalogOptions {
  ttlMs?: number;
  showConcurrency?: number;
}

/** Runs `fn` over `items` with at most `limit` at once, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** "llama3" -> "llama3:latest": the form Ollama lists names in. */
export function withTag(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') ? name : `${name}:latest`;
}

function contextWindowOf(show: ShowResponse): number | undefined {
  // The client types model_info as a Map, but it arrives as a plain JSON object.
  const info = show.model_info as unknown as Record<string, unknown> | undefined;
  if (!info) return undefined;
  const arch = info['general.architecture'];
  const value = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

export class Catalog {
  private snapshot?: CatalogSnapshot;
  private inflight?: Promise<CatalogSnapshot>;
  private readonly shows = new Map<string, ShowResponse>();
  private readonly ttlMs: number;
  private readonly showConcurrency: number;

  constructor(
    private readonly backend: OllamaBackend,
    options: CatalogOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.showConcurrency = options.showConcurrency ?? 4;
  }

  /** Forget the cached list (after a pull or delete). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  async list(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<CatalogSnapshot> {
    const fresh = this.snapshot && !this.snapshot.stale && Date.now() - this.snapshot.fetchedAt < this.ttlMs;
    if (fresh && !options.refresh) return this.snapshot!;
    if (!this.inflight) {
      this.inflight = this.fetch(options.signal).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  async get(name: string, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<CatalogModel | undefined> {
    const wanted = withTag(name);
    const snap = await this.list(options);
    return snap.models.find((m) => m.name === wanted || m.name === name);
  }

  private async fetch(signal?: AbortSignal): Promise<CatalogSnapshot> {
    let tags;
    try {
      tags = await this.backend.list({ signal });
    } catch (err) {
      if (this.snapshot && err instanceof OllamaError && err.kind !== 'aborted') {
        this.snapshot = { ...this.snapshot, stale: err };
        return this.snapshot;
      }
      throw err;
    }
    const models = await mapLimit(tags, this.showConcurrency, async (tag): Promise<CatalogModel> => {
      const key = `${tag.name}@${tag.digest}`;
      let show = this.shows.get(key);
      if (!show) {
        show = await this.backend.show(tag.name, { signal }).catch(() => undefined);
        if (show) this.shows.set(key, show);
      }
      const details = show?.details ?? tag.details;
      const description = describeModel(tag.name, {
        family: details?.family,
        parameterSize: details?.parameter_size,
        quantization: details?.quantization_level,
        contextWindow: show ? contextWindowOf(show) : undefined,
        capabilities: show?.capabilities ?? (tag as { capabilities?: string[] }).capabilities,
      });
      const info = show?.model_info as unknown as Record<string, unknown> | undefined;
      const model: CatalogModel = {
        name: tag.name,
        sizeBytes: tag.size,
        digest: tag.digest,
        modifiedAt: String(tag.modified_at),
        parameterSize: details?.parameter_size ?? '',
        quantization: details?.quantization_level ?? '',
        detailsKnown: show !== undefined,
        ...description,
      };
      const arch = info?.['general.architecture'];
      if (typeof arch === 'string') model.architecture = arch;
      if (show?.license) model.license = show.license;
      return model;
    });
    // Drop show answers for models that are gone.
    const live = new Set(tags.map((t) => `${t.name}@${t.digest}`));
    for (const key of this.shows.keys()) if (!live.has(key)) this.shows.delete(key);
    models.sort((a, b) => a.name.localeCompare(b.name));
    this.snapshot = { models, fetchedAt: Date.now() };
    return this.snapshot;
  }
}
