/**
 * compare: one prompt, several models, metrics side by side (seed 003 S07-T06), over every host of
 * the fleet whatever its engine: each model runs on the host that has it (the first by priority),
 * hosts side by side, and on each host the models that fit in memory together in parallel, the
 * rest group after group with smart loading between (compare-run.ts). One model failing does not
 * fail the comparison.
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
import { answerLimit } from '../generation/stream.js';
import { cancelledText } from '../util/stopping.js';
import { randomUUID } from 'node:crypto';
import { findModel } from '../models/catalog.js';
import { classify } from '../generation/classify.js';
import { HostError } from '../engines/host-error.js';
import type { JobParts } from './parts.js';
import { selectModel } from '../generation/router.js';
import { estimateTokens } from '../generation/classify.js';
import { shortened } from '../util/shorten.js';
import { candidatesOf, reachableHosts } from '../fleet/placement.js';
import {
  fastestOf,
  ZERO,
  type CompareEntry,
  type CompareRequest,
  type CompareResult,
} from '../generation/compare-parts.js';
import { defaultCandidates, describeRun } from '../generation/compare-choice.js';
import { answerReserve, contextNeeded } from '../generation/context-need.js';
import { compareOnHost, type HostJob, type HostRun } from './compare-run.js';
import { compareSplit } from './compare-split.js';
import { withInputs } from './offload.js';
import { withUsableWindows } from '../fleet/windows.js';
import { forAgent } from './agent-parts.js';

export * from '../generation/compare-parts.js';

export async function compare(shared: JobParts, asked: CompareRequest): Promise<CompareResult> {
  const started = performance.now();
  const job = forAgent(shared, asked.agent); // the calling agent's options, routing and system prompt, for every model compared
  // every model gets the agent's system prompt, as its route would (a split model's route adds it itself: compare-split.ts)
  const system = [job.agentSystem, asked.system].filter(Boolean).join('\n\n') || undefined;
  const req: CompareRequest = { ...asked, ...(system !== undefined && { system }) };
  const images = req.images?.length ? req.images : undefined;
  const task = images
    ? 'vision'
    : (req.task ?? classify({ prompt: req.prompt, ...(asked.system && { system: asked.system }) }).task); // the caller's words, as its route's
  req.progress?.enter({
    kind: 'starting',
    what: req.models ? `comparing ${req.models.join(', ')}` : `choosing models to compare for ${task} work`,
  });
  const down: Array<{ model: string; error: string }> = [];
  const views = await reachableHosts(job.fleet.hosts, job.fleet.hostCooldown, down, req.signal);
  if (views.length === 0)
    throw new HostError(
      'unreachable',
      `No host answers (${down.map((d) => `${d.model}: ${d.error}`).join('; ')}) — start one, then compare again.`,
      job.fleet.host,
    );
  const named = job.fleet.hosts.length > 1;
  const { settings } = job;
  const docs = req.docs ?? [];
  const prompt = withInputs(req.prompt, docs);

  const maxTokens = answerLimit(req.maxTokens, settings);
  const promptTokens = estimateTokens(`${req.system ?? ''}\n${prompt}`);
  // the prompt and the answer must fit each model's usable window: a longer prompt an engine would cut or refuse
  const contextTokens = contextNeeded(promptTokens, images?.length ?? 0, answerReserve(req.maxTokens, maxTokens));
  const listed = candidatesOf(views);
  const models = contextTokens > 2048 ? await withUsableWindows(views, listed, req.signal) : listed;
  const splits: Array<{ model: string; where: { host?: string } }> = [];
  let names = req.models;
  if (!names) {
    const selection = selectModel({ task, images: images !== undefined, contextTokens }, models, job.routing());
    // the digests tell the same weights under two names apart from different models
    const digests = new Map<string, string>();
    const lists = await Promise.all(
      views.map((v) => v.host.catalog.list(req.signal ? { signal: req.signal } : {}).catch(() => undefined)),
    );
    for (const m of lists.flatMap((l) => l?.models ?? [])) digests.set(m.name, m.digest);
    const facts = models.map((m) => ({ name: m.name, family: m.family, digest: digests.get(m.name) ?? '' }));
    names = defaultCandidates(
      (selection?.ranked ?? []).map((r) => r.model),
      facts,
    );
    if (names.length < 2)
      throw new HostError(
        'model_not_found',
        `Fewer than two different installed models fit this machine for ${task} work — name the models to compare, or pull another.`,
        job.fleet.host,
      );
  }
  const results = new Map<string, CompareEntry>();
  const jobs = new Map<string, HostJob>();
  for (const name of names) {
    const m = findModel(models, name);
    if (!m)
      results.set(name, {
        model: shortened(name),
        text: '',
        error: `not installed on any host that answers — pull it with \`ollama pull ${shortened(name)}\`, or see list_models`,
        metrics: ZERO,
      });
    else if (!m.fits)
      results.set(m.name, {
        model: m.name,
        text: '',
        error: `needs ${Math.round(m.requiredBytes / 1e8) / 10} GB, more than this host allows`,
        metrics: ZERO,
      });
    else if (m.contextWindow < contextTokens && docs.length > 0)
      splits.push({ model: m.name, where: named && m.host ? { host: m.host } : {} });
    else if (m.contextWindow < contextTokens)
      results.set(m.name, {
        model: m.name,
        text: '',
        error: `its ${m.contextWindow}-token window is too small for the prompt (~${promptTokens} tokens) and the answer — pass long inputs by path (files, diff) so they can be split`,
        metrics: ZERO,
      });
    else {
      const view = views.find((v) => v.host.name === ((m as { host?: string }).host ?? v.host.name))!;
      const job = jobs.get(view.host.name) ?? { host: view.host, overview: view.overview, models: [], named };
      if (!job.models.some((k) => k.name === m.name)) job.models.push(m);
      jobs.set(view.host.name, job);
    }
  }

  const total = names.length;
  let finished = results.size;
  req.progress?.note(`compare, ${finished} of ${total} models done`);
  const done = (entry: CompareEntry) => {
    results.set(entry.model, entry);
    req.progress?.note(`compare, ${++finished} of ${total} models done`);
    req.onModelDone?.(finished, total, entry.model);
  };
  const parts = {
    settings,
    metrics: job.records.metrics,
    contextTokens,
    promptTokens,
    maxTokens,
    callerSystem: asked.system !== undefined,
    ...(images && { images }),
  };
  const runs: Array<{ job: HostJob; run: HostRun }> = await Promise.all(
    [...jobs.values()].map(async (one) => ({
      job: one,
      run: await compareOnHost(one, { ...req, prompt }, parts, done),
    })),
  );
  // models whose window does not hold the inputs read them in parts, one model after another (each load planned)
  for (const s of splits) {
    if (req.signal?.aborted) break;
    done(await compareSplit(job, asked, s.model, docs, s.where));
  }
  if (req.signal?.aborted) throw new HostError('aborted', cancelledText('compare', req.signal), job.fleet.host);

  const ordered = names
    .map(
      (n) =>
        results.get(n) ??
        results.get(`${n}:latest`) ??
        [...results.values()].find((r) => findModel([{ name: r.model }], n)),
    )
    .filter((r): r is CompareEntry => r !== undefined);
  const answered = ordered.filter((r) => !r.error).map((r) => r.model);
  const groups = runs.flatMap((r) => r.run.groups);
  const ran = new Set(runs.flatMap((r) => [...r.run.ran]));
  const one = runs.length === 1 ? runs[0]!.run : undefined;
  const summary = describeRun({
    models: ordered.map((r) => r.model),
    answered: new Set(answered),
    groups: one?.groups ?? [],
    splits: one?.splits ?? [],
    ran,
    maxLoadedModels: one?.maxLoadedModels ?? 1,
    held: one?.held ?? 0,
  });
  const across = runs.filter((r) => r.run.ran.size > 0);
  const result: CompareResult = {
    comparisonId: randomUUID(),
    task,
    results: ordered,
    parallel:
      runs.some((r) => r.run.groups.some((g) => g.filter((m) => r.run.ran.has(m)).length > 1)) || across.length > 1,
    groups,
    answered,
    summary:
      across.length > 1
        ? `${summary} The hosts ran side by side: ${across.map((r) => `${r.job.host.name} (${[...r.run.ran].join(', ')})`).join(', ')}.`
        : summary,
    wallMs: Math.round(performance.now() - started),
  };
  // "fastest" means something only beside another answer
  const fastest = answered.length >= 2 ? fastestOf(ordered) : undefined;
  if (fastest) result.fastest = fastest;
  const note = await job.records.comparisons.remember(job.home, {
    id: result.comparisonId,
    task,
    models: ordered.map((r) => r.model),
    at: new Date().toISOString(),
  });
  if (note) result.note = note;
  return result;
}
