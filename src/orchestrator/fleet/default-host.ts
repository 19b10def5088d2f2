/**
 * The Ollama host for calls that name none (compare, pull_model, the tools' messages):
 * ollama.host — or, while it does not answer, the first other Ollama host that does, in priority
 * order. So compare still runs, on the next host, when the first one is down.
 */
import { HostError } from '../engines/host-error.js';
import type { RamMonitor } from '../loading/ram.js';
import { ModelOverview } from '../models/overview.js';
import type { ModelsOverview } from '../models/overview-types.js';
import { isDown } from './fleet-reads.js';
import type { FleetHost } from './fleet-host.js';
import type { HostCooldown } from './placement.js';

export interface Fleet {
  readonly hosts: readonly FleetHost[];
  readonly hostCooldown: HostCooldown;
}

/** ollama.host, unless it is cooling down after not answering and another host is not. */
export function defaultHost(fleet: Fleet): FleetHost {
  const primary = fleet.hosts.find((h) => h.name === 'ollama')!;
  if (fleet.hosts.length === 1 || !fleet.hostCooldown.skipped(primary.name)) return primary;
  return fleet.hosts.find((h) => !fleet.hostCooldown.skipped(h.name)) ?? primary;
}

/**
 * The default host's overview (what compare lists its models from): with several hosts, when the
 * default one does not answer it is cooled down and the next one is asked — after which
 * defaultHost() (and so the orchestrator's loader and backend) is that one too.
 */
export class FailoverOverview extends ModelOverview {
  constructor(
    private readonly fleet: Fleet,
    ram: RamMonitor,
  ) {
    const primary = fleet.hosts.find((h) => h.name === 'ollama')!;
    super({
      backend: primary.engine,
      catalog: primary.catalog,
      ram,
      loader: primary.loader,
      settings: primary.settings,
    });
  }

  override async listModels(options: Parameters<ModelOverview['listModels']>[0] = {}): Promise<ModelsOverview> {
    const { hosts: hosts, hostCooldown: cooldown } = this.fleet;
    if (hosts.length === 1) return super.listModels(options);
    const first = defaultHost(this.fleet);
    const order = [first, ...hosts.filter((h) => h !== first && !cooldown.skipped(h.name))];
    let last: unknown;
    for (const h of order) {
      try {
        const o = await h.overview.listModels({ ...options, reachable: true });
        if (o.stale) throw new HostError('unreachable', o.stale, h.address);
        cooldown.up(h.name);
        return o;
      } catch (err) {
        if (!isDown(err)) throw err;
        cooldown.down(h.name, err instanceof Error ? err.message : String(err));
        last = err;
      }
    }
    throw last;
  }
}
