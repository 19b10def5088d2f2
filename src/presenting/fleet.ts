/**
 * The fleet as it is shown — by the `ollm://fleet` resource and by `show_status` — each llama.cpp
 * router's list of models cut to fit, and each client of the shared server as it is shown to the
 * others: what it said of itself (name, version, folder, project) cleaned and bounded.
 */
import type { Orchestrator } from '../orchestrator/index.js';
import { shownClient } from '../orchestrator/util/client-name.js';
import { boundList, indentedChars } from './answer-bounds.js';

type Fleet = Awaited<ReturnType<Orchestrator['fleetStatus']>>;

/**
 * Each llama.cpp router's list of models cut to its share of `maxChars` (the one list in the fleet
 * that grows with what is installed), with `modelsCut` saying so; each client cleaned (a name of a
 * megabyte, escape sequences or line breaks reach no other client).
 */
export function boundedFleet(fleet: Fleet, maxChars: number): Fleet {
  const share = maxChars / Math.max(1, fleet.hosts.length);
  const hosts = fleet.hosts.map((h) => {
    if (!('models' in h) || !Array.isArray(h.models)) return h;
    const { kept, cut } = boundList(h.models as unknown[], { maxChars: share, size: indentedChars, noun: ['model', 'models'], rest: "the router's own /models lists every one." });
    return { ...h, models: kept, ...(cut && { modelsCut: cut }) };
  });
  return { ...fleet, hosts, ...(fleet.clients && { clients: fleet.clients.map(shownClient) }) } as Fleet;
}
