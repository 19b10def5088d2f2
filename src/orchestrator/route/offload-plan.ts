/**
 * Deciding, before anything is sent, how work over inputs read by reference will run: whole, when
 * a model the route would give the work has a usable window (trained, memory-bound, or fixed by
 * its engine: fleet/windows.ts) holding the inputs, the task and the answer; otherwise split into
 * parts sized to the window of the model chosen for them (generation/split-plan.ts) — chosen the
 * way the route chooses (work.ts: the work's profile, its fallback chain, then any text model that
 * fits), so a job some model here can do in parts is done in parts, the same way on every engine.
 * When none can, whole or split, the refusal names every model here and why, and the hosts down. Tokens are counted as that model's engine will count them: with its
 * tokenizer where it has one (a sample of the very input), else the estimate corrected by what
 * the engine reported for earlier prompts (generation/token-count.ts).
 */
import type { JobParts } from './parts.js';
import { callOf, type CallParts } from './call-plan.js';
import type { HostOverview } from '../fleet/placement.js';
import type { TaskType } from '../config/profiles.js';
import type { Windowed } from '../fleet/windows.js';
import { estimateTokens } from '../generation/classify.js';
import { answerReserve } from '../generation/context-need.js';
import {
  combineRounds,
  planWindow,
  type OptionalTokens,
  type PartCarry,
  type WindowPlan,
} from '../generation/split-plan.js';
import { sampleOf, tokenCounter, type TokenCounter } from '../generation/token-count.js';
import { splitInputs, type Part } from '../inputs/split.js';
import { renderInputs } from '../inputs/render-inputs.js';
import type { InputDoc } from '../generation/input-doc.js';
import type { RouteRequest } from '../generation/route-types.js';
import { placeRequest } from './route-placement.js';
import type { Planned } from './route-plan.js';
import { planFigures, type PlanFigures } from './split-figures.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { engineTokens, type EngineTokens } from '../engines/engine-tokens.js';
import { windowFix } from './window-fix.js';
import { slotsFor, withinLimit } from './limit-split.js';
import { chosenWhy, NEXT, routeOrder, splitModel, splitWhy, whyEach, type Here, type Ranked } from './offload-order.js';

export interface SplitPlan {
  model: string;
  host: FleetHost;
  /** The window the parts were sized to. */
  window: number;
  parts: Part[];
  /** Input tokens a part may hold, and a part's answer. */
  partTokens: number;
  partAnswerTokens: number;
  rounds: number;
  calls: number;
  /** Requests at once: the parallel slots of every host that has the model. */
  width: number;
  /** Why the model was chosen, when the caller named none (the result's reason says it). */
  why?: string;
  count: TokenCounter;
  /** The engine's own count of a part's prompt, for this job (undefined: none, or it failed). */
  tokens: EngineTokens;
  /** The inputs whole, as counted. */
  inputTokens: number;
  /** What each request carries besides its part: system and project prompts, and what it keeps of remembered facts and the citation guide. */
  overheadTokens: number;
  /** What every part carries beside the task (a small window leaves out remembered facts, then the citation guide), and the guide it is sent. */
  carry: PartCarry;
  guide?: string;
  /** Remembered facts' tokens as counted: the final combination takes them back when it has room. */
  memoryTokens: number;
  /** What was left out of the parts to make room, in words (empty: nothing), and the part's answer budget before it was cut to make room. */
  leftOut: string[];
  shrunkFrom?: number;
  /** Where it was placed and the route's ranking: what each part's route runs on, not derived again. */
  planned: Planned;
  /** The last combination's answer limit: the caller's, else the call's (call-plan.ts), settled once. */
  finalMaxTokens: number;
  /** What the plan expects of its parts' speeds and answers (split-figures.ts): where the job's pace starts. */
  figures: PlanFigures;
}

/** Whole: on `model` when the inputs were counted for it (by `count`: the route checks its window by that count). */
export type OffloadPlan =
  | { kind: 'whole'; model?: string; count?: TokenCounter; why?: string; planned?: Planned }
  | { kind: 'split'; plan: SplitPlan }
  | { kind: 'refuse'; message: string };

/**
 * The tokens every request of the job carries besides the inputs: system, project and agent prompts
 * and the task (`text`); and what a part may go without in a small window: remembered facts (their
 * budget), how to cite (`guide`, and its short form).
 */
function fixedText(
  job: JobParts,
  req: RouteRequest,
  shortGuide?: string,
): { text: string; memoryTokens: number; guide: string; shortGuide: string } {
  const text = [job.project?.systemPrompt, job.agentSystem, req.system, req.prompt].filter(Boolean).join('\n');
  const memoryTokens = req.useMemory === false || !job.memory ? 0 : job.settings.memory.promptBudgetTokens;
  return { text, memoryTokens, guide: req.guide ?? '', shortGuide: req.guide ? (shortGuide ?? '') : '' };
}

/** The optional tokens counted by `count` (tokens of text; the memory budget scaled by the count's ratio). */
function optionalOf(
  fixed: ReturnType<typeof fixedText>,
  count: (text: string) => number,
  ratio: number,
): OptionalTokens {
  const of = (t: string) => (t ? count(t) : 0);
  return { memory: Math.ceil(fixed.memoryTokens * ratio), guide: of(fixed.guide), shortGuide: of(fixed.shortGuide) };
}

/**
 * Counts for `model`: its engine's tokenizer on a sample of the inputs, when it has one and the
 * model is loaded (never in a dry run); else — and when the tokenizer fails — the calibrated estimate.
 */
async function counterFor(
  job: JobParts,
  host: FleetHost,
  model: string,
  window: number,
  sample: string,
  req: RouteRequest,
  tokens: EngineTokens,
): Promise<TokenCounter> {
  const calibrated = tokenCounter(ratioFor(job, req, model));
  if (!host.engine.can.tokenize || req.dryRun) return calibrated;
  // the model the parts go to is loaded now (through the planner): its tokenizer counts as its engine will
  const loaded = await host.loader.ensureLoaded({
    model,
    contextLength: window,
    ...(req.signal && { signal: req.signal }),
    ...(req.progress && { progress: req.progress }),
  });
  if (loaded.action === 'refused') return calibrated;
  const counted = await tokens(sample, req.signal);
  const estimated = estimateTokens(sample);
  return counted && estimated > 0 ? tokenCounter((counted / estimated) * 1.02, 'the engine tokenizer') : calibrated;
}

/** The estimate's token ratio for `model`: the one the request pins (a job taking up an earlier one's parts), else the calibrated one. */
function ratioFor(job: JobParts, req: RouteRequest, model: string): number | undefined {
  return req.tokenRatios?.get(model) ?? job.records.metrics.tokenRatio(model);
}

type Docs = readonly InputDoc[];
type Fixed = ReturnType<typeof fixedText>;
type Limited = { model: Ranked; why: string };
type Split = Extract<WindowPlan, { partTokens: number }>;

/** What every model's estimate is made with, and the estimates: whole or in parts, and why not. */
interface Sizing {
  job: CallParts;
  req: RouteRequest;
  views: readonly HostOverview[];
  fixed: Fixed;
  inputEstimate: number;
  answerTokens: number;
  maxParts: number;
  ratioOf: (m: string) => number;
  estimate: (m: Windowed) => WindowPlan;
  fixOf: (m: Windowed) => (minWindow: number) => string;
  estimatedWhy: (m: Windowed) => string | undefined;
}

/** The estimates for any model here: its window planned by the calibrated count of the inputs, the task and the answer. */
function sizing(
  job: CallParts,
  req: RouteRequest,
  views: readonly HostOverview[],
  fixed: Fixed,
  inputEstimate: number,
): Sizing {
  const answerTokens = answerReserve(req.maxTokens, req.maxTokens ?? job.call.answer.tokens);
  const maxParts = job.settings.inputs.maxParts;
  const ratioOf = (m: string) => ratioFor(job, req, m) ?? 1;
  const estimate = (m: Windowed) => {
    const ratio = ratioOf(m.name);
    const optional = optionalOf(fixed, (t) => Math.ceil(estimateTokens(t) * ratio), ratio);
    return planWindow(
      {
        window: m.contextWindow,
        fixedTokens: Math.ceil(estimateTokens(fixed.text) * ratio),
        optional,
        answerTokens,
        inputTokens: Math.ceil(inputEstimate * ratio),
        maxParts,
      },
      req.maxTokens,
    );
  };
  const fixOf = (m: Windowed) => (minWindow: number) =>
    windowFix(hostOf(views, m).kind, m.name, minWindow, m.trainedWindow);
  const estimatedWhy = (m: Windowed) =>
    splitWhy(estimate(m), Math.ceil(inputEstimate * ratioOf(m.name)), maxParts, fixOf(m));
  return { job, req, views, fixed, inputEstimate, answerTokens, maxParts, ratioOf, estimate, fixOf, estimatedWhy };
}

/** The model the parts go to: the one named, else the route's first that can; for a routed call, the best that finishes within its client's limit (limit-split.ts). */
function splitChoice(s: Sizing, order: Ranked[], task: TaskType): { chosen?: Ranked; limited?: Limited } {
  const { job, req, views, estimatedWhy } = s;
  const planned: Ranked | undefined = req.model ? order[0]! : splitModel(order, estimatedWhy);
  // a routed call whose planned model would not finish in parts within its client's limit: the best that would (limit-split.ts)
  const limited =
    !req.model && planned
      ? withinLimit(
          job,
          { ...req, task },
          views,
          planned,
          order.filter((m) => m !== planned && estimatedWhy(m) === undefined),
          s.estimate,
          s.ratioOf,
          s.inputEstimate,
        )
      : undefined;
  return { ...((limited?.model ?? planned) && { chosen: limited?.model ?? planned }), ...(limited && { limited }) };
}

/** The chosen model's window planned again, the inputs counted as its engine will count them (counterFor). */
async function countedWindow(s: Sizing, chosen: Ranked, rendered: string) {
  const { job, req, views, fixed } = s;
  const host = hostOf(views, chosen);
  const tokens = engineTokens(host.engine, chosen.name);
  const count = await counterFor(job, host, chosen.name, chosen.contextWindow, sampleOf(rendered), req, tokens);
  const exact = count.source === 'the engine tokenizer';
  const inputTokens = Math.ceil(s.inputEstimate * count.ratio);
  const optional = optionalOf(fixed, count, count.ratio);
  const window = planWindow(
    {
      window: chosen.contextWindow,
      fixedTokens: count(fixed.text),
      optional,
      answerTokens: s.answerTokens,
      inputTokens,
      exact,
      maxParts: s.maxParts,
    },
    req.maxTokens,
  );
  return { host, tokens, count, inputTokens, optional, window };
}
type Counted = Awaited<ReturnType<typeof countedWindow>>;

/** The chosen model's plan: whole after all, refused (whole or in parts it cannot: `nor` says the others), or split. */
async function chosenPlan(
  s: Sizing,
  chosen: Ranked,
  rendered: string,
  docs: Docs,
  nor: () => string,
  why: { why?: string },
  decided: Planned,
): Promise<OffloadPlan> {
  const counted = await countedWindow(s, chosen, rendered);
  const { host, count, inputTokens, window } = counted;
  if (window.whole) return { kind: 'whole', model: chosen.name, count, ...why, planned: decided };
  const bound = host.engine.can.managesMemory
    ? `its host's memory holds ${chosen.contextWindow} now`
    : `its engine runs it with ${chosen.contextWindow}`;
  const where = chosen.trainedWindow > chosen.contextWindow ? ` (trained for ${chosen.trainedWindow}; ${bound})` : '';
  if ('impossible' in window) {
    return {
      kind: 'refuse',
      message: `The input (~${inputTokens} tokens) is longer than ${chosen.name}'s window, and even split into parts it cannot fit: ${window.impossible}${where} — ${s.fixOf(chosen)(window.minWindow)}.${nor()}`,
    };
  }
  const parts = splitInputs(docs, window.partTokens, count);
  if (parts.length > s.maxParts) {
    return {
      kind: 'refuse',
      message: `The input (~${inputTokens} tokens) would need ${parts.length} parts of ~${window.partTokens} tokens for ${chosen.name}'s ${chosen.contextWindow}-token window${where}, more than inputs.maxParts (${s.maxParts}) — name fewer files, or raise inputs.maxParts.${nor()}`,
    };
  }
  const plan = splitPlanOf(s, chosen, counted, window, parts, why, decided);
  return { kind: 'split', plan: { ...plan, figures: planFigures(s.job, s.req, plan) } };
}

/** The split plan: the parts, the combining rounds, the requests at once, and what every part carries. */
function splitPlanOf(
  s: Sizing,
  chosen: Ranked,
  { host, tokens, count, inputTokens, optional }: Counted,
  window: Split,
  parts: Part[],
  why: { why?: string },
  decided: Planned,
): Omit<SplitPlan, 'figures'> {
  const { fixed } = s;
  const { rounds, calls } = combineRounds(parts.length, window.partAnswerTokens, window.partTokens);
  const width = slotsFor(s.views, chosen.name);
  const guide =
    window.carry.guide === 'full' ? fixed.guide : window.carry.guide === 'short' ? fixed.shortGuide : undefined;
  const carried = {
    carry: window.carry,
    ...(guide && { guide }),
    memoryTokens: optional.memory,
    leftOut: window.leftOut,
    ...(window.shrunkFrom !== undefined && { shrunkFrom: window.shrunkFrom }),
  };
  return {
    model: chosen.name,
    host,
    window: chosen.contextWindow,
    parts,
    partTokens: window.partTokens,
    partAnswerTokens: window.partAnswerTokens,
    rounds,
    calls,
    width,
    count,
    tokens,
    inputTokens,
    overheadTokens: window.carriedTokens - count(s.req.prompt),
    ...carried,
    ...why,
    planned: decided,
    finalMaxTokens: s.req.maxTokens ?? s.job.call.answer.tokens,
  };
}

/** `short`: a shorter form of req.guide, for parts whose window cannot hold the whole guide. */
export async function planOffload(from: JobParts, req: RouteRequest, docs: Docs, short?: string): Promise<OffloadPlan> {
  const job = callOf(from, req); // the call's parts as it settled them (call-plan.ts), or settled now
  const placement = await placeRequest(job, req);
  const { views, down, listed } = placement;
  if (views.length === 0) return { kind: 'whole', planned: { placement } }; // the route says what is down, or asks the fallback
  const all = await placement.windowed();
  const models = all.filter((m) => m.fits && m.capabilities.includes('completion'));
  const rendered = renderInputs(docs);
  const inputEstimate = estimateTokens(rendered);
  const s = sizing(job, req, views, fixedText(job, req, short), inputEstimate);
  const { estimate, estimatedWhy } = s;
  // whole, when a model the route would give the work holds it (the route chooses among those);
  // with no such model at all, the route says why of every model here (or asks the fallback)
  const { order, profile, task, ranking } = routeOrder(job, req, models, all);
  const decided: Planned = { placement, ...(ranking && { ranking }) };
  if (order.length === 0) return { kind: 'whole', planned: decided };
  // the model named holds it by its calibrated count: the route checks its window by that count too
  if (req.model && estimate(order[0]!).whole)
    return {
      kind: 'whole',
      model: order[0]!.name,
      count: tokenCounter(ratioFor(job, req, order[0]!.name)),
      planned: decided,
    };
  if (!req.model && order.some((m) => estimate(m).whole)) return { kind: 'whole', planned: decided };
  const here: Here = { views, listed, order, profile, down };
  const { chosen, limited } = splitChoice(s, order, task);
  if (!chosen)
    return {
      kind: 'refuse',
      message: `No local model can run this input (~${inputEstimate} tokens, estimated), whole or split — ${whyEach(job, req, here, estimatedWhy)}. Next: ${NEXT}.`,
    };
  // the chosen model cannot after all (counted by its tokenizer): the others are said too, unless the caller named it
  const nor = () =>
    req.model ? '' : ` The other models here: ${whyEach(job, req, here, estimatedWhy, chosen) || 'none'}.`;
  const why = req.model
    ? {}
    : {
        why: limited
          ? `${chosenWhy(chosen, order, estimatedWhy)}; ${limited.why}`
          : chosenWhy(chosen, order, estimatedWhy),
      };
  return chosenPlan(s, chosen, rendered, docs, nor, why, decided);
}

function hostOf(views: readonly HostOverview[], m: Windowed): FleetHost {
  return (views.length > 1 ? views.find((v) => v.host.name === m.host) : undefined)?.host ?? views[0]!.host;
}
