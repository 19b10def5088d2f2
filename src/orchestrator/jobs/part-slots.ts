/**
 * A split job's copies as it runs (split-generations.ts): the plan chose them and how many of the
 * job's requests go at once to each (fleet/parts-copies.ts); each part takes a copy with a slot of
 * the job's free there — the plan's order, so the copies loaded come first —, gives it back when
 * answered, and each answer is counted where it ran, so the combining round goes to the copy that
 * read most of the parts' prompts (combineCopy). One copy per request: a part is never sent to two.
 */
import { combineCopy, type PartsCopy } from '../fleet/parts-copies.js';

/** Where a request of the job goes: the copy's host, why (for the result's reason), and the copy it loads beside. */
export interface PartPlace {
  host: string;
  why?: string;
  beside?: string;
}

export class PartSlots {
  private readonly inUse = new Map<string, number>();
  private readonly ran = new Map<string, number>();

  constructor(private readonly copies: readonly PartsCopy[]) {}

  /** A copy for a part, taken until `release`; undefined with one copy (nothing to choose) or none free. */
  take(): PartPlace | undefined {
    if (this.copies.length < 2) return undefined;
    const c = this.copies.find((x) => (this.inUse.get(x.host) ?? 0) < x.slots);
    if (!c) return undefined;
    this.inUse.set(c.host, (this.inUse.get(c.host) ?? 0) + 1);
    const first = this.copies[0]!.host;
    if (!c.load)
      return { host: c.host, ...(c.host !== first && { why: `the job's parts go to its copies with room` }) };
    const wait = c.load.waitMs === undefined ? '' : ` (the parts' wait ~${Math.round(c.load.waitMs / 1000)} s)`;
    return {
      host: c.host,
      why: `the job's parts go to its copies with room; loading one here (~${Math.round(c.load.ms / 1000)} s) takes less than their wait${wait}`,
      beside: first,
      // the copy it loads is extra (fleet/extra-copies.ts): released once idle
    };
  }

  /** The copy `host` a part took is free again; `answeredOn`: the host that answered it, counted. */
  release(place: PartPlace | undefined, answeredOn: string | undefined): void {
    if (place) this.inUse.set(place.host, Math.max(0, (this.inUse.get(place.host) ?? 0) - 1));
    if (answeredOn !== undefined) this.ran.set(answeredOn, (this.ran.get(answeredOn) ?? 0) + 1);
  }

  /** Where a combining request goes: the copy that answered most of the parts (with several copies). */
  combineOn(): PartPlace | undefined {
    if (this.copies.length < 2) return undefined;
    const host = combineCopy(
      this.copies.map((c) => c.host),
      this.ran,
    );
    return host === undefined ? undefined : { host, why: `the copy on ${host} read most of the parts' prompts` };
  }
}
