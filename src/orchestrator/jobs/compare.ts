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
import type { JobParts } from '../route/parts.js';
import { estimateTokens } from '../generation/classify.js';
import { candidatesOf, reachableHosts } from '../fleet/placement.js';
import { fastestOf, type CompareEntry, type CompareRequest, type CompareResult } from '../generation/compare-parts.js';
import { describeRun } from '../generation/compare-choice.js';
import { chosenNames, sortModels, type Sorted, type Views } from './compare-models.js';
import { answerReserve, contextNeeded } from '../generation/context-need.js';
import { compareOnHost, type HostJob, type HostRun } from './compare-run.js';
import { compareSplit } from './compare-split.js';
import { withInputs } from './offload.js';
import { withUsableWindows } from '../fleet/windows.js';
import { forAgent } from '../route/agent-parts.js';

export * from '../generation/compare-parts.js';

/** The request as every model is asked it: the calling agent's parts, its system prompt added, and the task. */
function agentRequest(shared: JobParts, asked: CompareRequest) {
  // the calling agent's options, routing and system prompt, for every model compared
  const job = forAgent(shared, asked.agent);
  // every model gets the agent's system prompt, as its route would (a split model's route adds it itself:
  // compare-split.ts)
  const system = [job.agentSystem, asked.system].filter(Boolean).join('\n\n') || undefined;
  const req: CompareRequest = { ...asked, ...(system !== undefined && { system }) };
  const images = req.images?.length ? req.images : undefined;
  const task = images
    ? 'vision'
    : // the caller's words, as its route's
      (req.task ?? classify({ prompt: req.prompt, ...(asked.system && { system: asked.system }) }).task);
  return { job, req, images, task };
}

/** The hosts that answer; none is the comparison's error. */
async function answeringHosts(job: JobParts, req: CompareRequest): Promise<Views> {
  const down: Array<{ model: string; error: string }> = [];
  const views = await reachableHosts(job.fleet.hosts, job.fleet.hostCooldown, down, req.signal);
  if (views.length === 0)
    throw new HostError(
      'unreachable',
      `No host answers (${down.map((d) => `${d.model}: ${d.error}`).join('; ')}) — start one, then compare again.`,
      job.fleet.host,
    );
  return views;
}

/** The result: the entries in the order named, which ran together and where, and the fastest beside another answer. */
function comparison(
  names: string[],
  results: Map<string, CompareEntry>,
  runs: Array<{ job: HostJob; run: HostRun }>,
  task: CompareResult['task'],
  started: number,
): CompareResult {
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
        ? `${summary} The hosts ran side by side: ` +
          `${across.map((r) => `${r.job.host.name} (${[...r.run.ran].join(', ')})`).join(', ')}.`
        : summary,
    wallMs: Math.round(performance.now() - started),
  };
  // "fastest" means something only beside another answer
  const fastest = answered.length >= 2 ? fastestOf(ordered) : undefined;
  if (fastest) result.fastest = fastest;
  return result;
}

/**
 * Every host's models run side by side (compare-run.ts), then the models to split one after another;
 * each entry kept as it comes, the count of those done said. A cancel is the comparison's error.
 */
async function runAll(
  job: JobParts,
  asked: CompareRequest,
  req: CompareRequest,
  prompt: string,
  { results, jobs, splits }: Sorted,
  total: number,
  parts: Parameters<typeof compareOnHost>[2],
): Promise<Array<{ job: HostJob; run: HostRun }>> {
  const docs = req.docs ?? [];
  let finished = results.size;
  req.progress?.note(`compare, ${finished} of ${total} models done`);
  const done = (entry: CompareEntry) => {
    results.set(entry.model, entry);
    req.progress?.note(`compare, ${++finished} of ${total} models done`);
    req.onModelDone?.(finished, total, entry.model);
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
  return runs;
}

export async function compare(shared: JobParts, asked: CompareRequest): Promise<CompareResult> {
  const started = performance.now();
  const { job, req, images, task } = agentRequest(shared, asked);
  req.progress?.enter({
    kind: 'starting',
    what: req.models ? `comparing ${req.models.join(', ')}` : `choosing models to compare for ${task} work`,
  });
  const views = await answeringHosts(job, req);
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
  const names =
    req.models ?? (await chosenNames(job, req, views, models, { task, images: images !== undefined, contextTokens }));
  const sorted = sortModels(names, models, views, {
    contextTokens,
    promptTokens,
    split: docs.length > 0,
    named,
  });

  const runs = await runAll(job, asked, req, prompt, sorted, names.length, {
    settings,
    metrics: job.records.metrics,
    contextTokens,
    promptTokens,
    maxTokens,
    callerSystem: asked.system !== undefined,
    ...(images && { images }),
  });
  const result = comparison(names, sorted.results, runs, task, started);
  const note = await job.records.comparisons.remember(job.home, {
    id: result.comparisonId,
    task,
    models: result.results.map((r) => r.model),
    at: new Date().toISOString(),
  });
  if (note) result.note = note;
  return result;
}
