/**
 * The host's memory as list_models, ollm://system/ram and doctor show it: this machine's readings,
 * the budget, what the loaded models count for and the room left for one more, on the host Ollama
 * runs on.
 */
import type { Settings } from '../config/index.js';
import type { Engine } from '../engines/engine.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { HostView } from '../loading/host-memory.js';
import type { Loader } from '../loading/loader.js';
import { heldTotal } from '../loading/held-sizes.js';
import { roomBytes, VRAM_ADMISSION } from '../loading/planner.js';
import { resolveRamPolicy, type RamMonitor } from '../loading/ram.js';
import type { Catalog } from './catalog.js';
import type { HostCapacity, RamSummary } from './overview-types.js';

/** What a model overview reads: the engine, its catalog, this machine's memory, the loader and the settings. */
export interface OverviewDeps {
  backend: Engine;
  catalog: Catalog;
  ram: RamMonitor;
  loader: Loader;
  settings: Settings;
}

/**
 * What the loaded models count for together: as the planner counts them where it plans memory (a model's need
 * where its engine reports nothing it holds), else as the engine lists them.
 */
async function heldBytes(deps: OverviewDeps, running: RunningModel[], view: HostView): Promise<number> {
  if (!deps.backend.can.managesMemory || running.length === 0) return running.reduce((sum, m) => sum + m.size, 0);
  const models = (await deps.catalog.list().catch(() => undefined))?.models ?? [];
  return heldTotal(
    { backend: deps.backend, settings: deps.settings, learned: (...a) => deps.loader.learned(...a) },
    models,
    running,
    view,
  );
}

/** The host's memory and this machine's readings, for list_models, ollm://system/ram and doctor. */
export async function ramSummaryOf(
  deps: OverviewDeps,
  running: RunningModel[],
): Promise<RamSummary & { view: HostView }> {
  const [reading, view] = await Promise.all([deps.ram.read(), deps.loader.hostMemory.view(running)]);
  const policy = resolveRamPolicy(deps.settings.ram, reading);
  const loadedBytes = await heldBytes(deps, running, view);
  const { memory } = view;
  const known = memory.vram !== undefined || memory.ram !== undefined || memory.ceilingBytes !== undefined;
  const headroom = memory.vram
    ? Math.floor(memory.vram.freeBytes * VRAM_ADMISSION)
    : memory.ram
      ? roomBytes(view.policy, loadedBytes, memory.ram.availableBytes)
      : memory.ceilingBytes !== undefined
        ? memory.ceilingBytes - loadedBytes
        : -1;
  const host: HostCapacity = {
    kind: memory.kind,
    source: view.source,
    note: view.sourceNote,
    ...(memory.ram &&
      memory.ram.totalBytes < Number.MAX_SAFE_INTEGER && {
        ramTotalBytes: memory.ram.totalBytes,
        ramAvailableBytes: memory.ram.availableBytes,
      }),
    ...(memory.vram && { vramTotalBytes: memory.vram.totalBytes, vramFreeBytes: memory.vram.freeBytes }),
    maxLoadedModels: view.maxLoadedModels,
    numParallel: view.numParallel,
    ...(view.runner.preflight && {
      kvCacheType: view.runner.kvCacheType,
      flashAttention: view.runner.flashAttention,
      ...(view.runner.gpuOverheadBytes > 0 && { gpuOverheadBytes: view.runner.gpuOverheadBytes }),
    }),
  };
  return {
    totalBytes: reading.totalBytes,
    availableBytes: reading.availableBytes,
    swapTotalBytes: reading.swapTotalBytes,
    swapUsedBytes: reading.swapUsedBytes,
    budgetBytes: policy.budgetBytes,
    loadedBytes,
    // -1 says unknown (no memory figure at all); loaded models past the budget, or RAM under the buffer,
    // leave none: 0, never a negative
    headroomBytes: known ? Math.max(0, headroom) : -1,
    safetyMargin: policy.safetyMargin,
    bufferBytes: policy.bufferBytes,
    smallModelBytes: policy.smallModelBytes,
    gpus: reading.gpus,
    host,
    view,
  };
}
