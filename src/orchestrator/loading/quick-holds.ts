/**
 * The loader's quick path (loader.ts loadOnce) lets a request through to a model its own /api/ps
 * reading shows loaded, while another request's plan may be under way. Until that request begins
 * on the model (Loader.begin), nothing marks the model busy, and a plan made in between could
 * unload it under the request. So the quick path holds the model: the hold counts as a request
 * running on it (in-flight.ts) until the request begins — its own request takes over — or HOLD_MS
 * pass (a caller that loaded and never asked, as load_model does). A request whose caller held its
 * model when it chose it (Loader.hold) and that then waits behind a load unloading that model
 * (room-waits.ts heldByTurn) lets its hold go (letGo): that load waits for no request that has not
 * begun, and the request's own load holds the model for it again once it goes on.
 */
import type { InFlight } from './in-flight.js';

/** The longest a request let through by the quick path holds its model before it begins (ms). */
export const HOLD_MS = 2000;

export class QuickHolds {
  /** Per model, the releases of the holds not yet taken over, oldest first. */
  private readonly holds = new Map<string, Array<() => void>>();
  /** Requests whose caller's hold was let go (letGo). */
  private readonly released = new WeakSet<object>();

  constructor(
    private readonly running: InFlight,
    private readonly now: () => number,
  ) {}

  /** `model` held for a request about to begin on it, which may write up to `tokens` when said. */
  hold(model: string, tokens?: number): void {
    const end = this.running.begin(model, { at: this.now(), ...(tokens !== undefined && { tokens }) });
    const list = this.holds.get(model) ?? [];
    this.holds.set(model, list);
    const release = () => {
      clearTimeout(timer);
      end();
      const i = list.indexOf(release);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0 && this.holds.get(model) === list) this.holds.delete(model);
    };
    const timer = setTimeout(release, HOLD_MS);
    timer.unref?.();
    list.push(release);
  }

  /** A request began on `model` (already counted running): the oldest hold there is its own, released. */
  begun(model: string): void {
    this.holds.get(model)?.[0]?.();
  }

  /** Whether `req`'s caller holds its model for it (its `held`), and has not let that hold go. */
  holding(req: { held?: boolean | undefined }): boolean {
    return req.held === true && !this.released.has(req);
  }

  /**
   * `req`, whose caller may hold `model` for it, waits instead: that hold goes (the oldest there, as when a
   * request begins).
   */
  letGo(req: { held?: boolean | undefined }, model: string): void {
    if (!this.holding(req)) return;
    this.released.add(req);
    this.begun(model);
  }
}
