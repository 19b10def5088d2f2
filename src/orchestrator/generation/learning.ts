/**
 * Learned routing (issue 24, parts 3 and 5), pure — no I/O, randomness injected:
 *
 * - Expected quality of a model for a kind of work is a Beta posterior over that (model, work)
 *   alone: a prior from the static table (profiles that include the work: mean 0.7, weight 16, so a
 *   right table is not second-guessed on a few verdicts; unknown or general-only: 0.5, weight 10, so
 *   such models are seldom tried without evidence; nudged by parameter count — up for larger
 *   models, down for fast work) plus the evidence (learning-evidence.ts).
 * - Expected time is the cold load (when not loaded) plus the answer's tokens at the measured
 *   speed (else a prior from the model's size).
 * - chooseLearned weighs the two: utility = quality − λ·t/(t + t½), so quality dominates and a cold
 *   load tips only a near tie. The leader has the best utility by posterior means. With exploration
 *   (learning on), every request is Thompson sampling: each candidate still "close" — with at least
 *   an exploreFloor chance of beating the leader — draws its quality from its posterior (the draw's
 *   spread scaled by exploreScale, so the choice steadies as evidence comes in), less its cost term,
 *   and the best draw wins. A candidate the evidence has ruled out takes no part; one back within
 *   reach (the leader's record slipped) does again, so an unlucky start is not locked in. A model
 *   not loaded is drawn only when its load is cheap against the work (exploreLoadShare of the
 *   leader's time) and fits in free memory: exploring never evicts another model. Without
 *   exploration (learning off) the leader is chosen: deterministic, and with no evidence the table's order.
 */
import { normalCdf, sampleBeta } from './learning-beta.js';
import { evidenceText, type Evidence, type WorkKind } from './learning-evidence.js';
import {
  costTerm,
  expectedQuality,
  expectedSeconds,
  LEARNING_DEFAULTS,
  posterior,
  type CostFacts,
  type ExpectedTime,
  type LearningParams,
  type PriorFacts,
  type Quality,
} from './learning-prior.js';
import { byCodeUnit } from '../util/locale-free.js';

export * from './learning-beta.js';
export * from './learning-evidence.js';
export * from './learning-prior.js';

/** A candidate as chooseLearned needs it; a RouteCandidate plus its evidence and load estimate fits. */
export interface LearnedCandidate extends PriorFacts, CostFacts {
  name: string;
  host?: string | undefined;
  /** The evidence for this model on this host for the work being routed. */
  evidence?: Readonly<Evidence> | undefined;
}

export interface LearnedOptions {
  /** Random numbers in [0, 1): inject a seeded one in tests. Not called when `explore` is false. */
  rng: () => number;
  /** Learning on: Thompson sampling among the close candidates. Off: posterior means, deterministic. */
  explore: boolean;
  /** The request's expected output tokens (maxTokens or a guess). */
  outputTokens?: number;
  params?: Partial<LearningParams>;
}

interface LearnedScore {
  name: string;
  host?: string;
  quality: Quality;
  time: ExpectedTime;
  /** quality.mean − the cost term: the deterministic order. */
  utility: number;
  /** The chance (normal approximation) that its utility beats the leader's; 0.5 for the leader itself. */
  chance: number;
  /** The leader, or a chance of beating it of at least exploreFloor: it takes part in the draw. */
  close: boolean;
  evidence: string;
}

export interface LearnedChoice<T> {
  candidate: T;
  /** The evidence, quality and time behind the choice, for the route's reason. */
  reason: string;
  /** Only the evidence ("good on 8 of 9 code answers here" / "no track record here yet"). */
  evidence: string;
  /** Chosen by a draw over the leader by expected utility. */
  explored: boolean;
  /** Every candidate, best expected utility first (the fallback order). */
  scores: LearnedScore[];
}

const pct = (x: number) => `${Math.round(100 * x)}%`;
const secs = (s: number) => (s < 10 ? s.toFixed(1) : String(Math.round(s)));

function describe(s: LearnedScore): string {
  const load = s.time.loadSeconds > 0 ? `, ${secs(s.time.loadSeconds)} s of it loading` : '';
  return (
    `${s.evidence}; expected quality ${pct(s.quality.mean)} ±${pct(s.quality.std)}, ` +
    `~${secs(s.time.seconds)} s${load}`
  );
}

/** The candidate to route `work` to: see the file's comment. Undefined when there is none. */
export function chooseLearned<T extends LearnedCandidate>(
  candidates: readonly T[],
  work: WorkKind,
  opts: LearnedOptions,
): LearnedChoice<T> | undefined {
  const p: LearningParams = { ...LEARNING_DEFAULTS, ...opts.params };
  const tokens = opts.outputTokens ?? p.outputTokens;
  const scored = candidates.map((c) => {
    const quality = expectedQuality(c, work, c.evidence, p);
    const time = expectedSeconds(c, tokens);
    const score: LearnedScore = {
      name: c.name,
      quality,
      time,
      utility: quality.mean - costTerm(time.seconds, p),
      chance: 0,
      close: false,
      evidence: evidenceText(c.evidence, work),
    };
    if (c.host !== undefined) score.host = c.host;
    return { c, score };
  });
  const order = [...scored].sort(
    (a, b) =>
      b.score.utility - a.score.utility || byCodeUnit(a.c.name, b.c.name) || byCodeUnit(a.c.host ?? '', b.c.host ?? ''),
  );
  const leader = order[0];
  if (!leader) return undefined;
  const lq = leader.score.quality;
  // The chance each candidate's utility beats the leader's (normal approximation of both posteriors;
  // the cost terms are known, so only the qualities are uncertain). "Close": worth a draw.
  for (const { score } of scored) {
    const spread = Math.hypot(score.quality.std, lq.std);
    score.chance =
      score === leader.score ? 0.5 : spread > 0 ? normalCdf((score.utility - leader.score.utility) / spread) : 0;
    score.close = score === leader.score || score.chance >= p.exploreFloor;
  }
  // Exploring never pays for a load that is most of the work or that unloads another model.
  const explorable = (s: (typeof scored)[number]) =>
    s === leader ||
    s.c.loaded ||
    (s.c.fitsFree === true && s.score.time.loadSeconds <= p.exploreLoadShare * leader.score.time.seconds);

  let chosen = leader;
  // Thompson sampling, every request: each close candidate draws its quality from its posterior,
  // less its cost term, and the best draw is chosen.
  if (opts.explore && scored.filter((s) => s.score.close && explorable(s)).length > 1) {
    let best = -Infinity;
    for (const s of order) {
      if (!s.score.close || !explorable(s)) continue;
      // A draw from the posterior, its spread around the mean scaled by exploreScale.
      const q =
        s.score.quality.mean +
        p.exploreScale * (sampleBeta(posterior(s.c, work, s.c.evidence, p), opts.rng) - s.score.quality.mean);
      const draw = q - costTerm(s.score.time.seconds, p);
      if (draw > best) [best, chosen] = [draw, s];
    }
  }
  const explored = chosen !== leader;
  const tried = explored
    ? `; tried ahead of ${leader.c.name} (expected quality ${pct(lq.mean)}) to learn more: a ` +
      `${pct(chosen.score.chance)} chance it is better`
    : '';
  return {
    candidate: chosen.c,
    reason: `${describe(chosen.score)}${tried}`,
    evidence: chosen.score.evidence,
    explored,
    scores: order.map((o) => o.score),
  };
}

/** One kind of work in a model's track record, for list_models and show_status. */
export interface WorkRecord extends Pick<
  Evidence,
  'good' | 'bad' | 'failures' | 'timeouts' | 'cut' | 'wins' | 'losses'
> {
  /** The posterior mean, with the table's prior when `facts` were given (else a neutral one), rounded to 0.01. */
  meanQuality: number;
  /** Its standard deviation, rounded to 0.01. */
  uncertainty: number;
  /** Measured output tokens per second, when measured. */
  tokensPerSecond?: number;
  summary: string;
}

export type TrackRecord = Partial<Record<WorkKind, WorkRecord>>;

const round2 = (x: number) => Math.round(100 * x) / 100;

/** A model's evidence by kind of work (evidenceByWork) as plain records. */
export function trackRecord(
  byWork: Readonly<Partial<Record<WorkKind, Readonly<Evidence>>>>,
  facts: PriorFacts = { profiles: [] },
  p: LearningParams = LEARNING_DEFAULTS,
): TrackRecord {
  const out: TrackRecord = {};
  for (const [work, e] of Object.entries(byWork) as Array<[WorkKind, Readonly<Evidence> | undefined]>) {
    if (!e) continue;
    const q = expectedQuality(facts, work, e, p);
    const record: WorkRecord = {
      good: e.good,
      bad: e.bad,
      failures: e.failures,
      timeouts: e.timeouts,
      cut: e.cut,
      wins: e.wins,
      losses: e.losses,
      meanQuality: round2(q.mean),
      uncertainty: round2(q.std),
      summary: evidenceText(e, work),
    };
    if (e.speedSamples > 0) record.tokensPerSecond = Math.round(10 * e.tokensPerSecond) / 10;
    out[work] = record;
  }
  return out;
}
