/**
 * Requests running on each model, in the order they began: which models are busy (never unloaded
 * under a request), and how many of this server's requests are ahead of one on its model — with
 * Ollama's parallel slots full, a request waits silently behind those (a queue, not a stall).
 */

/** Call it when the request ends; `ahead()` counts the requests on the same model that began before it and still run. */
export interface RunningRequest {
  (): void;
  ahead(): number;
}

export class InFlight {
  private seq = 0;
  private readonly byModel = new Map<string, Set<number>>();

  begin(model: string): RunningRequest {
    const id = ++this.seq;
    const set = this.byModel.get(model) ?? new Set<number>();
    set.add(id);
    this.byModel.set(model, set);
    const end = () => {
      set.delete(id);
      if (set.size === 0 && this.byModel.get(model) === set) this.byModel.delete(model);
    };
    return Object.assign(end, { ahead: () => [...set].filter((other) => other < id).length });
  }

  models(): ReadonlySet<string> {
    return new Set(this.byModel.keys());
  }

  count(model: string): number {
    return this.byModel.get(model)?.size ?? 0;
  }
}
