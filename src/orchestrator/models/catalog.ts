/**
 * Installed models: /api/tags plus /api/show per model, merged with the model database.
 * The list is cached for a TTL; /api/show answers are cached by digest (they cannot change
 * while the digest stays), so a refresh only asks about new or changed models, a few at a time.
 * When Ollama goes away, the last good list is served, marked stale.
 */
import type { ModelShow } from '../engines/engine-model.js';
import { describeModel, findModel, similarModels } from './model-db.js';
import { nearModels } from '../engines/model-names.js';
import type { CatalogModel, CatalogSnapshot, KvShape, ModelCatalog } from '../loading/model-facts.js';

export { findModel, modelKey, similarModels, withTag } from './model-db.js';
export type { CatalogModel } from '../loading/model-facts.js';
import { notInstalled, HostError } from '../engines/host-error.js';
import type { Engine } from '../engines/engine.js';
import { byCodeUnit } from '../util/locale-free.js';
import { modelSettings, type ModelSettings } from './model-settings.js';

/**
 * A list whose models carry their engine's own fit is read again after this long: the fit changes with every
 * load there.
 */
export const FIT_TTL_MS = 1000;

/** Cloud models are listed with a remote host, and named "…-cloud" or ":cloud". */
function isCloudModel(tag: { name: string; remote_host?: unknown }): boolean {
  return (typeof tag.remote_host === 'string' && tag.remote_host !== '') || /(^|[-:])cloud$/i.test(tag.name);
}

export interface CatalogOptions {
  ttlMs?: number;
  showConcurrency?: number;
}

/** Runs `fn` over `items` with at most `limit` at once, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

/**
 * What ollm-mcp keeps from an /api/show answer (modelfile, template and full license are dropped; parameters
 * and system kept).
 */
export interface ShowFacts {
  family?: string;
  parameterSize?: string;
  /** model_info `general.parameter_count`. */
  parameterCount?: number;
  quantization?: string;
  architecture?: string;
  contextWindow?: number;
  capabilities?: string[];
  license?: string;
  kvShape?: KvShape;
  own?: ModelSettings;
  weights?: string;
}

const LICENSE_LINES = 3;

function kvShapeOf(info: Record<string, unknown>, arch: string): KvShape | undefined {
  const num = (key: string) =>
    typeof info[`${arch}.${key}`] === 'number' ? (info[`${arch}.${key}`] as number) : undefined;
  const layers = num('block_count');
  const heads = num('attention.head_count');
  const kvHeads = num('attention.head_count_kv') ?? heads;
  const embedding = num('embedding_length');
  const headDim = num('attention.key_length') ?? (embedding && heads ? embedding / heads : undefined);
  return layers && kvHeads && headDim ? { layers, kvHeads, headDim } : undefined;
}

/** 20914757184 -> "20.9B", 268098176 -> "268.1M": Ollama's way of writing a parameter count. */
function humanParameters(count: number): string {
  const [scale, unit] =
    count >= 1e12 ? [1e12, 'T'] : count >= 1e9 ? [1e9, 'B'] : count >= 1e6 ? [1e6, 'M'] : [1e3, 'K'];
  return `${Number((count / scale).toFixed(1))}${unit}`;
}

/** The weights blob a modelfile's FROM line names ("FROM /…/blobs/sha256-<hex>"), when it names one. */
export function weightsFile(modelfile: string | undefined): string | undefined {
  for (const line of (modelfile ?? '').slice(0, 64 * 1024).split('\n')) {
    if (!line.startsWith('FROM ')) continue;
    const blob = line.slice(5).trim().split(/[\\/]/).at(-1) ?? '';
    return /^sha256[-:][0-9a-f]{64}$/.test(blob) ? blob.replace(':', '-') : undefined;
  }
  return undefined;
}

export function showFacts(show: ModelShow): ShowFacts {
  // The client types model_info as a Map, but it arrives as a plain JSON object.
  const info = (show.model_info ?? {}) as unknown as Record<string, unknown>;
  const arch = info['general.architecture'];
  const ctx = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  const facts: ShowFacts = {
    family: show.details?.family,
    parameterSize: show.details?.parameter_size,
    quantization: show.details?.quantization_level,
    capabilities: show.capabilities,
  };
  if (typeof arch === 'string') {
    facts.architecture = arch;
    const kv = kvShapeOf(info, arch);
    if (kv) facts.kvShape = kv;
  }
  if (typeof ctx === 'number' && ctx > 0) facts.contextWindow = ctx;
  const count = info['general.parameter_count'];
  if (typeof count === 'number' && count > 0) {
    facts.parameterCount = count;
    // Some hosts give model_info but no details.parameter_size: say it the way Ollama does.
    if (!facts.parameterSize) facts.parameterSize = humanParameters(count);
  }
  // Cloud models give a raw count ("116829156672") as their parameter size.
  if (facts.parameterSize && /^\d+$/.test(facts.parameterSize))
    facts.parameterSize = humanParameters(Number(facts.parameterSize));
  const own = modelSettings(show);
  if (own) facts.own = own;
  const weights = weightsFile(show.modelfile);
  if (weights) facts.weights = weights;
  const license = show.license?.trim();
  if (license) facts.license = license.split('\n').slice(0, LICENSE_LINES).join('\n').trim();
  return facts;
}

export class Catalog implements ModelCatalog {
  private snapshot?: CatalogSnapshot;
  /** The reading under way, and whether it was asked to refresh (one that was not is no answer to a refresh). */
  private inflight?: { snapshot: Promise<CatalogSnapshot>; refresh: boolean };
  private readonly shows = new Map<string, ShowFacts>();
  private readonly ttlMs: number;
  private readonly showConcurrency: number;

  constructor(
    private readonly backend: Engine,
    options: CatalogOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.showConcurrency = options.showConcurrency ?? 4;
  }

  /** Forget the cached list (after a pull or delete). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  /** `recent`: for a placement (CallOptions.recent). */
  async list(options: { refresh?: boolean; signal?: AbortSignal; recent?: boolean } = {}): Promise<CatalogSnapshot> {
    const ttl = this.snapshot?.models.some((m) => m.fit) ? Math.min(this.ttlMs, FIT_TTL_MS) : this.ttlMs;
    const fresh = this.snapshot && !this.snapshot.stale && Date.now() - this.snapshot.fetchedAt < ttl;
    if (fresh && !options.refresh) return this.snapshot!;
    const refresh = options.refresh === true;
    if (!this.inflight || (refresh && !this.inflight.refresh)) {
      const snapshot = this.fetch(options.signal, refresh, options.recent === true).finally(() => {
        if (this.inflight?.snapshot === snapshot) this.inflight = undefined;
      });
      this.inflight = { snapshot, refresh };
    }
    return this.inflight.snapshot;
  }

  async get(
    name: string,
    options: { refresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<CatalogModel | undefined> {
    return findModel((await this.list(options)).models, name);
  }

  /** The installed model `name` means, or the not-installed error naming models it may have meant. */
  async resolve(name: string, options: { signal?: AbortSignal } = {}): Promise<CatalogModel> {
    const found = (await this.get(name, options)) ?? (await this.get(name, { ...options, refresh: true }));
    if (found) return found;
    const { models } = await this.list(options);
    const similar = similarModels(models, name).map((m) => m.name);
    throw notInstalled(
      name,
      this.backend.host,
      undefined,
      similar,
      similar.length ? [] : nearModels(models, name).map((m) => m.name),
    );
  }

  private async fetch(signal: AbortSignal | undefined, refresh: boolean, recent: boolean): Promise<CatalogSnapshot> {
    let tags;
    try {
      tags = await this.backend.list({ signal, ...(refresh && { refresh }), ...(recent && { recent }) });
    } catch (err) {
      if (this.snapshot && err instanceof HostError && err.kind !== 'aborted') {
        this.snapshot = { ...this.snapshot, stale: err };
        return this.snapshot;
      }
      throw err;
    }
    const models = await mapLimit(tags, this.showConcurrency, async (tag): Promise<CatalogModel> => {
      const key = `${tag.name}@${tag.digest}`;
      let show = this.shows.get(key);
      if (!show) {
        const answer = await this.backend.show(tag.name, { signal }).catch(() => undefined);
        if (answer) this.shows.set(key, (show = showFacts(answer)));
      }
      const description = describeModel(tag.name, {
        family: show?.family ?? tag.details?.family,
        parameterSize: show?.parameterSize ?? tag.details?.parameter_size,
        quantization: show?.quantization ?? tag.details?.quantization_level,
        contextWindow: show?.contextWindow,
        architecture: show?.architecture,
        parameterCount: show?.parameterCount,
        capabilities: show?.capabilities ?? (tag as { capabilities?: string[] }).capabilities,
      });
      const model: CatalogModel = {
        name: tag.name,
        sizeBytes: tag.size,
        digest: tag.digest,
        modifiedAt: String(tag.modified_at),
        parameterSize: show?.parameterSize ?? tag.details?.parameter_size ?? '',
        quantization: show?.quantization ?? tag.details?.quantization_level ?? '',
        detailsKnown: show !== undefined,
        ...description,
      };
      if (show?.architecture) model.architecture = show.architecture;
      if (show?.license) model.licenseFirstLines = show.license;
      if (show?.kvShape) model.kvShape = show.kvShape;
      if (show?.own) model.own = show.own;
      if (show?.weights) model.weights = show.weights;
      if (isCloudModel(tag)) model.cloud = true;
      else if (tag.fit) model.fit = tag.fit;
      if (tag.sizeAtWindow) model.sizeAtWindow = true;
      return model;
    });
    // Drop show answers for models that are gone.
    const live = new Set(tags.map((t) => `${t.name}@${t.digest}`));
    for (const key of this.shows.keys()) if (!live.has(key)) this.shows.delete(key);
    models.sort((a, b) => byCodeUnit(a.name, b.name));
    this.snapshot = { models, fetchedAt: Date.now() };
    return this.snapshot;
  }
}
