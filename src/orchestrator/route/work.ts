/**
 * What work a request is and which models the route gives it, in the route's order — decided once
 * here for route_and_generate and for the split planner (offload-plan.ts), so a long input is
 * split to a model the route itself would choose: the work's profile (a project's default profile
 * for work of its kind), its fallback chain, then — for work over inputs read by path — any text
 * model that fits (generation/router.ts).
 */
import type { JobParts } from './parts.js';
import type { ProfileName, TaskType } from '../config/profiles.js';
import { classify, inferComplexity, type Complexity } from '../generation/classify.js';
import { defaultProfileFor } from '../generation/default-profile.js';
import { selectModel } from '../generation/router.js';
import { TASK_PROFILE } from '../generation/routing-profiles.js';
import { type RouteCandidate, type RankRequest, type Selection } from '../generation/routing-shapes.js';
import type { RouteRequest } from '../generation/route-types.js';
import { holdsAt } from '../fleet/windows.js';

export interface Work {
  task: TaskType;
  profile: ProfileName;
  complexity: Complexity;
  /** How the work was decided, for the result's reason. */
  how: string;
  /** The profile is the default profile (settings' or the project's), not the work's own. */
  byDefault: boolean;
}

/** The kind of work, from the caller's words — never from the text of inputs read for it. */
export function inferWork(
  parts: JobParts,
  req: Pick<RouteRequest, 'prompt' | 'intent' | 'system' | 'images' | 'task' | 'profile' | 'complexity'>,
): Work {
  const words = req.intent ?? req.prompt;
  const inferred = classify({
    prompt: words,
    ...(req.system && { system: req.system }),
    images: req.images?.length ?? 0,
  });
  const task: TaskType = req.images?.length ? 'vision' : (req.task ?? inferred.task);
  let profile: ProfileName = req.images?.length ? 'vision' : (req.profile ?? TASK_PROFILE[task]);
  const complexity = req.complexity ?? (req.task ? inferComplexity(words) : inferred.complexity);
  let how = req.task || req.profile ? `${task} as asked` : `${task} inferred: ${inferred.why}`;
  // Work that says nothing more specific goes to the default profile (a project's, say "code").
  const defaultProfile = defaultProfileFor({
    defaultProfile: parts.settings.model.routing.defaultProfile,
    task,
    explicit: Boolean(req.task || req.profile || req.images?.length),
    preferredGeneral: parts.records.preferences.byProfile().general,
    prompt: words,
  });
  if (defaultProfile) {
    profile = defaultProfile;
    how += `; the ${defaultProfile} profile by default${parts.project ? ` for the ${parts.project.name} project` : ''}`;
  }
  return { task, profile, complexity, how, byDefault: defaultProfile !== undefined };
}

/**
 * The route's ranking of `models` for the work: its profile, the fallback chain, the last resort.
 * When no model serves a default profile, general work stays general (the profile and how change).
 */
function rankWork(
  parts: JobParts,
  work: Work,
  req: Pick<RouteRequest, 'images' | 'inputsByReference' | 'task' | 'profile'>,
  models: readonly RouteCandidate[],
  extra: Pick<RankRequest, 'contextTokens' | 'speeds' | 'coldLoadMs'> = {},
): { selection: Selection | undefined; profile: ProfileName; how: string } {
  const select = (profile: ProfileName) =>
    selectModel(
      {
        task: work.task,
        profile,
        named: Boolean(req.task || req.profile || req.images?.length),
        images: (req.images?.length ?? 0) > 0,
        complexity: work.complexity,
        ...(req.inputsByReference && { readsInputs: true }),
        ...extra,
      },
      models,
      parts.routing(),
    );
  const selection = select(work.profile);
  if (work.byDefault && !selection?.ranked.length)
    return {
      selection: select('general'),
      profile: 'general',
      how: `${work.how}, but no installed model serves it, so general`,
    };
  return { selection, profile: work.profile, how: work.how };
}

/** The route's ranking of a request's models: what a plan carries, so the request is ranked once. */
export type Ranking = ReturnType<typeof rankWork>;

/** Output tokens/s measured per model (for fast work's tie-break). */
function measuredSpeeds(parts: JobParts): Map<string, number> {
  return new Map(Object.entries(parts.records.metrics.all()).map(([model, m]) => [model, m.avgTokensPerSecond]));
}

/**
 * The route's ranking of `models` for the work, with what it weighs beside the profile: the speeds
 * measured and the cold loads estimated. `contextTokens` 0 ranks every model whatever its window:
 * a plan's ranking, which each request of the plan takes to its own window (`fitRanking`).
 */
export function routeRanking(
  parts: JobParts,
  work: Work,
  req: Pick<RouteRequest, 'images' | 'inputsByReference' | 'task' | 'profile'>,
  models: readonly RouteCandidate[],
  contextTokens: number,
  coldLoadMs: ReadonlyMap<string, number>,
): Ranking {
  return rankWork(parts, work, req, models, { contextTokens, speeds: measuredSpeeds(parts), coldLoadMs });
}

/**
 * A plan's ranking (made for any window) for one request: the models whose window holds its
 * `contextTokens`, in the same order. Undefined when its first cannot (the route ranks anew, so the
 * reason says why the model ranked first — perhaps the one you chose — was passed over).
 */
export function fitRanking(
  planned: Ranking,
  models: readonly RouteCandidate[],
  contextTokens: number,
): Ranking | undefined {
  if (!planned.selection) return planned;
  const ranked = planned.selection.ranked.filter(holdsAt(models, contextTokens));
  if (ranked[0] !== planned.selection.ranked[0]) return undefined;
  return { ...planned, selection: { ...planned.selection, ranked } };
}
