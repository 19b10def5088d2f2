/**
 * The requests on one host's models, as its loader weighs them (loader.ts extends this): each
 * marked running while it runs — never unloaded under it, and lingering a moment once the last
 * ends (in-flight.ts) — held from the moment it is let through until it begins (quick-holds.ts),
 * let into a model's slots by turns between clients (slot-gate.ts), and when each model was last
 * used.
 */
import { withTag } from '../engines/model-names.js';
import { InFlight, LINGER_MS, type RequestWork, type Running, type RunningRequest } from './in-flight.js';
import { PartsBacklog } from './parts-backlog.js';
import { QuickHolds } from './quick-holds.js';
import { SlotGate, throughGate, type AdmitAsk, type QueuedWaiter } from './slot-gate.js';

/**
 * The requests on one model now, as a running job's estimate weighs what it waits behind: those
 * running (who asked, how long each has run, its work) and those waiting for a slot, with the turns.
 */
export interface ModelQueue {
  /** The model's slots where the gate holds them (undefined while none waits or runs through it). */
  slots?: number;
  running: Array<{ client: string; elapsedMs: number; work: RequestWork }>;
  waiting: QueuedWaiter[];
  lastServed: ReadonlyMap<string, number>;
}

/**
 * How long a model counts as shared after it served a client: another agent's next call comes within it
 * (agents pause seconds between calls), and a reload then throws away what the engine caches for it.
 */
export const SHARED_RECENT_MS = 60_000;

export class HostRequests {
  readonly lastUsed = new Map<string, number>();
  /** When each model last served each client (who asked through the gate): model → client → ms. */
  private readonly served = new Map<string, Map<string, number>>();
  protected readonly running = new InFlight(LINGER_MS);
  /** The models requests the quick path let through hold until they begin (quick-holds.ts). */
  protected readonly holds: QuickHolds;
  private readonly gate = new SlotGate();
  /** Split jobs' parts not yet begun here, for the turns a job planned meanwhile would take with them. */
  readonly backlog = new PartsBacklog();

  constructor(
    protected readonly now: () => number,
    /** The host's address, for messages. */
    private readonly address: string,
  ) {
    this.holds = new QuickHolds(this.running, now);
  }

  /**
   * Marks a request running on `model` (it will not be unloaded), writing up to `tokens` when said, for `job`
   * when said, serving `client` when said (servedOthers); call the result when done.
   */
  begin(model: string, tokens?: number, job?: object, client?: string): RunningRequest {
    return this.beginAs(model, {
      ...(tokens !== undefined && { tokens }),
      ...(job && { job }),
      ...(client !== undefined && { client }),
    });
  }

  /** `begin`, with who asked and its work when said. */
  private beginAs(model: string, running: Omit<Running, 'at'>): RunningRequest {
    const name = withTag(model);
    const at = this.now();
    this.lastUsed.set(name, at);
    const request = this.running.begin(name, { at, ...running });
    this.holds.begun(name); // the hold the quick path gave it, if any: its own request runs now
    const { client } = running;
    if (client !== undefined) this.servedNow(name, client, at);
    return Object.assign(
      () => {
        request();
        this.lastUsed.set(name, this.now());
        if (client !== undefined) this.servedNow(name, client, this.now());
      },
      { ahead: request.ahead },
    );
  }

  /** Notes `model` serving `client` at `at`, forgetting clients not served within SHARED_RECENT_MS (bounded). */
  private servedNow(model: string, client: string, at: number): void {
    const byClient = this.served.get(model) ?? new Map<string, number>();
    byClient.set(client, at);
    for (const [c, t] of byClient) if (at - t > SHARED_RECENT_MS) byClient.delete(c);
    this.served.set(model, byClient);
  }

  /**
   * Whether `model` served a client other than `client` within SHARED_RECENT_MS: a model in use between its
   * agents' calls, though no request runs on it this moment.
   */
  servedOthers(model: string, client: string): boolean {
    const since = this.now() - SHARED_RECENT_MS;
    for (const [c, t] of this.served.get(withTag(model)) ?? []) if (c !== client && t >= since) return true;
    return false;
  }

  /** Whether `model` served `client` within SHARED_RECENT_MS. */
  servedBy(model: string, client: string): boolean {
    const t = this.served.get(withTag(model))?.get(client);
    return t !== undefined && t >= this.now() - SHARED_RECENT_MS;
  }

  /**
   * `model` held for a request about to begin on it (writing up to `tokens` when said), as if running there:
   * until it begins, or HOLD_MS (quick-holds.ts).
   */
  hold(model: string, tokens?: number): void {
    this.holds.hold(withTag(model), tokens);
  }

  /**
   * `begin` once one of `model`'s slots is the request's, by turns between clients (slot-gate.ts); at once
   * where its slots are not known.
   */
  admit(model: string, ask: AdmitAsk): Promise<RunningRequest & { waitedMs: number }> {
    const name = withTag(model);
    const { client, tokens, work } = ask;
    return throughGate(this.gate, name, ask, this.address, () =>
      this.beginAs(name, { tokens, client, ...(work && { work }) }),
    );
  }

  /** The requests let into `model`'s slots that said their work, and those waiting for one (slot-gate.ts). */
  queueOn(model: string): ModelQueue {
    const name = withTag(model);
    const now = this.now();
    const running = this.running
      .on(name)
      .flatMap((r) => (r.work ? [{ client: r.client ?? '', elapsedMs: Math.max(0, now - r.at), work: r.work }] : []));
    const gate = this.gate.queued(name);
    return {
      ...(gate && { slots: gate.slots }),
      running,
      waiting: gate?.waiting ?? [],
      lastServed: gate?.lastServed ?? new Map(),
    };
  }

  /**
   * Requests waiting for one of `model`'s slots that a new one of `client` would wait behind, in the order
   * they would be let in.
   */
  waitingAhead = (model: string, client: string, tokens: number): ReadonlyArray<{ client: string; tokens: number }> =>
    this.gate.aheadOf(withTag(model), client, tokens);
  busy = (): ReadonlySet<string> => this.running.models();
  requestsOn = (model: string): number => this.running.count(withTag(model));

  /**
   * Resolves when no request runs on `model` (at once if none does), after `ms`, or when `signal` aborts:
   * look again either way.
   */
  whenIdle(model: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.running.idle([withTag(model)], ms, signal);
  }

  /**
   * The requests running on `model`, in the order they began: how long each has run (ms), and the most tokens
   * it may write when said.
   */
  inFlight(model: string): Array<{ elapsedMs: number; tokens?: number }> {
    const now = this.now();
    return this.running
      .on(withTag(model))
      .map((r) => ({ elapsedMs: Math.max(0, now - r.at), ...(r.tokens !== undefined && { tokens: r.tokens }) }));
  }
}
