/**
 * A call this server sends to the server planning an engine (planned-elsewhere.ts), watched: one
 * silent too long has the claim proven again, and moves once to whoever plans the engine then.
 */
import type { Engine } from './engine.js';
import type { GenerateRequest } from './engine-requests.js';

/** What the watch asks of who plans the engine (planned-elsewhere.ts Planning). */
export interface Relaying {
  settling: Promise<void> | undefined;
  settledAt: number;
  settle(): Promise<void>;
  readonly box: Engine | undefined;
  target(prop: PropertyKey): Engine;
}

/** Where a call sent to the planner takes its CallOptions (the signal it is stopped by). */
const OPTIONS_AT: Partial<Record<PropertyKey, number>> = {
  version: 0,
  list: 0,
  ps: 0,
  report: 0,
  show: 1,
  generate: 1,
  tokenize: 2,
};

export const on = (engine: Engine, prop: PropertyKey) => (engine as unknown as Record<PropertyKey, unknown>)[prop];
export const call = (engine: Engine, prop: PropertyKey, args: unknown[]) =>
  (on(engine, prop) as (...a: unknown[]) => unknown).apply(engine, args);

/**
 * A call sent to the planner (`first`): once it went `suspectMs` without an answer or any progress
 * (a generation's tokens), the claim is proven again, and again each `suspectMs` it stays silent (one
 * settle at a time for all calls); once another server — or this one — plans the engine, the call
 * is stopped there and sent once to that one. A call that moves is never a reason to prove it.
 */
export function relay(
  p: Relaying,
  first: Engine,
  prop: PropertyKey,
  args: unknown[],
  suspectMs: number,
): Promise<unknown> {
  const at = OPTIONS_AT[prop];
  if (at === undefined) return call(first, prop, args) as Promise<unknown>;
  const given = (args[at] ?? {}) as { signal?: AbortSignal };
  const moved = new AbortController();
  const sent = [...args];
  sent[at] = { ...given, signal: given.signal ? AbortSignal.any([given.signal, moved.signal]) : moved.signal };
  let movedAt = Date.now();
  const req = prop === 'generate' ? (args[0] as GenerateRequest | undefined) : undefined;
  if (req)
    sent[0] = {
      ...req,
      onDelta: (d: Parameters<GenerateRequest['onDelta']>[0]) => ((movedAt = Date.now()), req.onDelta(d)),
    };
  const watch = setInterval(() => {
    if (Date.now() - movedAt < suspectMs) return; // it moves: the planner is there
    if (p.settling === undefined && Date.now() - p.settledAt >= suspectMs)
      void p.settle().then(() => p.box !== first && moved.abort());
    else void p.settling?.then(() => p.box !== first && moved.abort());
  }, suspectMs);
  watch.unref?.();
  return (call(first, prop, sent) as Promise<unknown>)
    .catch(async (err: unknown) => {
      if (!moved.signal.aborted || given.signal?.aborted) throw err;
      return call(p.target(prop), prop, args); // the planner went away under it: sent once to the one that plans now
    })
    .finally(() => clearInterval(watch));
}
