/**
 * The fleet as it is shown — by the `ollm://fleet` resource and by `show_status` — each llama.cpp
 * router's list of models cut to fit, and each client of the shared server as it is shown to the
 * others: what it said of itself (name, version, folder, project) cleaned and bounded; for
 * show_status also how long each waits for a tool call (config/client-limits.ts).
 */
import type { Orchestrator } from '../orchestrator/index.js';
import type { ConnectedClient } from '../orchestrator/orchestrator.js';
import type { Settings } from '../orchestrator/config/schema.js';
import { connectedClientLimit, limitText } from '../orchestrator/config/client-limits.js';
import { shownClient } from '../orchestrator/util/client-name.js';
import { boundList, indentedChars } from './answer-bounds.js';

export type FleetStatus = Awaited<ReturnType<Orchestrator['fleetStatus']>>;

/**
 * Each llama.cpp router's list of models cut to its share of `maxChars` (the one list in the fleet
 * that grows with what is installed), with `modelsCut` saying so; each client cleaned (a name of a
 * megabyte, escape sequences or line breaks reach no other client).
 */
export function boundedFleet(fleet: FleetStatus, maxChars: number): FleetStatus {
  const share = maxChars / Math.max(1, fleet.hosts.length);
  const hosts = fleet.hosts.map((h) => {
    if (!('models' in h) || !Array.isArray(h.models)) return h;
    const { kept, cut } = boundList(h.models as unknown[], {
      maxChars: share,
      size: indentedChars,
      noun: ['model', 'models'],
      rest: "the router's own /models lists every one.",
    });
    return { ...h, models: kept, ...(cut && { modelsCut: cut }) };
  });
  return { ...fleet, hosts, ...(fleet.clients && { clients: fleet.clients.map(shownClient) }) } as FleetStatus;
}

/**
 * A connected client with how long it waits for a tool call: `limitSeconds` (left out: as long as it takes)
 * and in words.
 */
export type LimitedClient = ConnectedClient & { limitSeconds?: number; limit: string };

/**
 * The fleet's clients, each with its time limit under `settings` (its agent's timeoutSeconds, else its
 * client's known limit, else the SDK's 60 s).
 */
export function withClientLimits<F extends { hosts: unknown; clients?: ConnectedClient[] }>(
  fleet: F,
  settings: Pick<Settings, 'agents' | 'http'>,
): Omit<F, 'clients'> & { clients?: LimitedClient[] } {
  if (!fleet.clients) return fleet as Omit<F, 'clients'>;
  const clients = fleet.clients.map((c): LimitedClient => {
    const limit = connectedClientLimit(c.name, settings);
    return {
      ...c,
      ...(limit.seconds !== undefined && { limitSeconds: limit.seconds }),
      limit: limitText(limit, c.name),
    };
  });
  return { ...fleet, clients };
}

/** The most clients the text names (the rest counted; `clients` has every one). */
const CLIENTS_SAID = 8;

/** One line naming the shared server's clients and how long each waits, or '' when there is no shared server. */
export function clientsLine(clients: readonly LimitedClient[] | undefined): string {
  if (!clients?.length) return '';
  const each = clients.slice(0, CLIENTS_SAID).map((c) => `${c.name ?? 'a client'} (pid ${c.pid}) ${c.limit}`);
  const more = clients.length > CLIENTS_SAID ? `; and ${clients.length - CLIENTS_SAID} more` : '';
  return `Clients of the shared server, and how long each waits for a call: ${each.join('; ')}${more}.`;
}
