/**
 * Carries out load plans against Ollama. Every decision (load-decision.ts) starts from a fresh /api/ps and the
 * host's memory (host-memory.ts: this machine's readings, the configured capacity of another, or
 * what was learned), because Ollama evicts and expires models on its own. Loads are serialised
 * so two requests cannot both believe they fit, and concurrent requests for one model share one
 * load. Unloads are confirmed in /api/ps before loading (load-ops.ts), and when a failed load
 * makes Ollama evict everything, the state is re-read and pinned models are loaded again (after
 * any other eviction this server did not ask for, the keeper does it: pin-keeper.ts). The requests
 * on the host's models — running, held, let into slots — are host-requests.ts's, and what its loads
 * are planned with host-loads.ts's, which it extends. Every load it is asked for has a state, moved
 * only through the table of load-state.ts (load-states.ts keeps them): each wait below is a state
 * of the load, and what the waits show and weigh — "waiting for …", the loads still queued, those
 * held back for — is read from it.
 */
import { loadWhenIdle } from './busy-wait.js';
import { carryOut, type CarryParts } from './load-carry.js';
import type { Settings } from '../config/index.js';
import { withTag } from '../engines/model-names.js';
import type { ModelCatalog } from './model-facts.js';
import type { HostMemoryModel } from './host-memory.js';
import { isEmbedding } from './load-planning.js';
import { decideLoad } from './load-decision.js';
import { seenLoaded, sendLoad } from './load-ops.js';
import { unloadModels, unloadUnplanned } from './unload-ops.js';
import { LoadQueue } from './load-queue.js';
import { chooseLoad } from './load-choice.js';
import { unloadsOnceEnded } from './load-order.js';
import { HostLoads, type LoaderOptions } from './host-loads.js';
import { loadPins, releasePins, reloadPin, restoreGone, restorePin } from './pins.js';
import { PinKeeper } from './pin-keeper.js';
import { engineName, type Engine } from '../engines/engine.js';
import { type RunningModel } from '../engines/engine-model.js';

export type { KeepAlive } from './load-ops.js';
export type { LoadOutcome, LoadRequest, UnloadOutcome } from './load-types.js';
import type { LoadOutcome, LoadRequest, UnloadOutcome } from './load-types.js';

export class Loader extends HostLoads {
  /** Counts this loader's loads and unloads: a cached view of /api/ps older than a change is not used. */
  changes = 0;
  /** Loads and unloads, one at a time; the waiting loads in the order that unloads least (load-queue.ts). */
  private readonly queue: LoadQueue<LoadRequest>;
  /** What the work running does, for those waiting, when it is not a load (whose own state says it). */
  private doing = 'another load or unload';
  private readonly shared = new Map<string, Promise<LoadOutcome>>();
  /**
   * Brings pins back after evictions this server did not ask for; told of every /api/ps reading
   * (fleet/fleet-host.ts).
   */
  readonly keeper: PinKeeper;
  /** What a planned load is carried out with (load-carry.ts). */
  private readonly carry: CarryParts;

  constructor(
    backend: Engine,
    catalog: ModelCatalog,
    hostMemory: HostMemoryModel,
    settings: Settings,
    options: LoaderOptions = {},
  ) {
    super(backend, catalog, hostMemory, settings, options);
    const sizes = options.sizes;
    this.queue = new LoadQueue((loads) => chooseLoad(this.lingering, loads), this.now);
    this.carry = {
      backend,
      hostMemory,
      settings,
      loadSpeed: options.loadSpeed,
      onLoaded: options.onLoaded,
      sizes,
      restorePins: (before) => this.restorePins(before),
    };
    if (settings.model.keepAlive.enabled) for (const m of settings.model.keepAlive.models) this.pins.add(withTag(m));
    this.keeper = new PinKeeper({
      pins: this.pins,
      where: options.where ?? '',
      engine: engineName(backend),
      ps: () => this.backend.ps({ timeoutMs: 5000 }),
      restore: (name, contextLength) =>
        this.serial(() => restorePin(this.backend, this.pins, this.reloadPin, name, contextLength)),
    });
  }

  /**
   * Runs `work` once no other load or unload runs: other work in the order it came, a load (`load`) when its
   * turn is best (load-queue.ts).
   */
  private serial<T>(work: () => Promise<T>, load?: LoadRequest): Promise<T> {
    return this.queue.push(
      () =>
        work().finally(() => {
          this.doing = 'another load or unload';
        }),
      load,
    );
  }

  /**
   * The model loaded for `req`, or why not; a load for work waits while busy models stand in its way
   * (busy-wait.ts), until its turn (room-waits.ts).
   */
  ensureLoaded(req: LoadRequest): Promise<LoadOutcome> {
    this.rooms.arrive(req);
    const once = (r: LoadRequest) => this.rooms.inTurn(r, (x) => this.loadOnce(x));
    const untilTurn = () => this.rooms.untilTurn(req);
    return this.states.answer(req, loadWhenIdle(req, once, this.running, withTag, untilTurn, this.states));
  }

  private loadOnce(req: LoadRequest): Promise<LoadOutcome> {
    // The fast path: loaded with enough context per this request's own /api/ps reading, nothing to
    // change — while that reading is current: no load or unload since (a stale one would send work
    // to a model just unloaded, and Ollama would load it again unplanned). Another request's plan may
    // be under way: the model is left alone unless that plan unloads or reloads it (its load's state,
    // unloading or loading, touches it: load-states.ts), and is
    // held for this request until it begins (quick-holds.ts), so no plan made meanwhile unloads it —
    // unless a load that has waited its turn unloads it: then it waits behind that load (room-waits.ts).
    const current = req.seenAt === this.changes;
    const quick = current
      ? seenLoaded(req, (name) => ({ keepAlive: this.keepAliveFor(name, req), pinned: this.pins.has(name) }))
      : undefined;
    const behind = quick && this.behindTurn(req, quick.model, quick);
    if (behind) return Promise.resolve(behind);
    if (quick && !this.states.touching(quick.model)) {
      this.lastUsed.set(quick.model, this.now());
      if (!this.holds.holding(req) && !req.dryRun) this.holds.hold(quick.model); // a dry run runs nothing there
      return Promise.resolve(quick);
    }
    if (req.dryRun) return this.decide(req);
    const key = `${withTag(req.model)}|${req.keepAlive ?? ''}|${req.pin ?? ''}|${req.contextLength ?? ''}`;
    const existing = this.shared.get(key);
    if (existing) {
      this.states.move(req, 'share', `another request's load of ${withTag(req.model)} to finish`);
      return existing;
    }
    const ahead = this.queue.size > 0 ? `${this.states.doing() ?? this.doing} to finish` : undefined;
    this.states.move(req, 'enqueue', ahead);
    const job = this.serial(() => this.decide(req), req).finally(() => this.shared.delete(key));
    this.shared.set(key, job);
    return job;
  }

  /**
   * Work about to run on `model`, not held by its caller: held until it begins, so the next plan in the queue
   * leaves the model to it.
   */
  private heldFor(req: LoadRequest, model: string): void {
    if (req.waitWhileBusy && !this.holds.holding(req) && !req.job) this.holds.hold(model);
  }

  /**
   * `req`'s answer when a load whose turn has come unloads the loaded `model` (room-waits.ts heldByTurn): it
   * waits, and lets go a hold its caller took there.
   */
  private behindTurn(req: LoadRequest, model: string, outcome: LoadOutcome): LoadOutcome | undefined {
    const held = this.rooms.heldByTurn(req, model, outcome);
    if (held) this.holds.letGo(req, model);
    return held;
  }

  /** Reads the state, plans, logs the memory check, and (unless a dry run) carries the plan out. */
  private async decide(req: LoadRequest): Promise<LoadOutcome> {
    this.states.move(req, 'plan');
    try {
      return await this.decideNow(req);
    } finally {
      if (!req.dryRun) this.changes++;
    }
  }

  private async decideNow(req: LoadRequest): Promise<LoadOutcome> {
    const decided = await decideLoad(this.planningFor(req), req, (name) => this.keepAliveFor(name, req));
    if (!('plan' in decided)) {
      const { outcome, input } = decided;
      if (outcome.waitFor?.length && input) this.rooms.wait(req, input.model, unloadsOnceEnded(input, outcome.waitFor));
      return outcome;
    }
    const { model, keepAlive, contextLength, plan, input, outcome } = decided;
    const held =
      this.rooms.holdBack(req, input, plan, outcome) ??
      (plan.action === 'already_loaded' ? this.behindTurn(req, model.name, outcome) : undefined);
    if (held) return held;
    // a request the quick path let through between the plan and this line is never unloaded under: a wait for
    // it (busy-wait.ts), then a new plan
    const begun = plan.unload.filter((m) => this.running.count(m) > 0);
    if (begun.length)
      return {
        ...outcome,
        action: 'refused',
        unloaded: [],
        waitFor: begun,
        reason: `${model.name} needs the room of ${begun.join(', ')}, where a request has just begun.`,
      };
    if (req.pin) this.pins.add(model.name);
    if (plan.action === 'already_loaded') {
      // A new pin or keep-alive is applied with the context it runs with, so Ollama does not reload it.
      if (req.pin || req.keepAlive !== undefined) {
        this.states.move(req, 'load', `another request's load of ${model.name}`, [model.name]);
        const options = { embedding: isEmbedding(model), ...(req.signal && { signal: req.signal }) };
        await sendLoad(this.backend, model.name, keepAlive, contextLength, options);
      }
      this.lastUsed.set(model.name, this.now());
      this.heldFor(req, model.name);
      return outcome;
    }
    const touches = [model.name, ...plan.unload];
    const record = this.states.of(req);
    if (record) record.window = contextLength; // work planned while it loads keeps this window (fleet/kept-window.ts)
    this.expected.delete(withTag(model.name)); // the window expected of its next load is this load's now
    await carryOut(this.carry, decided, req, (step, what) => this.states.move(req, step, what, touches));
    this.lastUsed.set(model.name, this.now());
    this.heldFor(req, model.name);
    return outcome;
  }

  /**
   * In the load queue: pinned models among `before` that Ollama dropped are loaded again; returns what
   * happened, in words.
   */
  private restorePins(before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>): Promise<string> {
    return restoreGone(this.backend, this.pins, before, this.reloadPin);
  }

  /** In the load queue: a pin loaded again through the planner, unloading nothing — a load with a state of its own. */
  private readonly reloadPin = (name: string, contextLength: number | undefined) =>
    reloadPin((req) => (this.states.arrive(req), this.states.answer(req, this.decide(req))), name, contextLength);

  /**
   * After an out-of-memory during generation (every runner expired, pins included): pins come back once gone
   * (pin-keeper.ts); in words.
   */
  recoverFromOutOfMemory(before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>): Promise<string> {
    return this.keeper.afterOutOfMemory(before).catch(() => '');
  }

  /**
   * Unloads by name, or every loaded model for `all`. Naming a pinned model unpins it (the user
   * asked); `all` keeps pinned models unless `includePinned`. Models with requests running stay.
   */
  unload(
    target: { models: string[] } | { all: true; includePinned?: boolean },
    signal?: AbortSignal,
  ): Promise<UnloadOutcome> {
    if (!this.backend.can.managesMemory) return unloadUnplanned(this.backend, target, signal);
    return this.serial(() => {
      this.doing = "another request's unload";
      this.changes++;
      return unloadModels(
        this.backend,
        target,
        { pins: this.pins, busy: (name) => this.running.count(name) > 0 },
        signal,
      ).finally(() => this.changes++);
    });
  }

  /** At start-up: loads pinned models that fit without unloading anything. */
  loadPins(): Promise<void> {
    return loadPins(this);
  }

  /** At shutdown: pinned models go back to the normal idle timeout, so they do not stay loaded forever. */
  releasePins(): Promise<void> {
    this.keeper.stop();
    return releasePins(this.backend, this.pins, this.settings.model.keepAlive.timeout);
  }
}
