/**
 * What a load teaches: the memory the model took once loaded, from the engine's report or the fall
 * in the machine's available memory, kept for later plans (learned-size.ts) when it is plausible
 * for the model (plausible-size.ts).
 */
import type { CatalogModel } from './model-facts.js';
import { formatBytes as fmt } from '../config/units.js';
import { log } from '../util/log.js';
import type { Engine } from '../engines/engine.js';
import type { EngineModel as RunningModel } from '../engines/engine-model.js';
import type { HostMemoryModel } from './host-memory.js';
import { observedLoad, type SeenSize } from './learned-size.js';
import { readingContext, setAsideBecause, type ModelFacts } from './plausible-size.js';

/**
 * Records what the load of `model` took (learned-size.ts): the engine's report of it where it
 * reports one, else the fall in this machine's available memory since `availableBefore` — only
 * when it is within the model's bounds (`facts`) and agrees with earlier loads (plausible-size.ts);
 * a reading that is not is set aside and logged. Filed under the context just loaded unless the
 * host's claim of another is sensible.
 */
export async function learnLoadSize(
  backend: Engine,
  hostMemory: HostMemoryModel,
  sizes: {
    seen(model: string, digest: string): SeenSize[];
    record(model: string, digest: string, contextLength: number, bytes: number, vramBytes: number): void;
  },
  load: {
    model: CatalogModel;
    facts: ModelFacts;
    slots: number;
    contextLength: number;
    after: readonly RunningModel[];
    availableBefore: number | undefined;
  },
): Promise<void> {
  const { model, after, availableBefore } = load;
  const entry = after.find((r) => r.name === model.name) ?? after.find((r) => r.digest === model.digest);
  const reported =
    backend.can.reportsLoadedSize && entry ? { bytes: entry.size, vramBytes: entry.size_vram ?? 0 } : undefined;
  const availableAfter =
    availableBefore === undefined ? undefined : await hostMemory.availableNow().catch(() => undefined);
  const seen = observedLoad({
    ...(reported && { reported }),
    ...(availableBefore !== undefined && { availableBefore }),
    ...(availableAfter !== undefined && { availableAfter }),
    fileBytes: model.sizeBytes,
  });
  if (!seen) return;
  const contextLength = readingContext(entry?.context_length, load.contextLength, load.slots, load.facts);
  const why = setAsideBecause(seen.bytes, contextLength, load.facts, sizes.seen(model.name, model.digest));
  if (why) {
    log.warn(
      `${backend.who} reported that ${model.name} takes ${fmt(seen.bytes)} loaded; set aside, not ` +
        `learned: ${why}. Its memory is planned by the estimate instead.`,
    );
    return;
  }
  sizes.record(model.name, model.digest, contextLength, seen.bytes, seen.vramBytes);
}
