/**
 * A request goes to the copy of its model whose engine already read its prefix (prefix-affinity.ts chooses;
 * prefix-memory.ts remembers what each host was sent), chosen at run time from the hosts' state (copies.ts: a request's
 * plan, route/route-candidates.ts, and a split job's part alike). Only with several hosts, and only between copies
 * serving now (loaded, or on an engine that loads by itself): a copy that would have to load is a load decision, never
 * made for a cache — but one: where every slot of the copy chosen holds others' recent prompts and a host has room, a
 * copy is loaded there when that takes less than reading the prompt again (reread-or-load.ts). A host that schedules
 * its own replicas (`cluster`) is left out: its own router places by prefix. What the engine reads is the system
 * prompt, then the prompt (route/route-prepare.ts lays it out: what repeats first). What each host is believed to hold
 * is checked against what its engine says it held (`learnHeld`).
 */
import { hostFacts, othersAt, type HostOverview } from './placement.js';
import { othersCount } from './others-load.js';
import { affinityChoice, type Copy } from './prefix-affinity.js';
import { chainOf, prefixSlots, promptChars } from './prefix-sent.js';
import { RECENT_MS, rereadOrLoad } from './reread-or-load.js';
import type { Candidate } from './windows.js';
import { estimateSeconds } from '../generation/estimate.js';
import { hostRates } from '../generation/host-rates.js';

/** What the engine reads of the request (route/route-prepare.ts lays it out: what repeats first). */
interface Asked {
  readonly system: string | undefined;
  readonly prompt: string;
  readonly promptTokens: number;
  /** The window the request needs: a copy whose window is under it would reload or cut it, and is never moved to. */
  readonly contextTokens: number;
}

/** Whether `m` holds a request needing `need` tokens as it is: its usable window, and the one it is loaded with. */
const holds = (m: Candidate, need: number) => m.contextWindow >= need && (m.loadedWindow ?? need) >= need;

interface Queued {
  model: string;
  why: string;
  host?: string;
  besideBusy?: string;
  besideWhy?: string;
}

type UnitOf = (host: string | undefined) => HostOverview;
type Waiting = (view: HostOverview, model: string) => number;
type Models = readonly Candidate[];

/**
 * `queue[0]` moved to the loaded copy of its model that holds more of `owner`'s prompt (or keeps other
 * requests' prompts cached), the first choice kept right behind it — or to a copy to load on a host with
 * room, where every slot of that copy holds others' recent prompts and loading takes less than reading
 * the prompt again; nothing changes with one host.
 */
export function preferCachedCopy(copy: CopyAsk, ahead: Waiting): void {
  cachedCopyFirst(copy, ahead);
  loadBesideOthers(copy);
}

/** Whose request it is, the request, the candidates in order, the models and each host's overview. */
export interface CopyAsk {
  owner: string;
  ask: Asked;
  queue: Queued[];
  models: Models;
  unit: UnitOf;
  /** Loading the model where it is not loaded, as spreading a busy copy weighs it (copy-spread.ts copyLoadMs). */
  loadMs: (m: Candidate) => number;
}

function cachedCopyFirst({ owner, ask, queue, models, unit }: CopyAsk, ahead: Waiting): void {
  const first = queue[0];
  if (!first || first.host === undefined) return;
  // serving now: loaded, or on an engine that serves what it lists (it loads by itself: OpenAI-compatible,
  // another ollm-mcp);
  // a host that schedules its own replicas (a cluster) is placed by its own figures: no prefix steering to or from it
  const serving = (m: Candidate) => m.loaded === true || !unit(m.host).host.engine.can.managesMemory;
  const loaded = models.filter(
    (m) =>
      m.name === first.model &&
      m.host !== undefined &&
      serving(m) &&
      holds(m, ask.contextTokens) &&
      !unit(m.host).host.cluster,
  );
  const at = loaded.find((m) => m.host === first.host);
  if (!at || loaded.length < 2) return;
  const ordered = [at, ...loaded.filter((m) => m !== at)];
  const chain = chainOf(ask);
  const copies = ordered.map((m): Copy => {
    const view = unit(m.host);
    const { loader, prefixes } = view.host;
    return {
      host: m.host!,
      // its owner's prompts only: never steered by what another agent sent
      heldChars: prefixes.held(owner, first.model, chain),
      freeSlot: prefixes.freeSlot(first.model, prefixSlots(view.host)),
      queue: loader.requestsOn(first.model) + ahead(view, first.model) + othersCount(othersAt(view, first.model)),
    };
  });
  const choice = affinityChoice(copies);
  if (choice) moveFirst(queue, { ...first, host: copies[choice.index]!.host, why: `${first.why}; ${choice.why}` });
}

/** `to`, the first candidate at another host, tried first — never twice —, the first kept right behind it. */
function moveFirst(queue: Queued[], to: Queued): void {
  const first = queue[0]!;
  const later = queue.findIndex((q, i) => i > 0 && q.model === first.model && q.host === to.host);
  if (later > 0) queue.splice(later, 1);
  queue.splice(0, 1, to, first);
}

/** ollm-mcp loads and unloads there, and places by prefix: no self-loading engine, no cluster. */
const placesCopies = (v: HostOverview) => v.host.engine.can.managesMemory && !v.host.cluster;

/**
 * `queue[0]`, a loaded copy whose every slot holds others' recent prompts, goes after a copy to load on a
 * host with room (not loaded there, fits in free memory now; the loader's plan still decides the load)
 * when that load takes less than reading the prompt again (fleet/reread-or-load.ts; issue 75, finding 10).
 * The copy loaded is extra (fleet/extra-copies.ts): released once idle, as a rush's is.
 */
function loadBesideOthers({ owner, ask, queue, models, unit, loadMs }: CopyAsk): void {
  const first = queue[0];
  if (!first || first.host === undefined) return;
  const view = unit(first.host);
  const here = models.find((m) => m.name === first.model && m.host === first.host);
  if (!view.measured || !here?.loaded || !placesCopies(view)) return;
  const room = (m: Candidate) =>
    m.host !== undefined && m.host !== first.host && !m.loaded && m.fitsNow && !m.cloud && holds(m, ask.contextTokens);
  const rooms = models.filter((m) => m.name === first.model && room(m) && placesCopies(unit(m.host)));
  if (rooms.length === 0) return;
  const idle = view.host.settings.model.keepAlive.extraCopyIdleSeconds;
  const choice = rereadOrLoad({
    copy: first.host,
    promptChars: promptChars(ask),
    promptTokens: ask.promptTokens,
    promptTokensPerSecond: promptSpeedAt(view, here),
    slots: view.host.prefixes.taken(owner, first.model, prefixSlots(view.host)),
    rooms: rooms.map((m) => ({ host: m.host!, loadMs: loadMs(m) })),
    now: Date.now(),
    recentMs: idle > 0 ? idle * 1000 : RECENT_MS,
  });
  if (!choice) return;
  const [why, host] = [`${first.why}; ${choice.why}`, rooms[choice.index]!.host!];
  moveFirst(queue, { ...first, host, why, besideBusy: first.host, besideWhy: choice.extraWhy });
}

/** The model's prompt speed at `view`'s host: measured there, else from what the host is (generation/estimate.ts). */
function promptSpeedAt(view: HostOverview, m: Candidate): number {
  const speeds = view.measured?.speeds;
  const learned = speeds?.at(view.host.name, m.name) ?? {};
  const nothing = { loadSeconds: 0, queueSeconds: 0, promptTokens: 0, answerTokens: 0, parts: 1, width: 1, rounds: 0 };
  return estimateSeconds(nothing, {
    ...hostRates(speeds?.book() ?? {}, view.host.name, m.name),
    ...hostFacts(view.overview),
    sizeBytes: m.sizeBytes,
    parameterSize: m.parameterSize,
    promptTokensPerSecond: learned.promptTokensPerSecond,
    promptFloorTokensPerSecond: learned.promptFloorTokensPerSecond,
  }).promptTokensPerSecond;
}
