/**
 * The memory model of a llama-server router's machine: as for Ollama (host-memory.ts) — this
 * machine's readings when the router runs here, the configured capacity of another, or what was
 * learned — with the router's own limit: at most --models-max models (its /props max_instances,
 * or settings' modelsMax). Each model's size already holds its KV cache for the --ctx-size it is
 * started with, so no slots are counted on top; its cache type is its own, and no pre-flight of
 * Ollama's applies.
 *
 * Nothing is learned from this machine's memory across a load (HostMemoryModel.availableNow): the
 * router starts each model in a llama-server process of its own, and the fall in available memory
 * is that process — its runtime (some 18 MB resident for the 2-4 MB test models), not the weights
 * it maps from the page cache — and whatever else ran meanwhile: 4.2 to 26.8 MB, run to run, for a
 * model whose header says 3.8 MB. llama-server reports no memory of a model, so its need stays the
 * header's figure at its window (llamacpp-gguf.ts), the same on every run (issue 73, finding 6).
 */
import type { Settings } from '../config/index.js';
import type { RunningModel } from '../engines/engine-model.js';
import { HostMemoryModel, type HostView } from './host-memory.js';
import type { RamMonitor } from './ram.js';
import { PLAIN_RUNNER } from './kv-cache.js';

export class LlamacppMemoryModel extends HostMemoryModel {
  constructor(
    host: string,
    settings: Settings,
    ram: RamMonitor,
    capacityKey: string,
    private readonly modelsMax: () => Promise<number>,
  ) {
    super(host, settings, ram, capacityKey);
  }

  /** Never a reading to measure a load by (see above). */
  override availableNow(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  override async view(running: readonly RunningModel[], options: { fresh?: boolean } = {}): Promise<HostView> {
    const [v, max] = await Promise.all([super.view(running, options), this.modelsMax()]);
    return {
      ...v,
      maxLoadedModels: max,
      numParallel: 1,
      runner: PLAIN_RUNNER,
      sourceNote: v.sourceNote.replace(/Ollama runs/g, 'llama-server runs'),
    };
  }
}
