/**
 * One host's admission to its models' slots (issue 55, finding 4): at most as many requests go to
 * the engine for a model as it has parallel slots; the rest wait here, not in the engine's own
 * first-come-first-served queue, and are let in by turns between clients (turns.ts, pure). A
 * waiter that is cancelled leaves at once; one let in is started (`onAdmit`) in the same tick as
 * the slot it takes frees, so the model is never idle between two requests (a plan never unloads
 * it under a waiter). While it waits, a waiter is told how many requests are ahead of it.
 */
import { nextTurn, turnOrder, type Waiter } from './turns.js';
import type { RequestWork, RunningRequest } from './in-flight.js';
import type { PhaseReporter } from '../progress/progress.js';
import { HostError } from '../engines/host-error.js';
import { cancelledText } from '../util/stopping.js';

export interface GateAsk {
  /** Who asks: one client's requests take turns with others'. */
  client: string;
  /** The most tokens it may write (a shorter call goes first between clients of equal standing). */
  tokens: number;
  /** The model's parallel slots on this host. */
  slots: number;
  signal?: AbortSignal;
  /** Told when it must wait, and again whenever the requests ahead of it change: in flight and waiting before it. */
  onWait?(ahead: number): void;
  /** What it reads and is expected to write, and its job: what a running job's estimate weighs (in-flight.ts). */
  work?: RequestWork | undefined;
}

/** A request waiting for a slot, with its work where said. */
export type QueuedWaiter = Waiter & { work?: RequestWork };

/** A model's waiters and turns as the gate holds them now (`queued`): its slots, those waiting, who was last let in. */
export interface GateQueue {
  slots: number;
  waiting: QueuedWaiter[];
  lastServed: ReadonlyMap<string, number>;
}

interface Entry extends Waiter {
  work: RequestWork | undefined;
  onWait: ((ahead: number) => void) | undefined;
  told: number;
  admit(): void;
  cancel(): void;
}

interface ModelGate {
  slots: number;
  admitted: number;
  waiting: Entry[];
  inFlight: Map<string, number>;
  lastServed: Map<string, number>;
}

/** Thrown to a waiter whose signal aborted: it never took a slot. */
export class LeftQueue extends Error {
  override name = 'LeftQueue';
}

export class SlotGate {
  private readonly gates = new Map<string, ModelGate>();
  private clock = 0;

  /**
   * Waits for one of `model`'s slots by turns, calls `onAdmit` the moment it has one, and resolves
   * with the release, to call when the request ends; rejects with LeftQueue when `ask.signal`
   * aborts first.
   */
  enter(model: string, ask: GateAsk, onAdmit: () => void): Promise<() => void> {
    if (ask.signal?.aborted) return Promise.reject(new LeftQueue('cancelled while waiting for a slot'));
    const g = this.gateOf(model, ask.slots);
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        client: ask.client,
        tokens: ask.tokens,
        arrival: ++this.clock,
        work: ask.work,
        onWait: ask.onWait?.bind(ask),
        told: -1,
        admit: () => {
          ask.signal?.removeEventListener('abort', entry.cancel);
          this.take(g, ask.client);
          onAdmit();
          resolve(this.releaseOf(model, g, ask.client));
        },
        cancel: () => {
          const at = g.waiting.indexOf(entry);
          if (at < 0) return;
          g.waiting.splice(at, 1);
          reject(new LeftQueue('cancelled while waiting for a slot'));
          this.settle(model, g);
        },
      };
      ask.signal?.addEventListener('abort', entry.cancel, { once: true });
      g.waiting.push(entry);
      this.settle(model, g);
    });
  }

  /**
   * The requests waiting for `model`'s slots that a new one of `client`, writing up to `tokens`, would wait
   * behind, in the order they would be let in.
   */
  aheadOf(model: string, client: string, tokens: number): Waiter[] {
    const g = this.gates.get(model);
    if (!g) return [];
    const newcomer: Waiter = { client, tokens, arrival: Infinity };
    const order = turnOrder([...g.waiting, newcomer], g);
    return order.slice(0, order.indexOf(newcomer));
  }

  /**
   * `model`'s waiters (in the order they came) and turns now; undefined while no request holds or waits for its
   * slots.
   */
  queued(model: string): GateQueue | undefined {
    const g = this.gates.get(model);
    if (!g) return undefined;
    const waiting = g.waiting.map((e) => ({
      client: e.client,
      tokens: e.tokens,
      arrival: e.arrival,
      ...(e.work && { work: e.work }),
    }));
    return { slots: g.slots, waiting, lastServed: new Map(g.lastServed) };
  }

  private gateOf(model: string, slots: number): ModelGate {
    const g = this.gates.get(model) ?? {
      slots,
      admitted: 0,
      waiting: [],
      inFlight: new Map<string, number>(),
      lastServed: new Map<string, number>(),
    };
    g.slots = Math.max(1, slots);
    this.gates.set(model, g);
    return g;
  }

  private take(g: ModelGate, client: string): void {
    g.admitted++;
    g.inFlight.set(client, (g.inFlight.get(client) ?? 0) + 1);
    g.lastServed.set(client, ++this.clock);
  }

  private releaseOf(model: string, g: ModelGate, client: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      g.admitted--;
      const left = (g.inFlight.get(client) ?? 1) - 1;
      if (left > 0) g.inFlight.set(client, left);
      else g.inFlight.delete(client);
      this.settle(model, g);
    };
  }

  /** Lets waiters in while slots are free, by turns; tells the others how many are ahead; forgets an idle model. */
  private settle(model: string, g: ModelGate): void {
    while (g.admitted < g.slots) {
      const next = nextTurn(g.waiting, g) as Entry | undefined;
      if (!next) break;
      g.waiting.splice(g.waiting.indexOf(next), 1);
      next.admit();
    }
    if (g.admitted === 0 && g.waiting.length === 0) {
      if (this.gates.get(model) === g) this.gates.delete(model);
      return;
    }
    const order = turnOrder(g.waiting, g) as Entry[];
    order.forEach((e, i) => {
      const ahead = g.admitted + i;
      if (ahead !== e.told) {
        e.told = ahead;
        e.onWait?.(ahead);
      }
    });
  }
}

/** What a request asks of the gate; without `slots` (an engine whose slots are not known) it is let in at once. */
export interface AdmitAsk {
  client: string;
  tokens: number;
  work?: RequestWork | undefined;
  slots?: number | undefined;
  signal?: AbortSignal | undefined;
  progress?: PhaseReporter | undefined;
}

/**
 * `begin` called once one of `model`'s slots is `ask`'s (at once without slots), its end freeing
 * the slot for the next by turns; a cancel while waiting is the host's `aborted` error. The wait
 * is said in progress ("a slot on M: N requests ahead") and its length kept in `waitedMs`.
 */
export async function throughGate(
  gate: SlotGate,
  model: string,
  ask: AdmitAsk,
  host: string,
  begin: () => RunningRequest,
): Promise<RunningRequest & { waitedMs: number }> {
  if (ask.slots === undefined) return Object.assign(begin(), { waitedMs: 0 });
  const started = Date.now();
  let running: RunningRequest | undefined;
  let free: () => void;
  // let in at once (within enter) is no wait at all; else the wait lasted until it was let in
  let entering = true;
  let waitedMs = 0;
  try {
    const entered = gate.enter(
      model,
      {
        client: ask.client,
        tokens: ask.tokens,
        slots: ask.slots,
        signal: ask.signal,
        work: ask.work,
        onWait: (n) =>
          ask.progress?.enter({
            kind: 'waiting',
            for: `a slot on ${model}: ${n} ${n === 1 ? 'request' : 'requests'} ahead`,
          }),
      },
      () => {
        if (!entering) waitedMs = Date.now() - started;
        running = begin();
      },
    );
    entering = false;
    free = await entered;
  } catch (err) {
    if (err instanceof LeftQueue)
      throw new HostError('aborted', cancelledText(`The request to ${model}`, ask.signal), host);
    throw err;
  }
  const mine = running!;
  // the next waiter is let in before this request ends: the model is never idle between them
  return Object.assign(() => (free(), mine()), { ahead: mine.ahead, waitedMs });
}
