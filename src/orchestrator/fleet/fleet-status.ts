/**
 * The fleet's state as show_status and the resources show it: each Ollama host (reachable or not,
 * its memory, loaded models, pins, requests running), the loaded models of every host, and the
 * hosts that do not answer — named, with why and what to do — so one host down never fails a read.
 */
import { MODEL_DATABASE, type ModelEntry } from '../models/model-db.js';
import type { CatalogModel } from '../models/catalog.js';
import type { LoadedModel } from '../models/overview-types.js';
import type { Fleet } from './default-host.js';
import { nextStep, readEachHost, type HostDown, type HostState } from './fleet-reads.js';
import type { FleetHost } from './fleet-host.js';
import { sharedOf } from '../engines/planned-elsewhere.js';
import { plannerOf } from '../engines/planned-there.js';
import { engineLoadOf } from './placement.js';
import type { ExtraCopies } from './extra-copies.js';
import type { EngineReport } from '../engines/engine.js';
import { releaseVerdict } from '../engines/engine-release.js';
import { versionVerdict } from '../engines/known-holes.js';

type LoadedEntry = LoadedModel & { pinned: boolean; requestsRunning: number; lastUsedAt?: string };

/** An extra copy as a status shows it: why it was loaded, since when, and when it goes. */
function copyWords(copies: ExtraCopies | undefined, host: string, model: string) {
  const c = copies?.of(host, model);
  if (!c) return undefined;
  return {
    of: c.of,
    why: c.why,
    since: new Date(c.since).toISOString(),
    lastUsedAt: new Date(c.lastUsed).toISOString(),
    releasedAfterIdleSeconds: Math.round(copies!.idleMs / 1000),
  };
}

/** The most models whose learned memory a host's status lists (the newest). */
const LEARNED_SHOWN = 12;

/** The status of `h`'s engine as the server of this user planning it shows it; undefined when it shows none. */
function plannerView(h: FleetHost) {
  return plannerOf(h.engine)
    ?.hostView({ timeoutMs: 5000 })
    .catch(() => undefined);
}

/** How long an engine's release, once read, stands for the statuses that show it (it changes only with a restart). */
const RELEASE_MS = 60_000;
const releases = new WeakMap<
  FleetHost['engine'],
  { at: number; verdict: Awaited<ReturnType<typeof releaseVerdict>> }
>();

/**
 * An engine's release verdict, asked of it (GET /api/version) at most once a minute however often a status is
 * read — show_status is called every turn by some agents; a failure is never kept.
 */
async function releaseOf(engine: FleetHost['engine']) {
  const kept = releases.get(engine);
  if (kept && Date.now() - kept.at < RELEASE_MS) return kept.verdict;
  const verdict = await releaseVerdict(engine, { timeoutMs: 3000 }).catch(() => null);
  if (verdict === null) return undefined;
  releases.set(engine, { at: Date.now(), verdict });
  return verdict;
}

/**
 * The engine's release as a status shows it — "Ollama 0.34.2", "llama.cpp b9100" — and its known holes with
 * the release that fixes them (engines/known-holes.ts); nothing for an engine whose version is not read.
 */
async function releaseWords(h: FleetHost, report: EngineReport | undefined) {
  const v = h.kind === 'llamacpp' ? versionVerdict('llamacpp', report?.version) : await releaseOf(h.engine);
  if (!v) return {};
  const holes = v.holes.length > 0 && { knownHoles: { ids: v.holes.map((x) => x.id), fix: v.fix! } };
  return { engineVersion: v.name, ...holes };
}

/**
 * One host of the fleet for ollm://fleet and show_status; `managesMemory` false: its engine loads and
 * unloads by itself, and no memory is planned there (or here: another ollm-mcp of this user plans it).
 * `relayed`: asked by another ollm-mcp (engines/ollm/planner-engine.ts hostView), no other one is asked.
 */
export async function hostStatus(fleet: Fleet, h: FleetHost, copies?: ExtraCopies, relayed = false) {
  const ram = await h.overview.ramStatus();
  const loaded = ram.loaded.map((m) => {
    const extraCopy = copyWords(copies, h.name, m.name);
    return {
      ...m,
      pinned: h.loader.pins.has(m.name),
      requestsRunning: h.loader.requestsOn(m.name),
      ...(extraCopy && { extraCopy }),
    };
  });
  const many = fleet.hosts.length > 1;
  if (many && ram.ollama.reachable) fleet.hostCooldown.up(h.name);
  if (many && !ram.ollama.reachable && ram.ollama.error && /not reachable|did not answer/.test(ram.ollama.error))
    fleet.hostCooldown.down(h.name, ram.ollama.error);
  const cooling = fleet.hostCooldown.skipped(h.name);
  const router = ram.ollama.reachable ? await h.engine.report?.().catch(() => undefined) : undefined;
  // the engine's own figures (every client's requests), where it publishes them (engines/load-reader.ts)
  const figures = ram.ollama.reachable ? await engineLoadOf(h) : undefined;
  const release = ram.ollama.reachable ? await releaseWords(h, router) : {};
  const base = {
    name: h.name,
    kind: h.kind,
    url: h.address,
    priority: h.priority,
    ...(h.cluster && { cluster: true }),
    reachable: ram.ollama.reachable,
    ...release,
    ...(ram.ollama.error && { error: ram.ollama.error }),
    ...(cooling && { coolingDown: cooling }),
    ...(figures && {
      engineLoad: {
        running: figures.running,
        waiting: figures.waiting,
        ...(figures.kvCache !== undefined && { kvCache: figures.kvCache }),
      },
    }),
  };
  // an engine that loads and unloads by itself says nothing of its memory: none is shown for it
  if (!h.engine.can.managesMemory) {
    // an engine another ollm-mcp of this user claimed first: that server's process plans it (planned-elsewhere.ts)
    const plannedBy = sharedOf(h.engine)?.plannedBy?.pid;
    // ...and shows it as its own status does, under this host's name (engines/ollm/planner-engine.ts) — unless
    // this status is itself asked by another server (`relayed`): no status goes round between servers
    const there = plannedBy !== undefined && !relayed && ram.ollama.reachable ? await plannerView(h) : undefined;
    if (there && plannedBy !== undefined) return { ...base, ...there, managesMemory: true as const, plannedBy };
    const running = [...h.loader.busy()].reduce((n, m) => n + h.loader.requestsOn(m), 0);
    const by = plannedBy !== undefined && { plannedBy };
    return { ...base, managesMemory: false as const, ...by, requestsRunning: running };
  }
  return {
    ...base,
    managesMemory: true as const,
    capacity: ram.host,
    loaded,
    requestsRunning: loaded.reduce((n, m) => n + m.requestsRunning, 0),
    // what loads took here, which loading decisions use in place of the estimate
    learnedSizes: (await h.learnedSizes()).slice(0, LEARNED_SHOWN),
    // a llama.cpp router: every model with its status and memory, and its --models-max
    ...(router && { router: router.router, modelsMax: router.modelsMax, models: router.models }),
  };
}

/** The Ollama hosts among `statuses` that did not answer, with what to do. */
export function unreachableOf(
  statuses: ReadonlyArray<{ name: string; kind?: FleetHost['kind']; url: string; reachable: boolean; error?: string }>,
): HostDown[] {
  const others = statuses.some((s) => s.reachable);
  return statuses
    .filter((s) => !s.reachable)
    .map((s) => ({
      name: s.name,
      url: s.url,
      error: (s.error ?? 'no answer').split(' — ')[0]!,
      next: nextStep(s, others),
    }));
}

/**
 * ollm://system/ram: this machine's memory (ollama.host's view), and with several hosts, which of them do not
 * answer.
 */
export async function ramStatus(fleet: Fleet) {
  const primary = fleet.hosts.find((h) => h.name === 'ollama')!;
  const status = await primary.overview.ramStatus();
  if (fleet.hosts.length === 1) return status;
  const others = await readEachHost(
    fleet.hosts.filter((h) => h !== primary),
    fleet.hostCooldown,
    (h) => h.engine.ps(),
  );
  const hosts: HostState[] = [
    {
      name: primary.name,
      url: primary.address,
      reachable: status.ollama.reachable,
      ...(status.ollama.error && { error: status.ollama.error.split(' — ')[0]! }),
    },
    ...others.hosts,
  ];
  const unreachable = unreachableOf(hosts);
  return { ...status, hosts, ...(unreachable.length > 0 && { unreachable }) };
}

/** ollm://models/loaded: what every Ollama host holds in memory, with pins, requests running and last use. */
export async function loadedStatus(
  fleet: Fleet,
): Promise<{ host: string; loaded: LoadedEntry[]; hosts?: HostState[]; unreachable?: HostDown[] }> {
  const hosts = fleet.hosts;
  if (hosts.length === 1) return { host: hosts[0]!.address, loaded: await hosts[0]!.overview.loadedView() };
  const read = await readEachHost(hosts, fleet.hostCooldown, (h) => h.overview.loadedView(), { ask: true });
  const primary = hosts.find((h) => h.name === 'ollama')!;
  return {
    host: primary.address,
    loaded: read.up.flatMap((v) => v.value.map((m) => ({ ...m, host: v.host.name }))),
    hosts: read.hosts,
    ...(read.down.length > 0 && { unreachable: read.down }),
  };
}

/** ollm://models/database: the known patterns, and the installed models of every host that answers. */
export async function modelDatabase(fleet: Fleet): Promise<{
  patterns: readonly ModelEntry[];
  installed: CatalogModel[];
  ollama: { reachable: boolean; error?: string; unreachable?: HostDown[] };
}> {
  const hosts = fleet.hosts;
  const primary = hosts.find((h) => h.name === 'ollama')!;
  if (hosts.length === 1) return primary.overview.modelDatabase();
  const read = await readEachHost(
    hosts,
    fleet.hostCooldown,
    (h) => h.overview.modelDatabase().then((d) => (d.ollama.reachable ? d : Promise.reject(new Error(d.ollama.error)))),
    { ask: true },
  );
  const installed = read.up
    .flatMap((v) => v.value.installed)
    .filter((m, i, all) => all.findIndex((x) => x.name === m.name) === i);
  return {
    patterns: MODEL_DATABASE,
    installed,
    ollama: { reachable: read.up.length > 0, ...(read.down.length > 0 && { unreachable: read.down }) },
  };
}
