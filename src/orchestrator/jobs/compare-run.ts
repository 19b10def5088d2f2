/**
 * compare on one host: its models that fit in memory together run in parallel; the rest run one
 * group after another, with smart loading between groups — every load goes through the host's
 * planner, so a comparison never overcommits. One model failing does not fail the comparison.
 * Hosts run side by side (compare.ts), each with its own memory.
 */
import type { Settings } from '../config/index.js';
import { VRAM_ADMISSION } from '../loading/planner.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { MetricsStore } from '../stores/metrics.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { ModelsOverview, ModelSummary } from '../models/overview-types.js';
import { streamGenerate, streamOptions } from '../generation/stream.js';
import { compareMetrics, planGroups, ZERO, type CompareEntry, type CompareRequest, type SplitReason } from '../generation/compare-parts.js';

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

export async function compareOnHost(
  job: HostJob,
  req: CompareRequest,
  parts: { settings: Settings; metrics: MetricsStore; contextTokens: number; promptTokens: number; maxTokens: number; callerSystem: boolean; images?: string[] },
  done: (entry: CompareEntry) => void,
): Promise<HostRun> {
  const { host, overview, models } = job;
  const known = models.map((m) => m.name);
  const held = overview.loaded.filter((l) => !known.includes(l.name) && (host.loader.pins.has(l.name) || host.loader.requestsOn(l.name) > 0));
  const machine = overview.ram.host;
  const heldBytes = held.reduce((s, l) => s + l.sizeBytes, 0);
  const room = !host.engine.can.managesMemory
    ? Infinity
    : machine.kind === 'gpu'
      ? ((machine.vramTotalBytes ?? 0) - held.reduce((s, l) => s + l.vramBytes, 0)) * VRAM_ADMISSION
      : machine.kind === 'cpu'
        ? Math.min(overview.ram.budgetBytes, (machine.ramTotalBytes ?? overview.ram.totalBytes) - overview.ram.bufferBytes) - heldBytes
        : Infinity;
  const maxPerGroup = host.engine.can.managesMemory ? Math.max(1, machine.maxLoadedModels - held.length) : Math.max(1, models.length);
  const { groups, splits } = planGroups(models, room, maxPerGroup);
  const ran = new Set<string>();
  const where = job.named ? { host: host.name } : {};

  for (const group of groups) {
    if (req.signal?.aborted) break;
    // Mark the group busy first, so loading one member never unloads another.
    const releases = group.map((m) => host.loader.begin(m));
    const lanes = group.map((m) => req.progress?.lane(job.named ? `${m} on ${host.name}` : m));
    try {
      const loads: Array<LoadOutcome | Error> = [];
      for (const [i, model] of group.entries()) {
        const lane = lanes[i];
        loads.push(await host.loader.ensureLoaded({ model, contextLength: parts.contextTokens, waitWhileBusy: true, ...(parts.settings.options.contextSize !== undefined && { baseContext: parts.settings.options.contextSize }), ...(req.signal && { signal: req.signal }), ...(lane && { progress: lane }) }).catch((err: unknown) => err as Error));
        if (i < group.length - 1) lane?.enter({ kind: 'waiting', for: `the rest of ${model}'s group to load` });
      }
      await Promise.all(
        group.map(async (model, i) => {
          const loaded = loads[i]!;
          if (loaded instanceof Error || loaded.action === 'refused') {
            done({ model, ...where, text: '', error: loaded instanceof Error ? loaded.message : loaded.reason, metrics: ZERO });
          } else {
            ran.add(model);
            try {
              const card = overview.models.find((m) => m.name === model);
              const own = { own: card?.own, system: req.system, callerSystem: parts.callerSystem };
              const out = await streamGenerate(host.engine, {
                ...streamOptions(parts.settings, loaded, { capabilities: card?.capabilities ?? [], maxTokens: req.maxTokens, ...own }),
                prompt: req.prompt,
                ...(parts.images && { images: parts.images }),
                ...(req.format && { format: req.format.format }),
                promptTokens: parts.promptTokens,
                ahead: releases[i]!.ahead,
                ...(req.signal && { signal: req.signal }),
                ...(lanes[i] && { progress: lanes[i] }),
              });
              const metrics = compareMetrics(loaded.loadMs ?? 0, out);
              const entry: CompareEntry = { model, ...where, text: out.text, metrics };
              // an answer not of the format asked for fails the comparison for this model, its text kept to see why
              const verdict = req.format?.check(out.text);
              if (verdict?.ok) entry.json = verdict.value;
              else if (verdict) entry.error = `its answer was set aside: ${verdict.why}`;
              if (loaded.action === 'already_loaded' && host.engine.can.managesMemory) entry.loadedBefore = true;
              if (out.thinking) entry.thinking = out.thinking;
              done(entry);
              parts.metrics.record({ model, ok: !entry.error, latencyMs: out.totalMs, outputTokens: metrics.outputTokens, tokensPerSecond: metrics.tokensPerSecond, loadMs: metrics.loadMs, ...(entry.error && { error: entry.error }) });
            } catch (err) {
              if (req.signal?.aborted) throw err;
              const message = err instanceof Error ? err.message : String(err);
              done({ model, ...where, text: '', error: message, metrics: ZERO });
              parts.metrics.record({ model, ok: false, latencyMs: 0, error: message });
            }
          }
          lanes[i]?.end();
        }),
      );
    } finally {
      for (const release of releases) release();
      for (const lane of lanes) lane?.end();
    }
  }
  return { groups, splits, ran, held: held.length, maxLoadedModels: machine.maxLoadedModels };
}
