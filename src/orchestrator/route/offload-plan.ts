/**
 * Deciding, before anything is sent, how work over inputs read by reference will run: whole, when
 * a model the route would give the work has a usable window (trained, memory-bound, or fixed by
 * its engine: fleet/windows.ts) holding the inputs, the task and the answer; otherwise split into
 * parts sized to the window of the model chosen for them (generation/split-plan.ts) — chosen the
 * way the route chooses (work.ts: the work's profile, its fallback chain, then any text model that
 * fits), so a job some model here can do in parts is done in parts, the same way on every engine.
 * When none can, whole or split, the refusal names every model here and why, and the hosts down. Tokens are
 * counted as that model's engine will count them: with its
 * tokenizer where it has one (a sample of the very input), else the estimate corrected by what
 * the engine reported for earlier prompts (generation/token-count.ts). How each model would hold
 * the work is offload-sizing.ts; the parts' model and their plan, offload-split.ts; the plan's shape,
 * offload-types.ts.
 */
import type { JobParts } from './parts.js';
import { callOf } from './call-plan.js';
import { estimateTokens } from '../generation/classify.js';
import { tokenCounter } from '../generation/token-count.js';
import { renderInputs } from '../inputs/render-inputs.js';
import type { InputDoc } from '../generation/input-doc.js';
import type { RouteRequest } from '../generation/route-types.js';
import { placeRequest } from '../fleet/placed.js';
import type { Planned } from './route-plan.js';
import { chosenWhy, NEXT, routeOrder, whyEach, type Here } from './offload-order.js';
import { fixedText, ratioFor, sizing, windowWork } from './offload-sizing.js';
import { keptWindows } from '../fleet/kept-window.js';
import { windowSeconds, withReloadCost } from './window-cost.js';
import { chosenPlan, splitChoice } from './offload-split.js';
import type { OffloadPlan } from './offload-types.js';

type Docs = readonly InputDoc[];

/** `short`: a shorter form of req.guide, for parts whose window cannot hold the whole guide. */
export async function planOffload(from: JobParts, req: RouteRequest, docs: Docs, short?: string): Promise<OffloadPlan> {
  const job = callOf(from, req); // the call's parts as it settled them (call-plan.ts), or settled now
  const placement = await placeRequest(job, req);
  const { views, down, listed } = placement;
  // the route says what is down, or asks the fallback
  if (views.length === 0) return { kind: 'whole', planned: { placement } };
  const rendered = renderInputs(docs);
  const inputEstimate = estimateTokens(rendered);
  const s = sizing(job, req, views, fixedText(job, req, short), inputEstimate);
  // a loaded copy keeps its window: the work whole in it, else split to it; wider (a reload) only when neither
  // (or reloaded when nothing uses it and splitting to its window would take longer than the reload: window-cost.ts)
  const all = keptWindows(
    (await placement.windowed()).map((m) => withReloadCost(s, m)),
    (m) => ({ ...windowWork(s, m), seconds: (w: number) => windowSeconds(s, m, w) }),
    job.settings.options.contextSize,
  );
  const models = all.filter((m) => m.fits && m.capabilities.includes('completion'));
  // the reloads chosen by their cost, said in the result of the request that reloads
  const reloadsPaid = all.flatMap((m) => (m.paid ? [{ model: m.name, from: m.reloadFrom ?? 0, ...m.paid }] : []));
  const paid = reloadsPaid.length > 0 ? { reloadsPaid } : {};
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
      ...paid,
    };
  if (!req.model && order.some((m) => estimate(m).whole)) return { kind: 'whole', planned: decided, ...paid };
  const here: Here = { views, listed, order, profile, down };
  const { chosen, limited, planned } = splitChoice(s, order, task);
  if (!chosen)
    return {
      kind: 'refuse',
      message:
        `No local model can run this input (~${inputEstimate} tokens, estimated), whole or split — ` +
        `${whyEach(job, req, here, estimatedWhy)}. Next: ${NEXT}.`,
    };
  // the chosen model cannot after all (counted by its tokenizer): the others are said too, unless the caller named it
  const nor = () =>
    req.model ? '' : ` The other models here: ${whyEach(job, req, here, estimatedWhy, chosen) || 'none'}.`;
  const why = req.model
    ? {}
    : {
        why: limited
          ? `${chosenWhy(chosen, order, estimatedWhy, planned)}; ${limited.why}`
          : chosenWhy(chosen, order, estimatedWhy),
      };
  const plan = await chosenPlan(s, chosen, rendered, docs, nor, why, decided);
  // split for a copy nothing loads yet: its next load takes the window the parts were sized to, whoever asks for it
  // first (a quick question beside this job), so the parts do not reload it (fleet/kept-window.ts)
  // — and so does each copy the job loads beside it (split-copies.ts), whoever asks for it first there
  if (plan.kind === 'split' && !req.dryRun) {
    const { model, window, copies } = plan.plan;
    if (chosen.loadedWindow === undefined) plan.plan.host.loader.expectWindow(model, window);
    for (const c of copies)
      if (c.load) views.find((v) => v.host.name === c.host)?.host.loader.expectWindow(model, window);
  }
  return plan.kind === 'refuse' ? plan : { ...plan, ...paid };
}
