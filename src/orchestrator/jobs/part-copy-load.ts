/**
 * The copies a split job's plan loads (fleet/parts-copies.ts: a load that takes less than the parts'
 * wait), loaded as the job starts, beside its first part: each through its host's loader, as a
 * candidate's load is (route-load.ts; a copy for a job unloads nothing the plan did not see room
 * for: the loader plans it), at the window the parts were sized to. One loaded is an extra copy
 * (fleet/extra-copies.ts, released once idle) beside the plan's own; it takes parts once loaded
 * (part-slots.ts), one refused or failed takes none. Never awaited by the job: a part waits for a
 * slot, not for a load.
 */
import type { SplitPlan } from '../route/offload-types.js';
import { loadCandidate } from './route-load.js';
import type { PartSlots } from './part-slots.js';

/** Starts the loads of the copies `slots` waits for; each tells `slots` when it ends. */
export function loadPlannedCopies(
  plan: Pick<SplitPlan, 'model' | 'window' | 'route' | 'copies'>,
  slots: PartSlots,
  signal: AbortSignal | undefined,
): void {
  const { views } = plan.route.placement;
  const of = plan.copies[0]?.host ?? '';
  for (const copy of slots.toLoad()) {
    const view = views.find((v) => v.host.name === copy.host);
    if (!view) {
      slots.loaded(copy.host, false);
      continue;
    }
    const load = loadCandidate(view.host, {
      model: plan.model,
      contextLength: plan.window,
      // loaded meanwhile with another window (another's load): no parts there, and no reload — but the one the plan
      // chose to reload (loaded with a smaller window, nothing else using it: fleet/parts-copies.ts)
      keepWindow: copy.load?.reloadFrom === undefined,
      ...(signal && { signal }),
    });
    void load.then(
      (outcome) => {
        const ok = outcome.action !== 'refused';
        // a copy reloaded wider stays the copy it was (not an extra one, released once idle)
        if (outcome.action === 'loaded' && copy.load && copy.load.reloadFrom === undefined) {
          const wait = copy.load.waitMs === undefined ? '' : ` (~${Math.round(copy.load.waitMs / 1000)} s)`;
          plan.route.parts.fleet.extraCopies?.made(
            plan.model,
            copy.host,
            of,
            `a split job's parts: loading it (~${Math.round(copy.load.ms / 1000)} s) took less than their wait${wait}`,
          );
        }
        slots.loaded(copy.host, ok);
      },
      () => slots.loaded(copy.host, false),
    );
  }
}
