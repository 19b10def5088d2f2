/**
 * Work on inputs read by reference. The files and diffs are put before the task. Before anything
 * is sent, offload-plan.ts decides how it runs: whole, as one route_and_generate, when a model
 * that can take it has a usable window holding it all (trained, memory-bound, or fixed by its
 * engine); otherwise split to the window of the model chosen for the parts — at file, heading,
 * paragraph or line boundaries (inputs/split.ts) — with the task run on every part in parallel and
 * the partial answers combined (split-run.ts). The same on every engine kind; nothing is cut
 * silently. A dry run says which way it would go, into how many parts and rounds, and how long.
 * When an engine refuses a prompt naming a window smaller than the one planned for (a front that
 * runs a model with less than it reports), the job is planned again once for it (window-replan.ts).
 */
import type { JobParts } from '../route/parts.js';
import { planCall, type CallParts } from '../route/call-plan.js';
import type { PhaseBoard } from '../progress/progress.js';
import type { InputDoc } from '../generation/input-doc.js';
import type { GatheredInputs, ReadEntry, SkippedEntry } from '../inputs/types.js';
import { routeAndGenerate, RouteError, type RouteRequest, type RouteResult } from './route.js';
import { planOffload } from '../route/offload-plan.js';
import type { OffloadPlan, SplitPlan } from '../route/offload-types.js';
import { renderInputs } from '../inputs/render-inputs.js';
import { partRequest } from './split-generations.js';
import { routePart } from './part-route.js';
import { runSplit, type PartSink, type SplitInfo, type StatusSink } from './split-run.js';
import type { ReusablePart } from '../stores/job-store.js';
import { replanOnRefusal } from './window-replan.js';
import { checkCitations, CITE_INSTRUCTION, type CitationReport } from '../inputs/citations.js';
import type { TokenCounter } from '../generation/token-count.js';
import { leftOutNote } from '../generation/split-plan.js';
import { aboutSeconds } from '../generation/estimate.js';

/**
 * How to cite, in the fewest words: what parts carry when their window cannot hold CITE_INSTRUCTION
 * (split-plan.ts).
 */
const CITE_SHORT = 'Cite inputs as path:line.';

export interface OffloadRequest extends Omit<RouteRequest, 'progress'> {
  inputs?: GatheredInputs;
  progress?: PhaseBoard;
  /**
   * Each part's answer of a split job, as it comes (a job keeps them: jobs/long-work.ts), with what a later
   * job of the same call may reuse.
   */
  onPart?: PartSink;
  /**
   * Parts answered before by a job of the same call whose server went: by their request's key, the answer
   * (taken, not asked again).
   */
  reused?: ReadonlyMap<string, string>;
  /**
   * How far a split job is: its parts in all, when its whole result is expected (a job shows it:
   * jobs/long-work.ts).
   */
  onStatus?: StatusSink;
  /**
   * Keeps a value for a later job of the same call (the token ratio the input was split by, so it splits at
   * the same places).
   */
  keep?: (value: ReusablePart) => void;
}

export interface OffloadResult extends RouteResult {
  /** What was read on the caller's behalf. */
  inputs?: { read: ReadEntry[]; skipped: SkippedEntry[]; bytes: number; tokens: number };
  /** Set when the input was longer than the window it could run in, and was split (or, in a dry run, would be). */
  split?: SplitInfo;
  /** The answer's path:line citations, each checked against what was read. */
  citations?: CitationReport;
}

/** A kept value's key prefix: the token ratio a split job planned its parts with, by model. */
const RATIO_KEY = 'ratio:';

/** The token ratios an earlier job of the same call planned with, by model: undefined when none was kept. */
function ratiosIn(reused: ReadonlyMap<string, string> | undefined): ReadonlyMap<string, number> | undefined {
  const out = new Map<string, number>();
  for (const [key, value] of reused ?? []) {
    const ratio = Number(value);
    if (key.startsWith(RATIO_KEY) && Number.isFinite(ratio) && ratio > 0) out.set(key.slice(RATIO_KEY.length), ratio);
  }
  return out.size > 0 ? out : undefined;
}

/** The task with its inputs: each input under its name, then the task. */
export function withInputs(prompt: string, docs: readonly InputDoc[]): string {
  return docs.length === 0 ? prompt : `${renderInputs(docs)}\n\nTask: ${prompt}`;
}

/** What was read, as results report it. */
export function readSummary(inputs: GatheredInputs): NonNullable<OffloadResult['inputs']> {
  return { read: inputs.read, skipped: inputs.skipped, bytes: inputs.bytes, tokens: inputs.tokens };
}

export async function offload(shared: JobParts, req: OffloadRequest): Promise<OffloadResult> {
  const { inputs, onPart, reused, keep, onStatus, ...rest } = req;
  const tokenRatios = ratiosIn(reused);
  const images = [...(req.images ?? []), ...(inputs?.images ?? [])];
  // what was read from this machine by path goes to the cloud fallback only where settings allow it
  const byReference = (inputs?.read.length ?? 0) > 0;
  const docs = inputs?.docs ?? [];
  // inputs read by path: the model is asked to cite path:line, and an answer whose citations mostly do not
  // hold goes to the next candidate
  // a diff is checked per file it shows (inputs/diff-lines.ts), by those files' paths
  const read = docs.map((d) =>
    inputs?.read.some((r) => r.kind === 'diff' && r.path === d.label) ? { ...d, kind: 'diff' as const } : d,
  );
  // a dry run plans with the guide too, so it says what a small window would leave out
  const cites =
    docs.length > 0
      ? { guide: CITE_INSTRUCTION, ...(!req.dryRun && { check: (text: string) => unheld(checkCitations(text, read)) }) }
      : {};
  // the work is the caller's prompt: the inputs' text (an error code in a log, a fence in a file) never decides it
  const base: RouteRequest = {
    ...rest,
    ...(tokenRatios && { tokenRatios }),
    ...(images.length && { images }),
    ...(byReference && { inputsByReference: true }),
    ...(docs.length > 0 && { intent: req.prompt }),
    ...cites,
  };
  // settled once for every request of the call: the calling agent's parts, the work, the answer's limit (call-plan.ts)
  const job = planCall(shared, base);
  const info = inputs && readSummary(inputs);
  const run = async (): Promise<OffloadResult> => {
    const plan: OffloadPlan = docs.length ? await planOffload(job, base, docs, CITE_SHORT) : { kind: 'whole' };
    if (plan.kind === 'refuse') throw new RouteError(plan.message, []);
    if (plan.kind === 'whole')
      return routeAndGenerate(job, wholeRequest(base, withInputs(req.prompt, docs), plan), plan.planned);
    if (req.dryRun) return splitDryRun(job, base, plan.plan);
    keep?.({ key: `${RATIO_KEY}${plan.plan.model}`, answer: String(plan.plan.count.ratio) });
    return runSplit(job, plan.reloadsPaid ? { ...base, reloadsPaid: plan.reloadsPaid } : base, plan.plan, {
      ...(onPart && { onPart }),
      ...(reused && { reused }),
      ...(onStatus && { onStatus }),
    });
  };
  // an engine that refused a prompt naming its real window: the inputs are planned again for it, once
  const result = docs.length > 0 && !req.dryRun ? await replanOnRefusal(job, req.signal, run, run) : await run();
  const report = docs.length > 0 && !req.dryRun ? checkCitations(result.text, read) : undefined;
  return {
    ...result,
    ...(info && { inputs: info }),
    ...(report && report.citations.length > 0 && { citations: report }),
  };
}

/**
 * The route of work planned whole: on the model it was counted for, by that count (its engine's tokenizer,
 * where it has one).
 */
export function wholeRequest(
  base: RouteRequest,
  prompt: string,
  plan: { model?: string; count?: TokenCounter; why?: string; reloadsPaid?: RouteRequest['reloadsPaid'] },
): RouteRequest {
  return {
    ...base,
    prompt,
    ...(plan.reloadsPaid && { reloadsPaid: plan.reloadsPaid }),
    ...(plan.model && !base.model && { model: plan.model, ...(plan.why && { chosenBecause: plan.why }) }),
    ...(plan.model && plan.count && { promptTokens: plan.count(prompt) }),
  };
}

/**
 * Why an answer's citations do not hold: most of two or more checked ones are flagged (an unchecked one
 * counts neither way).
 */
export function unheld(r: CitationReport): string | undefined {
  const checked = r.verified + r.flagged;
  if (checked < 2 || r.flagged * 2 <= checked) return undefined;
  const first = r.citations.find((c) => c.verdict === 'flagged');
  return `most of its citations do not hold (${r.summary}; ${first?.why ?? ''})`;
}

/** A dry run of a split job: the route's advice for one part, its time that of the whole plan (plan-estimate.ts). */
async function splitDryRun(job: CallParts, req: RouteRequest, plan: SplitPlan): Promise<OffloadResult> {
  // what a part's request reads on average (the route adds the system prompt it carries)
  const partPrompt = Math.ceil(plan.parts.reduce((n, p) => n + p.tokens, 0) / Math.max(1, plan.parts.length));
  const finalMaxTokens = req.maxTokens ?? job.call.answer.tokens; // the call's limit, as settled
  // the estimate counts each copy's slots at the plan's host's pace (fleet/copies-pace.ts); the text, the requests
  const shape = {
    parts: plan.parts.length,
    width: plan.pacedWidth,
    atOnce: plan.width,
    rounds: plan.rounds,
    finalMaxTokens,
  };
  const asked = {
    ...partRequest(req, plan),
    prompt: req.prompt,
    model: plan.model,
    ...(plan.why && { chosenBecause: plan.why }),
    maxTokens: plan.partAnswerTokens,
    promptTokens: partPrompt,
    plan: shape,
  };
  // the route's own copy left out as too slow: timed at the copy its parts run on (route/split-copies.ts lead)
  const first = plan.ledFrom
    ? await routePart(plan.route, asked, { host: plan.host.name })
    : await routeAndGenerate(job, asked, plan.planned);
  const seconds = first.advice?.expectedSeconds ?? 0;
  const about = first.advice ? aboutSeconds({ seconds, known: first.advice.speedMeasured }) : `about ${seconds} s`;
  const left = leftOutNote(plan, plan.window);
  const line =
    `Split: the input (~${plan.inputTokens} tokens, counted by ${plan.count.source}) is longer ` +
    `than ${plan.model}'s usable window (${plan.window} tokens), so it would be split into ` +
    `${plan.parts.length} parts of up to ~${plan.partTokens} tokens, ` +
    `${plan.width > 1 ? `${plan.width} at a time, ` : ''}the answers combined in ${plan.rounds} ` +
    `${plan.rounds === 1 ? 'round' : 'rounds'} — ${plan.calls} generations, ` +
    `${about.replace(' s (', ' s in all (')}.${left ? ` ${left[0]!.toUpperCase()}${left.slice(1)}.` : ''}`;
  const notes = [...(first.notes ?? []), ...(left ? [`${left}.`] : [])];
  return {
    ...first,
    text: `${first.text}\n${line}`,
    ...(notes.length > 0 && { notes }),
    split: { parts: plan.parts.length, rounds: plan.rounds, calls: plan.calls, contextTokens: plan.window },
  };
}
