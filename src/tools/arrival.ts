/**
 * When a call arrived: its client's clock started then, before the core loaded (a starting
 * server's first call) and before its inputs were read, so a call handed over before its client's
 * limit (long-call.ts) counts from here, not from when its work began. The front marks a request's
 * context as it comes in (server/listed-entries.ts); the tool's context carries it
 * (ClientLimit.since).
 */
const arrived = new WeakMap<object, number>();

/** Marks `ctx`'s request as arrived now (the first mark stays). */
export function markArrival(ctx: unknown): void {
  if (typeof ctx === 'object' && ctx !== null && !arrived.has(ctx)) arrived.set(ctx, Date.now());
}

/** When `ctx`'s request arrived; now when it was not marked. */
export function arrivalOf(ctx: object): number {
  return arrived.get(ctx) ?? Date.now();
}
