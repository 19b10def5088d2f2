/**
 * compare, for a model whose usable window does not hold the inputs whole: the inputs are split
 * to that model's window and the task run on every part, then the answers combined — as
 * route_and_generate does (offload-plan.ts, split-run.ts) — on that model only, so every model
 * compared reads the whole input.
 */
import type { JobParts } from './parts.js';
import type { InputDoc } from '../inputs/split.js';
import { compareMetrics, ZERO, type CompareEntry, type CompareRequest } from '../generation/compare-parts.js';
import type { RouteRequest } from '../generation/route-types.js';
import { planOffload } from './offload-plan.js';
import { runSplit } from './split-run.js';
import { routeAndGenerate } from './route.js';
import { wholeRequest, withInputs } from './offload.js';

export async function compareSplit(job: JobParts, req: CompareRequest, model: string, docs: readonly InputDoc[], where: { host?: string }): Promise<CompareEntry> {
  const route: RouteRequest = {
    prompt: req.prompt,
    intent: req.prompt, // the inputs' text never decides the work
    model,
    only: true,
    useMemory: false,
    ...(req.system && { system: req.system }),
    ...(req.task && { task: req.task }),
    ...(req.maxTokens !== undefined && { maxTokens: req.maxTokens }),
    ...(req.signal && { signal: req.signal }),
  };
  try {
    const plan = await planOffload(job, route, docs);
    if (plan.kind === 'refuse') return { model, ...where, text: '', error: plan.message, metrics: ZERO };
    if (plan.kind === 'whole') {
      // its usable window holds the inputs after all (counted by its engine's tokenizer): one run, in a lane of its own
      const lane = req.progress?.lane(where.host ? `${model} on ${where.host}` : model);
      try {
        const r = await routeAndGenerate(job, { ...wholeRequest(route, withInputs(req.prompt, docs), plan), ...(lane && { progress: lane }) });
        return { model, ...where, text: r.text, metrics: compareMetrics(0, r.metrics) };
      } finally {
        lane?.end();
      }
    }
    const r = await runSplit(job, { ...route, ...(req.progress && { progress: req.progress }) }, plan.plan);
    return { model, ...where, text: r.text, metrics: compareMetrics(0, r.metrics), split: r.split };
  } catch (err) {
    if (req.signal?.aborted) throw err;
    return { model, ...where, text: '', error: err instanceof Error ? err.message : String(err), metrics: ZERO };
  }
}
