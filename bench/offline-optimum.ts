/**
 * The least total load time any loader could have spent serving a sequence of requests, each on a
 * given model, knowing the whole sequence in advance: an exact dynamic program over the sets of
 * loaded models (few distinct models: at most 2^k sets, each step tries every subset kept).
 * Unloading costs nothing and is done only when a load needs room, so a state changes only when a
 * model not loaded is asked for: it is loaded, and the models kept beside it are any subset of
 * those loaded that the host admits with it.
 */

export interface OptimumHost {
  /** Load time of each model, ms. */
  loadMs: ReadonlyMap<string, number>;
  /** Whether the host admits loading `adding` while `kept` stay loaded. */
  admits(kept: readonly string[], adding: string): boolean;
}

/** Exact minimum load time (ms) for `sequence`, starting with nothing loaded; Infinity when a model can never be loaded. */
export function offlineOptimum(sequence: readonly string[], host: OptimumHost): number {
  const models = [...new Set(sequence)];
  if (models.length > 16)
    throw new Error(`offlineOptimum: ${models.length} distinct models is too many for the exact search`);
  const index = new Map(models.map((m, i) => [m, i]));
  const membersOf = (mask: number) => models.filter((_, i) => mask & (1 << i));
  let best = new Map<number, number>([[0, 0]]);
  for (const model of sequence) {
    const bit = 1 << index.get(model)!;
    const next = new Map<number, number>();
    const offer = (mask: number, cost: number) => {
      if (cost < (next.get(mask) ?? Infinity)) next.set(mask, cost);
    };
    for (const [mask, cost] of best) {
      if (mask & bit) {
        offer(mask, cost);
        continue;
      }
      const load = cost + (host.loadMs.get(model) ?? 0);
      // every subset of what is loaded may stay beside it
      for (let kept = mask; ; kept = (kept - 1) & mask) {
        if (host.admits(membersOf(kept), model)) offer(kept | bit, load);
        if (kept === 0) break;
      }
    }
    best = next;
  }
  return best.size ? Math.min(...best.values()) : Infinity;
}
