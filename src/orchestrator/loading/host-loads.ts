/**
 * What one host's loads are planned with and kept in (loader.ts extends this): its engine, catalog,
 * memory model and settings, the pins, the requests on its models (host-requests.ts), every load's
 * state (load-states.ts, the table in load-state.ts) and the loads waiting for room
 * (room-waits.ts) — and what is read from them without loading anything: what a model took here
 * before, what models take at a context, the largest context each can run with.
 */
import type { Settings } from '../config/index.js';
import type { CatalogModel, ModelCatalog } from './model-facts.js';
import type { Engine } from '../engines/engine.js';
import { withTag } from '../engines/model-names.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { HostMemoryModel } from './host-memory.js';
import type { KvCacheType } from './kv-cache.js';
import type { LearnedSize } from './learned-size.js';
import type { LoadSpeed } from './load-estimate.js';
import type { KeepAlive } from './load-ops.js';
import { learnedFor, type PlanningParts } from './load-planning.js';
import { footprintsAt, usableWindows, type UsableWindow } from './host-fits.js';
import { wantedBy } from './load-choice.js';
import { LoadStates } from './load-states.js';
import type { LoadRequest, SizesOnHost } from './load-types.js';
import { RoomWaits } from './room-waits.js';
import { HostRequests } from './host-requests.js';

/** How long a window planned for work waits for the model's next load (expectWindow): a plan that never loads. */
const EXPECTED_MS = 60_000;

export interface LoaderOptions {
  now?: () => number;
  /** How fast models load here (measured, kept in the metrics), for the estimate shown while loading. */
  loadSpeed?: () => LoadSpeed;
  /** Told of every load carried out: `bytes` read in `ms` — what the load speed is measured from. */
  onLoaded?: (model: string, bytes: number, ms: number) => void;
  /** The host, for messages: " on gpubox" with several hosts ("" by default). */
  where?: string;
  /** What loads took on this host (stores/seen-sizes.ts, bound to the host): read by plans, told of every load. */
  sizes?: SizesOnHost;
}

export class HostLoads extends HostRequests {
  /** Models kept loaded while the server runs: settings' keepAlive.models plus per-call pins. */
  readonly pins = new Set<string>();
  /** The windows work planned here expects its model's next load to take (expectWindow). */
  protected readonly expected = new Map<string, { window: number; until: number }>();
  /** Every load's state on this host (load-state.ts's table). */
  protected readonly states: LoadStates;
  /**
   * Loads for work in the order they came, and those waiting for room: a later one never takes it,
   * and once one has waited its turn the models it unloads are its (room-waits.ts).
   */
  protected readonly rooms: RoomWaits;
  /** What a plan is made from: this host's engine, catalog, memory model and what the loader tracks. */
  protected readonly planning: PlanningParts;
  /** The same, with models lingering after their last request counted busy (LINGER_MS). */
  protected readonly lingering: PlanningParts;

  constructor(
    protected readonly backend: Engine,
    protected readonly catalog: ModelCatalog,
    readonly hostMemory: HostMemoryModel,
    protected readonly settings: Settings,
    protected readonly options: LoaderOptions,
  ) {
    super(options.now ?? Date.now, backend.host);
    this.states = new LoadStates(this.now);
    this.rooms = new RoomWaits(this.now, this.states);
    const sizes = options.sizes;
    this.planning = {
      backend,
      catalog,
      hostMemory,
      settings,
      pins: this.pins,
      inFlight: () => this.busy(),
      wanted: () => wantedBy(this.states.queued()),
      lastUsed: this.lastUsed,
      now: this.now,
      ...(sizes && { seenSizes: (m: CatalogModel) => sizes.seen(m.name, m.digest) }),
      expectedWindow: (name: string) => this.expectedWindow(name),
    };
    this.lingering = { ...this.planning, inFlight: () => this.running.modelsLingering() };
  }

  /**
   * What a load is planned with: models whose last request ended a moment ago (LINGER_MS) are left
   * alone by a load for work that can wait, while other work goes on here — never by a job's own
   * loads (it knows its order), for a lone client, nor once its turn has come (room-waits.ts).
   */
  protected planningFor(req: LoadRequest): PlanningParts {
    if (!req.waitWhileBusy || req.job || this.rooms.untilTurn(req) === 0) return this.planning;
    return this.running.models().size > 0 || this.states.queued().length > 0 ? this.lingering : this.planning;
  }

  /**
   * Whether a load whose turn has come unloads `model` (room-waits.ts claimed): a request relayed under a
   * hold (engines/holds/desk.ts) waits behind it too, so no hold on `model` is lent meanwhile.
   */
  claimed(model: string): boolean {
    return this.rooms.claimed(withTag(model));
  }

  protected keepAliveFor(name: string, req: LoadRequest): KeepAlive {
    if (req.pin || this.pins.has(name)) return -1;
    return req.keepAlive ?? this.settings.model.keepAlive.timeout;
  }

  /**
   * Work planned for `model` at `window` (a split job sized to it: route/offload-plan.ts) before anything loaded it
   * here: the next load of it, whatever asked for it, takes that window when it fits, so the planned work does not
   * reload it (fleet/kept-window.ts). Kept until a load of the model is carried out, or EXPECTED_MS.
   */
  expectWindow(model: string, window: number): void {
    const key = withTag(model);
    const was = this.expectedWindow(key) ?? 0;
    this.expected.set(key, { window: Math.max(was, window), until: this.now() + EXPECTED_MS });
  }

  private expectedWindow(model: string): number | undefined {
    const e = this.expected.get(withTag(model));
    return e && e.until > this.now() ? e.window : undefined;
  }

  /** The window a load of `model` under way here loads it with (its plan's), so work planned meanwhile keeps it. */
  loadingWindow(model: string): number | undefined {
    return this.states.loadingWindow(model);
  }

  /** Changes whenever learned() may answer otherwise. */
  learnedRevision(): unknown {
    return this.options.sizes?.revision?.();
  }

  /** What loading `model` at `contextLength` took before here (with `slots` parallel slots), when it was observed. */
  learned(
    model: CatalogModel,
    contextLength: number,
    slots: number,
    kvType: KvCacheType = 'f16',
  ): LearnedSize | undefined {
    return learnedFor(this.planning, model, contextLength, slots, kvType);
  }

  /** What each model takes loaded here with the context `contextLength` needs (load-planning.ts). */
  footprints(
    names: readonly string[],
    contextLength: number,
    base?: number,
    signal?: AbortSignal,
  ): Promise<Map<string, number>> {
    return footprintsAt(this.planning, names, contextLength, base, signal);
  }

  /**
   * The largest context each model can run with on this host now (load-planning.ts). A load "beside" what is loaded
   * only while no other load here is coming (loadsComing): that one may take the room first (a job moved to a model
   * loading beside the one another job was loading waited for that one's work to end).
   */
  async usableWindows(
    names: readonly string[],
    signal?: AbortSignal,
    seen?: Promise<RunningModel[]>,
  ): Promise<Map<string, UsableWindow>> {
    const out = await usableWindows(this.planning, names, signal, seen);
    if (this.loadsComing())
      for (const [name, w] of out)
        if (w.beside) out.set(name, { window: w.window, ...(w.unloads && { unloads: w.unloads }) });
    return out;
  }

  /** Whether a load here is queued, planned or under way, or work was planned for a load not yet asked (expectWindow). */
  private loadsComing(): boolean {
    const now = this.now();
    return (
      this.states.in().some((r) => r.state !== 'pending') || [...this.expected.values()].some((e) => e.until > now)
    );
  }
}
