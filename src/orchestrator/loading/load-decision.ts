/**
 * A load decision, before anything is done: the model resolved, /api/ps and the host's memory read
 * afresh (Ollama evicts and expires models on its own, and other clients load theirs), the plan
 * made (planner.ts through load-planning.ts), the memory check logged, and the outcome to report.
 * loader.ts carries the plan out, in its queue.
 */
import { engineName } from '../engines/engine.js';
import { type RunningModel } from '../engines/engine-model.js';
import type { CatalogModel } from './model-facts.js';
import type { HostView } from './host-memory.js';
import type { PlanInput } from './plan-types.js';
import { baseContext, contextFor } from './load-context.js';
import { logMemoryCheck, notPlanned, type KeepAlive } from './load-ops.js';
import { planAt, type PlanningParts } from './load-planning.js';
import { loadedStates } from './held-sizes.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import { onSharedRunner } from './shared-weights.js';

/** A plan to carry out, with what it was made from. */
export interface LoadDecision {
  model: CatalogModel;
  keepAlive: KeepAlive;
  pinned: boolean;
  contextLength: number;
  view: HostView;
  plan: ReturnType<typeof planAt>['plan'];
  /** What the planner was given (load-order.ts weighs a load against those waiting before it). */
  input: PlanInput;
  /** The loaded models the plan weighed (the model itself left out when it is reloaded). */
  others: readonly RunningModel[];
  outcome: LoadOutcome;
}

/**
 * The decision for `req`; an outcome alone when there is nothing to carry out (not planned here, refused, a
 * dry run).
 */
export async function decideLoad(
  p: PlanningParts,
  req: LoadRequest,
  keepAliveFor: (name: string) => KeepAlive,
): Promise<LoadDecision | { outcome: LoadOutcome; input?: PlanInput }> {
  const model = await p.catalog.resolve(req.model, req.signal ? { signal: req.signal } : {});
  const keepAlive = keepAliveFor(model.name);
  const pinned = req.pin === true || p.pins.has(model.name);
  const unplanned = notPlanned(p.backend, model, keepAlive);
  if (unplanned) return { outcome: unplanned };
  // a loaded model of its weights is the runner it runs on (shared-weights.ts); what is loaded is read last, freshest
  const installed = model.weights ? (await p.catalog.list(req.signal ? { signal: req.signal } : {})).models : [];
  const { running, shared } = onSharedRunner(model, await p.backend.ps({ signal: req.signal }), installed);
  const view = await p.hostMemory.view(running, { fresh: true });
  const current = running.find((r) => r.name === model.name);
  const base = req.baseContext ?? baseContext(p.settings, view.memory, model);
  // its own window, not the other model's, when they differ: the runner is then reloaded for it
  const loadedAs =
    shared && current?.context_length !== contextFor(model, undefined, req.contextLength, base) ? undefined : current;
  // the user's own window (req.baseContext: options.contextSize) outranks the one it is loaded with
  const explicit = req.baseContext !== undefined;
  const states = await loadedStates(p, running, view);
  const asked = contextFor(model, loadedAs, req.contextLength, base, explicit);
  const at = (ctx: number) => planAt(p, model, running, states, view, ctx);
  // not loaded here, and work planned for it expects a wider window: this load takes that one, where it fits,
  // so that work does not reload it (HostLoads.expectWindow)
  const expected = current === undefined && !req.dryRun ? p.expectedWindow?.(model.name) : undefined;
  const wider = expected !== undefined ? contextFor(model, undefined, expected, base, explicit) : 0;
  const widened = wider > asked ? at(wider) : undefined;
  const [contextLength, planned] = widened && widened.plan.action !== 'refuse' ? [wider, widened] : [asked, at(asked)];
  const { plan, input, reload, others } = planned;
  if (reload && req.keepWindow && plan.action !== 'refuse') {
    const kept = `${model.name} is loaded here with ${current?.context_length ?? 0} tokens, not the ${contextLength} this work takes; it is not reloaded from under whoever uses it.`;
    const refused = { ...plan, action: 'refuse' as const, reason: kept };
    return { outcome: outcomeOf(refused, req, { model: model.name, keepAlive, pinned, contextLength }), input };
  }
  if (reload)
    plan.reason =
      `${plan.reason} The context ${(current?.context_length ?? 0) < contextLength ? 'grows' : 'changes'} from ` +
      `${current?.context_length ?? 0} to ${contextLength} tokens for this work, so ${engineName(p.backend)} reloads it.`;
  if (shared)
    plan.reason =
      `${plan.reason} It shares ${shared}'s weights file, so it runs on that model's runner ` +
      `(reloaded if their settings differ), not beside it.`;
  logMemoryCheck(plan, input.loaded, view.memory, model, req.dryRun ?? false);

  const outcome = outcomeOf(plan, req, { model: model.name, keepAlive, pinned, contextLength });
  if (reload) outcome.contextRaisedFrom = current?.context_length ?? 0;
  if (req.dryRun || plan.action === 'refuse') return { outcome, input };
  return { model, keepAlive, pinned, contextLength, view, plan, input, others, outcome };
}

/** What a load decision answers: the plan's action, figures and reason, with the load's own facts. */
function outcomeOf(
  plan: LoadDecision['plan'],
  req: LoadRequest,
  load: Pick<LoadOutcome, 'model' | 'keepAlive' | 'pinned' | 'contextLength'>,
): LoadOutcome {
  const action =
    plan.action === 'refuse'
      ? 'refused'
      : plan.action === 'already_loaded'
        ? 'already_loaded'
        : req.dryRun
          ? 'would_load'
          : 'loaded';
  const { requiredBytes, availableBytes, reason, fitsInVram } = plan;
  const outcome: LoadOutcome = {
    ...load,
    action,
    unloaded: plan.unload,
    requiredBytes,
    availableBytes,
    reason,
  };
  if (fitsInVram !== undefined) outcome.fitsInVram = fitsInVram;
  if (plan.action === 'refuse') outcome.obtainableBytes = plan.obtainableBytes;
  if (plan.waitFor) outcome.waitFor = plan.waitFor;
  return outcome;
}
