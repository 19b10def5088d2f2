/**
 * The fake Ollama's installed models and pullable registry, keyed by full name identity
 * (names.ts), and what the scheduler's runners look like from outside (fake.loaded()).
 */
import type { FakeModel } from './models.js';
import { cloudBase, nameKey, normalizeName } from './names.js';
import { HttpError } from './exchange.js';
import { cloudModel } from './cloud.js';
import { type Runner, vramOf } from './runner.js';

export class ModelStore {
  /** Installed models. */
  readonly models = new Map<string, FakeModel>();
  /** Models that can be pulled. */
  readonly registry = new Map<string, FakeModel>();

  constructor(installed: FakeModel[], registry: FakeModel[]) {
    const startedAt = new Date().toISOString();
    for (const m of installed) this.add({ ...m, modifiedAt: m.modifiedAt ?? startedAt });
    for (const m of registry) this.registry.set(nameKey(m.name), { ...m, name: normalizeName(m.name) });
  }

  add(m: FakeModel): void {
    const model: FakeModel = {
      ...m,
      name: normalizeName(m.name),
      modifiedAt: m.modifiedAt ?? new Date().toISOString(),
    };
    this.models.set(nameKey(model.name), model);
  }

  /** Exactly this name (case-insensitively); a running model stays loaded. */
  remove(name: string): void {
    this.models.delete(nameKey(name));
  }

  installed(): FakeModel[] {
    return [...this.models.values()].map((m) => ({ ...m }));
  }

  /** The installed model named `sent`; a stand-in for an explicit cloud name; else 404 with the name as sent. */
  find(sent: string): FakeModel {
    const m = this.models.get(nameKey(sent));
    if (m) return m;
    if (cloudBase(sent) !== undefined) return cloudModel(sent);
    throw new HttpError(404, `model '${sent}' not found`);
  }
}

export interface GpuInfo {
  name: string;
  vramBytes: number;
  usedBytes: number;
  freeBytes: number;
}

export interface LoadedModelInfo {
  name: string;
  /** Weights + KV cache for numCtx × parallel; also the `size` in /api/ps. */
  size: number;
  /** Bytes on GPUs (`size_vram`): size = fully on GPU, 0 = CPU only. */
  sizeVram: number;
  /** Per GPU. */
  vramByGpu: number[];
  /** Bytes charged to system RAM. */
  ramBytes: number;
  expiresAt: Date;
  /** Per slot (`context_length` in /api/ps). */
  contextLength: number;
  numCtx: number;
  /** Slots (OLLAMA_NUM_PARALLEL; 1 for embedding models). */
  parallel: number;
  numBatch: number;
  inFlight: number;
  /** keep_alive in force, in ms (Infinity = forever; 0 once an unload was asked for). */
  keepAliveMs: number;
  /** Its unload is asked for or under way: still listed in /api/ps until it completes. */
  unloading: boolean;
}

export function loadedInfo(r: Runner): LoadedModelInfo {
  return {
    name: normalizeName(r.model.name),
    size: r.size,
    sizeVram: vramOf(r),
    vramByGpu: [...r.vramByGpu],
    ramBytes: r.ramBytes,
    expiresAt: new Date(r.expiresAt),
    contextLength: r.opts.numCtx,
    numCtx: r.opts.numCtx,
    parallel: r.parallel,
    numBatch: r.opts.numBatch,
    inFlight: r.inFlight,
    keepAliveMs: r.keepAliveMs,
    unloading: r.state !== 'loaded' || r.cause !== undefined,
  };
}
