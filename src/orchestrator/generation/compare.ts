/**
 * compare: one prompt, several models, metrics side by side (seed 003 S07-T06). Models that fit
 * in memory together run in parallel; the rest run one group after another, with smart loading
 * between groups — every load goes through the planner, so a comparison never overcommits. One
 * model failing does not fail the comparison.
 *
 * Each model's time is split into loading, reading the prompt (time to first token) and generating,
 * so a model loaded before the comparison never looks faster than one loaded during it: the fastest
 * is the one that generates fastest (tokens per second), and the wall time with the load is shown
 * beside it. "Fastest" is named only when two or more models answered.
 *
 * Without `models`, the candidates are the router's best for the task, distinct by weights,
 * official library models first and of different families where possible (compare-choice.ts).
 * Every comparison is kept in $OLLM_HOME/comparisons.json (comparisons.ts), so prefer_model takes
 * its id after a restart and from another process.
 */
import { cancelledText } from '../util/stopping.js';
import { randomUUID } from 'node:crypto';
import { findModel } from '../models/catalog.js';
import { VRAM_ADMISSION } from '../loading/planner.js';
import { classify } from './classify.js';
import type { LoadOutcome } from '../loading/loader.js';
import { HostError } from '../engines/ollama/ollama.js';
import type { ModelSummary, Orchestrator } from '../orchestrator.js';
import { selectModel } from './router.js';
import { estimateTokens } from './classify.js';
import { streamGenerate, streamOptions } from './stream.js';
import { shortened } from '../util/shorten.js';
import { compareMetrics, fastestOf, planGroups, ZERO, type CompareEntry, type CompareRequest, type CompareResult } from './compare-parts.js';
import { defaultCandidates, describeRun } from './compare-choice.js';
import { answerReserve, contextNeeded } from './context-need.js';

export * from './compare-parts.js';


export async function compare(orch: Orchestrator, req: CompareRequest): Promise<CompareResult> {
  const started = performance.now();
  const images = req.images?.length ? req.images : undefined;
  const task = images ? 'vision' : (req.task ?? classify({ prompt: req.prompt, ...(req.system && { system: req.system }) }).task);
  req.progress?.enter({ kind: 'starting', what: req.models ? `comparing ${req.models.join(', ')}` : `choosing models to compare for ${task} work` });
  // compare runs on ollama.host (its models load side by side there)
  const overview = await orch.overview.listModels(req.signal ? { signal: req.signal } : {});
  const { settings } = orch.config;

  const maxTokens = req.maxTokens ?? settings.options.maxTokens;
  const promptTokens = estimateTokens(`${req.system ?? ''}\n${req.prompt}`);
  // the prompt and the answer must fit each model's context: a longer prompt Ollama would cut without a word
  const contextTokens = contextNeeded(promptTokens, images?.length ?? 0, answerReserve(req.maxTokens, settings.options.maxTokens));
  let names = req.models;
  if (!names) {
    const selection = selectModel({ task, images: images !== undefined, contextTokens }, overview.models, orch.routingSettings());
    // the digests tell the same weights under two names apart from different models
    const catalog = await orch.catalog.list(req.signal ? { signal: req.signal } : {}).catch(() => undefined);
    const digests = new Map((catalog?.models ?? []).map((m) => [m.name, m.digest]));
    const facts = overview.models.map((m) => ({ name: m.name, family: m.family, digest: digests.get(m.name) ?? '' }));
    names = defaultCandidates((selection?.ranked ?? []).map((r) => r.model), facts);
    if (names.length < 2) throw new HostError('model_not_found', `Fewer than two different installed models fit this machine for ${task} work — name the models to compare, or pull another.`, orch.host);
  }
  const results = new Map<string, CompareEntry>();
  const known: ModelSummary[] = [];
  for (const name of names) {
    const m = findModel(overview.models, name);
    if (!m) results.set(name, { model: shortened(name), text: '', error: `not installed — pull it with \`ollama pull ${shortened(name)}\``, metrics: ZERO });
    else if (!m.fits) results.set(m.name, { model: m.name, text: '', error: `needs ${Math.round(m.requiredBytes / 1e8) / 10} GB, more than this host allows`, metrics: ZERO });
    else if (m.contextWindow < contextTokens) results.set(m.name, { model: m.name, text: '', error: `its ${m.contextWindow}-token window is too small for the prompt and inputs (~${promptTokens} tokens) and the answer — route_and_generate splits long inputs into parts`, metrics: ZERO });
    else if (!known.some((k) => k.name === m.name)) known.push(m);
  }

  const held = overview.loaded.filter((l) => !known.some((k) => k.name === l.name) && (orch.loader.pins.has(l.name) || orch.loader.requestsOn(l.name) > 0));
  const host = overview.ram.host;
  const heldBytes = held.reduce((s, l) => s + l.sizeBytes, 0);
  const room =
    host.kind === 'gpu'
      ? ((host.vramTotalBytes ?? 0) - held.reduce((s, l) => s + l.vramBytes, 0)) * VRAM_ADMISSION
      : host.kind === 'cpu'
        ? Math.min(overview.ram.budgetBytes, (host.ramTotalBytes ?? overview.ram.totalBytes) - overview.ram.bufferBytes) - heldBytes
        : Infinity;
  const maxPerGroup = Math.max(1, host.maxLoadedModels - held.length);
  const { groups, splits } = planGroups(known, room, maxPerGroup);
  /** The models that loaded and were asked to generate. */
  const ran = new Set<string>();
  const total = names.length;
  let finished = results.size;
  req.progress?.note(`compare, ${finished} of ${total} models done`);

  for (const group of groups) {
    if (req.signal?.aborted) break;
    // Mark the group busy first, so loading one member never unloads another.
    const releases = group.map((m) => orch.loader.begin(m));
    const lanes = group.map((m) => req.progress?.lane(m));
    try {
      const loads: Array<LoadOutcome | Error> = [];
      for (const [i, model] of group.entries()) {
        const lane = lanes[i];
        loads.push(
          await orch.loader.ensureLoaded({ model, contextLength: contextTokens, ...(req.signal && { signal: req.signal }), ...(lane && { progress: lane }) }).catch((err: unknown) => err as Error),
        );
        if (i < group.length - 1) lane?.enter({ kind: 'waiting', for: `the rest of ${model}'s group to load` });
      }
      await Promise.all(
        group.map(async (model, i) => {
          const loaded = loads[i]!;
          if (loaded instanceof Error || loaded.action === 'refused') {
            const why = loaded instanceof Error ? loaded.message : loaded.reason;
            results.set(model, { model, text: '', error: why, metrics: ZERO });
          } else {
            ran.add(model);
            try {
              const capabilities = overview.models.find((m) => m.name === model)?.capabilities ?? [];
              const out = await streamGenerate(orch.backend, {
                ...streamOptions(settings, loaded, { capabilities, maxTokens }),
                prompt: req.prompt,
                ...(req.system && { system: req.system }),
                ...(images && { images }),
                promptTokens,
                ahead: releases[i]!.ahead,
                ...(req.signal && { signal: req.signal }),
                ...(lanes[i] && { progress: lanes[i] }),
              });
              const metrics = compareMetrics(loaded.loadMs ?? 0, out);
              const entry: CompareEntry = { model, text: out.text, metrics };
              if (loaded.action === 'already_loaded') entry.loadedBefore = true;
              if (out.thinking) entry.thinking = out.thinking;
              results.set(model, entry);
              orch.metrics.record({ model, ok: true, latencyMs: out.totalMs, outputTokens: metrics.outputTokens, tokensPerSecond: metrics.tokensPerSecond, loadMs: metrics.loadMs });
            } catch (err) {
              if (req.signal?.aborted) throw err;
              const message = err instanceof Error ? err.message : String(err);
              results.set(model, { model, text: '', error: message, metrics: ZERO });
              orch.metrics.record({ model, ok: false, latencyMs: 0, error: message });
            }
          }
          req.progress?.note(`compare, ${++finished} of ${total} models done`);
          lanes[i]?.end();
          req.onModelDone?.(finished, total, model);
        }),
      );
    } finally {
      for (const release of releases) release();
      for (const lane of lanes) lane?.end();
    }
  }
  if (req.signal?.aborted) throw new HostError('aborted', cancelledText('compare', req.signal), orch.host);

  const ordered = names.map((n) => results.get(n) ?? results.get(`${n}:latest`)!).filter(Boolean);
  const answered = ordered.filter((r) => !r.error).map((r) => r.model);
  const result: CompareResult = {
    comparisonId: randomUUID(),
    task,
    results: ordered,
    parallel: groups.some((g) => g.filter((m) => ran.has(m)).length > 1),
    groups,
    answered,
    summary: describeRun({ models: ordered.map((r) => r.model), answered: new Set(answered), groups, splits, ran, maxLoadedModels: host.maxLoadedModels, held: held.length }),
    wallMs: Math.round(performance.now() - started),
  };
  // "fastest" means something only beside another answer
  const fastest = answered.length >= 2 ? fastestOf(ordered) : undefined;
  if (fastest) result.fastest = fastest;
  const note = await orch.comparisons.remember(orch.config.home, { id: result.comparisonId, task, models: ordered.map((r) => r.model), at: new Date().toISOString() });
  if (note) result.note = note;
  return result;
}
