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
 * whoever plans the engine then. The claim is asked again at most every CHECK_MS otherwise.
 */
import type { Engine, EngineCapabilities } from './engine.js';
import { HostError } from './host-error.js';
import { OllmEngine } from './ollm/ollm-engine.js';

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
}

/** What the fleet asks of an engine that may be planned elsewhere. */
export interface Shared {
  /** Asks the claim who plans the engine now (at start; after the planner went away). */
  settle(): Promise<void>;
  /** The planning server while another one plans it; undefined while this one does. */
  readonly plannedBy: Planner | undefined;
}

/** Who plans `engine`, when other servers on the machine may use it too; undefined for an engine only this server uses. */
export function sharedOf(engine: Engine): Shared | undefined {
  return 'shared' in engine ? (engine as Engine & { shared: Shared }).shared : undefined;
}

/** Calls that touch the engine's disk only, never its memory: always sent to the engine itself. */
const STRAIGHT = new Set<PropertyKey>(['pull', 'delete', 'create', 'copy']);

/** A planner's failure that means it is gone: ask the claim again. */
function gone(err: unknown): boolean {
  return err instanceof HostError && (err.kind === 'unreachable' || err.kind === 'timeout');
}

export interface PlannedElsewhereOptions {
  /** The host's name in settings. */
  name: string;
  timeoutMs: number;
  parallel: number;
}

/** `direct`, reached through whichever server plans it (see above); `shared` tells and settles who. */
export function plannedElsewhere(direct: Engine, claim: EngineClaim, options: PlannedElsewhereOptions): Engine & { shared: Shared } {
  let planner: Planner | undefined;
  let box: OllmEngine | undefined;
  let settling: Promise<void> | undefined;
  let onPs: Engine['onPs'];

  const settle = (): Promise<void> =>
    (settling ??= claim
      .planner()
      .then((now) => {
        if (now?.url === planner?.url && now?.token === planner?.token) return;
        void box?.box.close();
        planner = now;
        box = now && new OllmEngine({ name: options.name, url: now.url, token: now.token, who: `the ollm-mcp server planning ${direct.who} (process ${now.pid})`, timeoutMs: options.timeoutMs, parallel: options.parallel });
        if (box) box.onPs = (running) => onPs?.(running);
      })
      .finally(() => (settling = undefined)));

  const shared: Shared = {
    settle,
    get plannedBy() {
      return planner;
    },
  };

  const can = (): EngineCapabilities => (box ? { ...box.can, pullAndDelete: direct.can.pullAndDelete, ...(direct.can.create !== undefined && { create: direct.can.create }) } : direct.can);

  /** A method of whichever engine serves it now; a call the planner could not take goes once more to the next one. */
  const method = (prop: PropertyKey) => {
    const on = (engine: Engine) => (engine as unknown as Record<PropertyKey, unknown>)[prop];
    const first = STRAIGHT.has(prop) ? direct : (box ?? direct);
    if (typeof on(first) !== 'function') return undefined;
    return (...args: unknown[]) => {
      const call = (engine: Engine) => (on(engine) as (...a: unknown[]) => unknown).apply(engine, args);
      const result = call(first);
      if (first === direct || !(result instanceof Promise)) return result;
      return result.catch(async (err: unknown) => {
        if (!gone(err)) throw err;
        await settle();
        const next = box ?? direct;
        if (next === first || typeof on(next) !== 'function') throw err;
        return call(next);
      });
    };
  };

  return new Proxy(direct as Engine & { shared: Shared }, {
    get(target, prop) {
      if (prop === 'shared') return shared;
      if (prop === 'can') return can();
      if (prop === 'onPs') return onPs;
      // the engine's own address keys what is learned of it; messages name the server planning it while one does
      if (prop === 'who') return box ? box.who : target.who;
      if (prop === 'host' || prop === 'url' || prop === 'engineName') return Reflect.get(target, prop, target);
      const value = Reflect.get(box && !STRAIGHT.has(prop) ? box : target, prop);
      return typeof value === 'function' ? method(prop) : box && prop === 'kind' ? box.kind : value;
    },
    set(target, prop, value) {
      if (prop !== 'onPs') return Reflect.set(target, prop, value, target);
      onPs = value as Engine['onPs'];
      target.onPs = onPs;
      return true;
    },
    has(target, prop) {
      if (prop === 'shared') return true;
      return Reflect.has(box && !STRAIGHT.has(prop) ? box : target, prop);
    },
  });
}
