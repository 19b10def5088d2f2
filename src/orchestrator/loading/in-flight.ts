/**
 * Requests running on each model, in the order they began: which models are busy (never unloaded
 * under a request), how many of this server's requests are ahead of one on its model — with
 * Ollama's parallel slots full, a request waits silently behind those (a queue, not a stall) —
 * and, for the route's fairness (generation/schedule.ts), when each began and the most tokens it
 * may write.
 */

/**
 * How long a model whose last request ended lingers for a loader (ms): a load that can wait leaves
 * it to the request likely coming next — a model just used by one client is often wanted again a
 * moment later by another, and unloading it for a load that could wait swaps it out and back in.
 */
export const LINGER_MS = 1000;

/**
 * Call it when the request ends; `ahead()` counts the requests on the same model that began before it and
 * still run.
 */
export interface RunningRequest {
  (): void;
  ahead(): number;
}

/**
 * What a request reads and is expected to write — how long it holds its slot, for a running job's
 * estimate of what it waits behind (jobs/split-pace.ts) — and the job it is one of (`of`: a split
 * job's parts and combinations), so a job tells its own requests from others'. Counts, no text.
 */
export interface RequestWork {
  promptTokens: number;
  answerTokens: number;
  of?: object;
}

/**
 * A request running on a model: when it began (ms), the most tokens it may write, when said, and the job it
 * is part of; who asked and its work, when it was let into a slot (slot-gate.ts).
 */
export interface Running {
  at: number;
  tokens?: number;
  client?: string;
  work?: RequestWork;
  /**
   * The job holding it (compare marks each model of a group before loading the group): a load of
   * that same job never waits for it to end, since it waits on that load (busy-wait.ts).
   */
  job?: object;
}

export class InFlight {
  private seq = 0;
  private readonly byModel = new Map<string, Map<number, Running>>();
  private readonly onEnd = new Set<() => void>();
  /** Models whose last request ended less than `lingerMs` ago: the timer that ends it. */
  private readonly lingering = new Map<string, ReturnType<typeof setTimeout>>();

  /** `lingerMs`: how long a model stays lingering once its last request ends (0: not at all). */
  constructor(private readonly lingerMs = 0) {}

  begin(model: string, running: Running = { at: 0 }): RunningRequest {
    this.stopLingering(model);
    const id = ++this.seq;
    const set = this.byModel.get(model) ?? new Map<number, Running>();
    set.set(id, running);
    this.byModel.set(model, set);
    const end = () => {
      if (!set.delete(id)) return;
      if (set.size === 0 && this.byModel.get(model) === set) {
        this.byModel.delete(model);
        this.linger(model);
      }
      this.ended();
    };
    return Object.assign(end, { ahead: () => [...set.keys()].filter((other) => other < id).length });
  }

  models(): ReadonlySet<string> {
    return new Set(this.byModel.keys());
  }

  /** The models with a request running, and those whose last one ended less than `lingerMs` ago. */
  modelsLingering(): ReadonlySet<string> {
    return new Set([...this.byModel.keys(), ...this.lingering.keys()]);
  }

  private linger(model: string): void {
    if (this.lingerMs <= 0) return;
    const timer = setTimeout(() => {
      this.lingering.delete(model);
      this.ended();
    }, this.lingerMs);
    timer.unref?.();
    this.lingering.set(model, timer);
  }

  private stopLingering(model: string): void {
    clearTimeout(this.lingering.get(model));
    this.lingering.delete(model);
  }

  private ended(): void {
    for (const f of [...this.onEnd]) f();
  }

  count(model: string): number {
    return this.byModel.get(model)?.size ?? 0;
  }

  /**
   * Resolves when one of `models` has no request running and is not lingering (at once if one
   * is so now), after `ms`, or when `signal` aborts — whichever comes first: the caller looks again either way.
   * `lingers`: whether a lingering model counts as busy, asked at each look (true by default).
   */
  idle(
    models: readonly string[],
    ms: number,
    signal?: AbortSignal,
    lingers: () => boolean = () => true,
  ): Promise<void> {
    const anyIdle = () => models.some((m) => this.count(m) === 0 && !(this.lingering.has(m) && lingers()));
    if (anyIdle() || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        this.onEnd.delete(check);
        signal?.removeEventListener('abort', finish);
        done();
      };
      const check = () => {
        if (anyIdle()) finish();
      };
      const timer = setTimeout(finish, ms);
      this.onEnd.add(check);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  /** Whether a request of `job` runs on `model`. */
  heldBy(model: string, job: object): boolean {
    return [...(this.byModel.get(model)?.values() ?? [])].some((r) => r.job === job);
  }

  /** The requests running on `model`, in the order they began. */
  on(model: string): Running[] {
    return [...(this.byModel.get(model)?.values() ?? [])];
  }
}
