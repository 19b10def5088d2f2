/**
 * The fleet: every host of every engine kind, by priority, with the hosts resting after not
 * answering (re-checked in the background). What a job needs of the hosts (route/parts.ts).
 */
import type { FleetHost } from './fleet-host.js';
import { defaultHost } from './default-host.js';
import { pickHost, type PickHostOptions } from './pick-host.js';
import { HostCooldown } from './placement.js';
import { ExtraCopies } from './extra-copies.js';
import { log } from '../util/log.js';

/** How often idle extra copies are looked for, at most, ms. */
const COPY_CHECK_MS = 30_000;

export class HostFleet {
  /**
   * Hosts that did not answer, skipped for a while and re-checked in the background (an engine that plans
   * memory: its loaded models, so pins it dropped come back).
   */
  readonly hostCooldown: HostCooldown;

  /** Copies of a model loaded on another host for a rush, released when idle (extra-copies.ts). */
  readonly extraCopies: ExtraCopies;

  constructor(
    readonly hosts: readonly FleetHost[],
    /** An extra copy idle this long is unloaded, s (model.keepAlive.extraCopyIdleSeconds; 0: never by ollm-mcp). */
    extraCopyIdleSeconds = 0,
  ) {
    this.hostCooldown = new HostCooldown((name) => {
      const { engine } = this.hosts.find((h) => h.name === name)!;
      return engine.can.managesMemory ? engine.ps({ timeoutMs: 3000 }) : engine.version({ timeoutMs: 3000 });
    });
    const idleMs = extraCopyIdleSeconds * 1000;
    this.extraCopies = new ExtraCopies(idleMs);
    if (hosts.length > 1 && idleMs > 0) {
      const host = (name: string) => this.hosts.find((h) => h.name === name);
      this.extraCopies.watch(
        {
          loaded: async (name) => (await host(name)?.engine.ps({ timeoutMs: 3000 }))?.map((m) => m.name),
          running: (name, model) => host(name)?.loader.requestsOn(model) ?? 0,
          pinned: (name, model) => host(name)?.loader.pins.has(model) ?? false,
          unload: async (name, model) =>
            (await host(name)!.loader.unload({ models: [model] })).unloaded.includes(model),
          hosts: () => this.hosts.map((h) => h.name),
        },
        Math.min(COPY_CHECK_MS, Math.max(1000, idleMs / 4)),
        (released) =>
          log.info(
            `released ${released.join(', ')}: extra copies loaded for a rush, idle for ` +
              `${extraCopyIdleSeconds} s while another copy stays loaded`,
          ),
      );
    }
  }

  /**
   * A request that plans is coming (tools/tool-call.ts): each host's readings begun now where stale, beside the
   * call's first steps — where there are several, not a host resting after not answering (placement.ts skips it).
   * True when a request to an engine was begun.
   */
  freshen(): boolean {
    const many = this.hosts.length > 1;
    let began = false;
    for (const h of this.hosts) if (!many || !this.hostCooldown.skipped(h.name)) began = h.freshen() || began;
    return began;
  }

  /** Stops looking for idle extra copies (the orchestrator's shutdown). */
  stop(): void {
    this.extraCopies.stop();
  }

  /** host:port of the default host (ollama.host, or while it is down the next host up), for messages. */
  get host(): string {
    return defaultHost(this).address;
  }

  pinNotes(): string[] {
    return this.hosts.flatMap((h) => h.loader.keeper.takeNotes());
  }

  pickHost(opts: PickHostOptions = {}): Promise<FleetHost> {
    return pickHost(this, opts);
  }
}
