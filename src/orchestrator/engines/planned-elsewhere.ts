/**
 * One engine, several ollm-mcp servers on the machine (other settings, another build still
 * running): only one of them plans its memory. Each server asks the engine's claim
 * (`EngineClaim`: server/shared/engine-claims.ts) who plans it. While this server does, every call
 * goes to the engine's own adapter. While another does, the engine is reached through that server,
 * as a host of kind ollm (ollm/ollm-engine.ts, at its loopback endpoint with the claim's token):
 * lists, loads, generations and what it holds go through its plan, so no two planners act on one
 * engine — and this server plans nothing there (`can.managesMemory` false). What touches only the
 * engine's disk (pull, delete, create, copy) still goes straight to it.
 *
 * A call that finds the planning server gone (not reachable, or too slow to answer a ping) asks
 * the claim again — this server takes it over when that server is gone — and is sent once more to
 * whoever plans the engine then. Before anything is sent there, the planner's process must be alive
 * (a dead planner's port, bound by another program since, gets neither the token nor a prompt); a
 * relayed call without an answer or progress for SUSPECT_MS has the claim proven again meanwhile, so a planner
 * stopped (SIGSTOP, a debugger) is taken over within seconds and the call sent once to the engine.
 *
 * While this server plans the engine, it reads the claim again (its file: no network) before every
 * call that acts on the engine's memory (a load, an unload, a generation, which loads): once the
 * claim names another server — this one was stopped long enough to lose it — it plans nothing more
 * there: a generation goes to the new planner; a load or an unload, part of a plan this server made
 * as the engine's planner, is not sent anywhere (the new planner's adapter loads nothing, and its list
 * would never show the model) and fails as PlannerMoved, so the caller plans again through the new
 * planner (jobs/route-load.ts), which loads the model by its own plan for the generation.
 */
import type { Engine, EngineCapabilities } from './engine.js';
import type { GenerateRequest } from './engine-requests.js';
import { HostError } from './host-error.js';
import { PlannerEngine } from './ollm/planner-engine.js';
import { call, on, relay } from './planner-relay.js';
import { closedFor, heldGenerate, type EngineLeases, type Lent } from './holds/leases.js';
import type { HoldClient } from './holds/client.js';
import { log } from '../util/log.js';
import { ownProcessAlive, stillTheProcess } from '../util/own-process.js';

/** The server planning an engine: its loopback MCP endpoint, the claim's token, its process. */
export interface Planner {
  url: string;
  token: string;
  pid: number;
}

/** Who plans one engine: asked when the fleet starts and again when the planner went away. */
export interface EngineClaim {
  /** The server planning the engine: undefined when this one does (it holds the claim now). Never throws. */
  planner(): Promise<Planner | undefined>;
  /** Whether this server still holds the claim, as its file says now (no network). Never throws. */
  holds(): Promise<boolean>;
  /** Holds of loaded models, lent by the planner to the servers relaying to it (holds/): absent, none. */
  leases?: EngineLeases;
}

/**
 * A load or unload this server planned as the engine's planner, not sent: when it was to go, the
 * claim named another server (this one had been stopped long enough to lose it). The plan it was
 * part of is stale; planned again, the engine is reached through the new planner.
 */
export class PlannerMoved extends HostError {
  override name = 'PlannerMoved';
}

/** What the fleet asks of an engine that may be planned elsewhere. */
export interface Shared {
  /** Asks the claim who plans the engine now (at start; after the planner went away). */
  settle(): Promise<void>;
  /** The planning server while another one plans it; undefined while this one does. */
  readonly plannedBy: Planner | undefined;
  /** While this server plans the engine, holds on its loaded models are lent from its loader (holds/desk.ts). */
  lend(lent: Lent): void;
}

/**
 * Who plans `engine`, when other servers on the machine may use it too; undefined for an engine only this
 * server uses.
 */
export function sharedOf(engine: Engine): Shared | undefined {
  return 'shared' in engine ? (engine as Engine & { shared: Shared }).shared : undefined;
}

/** Calls that touch the engine's disk only, never its memory: always sent to the engine itself. */
const STRAIGHT = new Set<PropertyKey>(['pull', 'delete', 'create', 'copy']);

/** Calls that make the engine load or evict: made only while this server holds the claim. */
const MEMORY = new Set<PropertyKey>(['load', 'unload', 'generate']);

/** A call sent to the planner without an answer this long has the claim proven again, ms. */
const SUSPECT_MS = 2000;

/** A planner's failure that means it is gone: ask the claim again. */
function gone(err: unknown): boolean {
  return err instanceof HostError && (err.kind === 'unreachable' || err.kind === 'timeout');
}

export interface PlannedElsewhereOptions {
  /** The host's name in settings. */
  name: string;
  timeoutMs: number;
  parallel: number;
  /** Whether the planner's process lives (default: signal 0 reaches it). */
  alive?: (pid: number) => boolean;
  /** SUSPECT_MS, for tests. */
  suspectMs?: number;
}

/**
 * Who plans the engine, as the claim last said: the planning server and the box that reaches it (none while
 * this server plans).
 */
class Planning implements Shared {
  planner: Planner | undefined;
  box: PlannerEngine | undefined;
  /** The holds this server is lent by the planner (holds/client.ts), while another server plans the engine. */
  holds: HoldClient | undefined;
  /** The claim being asked now: one question at a time, for every call. */
  settling: Promise<void> | undefined;
  /** When the claim last answered, ms. */
  settledAt = 0;
  onPs: Engine['onPs'];

  constructor(
    private readonly direct: Engine,
    private readonly claim: EngineClaim,
    private readonly options: PlannedElsewhereOptions,
  ) {}

  get plannedBy(): Planner | undefined {
    return this.planner;
  }

  lend(lent: Lent): void {
    const plans = async () => !this.planner && (await this.claim.holds());
    this.claim.leases?.desk.lend(this.claim.leases.key, { ...lent, engine: this.direct, plans });
  }

  settle(): Promise<void> {
    return (this.settling ??= this.claim
      .planner()
      .then((now) => this.follow(now))
      .finally(() => ((this.settling = undefined), (this.settledAt = Date.now()))));
  }

  /** Reaches the engine through `now` from here on (or straight, when this server plans it). */
  private follow(now: Planner | undefined): void {
    if (now?.url === this.planner?.url && now?.token === this.planner?.token) return;
    void this.box?.box.close();
    this.planner = now;
    const { name, timeoutMs, parallel } = this.options;
    // nothing is sent there once its process is gone (or its pid is another process's): the call fails as
    // unreachable, and the claim is settled again
    const sendable = now && stillTheProcess(now.pid, this.options.alive ?? ownProcessAlive);
    // the 2025 era: the SDK's era probe (versionNegotiation auto) sometimes left the first call "Not connected"
    // (test/e2e/agents.test.ts, 2 runs of 3); the engine's own address: its list is that engine's alone
    const who = `the ollm-mcp server planning ${this.direct.who} (process ${now?.pid})`;
    const { host: engine } = this.direct;
    const box = { name, url: now?.url ?? '', token: now?.token ?? '', engine, who, timeoutMs, parallel, sendable };
    this.box = now && new PlannerEngine(box);
    if (this.box) this.box.onPs = (running) => this.onPs?.(running);
    this.holds?.close();
    this.holds = now && sendable && this.claim.leases?.client(now, sendable);
  }

  /** A request is coming: while this server plans the engine, its claim's file read now if stale (holds()). */
  freshen(): void {
    if (!this.planner) void this.claim.holds();
  }

  /** The engine a call of `prop` goes to now. */
  target(prop: PropertyKey): Engine {
    return STRAIGHT.has(prop) ? this.direct : (this.box ?? this.direct);
  }
}

/** `direct`, reached through whichever server plans it (see above); `shared` tells and settles who. */
export function plannedElsewhere(
  direct: Engine,
  claim: EngineClaim,
  options: PlannedElsewhereOptions,
): Engine & { shared: Shared } {
  const p = new Planning(direct, claim, options);
  const suspectMs = options.suspectMs ?? SUSPECT_MS;

  const notSentOn = () =>
    new HostError(
      'not_supported',
      `${direct.who} is planned by another ollm-mcp server now (process ${p.planner?.pid}); a ` +
        `call relayed to this one is run on its own engines only, never sent on — the server that ` +
        `sent it asks that one.`,
      direct.host,
    );

  /** A method of whichever engine serves it now; a call the planner could not take goes once more to the next one. */
  const dispatch = (prop: PropertyKey, args: unknown[]): unknown => {
    const first = p.target(prop);
    if (first === direct) return call(first, prop, args);
    // relayed here while this server planned the engine (it was stopped meanwhile, and its caller has gone on
    // without it): never sent on
    if (prop === 'generate' && (args[0] as GenerateRequest | undefined)?.relayed) return Promise.reject(notSentOn());
    const through = () =>
      relay(p, first, prop, args, suspectMs).catch(async (err: unknown) => {
        if (!gone(err)) throw err;
        await p.settle();
        const next = p.target(prop);
        if (next === first || typeof on(next, prop) !== 'function') throw err;
        return call(next, prop, args);
      });
    // under a hold the planner lent on the model, a generation goes straight to the engine (holds/)
    if (prop !== 'generate' || !p.holds || !claim.leases) return through();
    return heldGenerate(p.holds, claim.leases.key, direct, args, through);
  };

  /**
   * A load or unload of this server's plan, found stale: another server plans the engine now (its adapter
   * would load nothing).
   */
  const moved = (prop: PropertyKey, args: unknown[]) => {
    const model =
      prop === 'load' ? (args[0] as { model?: string } | undefined)?.model : (args[0] as string | undefined);
    const what = `${String(prop)} of ${JSON.stringify(model ?? '')}`;
    const then =
      prop === 'load'
        ? 'that server loads it by its own plan for the request sent there: ask again'
        : 'ask that server (its unload_model), or let its plan do it';
    return new PlannerMoved(
      'not_supported',
      `${direct.who} is planned by another ollm-mcp server now (process ${p.planner?.pid}), which ` +
        `took it over while this one was stopped: this server's ${what} was not sent — ${then}.`,
      direct.host,
    );
  };

  /**
   * Before acting on the engine's memory as its planner: is the claim still this server's? If not, the new
   * planner is found first.
   */
  const planned = async (prop: PropertyKey, args: unknown[]): Promise<unknown> => {
    if (!(await claim.holds())) {
      await p.settle();
      if (p.planner)
        log.warn(
          `${direct.who}: this server no longer holds its claim (process ${p.planner.pid} plans it ` +
            `now): it plans nothing there from now on`,
        );
      // a load or unload this server planned is stale now: never sent to the new planner as if it were done there
      if (p.planner && prop !== 'generate') throw moved(prop, args);
    }
    // a load or unload this server sends as the planner: the model's holds revoked and their requests ended first
    const leases = claim.leases;
    if (!p.planner && prop !== 'generate' && leases) return closedFor(leases, prop, args, () => dispatch(prop, args));
    return dispatch(prop, args);
  };

  const method = (prop: PropertyKey) => {
    const first = p.target(prop);
    if (typeof on(first, prop) !== 'function') return undefined;
    return (...args: unknown[]) => (first === direct && MEMORY.has(prop) ? planned(prop, args) : dispatch(prop, args));
  };
  return proxyOf(direct, p, method);
}

/**
 * `direct` as the fleet sees it: its methods through `method`, its capabilities and name those of whoever
 * serves it now.
 */
function proxyOf(direct: Engine, p: Planning, method: (prop: PropertyKey) => unknown): Engine & { shared: Shared } {
  const can = (): EngineCapabilities =>
    p.box
      ? {
          ...p.box.can,
          pullAndDelete: direct.can.pullAndDelete,
          ...(direct.can.create !== undefined && { create: direct.can.create }),
        }
      : direct.can;
  return new Proxy(direct as Engine & { shared: Shared }, {
    get(target, prop) {
      if (prop === 'shared') return p;
      if (prop === 'can') return can();
      if (prop === 'onPs') return p.onPs;
      if (prop === 'freshen') return () => p.freshen();
      // the engine's own address keys what is learned of it; messages name the server planning it while one does
      if (prop === 'who') return p.box ? p.box.who : target.who;
      if (prop === 'host' || prop === 'url' || prop === 'engineName') return Reflect.get(target, prop, target);
      const value = Reflect.get(p.box && !STRAIGHT.has(prop) ? p.box : target, prop);
      return typeof value === 'function' ? method(prop) : p.box && prop === 'kind' ? p.box.kind : value;
    },
    set(target, prop, value) {
      if (prop !== 'onPs') return Reflect.set(target, prop, value, target);
      p.onPs = value as Engine['onPs'];
      target.onPs = p.onPs;
      return true;
    },
    has(target, prop) {
      if (prop === 'shared') return true;
      return Reflect.has(p.box && !STRAIGHT.has(prop) ? p.box : target, prop);
    },
  });
}
