/**
 * Running a split job (offload-plan.ts decided it): the task on every part, then the partial
 * answers combined — in further rounds while they do not fit one prompt. Parts and each round's
 * combinations run at once on every slot of every host that has the model (the route spreads a
 * busy copy's requests to another host's); the first part runs alone, so the model is loaded once.
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
import type { JobParts } from './parts.js';
import type { PhaseBoard, PhaseReporter } from '../progress/progress.js';
import { renderPart, splitInputs, type Part } from '../inputs/split.js';
import { HostError } from '../engines/host-error.js';
import { cancelledText } from '../util/stopping.js';
import { routeAndGenerate, RouteError, type RouteRequest, type RouteResult } from './route.js';
import { ESTIMATE_FILL, EXACT_FILL, FRAMING_TOKENS, leftOutNote } from '../generation/split-plan.js';
import type { SplitPlan } from './offload-plan.js';
import { callOf } from './call-plan.js';
import type { ReusablePart } from '../stores/job-store.js';

/** Where a split job's part answers go as they come: shown as `text`; `reuse` is what a later job of the same call may take instead of asking again. */
export type PartSink = (text: string, reuse?: ReusablePart) => void;
/** Where a split job says how far it is (jobs/job-types.ts JobControl.status). */
export type StatusSink = (update: JobStatusUpdate) => void;

/** A part request's key: its prompt and answer limit — the same part of the same call asks the same (a window that changed, or another task, makes other parts). */
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

/** Runs `n` jobs with at most `width` at once, keeping their order; none starts after a cancel. */
async function pool<T>(
  n: number,
  width: number,
  signal: AbortSignal | undefined,
  job: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      if (signal?.aborted) throw new HostError('aborted', cancelledText('route_and_generate', signal), '');
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, n)) }, worker));
  return out;
}

const labelsOf = (part: Part) =>
  part.pieces
    .map((p) => p.label)
    .filter((l, k, all) => all.indexOf(l) === k)
    .join(', ');

/**
 * A part's request (and a combination's): in text, carrying what the plan kept — the guide it chose,
 * the citations check only with a guide (no citations are held against an answer never asked for
 * them), remembered facts only where they were kept.
 */
export function partRequest(req: RouteRequest, plan: Pick<SplitPlan, 'guide' | 'carry'>): RouteRequest {
  const { format: _format, guide: _guide, check, ...sent } = req;
  return {
    ...sent,
    ...(plan.guide && { guide: plan.guide, ...(check && { check }) }),
    ...(!plan.carry.memory && { useMemory: false }),
  };
}

type Stage = { name: string; total: number; index: string };
type Run = (
  prompt: string,
  label: string,
  stage: Stage,
  maxTokens: number,
  promptTokens?: number,
  asked?: Pick<RouteRequest, 'format' | 'useMemory'>,
) => Promise<RouteResult>;

/**
 * The job's generations on the plan's model: each in its own lane of the progress board, the
 * stage's parts running and done in one line; every result kept (`results`) for the job's sums.
 * `stageDone` starts a stage's count again.
 */
function generations(
  job: JobParts,
  req: RouteRequest,
  plan: SplitPlan,
): { run: Run; results: RouteResult[]; stageDone(): void } {
  const board = req.progress as PhaseBoard | undefined;
  const { model, count } = plan;
  const results: RouteResult[] = [];
  const running = new Set<string>();
  let done = 0;
  const say = (stage: string, total: number) => {
    const now = [...running];
    board?.note(
      `${stage}: ${now.length ? `${now.length === 1 ? 'part' : 'parts'} ${now.join(', ')} of ${total} running, ` : ''}${done} of ${total} done`,
    );
  };
  // parts and partial combinations answer in text; only the last combination, the answer, takes the format
  const textReq = partRequest(req, plan);
  const run: Run = async (prompt, label, stage, maxTokens, promptTokens, asked) => {
    const lane = board?.lane(label);
    running.add(stage.index);
    say(stage.name, stage.total);
    lane?.enter({ kind: 'starting', what: `${label}: ${model}` });
    try {
      // on the plan's model, placement and ranking: the hosts' state read again, nothing ranked or weighed again
      const r = await routeAndGenerate(
        job,
        {
          ...textReq,
          ...asked,
          prompt,
          model,
          ...(plan.why && { chosenBecause: plan.why }),
          maxTokens,
          promptTokens: promptTokens ?? count(prompt),
          ...(lane && { progress: lane as PhaseReporter }),
        },
        { ...plan.planned, again: true },
      );
      results.push(r);
      return r;
    } finally {
      running.delete(stage.index);
      done++;
      lane?.end();
      say(stage.name, stage.total);
    }
  };
  return { run, results, stageDone: () => (done = 0) };
}

/** What a part's prompt asks after the part, and a combination's after the answers it combines. */
const partAsk = (i: number, total: number, task: string) =>
  `\n\nPart ${i + 1} of ${total} of the input. Task: ${task}\n` +
  'Answer from this part only; the answers for all parts will be combined.';
const combineAsk = (total: number, task: string, some: boolean) =>
  `\n\nAbove are ${some ? 'some of ' : ''}the answers for the ${total} parts of a long input. Task: ${task}\n` +
  'Combine them into one answer to the task, as if the whole input had been read at once.';

/**
 * The parts' answers combined, in rounds while they do not fit one prompt; the last combination is
 * the answer itself — as long as asked, within the window, in the format asked, with remembered
 * facts again where they fit beside an answer of a part's size (`factsBack`). `pace` is told each
 * round's prompts as it starts.
 */
async function combineAll(
  job: JobParts,
  req: RouteRequest,
  plan: SplitPlan,
  g: ReturnType<typeof generations>,
  first: Array<{ label: string; text: string }>,
  pace?: SplitPace,
): Promise<{ final: RouteResult; rounds: number; factsBack: boolean }> {
  const { count, width } = plan;
  const total = plan.parts.length;
  const fill = plan.count.source === 'the engine tokenizer' ? EXACT_FILL : ESTIMATE_FILL;
  const memoryBack = (prompt: string) =>
    !plan.carry.memory &&
    plan.memoryTokens > 0 &&
    count(prompt) + plan.overheadTokens + plan.memoryTokens + plan.partAnswerTokens + FRAMING_TOKENS <=
      Math.floor(plan.window * fill);
  const limit = req.maxTokens ?? callOf(job, req).call.answer.tokens; // the call's limit, settled once (call-plan.ts)
  const held = (memory: boolean) => plan.overheadTokens + (memory ? plan.memoryTokens : 0) + FRAMING_TOKENS;
  const room = (prompt: string, memory: boolean) => Math.floor(plan.window * EXACT_FILL) - held(memory) - count(prompt);
  const finalTokens = (p: string, memory: boolean) => Math.max(plan.partAnswerTokens, Math.min(limit, room(p, memory)));
  let answers = first;
  let rounds = 0;
  let factsBack = false;
  for (;;) {
    rounds++;
    g.stageDone();
    const groups = splitInputs(answers, plan.partTokens, count);
    const last = groups.length === 1;
    const combine = (i: number) => `${renderPart(groups[i]!)}${combineAsk(total, req.prompt, groups.length > 1)}`;
    const stage = `combining the answers, round ${rounds}`;
    pace?.round(
      groups.map((_, i) => count(combine(i))),
      last,
    );
    const combined = await pool(groups.length, width, req.signal, (i) => {
      const prompt = combine(i);
      if (!last)
        return g.run(
          prompt,
          `combining ${i + 1} of ${groups.length}`,
          { name: stage, total: groups.length, index: String(i + 1) },
          plan.partAnswerTokens,
        );
      factsBack = memoryBack(prompt);
      return g.run(
        prompt,
        'combining the answers',
        { name: stage, total: 1, index: '1' },
        finalTokens(prompt, factsBack),
        undefined,
        { ...(req.format && { format: req.format }), ...(factsBack && { useMemory: true }) },
      );
    });
    if (combined.length === 1) return { final: combined[0]!, rounds, factsBack };
    answers = combined.map((r, i) => ({ label: `combined answer ${i + 1}`, text: r.text }));
  }
}

/** When the job's whole result is expected, said as each part ends and each combining round starts (where followed). */
function paceOf(job: JobParts, req: RouteRequest, plan: SplitPlan, onStatus?: StatusSink): SplitPace | undefined {
  if (!onStatus) return undefined;
  const total = plan.parts.length;
  const { count } = plan;
  const framing = { part: count(partAsk(0, total, req.prompt)), combine: count(combineAsk(total, req.prompt, false)) };
  return new SplitPace(job, req, plan, framing, onStatus);
}

export async function runSplit(
  job: JobParts,
  req: RouteRequest,
  plan: SplitPlan,
  parts: { onPart?: PartSink; reused?: ReadonlyMap<string, string>; onStatus?: StatusSink } = {},
): Promise<RouteResult & { split: SplitInfo }> {
  const { reused, onStatus, onPart } = parts;
  const started = performance.now();
  const { model, count, width } = plan;
  const g = generations(job, req, plan);
  const total = plan.parts.length;
  // how far it is: its parts in all now, then when its whole result is expected (split-pace.ts)
  onStatus?.({ partsTotal: total });
  const pace = paceOf(job, req, plan, onStatus);
  const partPrompt = (part: Part, i: number) => `${renderPart(part)}${partAsk(i, total, req.prompt)}`;
  // what a part's prompt may count beside the system prompt, remembered facts, template and answer
  const limit = plan.window - plan.overheadTokens - plan.partAnswerTokens - FRAMING_TOKENS;
  /** A part, counted by the engine's tokenizer where it has one: one that would pass the window is cut in two, each half run. */
  const runPart = async (part: Part, i: number, label: string): Promise<Array<{ part: Part; text: string }>> => {
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
      // one after the other, in this part's place in the pool: the job never holds more requests on the model than its slots
      if (halves.length > 1) {
        const out: Array<{ part: Part; text: string }> = [];
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
  const first = await runPart(plan.parts[0]!, 0, `part 1 of ${total}`);
  // its engine refused the first part naming a smaller window than planned for (another model answered it): the job is planned again (window-replan.ts)
  const runsWith = plan.host.engine.runtimeWindow?.(model);
  if (runsWith !== undefined && runsWith < plan.window)
    throw new RouteError(
      `${model} refused part 1 of ${total}: its engine runs it with ${runsWith} tokens, not the ${plan.window} the parts were sized to.`,
      [],
    );
  const rest = await pool(total - 1, width, req.signal, (i) =>
    runPart(plan.parts[i + 1]!, i + 1, `part ${i + 2} of ${total}`),
  );
  const answers = [first, ...rest]
    .flat()
    .map((a, i) => ({ label: `answer for part ${i + 1} (${labelsOf(a.part)})`, text: a.text }));
  const { final, rounds, factsBack } = await combineAll(job, req, plan, g, answers, pace);
  const { results } = g;
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
    reason: `${final.reason} The input (~${plan.inputTokens} tokens, counted by ${plan.count.source}) is longer than ${model}'s usable window (${plan.window} tokens), so it was split into ${total} parts of up to ~${plan.partTokens} tokens, the task run on each, and the answers combined in ${rounds} ${rounds === 1 ? 'round' : 'rounds'} (${results.length} generations).`,
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
