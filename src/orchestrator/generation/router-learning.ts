/**
 * The router's learned step, pure: among the models the table's rules found for the work (after
 * a configured or preferred model, which always come first), the one whose track record here
 * promises the best answer for its cost goes first (learning.ts: prior + evidence, Thompson
 * sampling among close candidates). Without any evidence for the work the table's order stands.
 * The work's intent bounds the pool: fast work goes to no model more than FAST_SIZE_FACTOR times
 * the smallest that suits it. Until the agent has given a verdict on this work (rate_answer, or a
 * compare), what is measured alone moves it off the table's choice only when that choice fails or
 * times out — speed alone never does — and never to a larger model; and exploring draws only among
 * loaded models (a draw could teach only speed).
 */
import type { ProfileName } from '../config/profiles.js';
import { chooseLearned, evidenceFor, type Evidence } from './learning.js';
import { isCodeSpecialist, suits } from './routing-rules.js';
import { type LearningInput, type RouteCandidate, type RankRequest } from './routing-shapes.js';

export type { LearningInput } from './routing-shapes.js';

/** Fast work wants a quick answer: a model this many times the smallest that suits it is never one. */
export const FAST_SIZE_FACTOR = 4;

/** The agent's own word on answers (verdicts, compare choices), as against what is measured alone. */
const hasVerdicts = (e: Readonly<Evidence> | undefined) => e !== undefined && e.good + e.bad + e.wins + e.losses > 0;

/** `ranked` with the learned choice moved to the front of its pool; the entries before `fixed` stay first. */
export function learnedOrder<T extends { m: RouteCandidate; why: string }>(
  ranked: readonly T[],
  fixed: number,
  work: ProfileName,
  req: RankRequest,
  learning: LearningInput,
): T[] {
  const head = ranked.slice(0, fixed);
  const rest = ranked.slice(fixed);
  let pool = rest.filter((r) => suits(r.m, work, req.images));
  // code stays with code specialists when there are any (the table's rule); learning picks among them
  if (work === 'code' && pool.some((r) => isCodeSpecialist(r.m))) pool = pool.filter((r) => isCodeSpecialist(r.m));
  const evidence = (r: T) => evidenceFor(learning.book, { model: r.m.name, host: r.m.host, work });
  if (pool.length < 2 || !pool.some((r) => evidence(r) !== undefined)) return [...ranked];
  if (work === 'fast') {
    const smallest = Math.min(...pool.map((r) => r.m.sizeBytes));
    pool = pool.filter((r) => r.m.sizeBytes <= FAST_SIZE_FACTOR * smallest);
  }
  const tableChoice = pool[0]!;
  const judged = pool.some((r) => hasVerdicts(evidence(r)));
  if (!judged) {
    // what is only measured moves the work only off a table's choice that fails, and never to a larger model
    const e = evidence(tableChoice);
    if (!e || e.failures + e.timeouts === 0) return [...ranked];
    pool = pool.filter((r) => r.m.sizeBytes <= tableChoice.m.sizeBytes);
  }
  if (pool.length < 2) return [...ranked];
  const choice = chooseLearned(
    pool.map((r) => ({
      name: r.m.name,
      host: r.m.host,
      profiles: r.m.profiles,
      sizeBytes: r.m.sizeBytes,
      loaded: r.m.loaded,
      // before any verdict a draw can teach only speed: not worth a load
      fitsFree: judged && r.m.fitsNow,
      entry: r,
      ...(r.m.parameterSize !== undefined && { parameterSize: r.m.parameterSize }),
      ...(req.coldLoadMs?.get(r.m.name) !== undefined && { coldLoadSeconds: req.coldLoadMs.get(r.m.name)! / 1000 }),
      ...(evidence(r) && { evidence: evidence(r) }),
    })),
    work,
    {
      rng: learning.rng,
      explore: true,
      ...(learning.outputTokens !== undefined && { outputTokens: learning.outputTokens }),
    },
  );
  if (!choice) return [...ranked];
  const chosen = choice.candidate.entry;
  return [...head, { ...chosen, why: `${chosen.why}; ${choice.reason}` }, ...rest.filter((r) => r !== chosen)];
}
