/**
 * How any model here would hold the work over inputs (offload-plan.ts): what every request of the
 * job carries besides the inputs, each model's window planned by the calibrated estimate of the
 * inputs, the task and the answer (whole, in parts, or why not), and — for the model the parts go
 * to — the inputs counted as its engine will count them (its tokenizer on a sample, when it has one).
 */
import type { JobParts } from './parts.js';
import type { CallParts } from './call-plan.js';
import type { HostOverview } from '../fleet/placement.js';
import type { Windowed } from '../fleet/windows.js';
import type { WindowWork } from '../fleet/kept-window.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { estimateTokens } from '../generation/classify.js';
import { answerReserve } from '../generation/context-need.js';
import { planWindow, type OptionalTokens, type WindowPlan } from '../generation/split-plan.js';
import { sampleOf, tokenCounter, type TokenCounter } from '../generation/token-count.js';
import type { RouteRequest } from '../generation/route-types.js';
import { engineTokens, type EngineTokens } from '../engines/engine-tokens.js';
import { windowFix } from './window-fix.js';
import { splitWhy, type Ranked } from './offload-order.js';

/**
 * The tokens every request of the job carries besides the inputs: system, project and agent prompts
 * and the task (`text`); and what a part may go without in a small window: remembered facts (their
 * budget), how to cite (`guide`, and its short form).
 */
export function fixedText(
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

/**
 * The estimate's token ratio for `model`: the one the request pins (a job taking up an earlier one's parts),
 * else the calibrated one.
 */
export function ratioFor(job: JobParts, req: RouteRequest, model: string): number | undefined {
  return req.tokenRatios?.get(model) ?? job.records.metrics.tokenRatio(model);
}

type Fixed = ReturnType<typeof fixedText>;

/** What every model's estimate is made with, and the estimates: whole or in parts, and why not. */
export interface Sizing {
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

/**
 * The estimates for any model here: its window planned by the calibrated count of the inputs, the task and
 * the answer.
 */
export function sizing(
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

/** What the work needs of `m`'s window at any size (fleet/kept-window.ts): whole in it, or split to it by the estimate. */
export function windowWork(s: Sizing, m: Windowed): WindowWork {
  const at = (window: number) => ({ ...m, contextWindow: window });
  return { fits: (w) => s.estimate(at(w)).whole, splits: (w) => s.estimatedWhy(at(w)) === undefined };
}

/** The chosen model's window planned again, the inputs counted as its engine will count them (counterFor). */
export async function countedWindow(s: Sizing, chosen: Ranked, rendered: string) {
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
export type Counted = Awaited<ReturnType<typeof countedWindow>>;

function hostOf(views: readonly HostOverview[], m: Windowed): FleetHost {
  return (views.length > 1 ? views.find((v) => v.host.name === m.host) : undefined)?.host ?? views[0]!.host;
}
