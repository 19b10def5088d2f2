/**
 * A split job's copies as it runs (split-generations.ts): the plan chose them and how many of the
 * job's requests go at once to each (fleet/parts-copies.ts); each part waits for a slot of the job's
 * on a copy serving now — the one with most slots free then, others' requests counted, the plan's
 * order among alike —, gives it back when answered, and each answer is counted where it ran, so the
 * combining round goes to the copy that read most of the parts' prompts (combineCopy) — of those as wide as a
 * combination sized past the parts' window needs (route/combine-window.ts). A copy the plan
 * loads takes parts once it is loaded (part-copy-load.ts): until then they run on the copies loaded,
 * never waiting for a load another copy's slot beats. One copy per request: a part is never sent to two.
 */
import { combineCopy, type PartsCopy } from '../fleet/parts-copies.js';

/** Where a request of the job goes: the copy's host, and why (for the result's reason). */
export interface PartPlace {
  host: string;
  why?: string;
}

export class PartSlots {
  private readonly inUse = new Map<string, number>();
  private readonly ran = new Map<string, number>();
  /** The copies serving now: those loaded, and those the plan loads once loaded. */
  private readonly ready = new Set<string>();
  /** Copies the plan loads that are not loaded yet. */
  private readonly loading = new Set<string>();
  private waiters: Array<() => void> = [];

  constructor(
    private readonly copies: readonly PartsCopy[],
    /** Requests running on the model at a host now, the job's and others' (its loader's count). */
    private readonly busyNow: (host: string) => number = () => 0,
    /**
     * Whether the requests keep to `copies` even when they are one: the plan left a copy out as too slow to help
     * (fleet/parts-copies.ts slowLeft), so none goes there as a busy copy's spill (fleet/copy-spread.ts).
     */
    private readonly keep = false,
  ) {
    for (const c of copies) (c.load ? this.loading : this.ready).add(c.host);
  }

  /** The copies the plan loads, not loaded yet. */
  toLoad(): PartsCopy[] {
    return this.copies.filter((c) => this.loading.has(c.host));
  }

  /** The copy on `host` the plan loads is loaded (`ok`), or could not be: it takes parts, or none. */
  loaded(host: string, ok: boolean): void {
    this.loading.delete(host);
    if (ok) this.ready.add(host);
    this.wake();
  }

  /**
   * A copy for a part, taken until `release`: once one of the job's slots is free on a copy serving now, the
   * one with most slots free — its slots less the requests there, the job's own taken ones at least —, the
   * plan's order among alike; undefined with one copy (nothing to choose) — unless the plan keeps to it, a copy left
   * out as too slow —, or when none serves.
   */
  async take(): Promise<PartPlace | undefined> {
    if (this.copies.length < 2 && !this.keep) return undefined;
    for (;;) {
      const c = this.best();
      if (c) {
        this.inUse.set(c.host, this.used(c) + 1);
        const why = c.host === this.copies[0]!.host ? undefined : `the job's parts go to its copies with room`;
        return { host: c.host, ...(why && { why }) };
      }
      if (this.ready.size === 0 && this.loading.size === 0) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The copy `place` took is free again; `answeredOn`: the host that answered it, counted. */
  release(place: PartPlace | undefined, answeredOn: string | undefined): void {
    if (place) this.inUse.set(place.host, Math.max(0, (this.inUse.get(place.host) ?? 0) - 1));
    if (answeredOn !== undefined) this.ran.set(answeredOn, (this.ran.get(answeredOn) ?? 0) + 1);
    this.wake();
  }

  /**
   * Where a combining request goes: the copy that answered most of the parts (with several copies) — of those
   * `wide` enough when it is sized past the parts' window (route/combine-window.ts), the plan's first of them
   * before any answered.
   */
  combineOn(wide?: number): PartPlace | undefined {
    if (this.copies.length < 2) return this.keep && this.copies[0] ? { host: this.copies[0].host } : undefined;
    const fit = wide === undefined ? this.copies : this.copies.filter((c) => c.window >= wide);
    const host = combineCopy(
      fit.map((c) => c.host),
      this.ran,
    );
    if (host === undefined && wide !== undefined && fit[0])
      return { host: fit[0].host, why: `the copy on ${fit[0].host} holds the answers in one prompt` };
    return host === undefined ? undefined : { host, why: `the copy on ${host} read most of the parts' prompts` };
  }

  private used(c: PartsCopy): number {
    return this.inUse.get(c.host) ?? 0;
  }

  private best(): PartsCopy | undefined {
    const freeNow = (x: PartsCopy) => x.slots - Math.max(this.used(x), this.busyNow(x.host));
    let c: PartsCopy | undefined;
    for (const x of this.copies)
      if (this.ready.has(x.host) && this.used(x) < x.slots && (!c || freeNow(x) > freeNow(c))) c = x;
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
