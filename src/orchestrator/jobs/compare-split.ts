/**
 * compare, for a model whose usable window does not hold the inputs whole: the inputs are split
 * to that model's window and the task run on every part, then the answers combined — as
 * route_and_generate does (offload-plan.ts, split-run.ts) — on that model only, so every model
 * compared reads the whole input. An answer is shown under a model's name only when that model
 * gave it: one from another model or the cloud fallback is that model's failure.
 */
import type { JobParts } from '../route/parts.js';
import type { InputDoc } from '../generation/input-doc.js';
import { compareMetrics, ZERO, type CompareEntry, type CompareRequest } from '../generation/compare-parts.js';
import type { RouteRequest, RouteResult } from '../generation/route-types.js';
import { planOffload } from '../route/offload-plan.js';
import { callOf } from '../route/call-plan.js';
import { runSplit } from './split-run.js';
import { routeAndGenerate } from './route.js';
import { wholeRequest, withInputs } from './offload.js';

/** Why `r` is not `model`'s own answer (another model's, or the cloud fallback's), or undefined. */
function notItsAnswer(model: string, r: Pick<RouteResult, 'model' | 'provider'>): string | undefined {
  if (r.provider === 'fallback')
    return (
      `${model} did not answer: the answer came from the cloud fallback (${r.model}), so it is ` +
      `not shown as ${model}'s`
    );
  if (r.model !== model)
    return `${model} did not answer: the answer came from ${r.model}, so it is not shown as ${model}'s`;
  return undefined;
}

export async function compareSplit(
  parts: JobParts,
  req: CompareRequest,
  model: string,
  docs: readonly InputDoc[],
  where: { host?: string },
): Promise<CompareEntry> {
  const route: RouteRequest = {
    prompt: req.prompt,
    intent: req.prompt, // the inputs' text never decides the work
    model,
    only: true,
    useMemory: false,
    ...(req.system && { system: req.system }),
    ...(req.task && { task: req.task }),
    ...(req.maxTokens !== undefined && { maxTokens: req.maxTokens }),
    ...(req.format && { format: req.format }),
    ...(req.signal && { signal: req.signal }),
  };
  const job = callOf(parts, route); // this model's run settled once: its plan, its parts and the route read it
  try {
    const plan = await planOffload(job, route, docs);
    if (plan.kind === 'refuse') return { model, ...where, text: '', error: plan.message, metrics: ZERO };
    if (plan.kind === 'whole') {
      // its usable window holds the inputs after all (counted by its engine's tokenizer): one run, in a lane of its own
      const lane = req.progress?.lane(where.host ? `${model} on ${where.host}` : model);
      try {
        const r = await routeAndGenerate(
          job,
          { ...wholeRequest(route, withInputs(req.prompt, docs), plan), ...(lane && { progress: lane }) },
          plan.planned,
        );
        const wrong = notItsAnswer(model, r);
        if (wrong) return { model, ...where, text: '', error: wrong, metrics: ZERO };
        return {
          model,
          ...where,
          text: r.text,
          metrics: compareMetrics(0, r.metrics),
          ...(r.json !== undefined && { json: r.json }),
        };
      } finally {
        lane?.end();
      }
    }
    const r = await runSplit(job, { ...route, ...(req.progress && { progress: req.progress }) }, plan.plan);
    const wrong = notItsAnswer(model, r);
    if (wrong) return { model, ...where, text: '', error: wrong, metrics: ZERO };
    return {
      model,
      ...where,
      text: r.text,
      metrics: compareMetrics(0, r.metrics),
      split: r.split,
      ...(r.json !== undefined && { json: r.json }),
    };
  } catch (err) {
    if (req.signal?.aborted) throw err;
    return { model, ...where, text: '', error: err instanceof Error ? err.message : String(err), metrics: ZERO };
  }
}
