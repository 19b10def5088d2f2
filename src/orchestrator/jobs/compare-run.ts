/**
 * compare on one host: its models that fit in memory together run in parallel; the rest run one
 * group after another, with smart loading between groups — every load goes through the host's
 * planner, so a comparison never overcommits. Models are grouped by what each takes at the context
 * this prompt needs (a long prompt's window can make two models that fit together at the base
 * context too large to be resident together: issue 55, finding 10); and a member whose load does
 * not fit beside the group's others after all — the loader does not wait on the comparison's own
 * requests (busy-wait.ts) — runs in a group of its own after them, once theirs are done (then idle,
 * they are unloaded for it). One model failing does not fail the comparison. Hosts run side by
 * side (compare.ts), each with its own memory.
 */
import type { Settings } from '../config/index.js';
import { VRAM_ADMISSION } from '../loading/planner.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { PhaseReporter } from '../progress/progress.js';
import type { MetricsStore } from '../stores/metrics.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { clientOf } from '../fleet/slots-of.js';
import type { ModelsOverview, ModelSummary } from '../models/overview-types.js';
import { streamGenerate, streamOptions } from '../generation/stream.js';
import {
  compareMetrics,
  planGroups,
  ZERO,
  type CompareEntry,
  type CompareRequest,
  type SplitReason,
} from '../generation/compare-parts.js';

export interface HostRun {
  groups: string[][];
  splits: SplitReason[];
  ran: Set<string>;
  held: number;
  maxLoadedModels: number;
}

export interface HostJob {
  host: FleetHost;
  overview: ModelsOverview;
  models: ModelSummary[];
  /** With several hosts, entries name theirs. */
  named: boolean;
}

type RunParts = {
  settings: Settings;
  metrics: MetricsStore;
  contextTokens: number;
  promptTokens: number;
  maxTokens: number;
  callerSystem: boolean;
  images?: string[];
};

export async function compareOnHost(
  job: HostJob,
  req: CompareRequest,
  parts: RunParts,
  done: (entry: CompareEntry) => void,
): Promise<HostRun> {
  const { host, overview, models } = job;
  const known = models.map((m) => m.name);
  const held = overview.loaded.filter(
    (l) => !known.includes(l.name) && (host.loader.pins.has(l.name) || host.loader.requestsOn(l.name) > 0),
  );
  const machine = overview.ram.host;
  const heldBytes = held.reduce((s, l) => s + l.sizeBytes, 0);
  const room = !host.engine.can.managesMemory
    ? Infinity
    : machine.kind === 'gpu'
      ? ((machine.vramTotalBytes ?? 0) - held.reduce((s, l) => s + l.vramBytes, 0)) * VRAM_ADMISSION
      : machine.kind === 'cpu'
        ? Math.min(
            overview.ram.budgetBytes,
            (machine.ramTotalBytes ?? overview.ram.totalBytes) - overview.ram.bufferBytes,
          ) - heldBytes
        : Infinity;
  const maxPerGroup = host.engine.can.managesMemory
    ? Math.max(1, machine.maxLoadedModels - held.length)
    : Math.max(1, models.length);
  const { groups, splits } = planGroups(await sizedFor(job, parts, req.signal), room, maxPerGroup);
  const ran = new Set<string>();
  const self = {}; // this comparison on this host: its loads never wait on its own requests
  for (let g = 0; g < groups.length; g++) {
    if (req.signal?.aborted) break;
    const later = await runGroup(job, groups[g]!, { req, parts, done, ran, self });
    if (later.length === 0) continue;
    // those that do not fit beside the rest of their group run after it, on their own
    groups[g] = groups[g]!.filter((m) => !later.includes(m));
    groups.splice(g + 1, 0, ...later.map((m) => [m]));
    splits.splice(g, 0, ...later.map(() => 'memory' as const));
  }
  return { groups, splits, ran, held: held.length, maxLoadedModels: machine.maxLoadedModels };
}

/**
 * The models with what each takes at the context the prompt needs (never less than the overview's figure at
 * the base context).
 */
async function sizedFor(
  job: HostJob,
  parts: RunParts,
  signal: AbortSignal | undefined,
): Promise<Array<{ name: string; requiredBytes: number }>> {
  const { host, models } = job;
  const base = parts.settings.options.contextSize;
  const at = host.engine.can.managesMemory
    ? await host.loader
        .footprints(
          models.map((m) => m.name),
          parts.contextTokens,
          base,
          signal,
        )
        .catch(() => new Map<string, number>())
    : new Map<string, number>();
  return models.map((m) => ({ name: m.name, requiredBytes: Math.max(m.requiredBytes, at.get(m.name) ?? 0) }));
}

type GroupRun = {
  req: CompareRequest;
  parts: RunParts;
  done: (entry: CompareEntry) => void;
  ran: Set<string>;
  self: object;
};

/**
 * One group: its members held, loaded one by one, then asked at once; the members that cannot be resident
 * beside the others are returned, to run later.
 */
async function runGroup(job: HostJob, group: string[], r: GroupRun): Promise<string[]> {
  const { host } = job;
  const { req, parts, done } = r;
  // Mark the group busy first, so loading one member never unloads another.
  const releases = group.map((m) => host.loader.begin(m, undefined, r.self, clientOf(req)));
  const lanes = group.map((m) => req.progress?.lane(job.named ? `${m} on ${host.name}` : m));
  const later: string[] = [];
  try {
    const loads: Array<LoadOutcome | Error> = [];
    for (const [i, model] of group.entries()) {
      const lane = lanes[i];
      const base = parts.settings.options.contextSize;
      loads.push(
        await host.loader
          .ensureLoaded({
            model,
            contextLength: parts.contextTokens,
            waitWhileBusy: true,
            job: r.self,
            ...(base !== undefined && { baseContext: base }),
            ...(req.signal && { signal: req.signal }),
            ...(lane && { progress: lane }),
          })
          .catch((err: unknown) => err as Error),
      );
      if (i < group.length - 1) lane?.enter({ kind: 'waiting', for: `the rest of ${model}'s group to load` });
    }
    await Promise.all(
      group.map(async (model, i) => {
        const loaded = loads[i]!;
        // refused for members of its own group, which wait on it (the loader did not wait for them): it runs after them
        const beside =
          loaded instanceof Error || loaded.action !== 'refused'
            ? []
            : (loaded.waitFor ?? []).filter((m) => m !== model && group.includes(m));
        if (beside.length > 0) {
          later.push(model);
          lanes[i]?.enter({
            kind: 'waiting',
            for:
              `${beside.join(', ')} to finish first: ${model} cannot be resident beside ` +
              `${beside.length === 1 ? 'it' : 'them'}`,
          });
          return;
        }
        if (loaded instanceof Error || loaded.action === 'refused')
          done({
            model,
            ...where(job),
            text: '',
            error: loaded instanceof Error ? loaded.message : loaded.reason,
            metrics: ZERO,
          });
        else await askOne(job, model, loaded, { ...r, ahead: releases[i]!.ahead, lane: lanes[i] });
        lanes[i]?.end();
      }),
    );
  } finally {
    for (const release of releases) release();
    for (const lane of lanes) lane?.end();
  }
  return later;
}

const where = (job: HostJob) => (job.named ? { host: job.host.name } : {});

/** One loaded model asked the prompt; its entry given to `done`, its metrics recorded. */
async function askOne(
  job: HostJob,
  model: string,
  loaded: LoadOutcome,
  r: GroupRun & { ahead: () => number; lane: PhaseReporter | undefined },
): Promise<void> {
  const { host, overview } = job;
  const { req, parts, done } = r;
  r.ran.add(model);
  try {
    const card = overview.models.find((m) => m.name === model);
    const own = { own: card?.own, system: req.system, callerSystem: parts.callerSystem };
    const out = await streamGenerate(host.engine, {
      ...streamOptions(parts.settings, loaded, {
        capabilities: card?.capabilities ?? [],
        maxTokens: req.maxTokens,
        ...own,
      }),
      prompt: req.prompt,
      ...(parts.images && { images: parts.images }),
      ...(req.format && { format: req.format.format }),
      ...(req.agent !== undefined && { agent: req.agent }),
      promptTokens: parts.promptTokens,
      ahead: r.ahead,
      ...(req.signal && { signal: req.signal }),
      ...(r.lane && { progress: r.lane }),
    });
    const metrics = compareMetrics(loaded.loadMs ?? 0, out);
    const entry: CompareEntry = { model, ...where(job), text: out.text, metrics };
    // an answer not of the format asked for fails the comparison for this model, its text kept to see why
    const verdict = req.format?.check(out.text);
    if (verdict?.ok) entry.json = verdict.value;
    else if (verdict) entry.error = `its answer was set aside: ${verdict.why}`;
    if (loaded.action === 'already_loaded' && host.engine.can.managesMemory) entry.loadedBefore = true;
    if (out.thinking) entry.thinking = out.thinking;
    done(entry);
    parts.metrics.record({
      model,
      ok: !entry.error,
      latencyMs: out.totalMs,
      outputTokens: metrics.outputTokens,
      tokensPerSecond: metrics.tokensPerSecond,
      loadMs: metrics.loadMs,
      ...(entry.error && { error: entry.error }),
    });
  } catch (err) {
    if (req.signal?.aborted) throw err;
    const message = err instanceof Error ? err.message : String(err);
    done({ model, ...where(job), text: '', error: message, metrics: ZERO });
    parts.metrics.record({ model, ok: false, latencyMs: 0, error: message });
  }
}
