/**
 * Deciding, before anything is sent, how work over inputs read by reference will run: whole, when
 * some model that can take the work has a usable window (trained, memory-bound, or fixed by its
 * engine: fleet/windows.ts) holding the inputs, the task and the answer; otherwise split into
 * parts sized to the window of the model chosen for them (generation/split-plan.ts) — the same
 * way on every engine. Tokens are counted as that model's engine will count them: with its
 * tokenizer where it has one (a sample of the very input), else the estimate corrected by what
 * the engine reported for earlier prompts (generation/token-count.ts).
 */
import type { JobParts } from './parts.js';
import { findModel } from '../models/catalog.js';
import { candidatesOf, reachableHosts, type HostOverview } from '../fleet/placement.js';
import { withUsableWindows, type Windowed } from '../fleet/windows.js';
import { classify, estimateTokens } from '../generation/classify.js';
import { answerReserve } from '../generation/context-need.js';
import { selectModel, TASK_PROFILE } from '../generation/router.js';
import { combineRounds, planWindow } from '../generation/split-plan.js';
import { sampleOf, tokenCounter, type TokenCounter } from '../generation/token-count.js';
import { renderPart, splitInputs, type InputDoc, type Part } from '../inputs/split.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { engineTokens, type EngineTokens } from './engine-tokens.js';

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
  count: TokenCounter;
  /** The engine's own count of a part's prompt, for this job (undefined: none, or it failed). */
  tokens: EngineTokens;
  /** The inputs whole, as counted. */
  inputTokens: number;
  /** What each request carries besides its part: system and project prompts, remembered facts. */
  overheadTokens: number;
}

/** Whole: on `model` when the inputs were counted for it (by `count`: the route checks its window by that count). */
export type OffloadPlan = { kind: 'whole'; model?: string; count?: TokenCounter } | { kind: 'split'; plan: SplitPlan } | { kind: 'refuse'; message: string };

/** Inputs whole, each under its name in a fence (as a part of a split input reads). */
export function renderInputs(docs: readonly InputDoc[]): string {
  return renderPart({ pieces: docs.map((d) => ({ label: d.label, text: d.text, lines: [1, d.text.split('\n').length] as [number, number] })) });
}

/** The tokens every request of the job carries besides the inputs: system, project prompt, how to cite, remembered facts, task. */
function fixedText(job: JobParts, req: RouteRequest): { text: string; memoryTokens: number } {
  return { text: [job.project?.systemPrompt, req.system, req.guide, req.prompt].filter(Boolean).join('\n'), memoryTokens: req.useMemory === false || !job.memory ? 0 : job.settings.memory.promptBudgetTokens };
}

/** The model the parts go to: the router's order for the work, passing over a window under half the widest. */
function splitModel(req: RouteRequest, models: Array<Windowed>, job: JobParts): Windowed | undefined {
  if (req.model) return findModel(models, req.model);
  const task = req.images?.length ? 'vision' : (req.task ?? classify({ prompt: req.prompt }).task);
  const profile = req.images?.length ? 'vision' : (req.profile ?? TASK_PROFILE[task]);
  const ranked = selectModel({ task, profile, images: (req.images?.length ?? 0) > 0, contextTokens: 1 }, models.filter((m) => !m.cloud && m.contextWindow > 0), job.routing())?.ranked ?? [];
  const found = ranked.map((r) => models.find((m) => m.name === r.model && m.host === r.host) ?? findModel(models, r.model)).filter((m): m is Windowed => m !== undefined);
  const widest = Math.max(0, ...found.map((m) => m.contextWindow));
  return found.find((m) => m.contextWindow * 2 >= widest);
}

/**
 * Counts for `model`: its engine's tokenizer on a sample of the inputs, when it has one and the
 * model is loaded (never in a dry run); else — and when the tokenizer fails — the calibrated estimate.
 */
async function counterFor(job: JobParts, host: FleetHost, model: string, window: number, sample: string, req: RouteRequest, tokens: EngineTokens): Promise<TokenCounter> {
  const calibrated = tokenCounter(job.records.metrics.tokenRatio(model));
  if (!host.engine.can.tokenize || req.dryRun) return calibrated;
  // the model the parts go to is loaded now (through the planner): its tokenizer counts as its engine will
  const loaded = await host.loader.ensureLoaded({ model, contextLength: window, ...(req.signal && { signal: req.signal }), ...(req.progress && { progress: req.progress }) });
  if (loaded.action === 'refused') return calibrated;
  const counted = await tokens(sample, req.signal);
  const estimated = estimateTokens(sample);
  return counted && estimated > 0 ? tokenCounter((counted / estimated) * 1.02, 'the engine tokenizer') : calibrated;
}

export async function planOffload(job: JobParts, req: RouteRequest, docs: readonly InputDoc[]): Promise<OffloadPlan> {
  const views = await reachableHosts(job.fleet.hosts, job.fleet.hostCooldown, [], req.signal);
  if (views.length === 0) return { kind: 'whole' }; // the route says what is down, or asks the fallback
  const models = await withUsableWindows(views, candidatesOf(views).filter((m) => m.fits && m.capabilities.includes('completion')), req.signal);
  const rendered = renderInputs(docs);
  const inputEstimate = estimateTokens(rendered);
  const fixed = fixedText(job, req);
  const fixedEstimate = estimateTokens(fixed.text) + fixed.memoryTokens;
  const answerTokens = answerReserve(req.maxTokens, job.settings.options.maxTokens);
  const ratioOf = (m: string) => job.records.metrics.tokenRatio(m) ?? 1;
  // whole, when a model that can take it holds it (the route chooses among those)
  const fitsWhole = (m: Windowed) => planWindow({ window: m.contextWindow, fixedTokens: Math.ceil(fixedEstimate * ratioOf(m.name)), answerTokens, inputTokens: Math.ceil(inputEstimate * ratioOf(m.name)) }).whole;
  const chosen = splitModel(req, models, job);
  // the model named holds it by its calibrated count: the route checks its window by that count too
  if (chosen && req.model && fitsWhole(chosen)) return { kind: 'whole', model: chosen.name, count: tokenCounter(job.records.metrics.tokenRatio(chosen.name)) };
  if (!chosen || (!req.model && models.some((m) => !m.cloud && fitsWhole(m)))) return { kind: 'whole' };

  const host = hostOf(views, chosen);
  const tokens = engineTokens(host.engine, chosen.name);
  const count = await counterFor(job, host, chosen.name, chosen.contextWindow, sampleOf(rendered), req, tokens);
  const exact = count.source === 'the engine tokenizer';
  const inputTokens = Math.ceil(inputEstimate * count.ratio);
  const fixedTokens = count(fixed.text) + Math.ceil(fixed.memoryTokens * count.ratio);
  const window = planWindow({ window: chosen.contextWindow, fixedTokens, answerTokens, inputTokens, exact }, req.maxTokens);
  if (window.whole) return { kind: 'whole', model: chosen.name, count };
  const where = chosen.trainedWindow > chosen.contextWindow ? ` (trained for ${chosen.trainedWindow}; its host's memory holds ${chosen.contextWindow} now)` : '';
  if ('impossible' in window) {
    return { kind: 'refuse', message: `The input (~${inputTokens} tokens) is longer than ${chosen.name}'s window, and even split into parts it cannot fit: ${window.impossible}${where} — shorten the task, lower maxTokens, use useMemory: false, or use a model with a larger window.` };
  }
  const parts = splitInputs(docs, window.partTokens, count);
  const maxParts = job.settings.inputs.maxParts;
  if (parts.length > maxParts) {
    return { kind: 'refuse', message: `The input (~${inputTokens} tokens) would need ${parts.length} parts of ~${window.partTokens} tokens for ${chosen.name}'s ${chosen.contextWindow}-token window${where}, more than inputs.maxParts (${maxParts}) — name fewer files, or raise inputs.maxParts.` };
  }
  const { rounds, calls } = combineRounds(parts.length, window.partAnswerTokens, window.partTokens);
  const holders = views.filter((v) => v.overview.models.some((m) => m.name === chosen.name));
  const width = holders.reduce((s, v) => s + Math.max(1, v.overview.ram.host.numParallel || v.host.settings.ollama.numParallel), 0);
  return { kind: 'split', plan: { model: chosen.name, host, window: chosen.contextWindow, parts, partTokens: window.partTokens, partAnswerTokens: window.partAnswerTokens, rounds, calls, width, count, tokens, inputTokens, overheadTokens: fixedTokens - count(req.prompt) } };
}

function hostOf(views: readonly HostOverview[], m: Windowed): FleetHost {
  return (views.length > 1 ? views.find((v) => v.host.name === m.host) : undefined)?.host ?? views[0]!.host;
}
