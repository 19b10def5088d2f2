/**
 * The Ollama host a management call acts on (smart_load, show_model, unload_model, delete_model,
 * pull_model): the one named; else, with several hosts, the one that answers and has the model
 * (the one where it is loaded, with `loaded`) — refusing when that is ambiguous; else the default
 * host (ollama.host, or the next one while it is down). Hosts that do not answer are left out,
 * and named when the model is on none of the others.
 */
import { HostError } from '../engines/host-error.js';
import { findModel } from '../models/catalog.js';
import { shortened } from '../util/shorten.js';
import { defaultHost, type Fleet } from './default-host.js';
import { downLines, noHostAnswers, readEachHost } from './fleet-reads.js';
import type { FleetHost } from './fleet-host.js';

export interface PickHostOptions {
  host?: string;
  model?: string;
  loaded?: boolean;
  signal?: AbortSignal;
  /** On several hosts: take the first (by priority) instead of refusing (a read, e.g. ollm://models/{name}). */
  first?: boolean;
}

export async function pickHost(fleet: Fleet, opts: PickHostOptions = {}): Promise<FleetHost> {
  const hosts = fleet.hosts;
  const fallback = defaultHost(fleet);
  if (opts.host !== undefined) {
    const named = hosts.find((h) => h.name === opts.host);
    if (!named)
      throw new HostError(
        'bad_request',
        `There is no Ollama host "${shortened(opts.host)}" — the hosts are ` +
          `${hosts.map((h) => h.name).join(', ')} (see ollm://fleet).`,
        fallback.address,
      );
    return named;
  }
  if (hosts.length === 1 || opts.model === undefined) return fallback;
  const model = opts.model;
  const call = opts.signal ? { signal: opts.signal } : {};
  const read = await readEachHost(hosts, fleet.hostCooldown, async (h) => {
    const snapshot = await h.catalog.list(call);
    if (snapshot.stale) throw snapshot.stale;
    const installed = findModel(snapshot.models, model);
    if (!installed) return undefined;
    return { loaded: opts.loaded ? (await h.engine.ps(call)).some((r) => r.name === installed.name) : false };
  });
  const having = read.up.filter((v): v is { host: FleetHost; value: { loaded: boolean } } => v.value !== undefined);
  const where = opts.loaded && having.some((x) => x.value.loaded) ? having.filter((x) => x.value.loaded) : having;
  if (where.length === 1 || (where.length > 1 && opts.first)) return where[0]!.host;
  if (where.length > 1) {
    throw new HostError(
      'bad_request',
      `${shortened(model)} is ${opts.loaded ? 'loaded' : 'installed'} on several Ollama hosts ` +
        `(${where.map((x) => x.host.name).join(', ')}) — name the one with host.`,
      fallback.address,
    );
  }
  if (read.down.length === 0) return fallback; // its not-installed error names similar models
  if (read.up.length === 0) throw noHostAnswers(read.down, fallback.address);
  const up = read.up.map((v) => v.host.name);
  throw new HostError(
    'model_not_found',
    `${shortened(model)} is not installed on the Ollama host${up.length > 1 ? 's' : ''} that ` +
      `answer${up.length > 1 ? '' : 's'} (${up.join(', ')}); it may be on one that does not. ` +
      `${downLines(read.down).join(' ')}`,
    fallback.address,
  );
}
