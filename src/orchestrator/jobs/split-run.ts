/**
 * Running a split job (offload-plan.ts decided it): the task on every part, then the partial
 * answers combined — in further rounds while they do not fit one prompt. Parts and each round's
 * combinations run at once on every slot of every host that has the model (the route spreads a
 * busy copy's requests to another host's); the first part runs alone only while the engine has not said the window
 * it runs the model with (route/first-part.ts): a model loading takes every part at once, its loader loading it once.
 * A job never holds more requests at once than those slots — a part cut in two runs its halves
 * one after the other — so another client's call on the same model waits at most one generation.
 * Where the engine has a tokenizer, each part is counted by it before it is sent, and one that
 * would not fit is cut in two: no request exceeds its window. Progress names the parts ("part 7
 * of 31"); a cancel stops every part in flight and starts no other. What a small window left out
 * of the parts (remembered facts, the citation guide: offload-plan.ts) is left out of every request
 * of the job — the citations check goes with the guide — save remembered facts, which the final
 * combination takes back when it has room; the result's notes say what was left out.
 */
import { SplitPace } from './split-pace.js';
import type { JobStatusUpdate } from './job-types.js';
import { createHash } from 'node:crypto';
import type { JobParts } from '../route/parts.js';
import { partOverhead, renderPart, splitInputs, type Part } from '../inputs/split.js';
import { RouteError, type RouteRequest, type RouteResult } from './route.js';
import { FRAMING_TOKENS, leftOutNote } from '../generation/split-plan.js';
import type { SplitPlan } from '../route/offload-types.js';
import { generations, pool } from './split-generations.js';
import { combineAll, combineAsk, partAsk } from './split-combine.js';
import type { ReusablePart } from '../stores/job-store.js';
import { clientOf } from '../fleet/slots-of.js';
import { reloadPaidWhy } from '../fleet/kept-window.js';
import { isModel } from '../engines/model-names.js';

/**
 * Where a split job's part answers go as they come: shown as `text`; `reuse` is what a later job of the same
 * call may take instead of asking again.
 */
export type PartSink = (text: string, reuse?: ReusablePart) => void;
/** Where a split job says how far it is (jobs/job-types.ts JobControl.status). */
export type StatusSink = (update: JobStatusUpdate) => void;

/**
 * A part request's key: its prompt and answer limit — the same part of the same call asks the same (a window
 * that changed, or another task, makes other parts).
 */
function partKey(prompt: string, maxTokens: number): string {
  return createHash('sha256').update(prompt).update(`\0${maxTokens}`).digest('hex').slice(0, 32);
}

export interface SplitInfo {
  /** Parts the input was split into. */
  parts: number;
  /** Rounds of combining the partial answers. */
  rounds: number;
  /** Generations in all: one per part, then the combining ones. */
  calls: number;
  /** The window of the model the parts were sized to. */
  contextTokens: number;
}

const labelsOf = (part: Part) =>
  part.pieces
    .map((p) => p.label)
    .filter((l, k, all) => all.indexOf(l) === k)
    .join(', ');

/**
 * When the job's whole result is expected, said as each part ends and each combining round starts (where
 * followed); `mark` marks its requests.
 */
function paceOf(req: RouteRequest, plan: SplitPlan, mark: object, onStatus?: StatusSink): SplitPace | undefined {
  if (!onStatus) return undefined;
  const total = plan.parts.length;
  const { count } = plan;
  const framing = {
    part: count(partAsk(0, total, req.prompt)),
    combine: count(combineAsk(total, req.prompt, false)),
    // each answer as a combination frames it (the largest part number, the first part's files)
    answer: count(
      partOverhead(`answer for part ${total} (${plan.parts[0] ? labelsOf(plan.parts[0]) : ''})`, '', false),
    ),
  };
  return new SplitPace(plan, framing, onStatus, { mark, client: clientOf(req) });
}

type PartAnswer = { part: Part; text: string };
type SplitSinks = { onPart?: PartSink; reused?: ReadonlyMap<string, string>; onStatus?: StatusSink };

/**
 * A part, counted by the engine's tokenizer where it has one: one that would pass the window is cut in two,
 * each half run.
 */
function partRunner(
  req: RouteRequest,
  plan: SplitPlan,
  g: ReturnType<typeof generations>,
  pace: SplitPace | undefined,
  { reused, onPart }: SplitSinks,
): (part: Part, i: number, label: string) => Promise<PartAnswer[]> {
  const { count } = plan;
  const total = plan.parts.length;
  const partPrompt = (part: Part, i: number) => `${renderPart(part)}${partAsk(i, total, req.prompt)}`;
  // what a part's prompt may count beside the system prompt, remembered facts, template and answer
  const limit = plan.window - plan.overheadTokens - plan.partAnswerTokens - FRAMING_TOKENS;
  const runPart = async (part: Part, i: number, label: string): Promise<PartAnswer[]> => {
    const prompt = partPrompt(part, i);
    const key = partKey(prompt, plan.partAnswerTokens);
    // answered by a job of the same call before its server went: taken up, not asked again
    const known = reused?.get(key);
    if (known !== undefined) {
      onPart?.(`${labelsOf(part)}: ${known}`, { key, answer: known });
      pace?.answered(i, { tokens: count(known) }); // not timed: the pace is that of the parts asked of the engine
      return [{ part, text: known }];
    }
    const exact = await plan.tokens(prompt, req.signal);
    if (exact !== undefined && exact > limit && part.pieces.length > 0) {
      const halves = splitInputs(
        part.pieces.map((p) => ({ label: p.label, text: p.text })),
        Math.max(64, Math.floor(part.tokens / 2)),
        count,
      );
      // one after the other, in this part's place in the pool: the job never holds more requests on the model
      // than its slots
      if (halves.length > 1) {
        const out: PartAnswer[] = [];
        for (const [k, h] of halves.entries()) out.push(...(await runPart(h, i, `${label} (half ${k + 1})`)));
        return out;
      }
    }
    const counted = exact ?? count(prompt);
    pace?.started(i, counted);
    const stage = { name: 'reading the input in parts', total, index: String(i + 1) };
    const r = await g.run(prompt, label, stage, plan.partAnswerTokens, counted);
    onPart?.(`${labelsOf(part)}: ${r.text}`, { key, answer: r.text });
    pace?.answered(i, r);
    return [{ part, text: r.text }];
  };
  return runPart;
}

/**
 * Its engine refused the first part naming a smaller window than planned for (another model answered it): the
 * job is planned again (window-replan.ts).
 */
function checkRuntimeWindow(plan: SplitPlan, total: number): void {
  const { model } = plan;
  const runsWith = plan.host.engine.runtimeWindow?.(model);
  if (runsWith !== undefined && runsWith < plan.window)
    throw new RouteError(
      `${model} refused part 1 of ${total}: its engine runs it with ${runsWith} tokens, not the ` +
        `${plan.window} the parts were sized to.`,
      [],
    );
}

/**
 * The job's result: the final combination's, with what was left out noted, the reason told, and the sums of
 * all its generations.
 */
function splitResult(
  plan: SplitPlan,
  combined: { final: RouteResult; rounds: number; factsBack: boolean },
  results: RouteResult[],
  started: number,
  reloadsPaid: RouteRequest['reloadsPaid'],
): RouteResult & { split: SplitInfo } {
  const { final, rounds, factsBack } = combined;
  const { model } = plan;
  const total = plan.parts.length;
  const sum = (k: 'promptTokens' | 'outputTokens' | 'loadMs' | 'queueMs') =>
    results.reduce((s, r) => s + r.metrics[k], 0);
  const left = leftOutNote(plan, plan.window);
  const notes = [
    ...(final.notes ?? []),
    ...(left ? [`${left}${factsBack ? ' (remembered facts kept in the final combination)' : ''}.`] : []),
  ];
  return {
    ...final,
    ...(notes.length > 0 && { notes }),
    reason:
      `${final.reason} The input (~${plan.inputTokens} tokens, counted by ${plan.count.source}) ` +
      `is longer than ${model}'s usable window (${plan.window} tokens), so it was split into ` +
      `${total} parts of up to ~${plan.partTokens} tokens, the task run on each, and the answers ` +
      `combined in ${rounds} ${rounds === 1 ? 'round' : 'rounds'} (${results.length} ` +
      `generations).${paidWhy(model, plan.window, reloadsPaid)}`,
    fallbacks: results.flatMap((r) => r.fallbacks),
    metrics: {
      ...final.metrics,
      totalMs: Math.round(performance.now() - started),
      promptTokens: sum('promptTokens'),
      outputTokens: sum('outputTokens'),
      loadMs: sum('loadMs'),
      queueMs: sum('queueMs'),
    },
    split: { parts: total, rounds, calls: results.length, contextTokens: plan.window },
  };
}

/** The reload the plan chose by its cost (fleet/kept-window.ts), said: " It reloaded …"; else nothing. */
function paidWhy(model: string, window: number, reloadsPaid: RouteRequest['reloadsPaid']): string {
  const paid = reloadsPaid?.find((p) => isModel(p.model, model));
  return paid ? ` It ${reloadPaidWhy(model, { from: paid.from, to: window, paid })}.` : '';
}

export async function runSplit(
  job: JobParts,
  req: RouteRequest,
  plan: SplitPlan,
  parts: SplitSinks = {},
): Promise<RouteResult & { split: SplitInfo }> {
  const { onStatus } = parts;
  const started = performance.now();
  const { width } = plan;
  // the job's requests, told from others' on the model by its estimate
  const mark = {};
  const g = generations(req, plan, mark);
  try {
    const total = plan.parts.length;
    // how far it is: its parts in all now, then when its whole result is expected (split-pace.ts)
    onStatus?.({ partsTotal: total });
    const pace = paceOf(req, plan, mark, onStatus);
    pace?.begin(); // the plan's estimate until a part is timed
    const runPart = partRunner(req, plan, g, pace, parts);
    // part 1 first when it learns the engine's window (route/first-part.ts), else every part at once
    const first = plan.firstAlone ? [await runPart(plan.parts[0]!, 0, `part 1 of ${total}`)] : [];
    if (plan.firstAlone) checkRuntimeWindow(plan, total);
    const from = first.length;
    const rest = await pool(total - from, width, req.signal, (i) =>
      runPart(plan.parts[i + from]!, i + from, `part ${i + from + 1} of ${total}`),
    );
    const answers = [...first, ...rest]
      .flat()
      .map((a, i) => ({ label: `answer for part ${i + 1} (${labelsOf(a.part)})`, text: a.text }));
    const combined = await combineAll(job, req, plan, g, answers, pace);
    return splitResult(plan, combined, g.results, started, req.reloadsPaid);
  } finally {
    g.end(); // nothing of it left to begin, however it ended
  }
}
