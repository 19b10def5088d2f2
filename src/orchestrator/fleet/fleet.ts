/**
 * The fleet: every host of every engine kind, by priority, with the hosts resting after not
 * answering (re-checked in the background). What a job needs of the hosts (jobs/parts.ts).
 */
import type { FleetHost } from './fleet-host.js';
import { defaultHost } from './default-host.js';
import { pickHost, type PickHostOptions } from './pick-host.js';
import { HostCooldown } from './placement.js';

export class HostFleet {
  /** Hosts that did not answer, skipped for a while and re-checked in the background (an engine that plans memory: its loaded models, so pins it dropped come back). */
  readonly hostCooldown: HostCooldown;

  constructor(readonly hosts: readonly FleetHost[]) {
    this.hostCooldown = new HostCooldown((name) => {
      const { engine } = this.hosts.find((h) => h.name === name)!;
      return engine.can.managesMemory ? engine.ps({ timeoutMs: 3000 }) : engine.version({ timeoutMs: 3000 });
    });
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
