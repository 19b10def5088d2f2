/**
 * A split job's generations (split-run.ts): the pool that runs them at most a width at once, and
 * each part's or combination's request on the plan's model, in its own lane of the progress board.
 */
import type { PhaseBoard, PhaseReporter } from '../progress/progress.js';
import { HostError } from '../engines/host-error.js';
import { cancelledText } from '../util/stopping.js';
import type { RouteRequest, RouteResult } from './route.js';
import { routePart } from './part-route.js';
import { PartSlots } from './part-slots.js';
import { loadPlannedCopies } from './part-copy-load.js';
import { jobBacklog } from './split-backlog.js';
import type { SplitPlan } from '../route/offload-types.js';

/** Runs `n` jobs with at most `width` at once, keeping their order; none starts after a cancel. */
export async function pool<T>(
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

/**
 * A stage of the job: its name and count for the progress board; `combine` for a combining round's requests,
 * `final` for the last one's (the job's answer); `wide`: a combination sized past the parts' window, the window
 * a copy needs to take it (route/combine-window.ts).
 */
type Stage = { name: string; total: number; index: string; combine?: true; final?: true; wide?: number };
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
 * `stageDone` starts a stage's count again. Each request is marked the job's (`mark`), so its
 * estimate tells them from others' on the model (split-pace.ts). Each part waits for a slot of the
 * job's on a copy the plan chose, serving now — the copies it loads loading as the job starts
 * (part-copy-load.ts) —, a combination goes to the copy that answered most parts (part-slots.ts).
 */
export function generations(
  req: RouteRequest,
  plan: SplitPlan,
  mark: object = {},
): { run: Run; results: RouteResult[]; stageDone(): void; end(): void } {
  const board = req.progress as PhaseBoard | undefined;
  const { model, count } = plan;
  const results: RouteResult[] = [];
  const running = new Set<string>();
  let done = 0;
  const say = (stage: string, total: number) => {
    const now = [...running];
    board?.note(
      `${stage}: ` +
        `${now.length ? `${now.length === 1 ? 'part' : 'parts'} ${now.join(', ')} of ${total} running, ` : ''}${done} ` +
        `of ${total} done`,
    );
  };
  // parts and partial combinations answer in text; only the last combination, the answer, takes the format
  const textReq = partRequest(req, plan);
  const slots = new PartSlots(
    plan.copies,
    (host) => {
      const view = plan.route.placement.views.find((v) => v.host.name === host);
      return view ? view.host.loader.requestsOn(model) : 0;
    },
    // a copy left out as too slow: the job's requests keep to the plan's, even one
    plan.slowLeft !== undefined,
  );
  // the copies the plan loads, loading beside the first part: each takes parts once loaded
  loadPlannedCopies(plan, slots, req.signal);
  // its parts left to begin, counted by another job planned on these copies meanwhile
  const backlog = jobBacklog(plan);
  const run: Run = async (prompt, label, stage, maxTokens, promptTokens, asked) => {
    const lane = board?.lane(label);
    running.add(stage.index);
    say(stage.name, stage.total);
    lane?.enter({ kind: 'starting', what: `${label}: ${model}` });
    const place = stage.combine ? undefined : await slots.take();
    if (!stage.combine) backlog.begun();
    let answeredOn: string | undefined;
    try {
      // on the route the plan carries (part-route.ts): its text filled in, on the copy the plan gave it while that
      // has room, else chosen from the hosts' state now; nothing ranked or weighed again
      const r = await routePart(
        plan.route,
        {
          ...textReq,
          ...asked,
          prompt,
          model,
          ...(plan.why && { chosenBecause: plan.why }),
          maxTokens,
          promptTokens: promptTokens ?? count(prompt),
          partOf: mark,
          // the last combination is the task's answer; a part's and an earlier combination's lengths are learned apart
          ...(!stage.final && { answerKind: stage.combine ? ('combination' as const) : ('part' as const) }),
          ...(lane && { progress: lane as PhaseReporter }),
        },
        place ?? (stage.combine ? slots.combineOn(stage.wide) : undefined),
      );
      answeredOn = r.host;
      results.push(r);
      return r;
    } finally {
      if (!stage.combine) slots.release(place, answeredOn);
      running.delete(stage.index);
      done++;
      lane?.end();
      say(stage.name, stage.total);
    }
  };
  return { run, results, stageDone: () => (done = 0), end: backlog.end };
}
