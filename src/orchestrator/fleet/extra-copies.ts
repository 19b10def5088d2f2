/**
 * Copies of a model loaded for a rush (issue 64, Deliver 3): a request went to a host where its model
 * was not loaded because the copy already loaded elsewhere was busy (route-candidates.ts spreadBusy),
 * so the host loaded a second copy. Each is remembered with why; once it has had no request for
 * `idleMs` while another copy is still loaded, it is unloaded by its host's own loader (pins are never
 * unloaded: a copy the user pinned is theirs, not extra). A copy that became the only one left is
 * extra no more. show_status and ollm://fleet list them. The check runs on an unref'd timer, armed
 * only while there is an extra copy (an idle server wakes for nothing): it never keeps the process
 * alive, and stops with the fleet.
 */

export interface ExtraCopy {
  model: string;
  /** The host holding the extra copy. */
  host: string;
  /** The host whose busy copy it was loaded beside. */
  of: string;
  /** Why, in words: "the copy on gpubox had every slot taken". */
  why: string;
  since: number;
  lastUsed: number;
}

/** What the release check needs of the fleet, as plain calls. */
export interface CopiesView {
  /** The models loaded on `host` now (its engine asked once a check); a host that does not answer: undefined. */
  loaded(host: string): Promise<readonly string[] | undefined>;
  /** Requests of this server running on `model` at `host`. */
  running(host: string, model: string): number;
  /** Whether the user pinned `model` at `host`. */
  pinned(host: string, model: string): boolean;
  /** Unloads `model` at `host` through its loader: whether it went (a request that began meanwhile keeps it). */
  unload(host: string, model: string): Promise<boolean>;
  /** Host names, to find another copy. */
  hosts(): readonly string[];
}

const key = (host: string, model: string) => `${host}\0${model}`;
/** Most extra copies remembered (a few per model at most in any fleet). */
const MAX_COPIES = 256;

export class ExtraCopies {
  private readonly copies = new Map<string, ExtraCopy>();
  private timer: NodeJS.Timeout | undefined;
  /** What the checks need, once `watch` was called. */
  private watcher: { view: CopiesView; everyMs: number; onReleased: (what: string[]) => void } | undefined;

  constructor(
    /** An extra copy idle this long is released, ms (settings: model.keepAlive.extraCopyIdleSeconds). */
    readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A copy of `model` was just loaded on `host` beside the busy one on `of`. */
  made(model: string, host: string, of: string, why: string): void {
    if (this.copies.size >= MAX_COPIES) this.copies.delete(this.copies.keys().next().value!);
    const at = this.now();
    this.copies.set(key(host, model), { model, host, of, why, since: at, lastUsed: at });
    this.arm();
  }

  /** A request used the copy of `model` on `host` (when it is an extra one). */
  used(host: string, model: string): void {
    const c = this.copies.get(key(host, model));
    if (c) c.lastUsed = this.now();
  }

  /** The extra copy of `model` on `host`, if it is one. */
  of(host: string, model: string): ExtraCopy | undefined {
    return this.copies.get(key(host, model));
  }

  list(): ExtraCopy[] {
    return [...this.copies.values()];
  }

  /**
   * Releases the extra copies idle past `idleMs`: unloaded while another copy is loaded, no request of
   * this server runs on it and the user did not pin it; one gone already, or the only copy left, or
   * pinned, is extra no more. Resolves when the unloads asked have ended (a failed one is tried again
   * at the next check).
   */
  async release(view: CopiesView): Promise<string[]> {
    const released: string[] = [];
    const now = this.now();
    const readings = new Map<string, Promise<readonly string[] | undefined>>();
    const loaded = (host: string) => {
      let r = readings.get(host);
      if (!r) readings.set(host, (r = view.loaded(host).catch(() => undefined)));
      return r;
    };
    for (const c of [...this.copies.values()]) {
      const k = key(c.host, c.model);
      const here = await loaded(c.host);
      if (here === undefined) continue; // not answering now: asked again at the next check
      if (!here.includes(c.model) || view.pinned(c.host, c.model)) {
        this.copies.delete(k);
        continue;
      }
      if (view.running(c.host, c.model) > 0) c.lastUsed = now;
      if (now - c.lastUsed < this.idleMs) continue;
      const elsewhere = await Promise.all(
        view
          .hosts()
          .filter((h) => h !== c.host)
          .map(async (h) => (await loaded(h))?.includes(c.model) === true),
      );
      if (!elsewhere.some(Boolean)) {
        this.copies.delete(k); // the only copy left now: it serves the model, extra no more
        continue;
      }
      try {
        if (!(await view.unload(c.host, c.model))) continue; // a request began on it meanwhile: kept, looked at again
        this.copies.delete(k);
        released.push(`${c.model} on ${c.host}`);
      } catch {
        // tried again at the next check
      }
    }
    return released;
  }

  /** Checks every `everyMs` (unref'd) while there is an extra copy, until stopped. */
  watch(view: CopiesView, everyMs: number, onReleased: (what: string[]) => void): void {
    if (this.idleMs <= 0) return;
    this.watcher = { view, everyMs, onReleased };
    this.arm();
  }

  /** Whether a check is scheduled now. */
  get watching(): boolean {
    return this.timer !== undefined;
  }

  private arm(): void {
    const w = this.watcher;
    if (!w || this.timer || this.copies.size === 0) return;
    this.timer = setInterval(() => {
      void this.release(w.view).then((r) => {
        if (r.length > 0) w.onReleased(r);
        if (this.copies.size === 0) this.disarm();
      });
    }, w.everyMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.watcher = undefined;
    this.disarm();
  }
}
