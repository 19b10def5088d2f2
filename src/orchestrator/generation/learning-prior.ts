/**
 * Learned routing's model, pure: the tunable numbers, a model's prior and posterior quality for a
 * kind of work (learning.ts says how they are chosen), and a request's expected time.
 */
import { parameterCount } from '../models/model-db.js';
import type { ProfileName } from '../config/profiles.js';

import { betaInterval, betaMean, betaStd, type Beta } from './learning-beta.js';
import { tally, type Evidence, type WorkKind } from './learning-evidence.js';

/** The tunable numbers; bench/learning.ts measures the defaults. */
export interface LearningParams {
  /**
   * Prior for a model the table says does this work: a strong one (weight ≈ verdicts), so a right
   * table is not second-guessed on a few unlucky verdicts, yet a wrong one is overturned by a few dozen.
   */
  knownMean: number;
  knownWeight: number;
  /**
   * Prior for one it does not, or that is general-only (how unknown models are described): middling, and firm
   * enough that such models are seldom tried without evidence.
   */
  unknownMean: number;
  unknownWeight: number;
  /** Prior mean shift per doubling of parameters from 8B, and its limit either way. */
  sizeShiftPerDoubling: number;
  sizeShiftMax: number;
  /** λ: the most a request's expected time can take off its utility. */
  costWeight: number;
  /** The expected time (s) that takes half of λ off. */
  costHalfSeconds: number;
  /** Output tokens assumed when the request does not say. */
  outputTokens: number;
  /**
   * The spread of each Thompson draw around its posterior mean, as a share of the posterior's: 1 is
   * plain Thompson sampling; less explores less, which pays over the few hundred requests a host
   * sees, with a handful of models and a verdict worth one Bernoulli draw.
   */
  exploreScale: number;
  /**
   * A candidate takes part in the draw only while its chance of beating the leader's expected
   * utility is at least this; below it, the evidence has settled the question and the choice is
   * steady. With exploreScale 0.35, a candidate at a floor of 0.2 would win ~1% of draws against
   * the leader, so the floor only cuts the tail of exploration.
   */
  exploreFloor: number;
  /**
   * A model not loaded takes part in the draw only when its load costs at most this share of the
   * leader's expected time and fits in free memory (loading it unloads nothing): what exploring may
   * teach is not worth a load that is most of the work, or one that evicts another model.
   */
  exploreLoadShare: number;
  /** z of the credible interval shown (quality low and high): 1 is ~68%. */
  z: number;
}

/** Tuned with bench/learning.ts on seeds 101–240, not the bench's own 1–20. */
export const LEARNING_DEFAULTS: Readonly<LearningParams> = Object.freeze({
  knownMean: 0.7,
  knownWeight: 16,
  unknownMean: 0.5,
  unknownWeight: 10,
  sizeShiftPerDoubling: 0.02,
  sizeShiftMax: 0.06,
  costWeight: 0.05,
  costHalfSeconds: 60,
  outputTokens: 400,
  exploreScale: 0.35,
  exploreFloor: 0.2,
  exploreLoadShare: 0.25,
  z: 1,
});

/** What the prior is made from: the table's (or the host's) profiles and the model's size. */
export interface PriorFacts {
  profiles: readonly ProfileName[];
  parameterSize?: string;
  sizeBytes?: number;
}

const BYTES_PER_PARAMETER = 0.6; // a 4-bit quantization with its overhead, as the router assumes
const params = (f: PriorFacts): number | undefined =>
  parameterCount(f.parameterSize) ?? (f.sizeBytes ? f.sizeBytes / BYTES_PER_PARAMETER : undefined);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Does the table say this model does this work? A general-only model is how unknown models are described, so
 * it says nothing.
 */
const tableKnows = (f: PriorFacts, work: WorkKind): boolean =>
  f.profiles.includes(work) && !(f.profiles.length === 1 && f.profiles[0] === 'general');

export function priorFor(f: PriorFacts, work: WorkKind, p: LearningParams = LEARNING_DEFAULTS): Beta {
  const known = tableKnows(f, work);
  const n = params(f);
  // Larger models answer better; for fast work, smaller ones do (the answer is wanted soon).
  const shift = n
    ? clamp((work === 'fast' ? -1 : 1) * p.sizeShiftPerDoubling * Math.log2(n / 8e9), -p.sizeShiftMax, p.sizeShiftMax)
    : 0;
  const mean = clamp((known ? p.knownMean : p.unknownMean) + shift, 0.05, 0.95);
  const weight = known ? p.knownWeight : p.unknownWeight;
  return { alpha: mean * weight, beta: (1 - mean) * weight };
}

export function posterior(
  f: PriorFacts,
  work: WorkKind,
  e?: Readonly<Evidence>,
  p: LearningParams = LEARNING_DEFAULTS,
): Beta {
  const prior = priorFor(f, work, p);
  if (!e) return prior;
  const t = tally(e);
  return { alpha: prior.alpha + t.successes, beta: prior.beta + t.failures };
}

export interface Quality {
  mean: number;
  std: number;
  /** The credible interval (normal approximation, z of LearningParams). */
  low: number;
  high: number;
}

export function expectedQuality(
  f: PriorFacts,
  work: WorkKind,
  e?: Readonly<Evidence>,
  p: LearningParams = LEARNING_DEFAULTS,
): Quality {
  const b = posterior(f, work, e, p);
  return { mean: betaMean(b), std: betaStd(b), ...betaInterval(b, p.z) };
}

/** What a request's time is estimated from. */
export interface CostFacts {
  loaded: boolean;
  /** Not loaded, it would fit in free memory now: loading it unloads nothing. Unknown: treated as not. */
  fitsFree?: boolean;
  /** Estimated load time when not loaded (the router's cold-load estimate); else one from the size. */
  coldLoadSeconds?: number | undefined;
  sizeBytes?: number;
  parameterSize?: string;
  evidence?: Readonly<Evidence> | undefined;
}

export interface ExpectedTime {
  seconds: number;
  loadSeconds: number;
  tokensPerSecond: number;
  /** The speed was measured here, not guessed from the size. */
  measured: boolean;
}

/** Weights read per token ≈ memory bandwidth: ~200 GB/s, so a 4.7 GB 8B model writes ~40 tokens/s. */
const PRIOR_BANDWIDTH = 200e9;
/** Loading reads the weights from disk: ~1 GB/s plus a second to start. */
const PRIOR_LOAD_BYTES_PER_SECOND = 1e9;
const DEFAULT_BYTES = 8e9 * BYTES_PER_PARAMETER;

const bytesOf = (c: Pick<CostFacts, 'sizeBytes' | 'parameterSize'>) =>
  c.sizeBytes || (parameterCount(c.parameterSize) ?? 8e9) * BYTES_PER_PARAMETER || DEFAULT_BYTES;

/** Tokens per second guessed from the size, for a model never measured here. */
export const priorTokensPerSecond = (c: Pick<CostFacts, 'sizeBytes' | 'parameterSize'>): number =>
  clamp(PRIOR_BANDWIDTH / bytesOf(c), 2, 200);

export function expectedSeconds(c: CostFacts, outputTokens: number = LEARNING_DEFAULTS.outputTokens): ExpectedTime {
  const measured = (c.evidence?.speedSamples ?? 0) > 0 && (c.evidence?.tokensPerSecond ?? 0) > 0;
  const tokensPerSecond = measured ? c.evidence!.tokensPerSecond : priorTokensPerSecond(c);
  const loadSeconds = c.loaded ? 0 : (c.coldLoadSeconds ?? 1 + bytesOf(c) / PRIOR_LOAD_BYTES_PER_SECOND);
  return { seconds: loadSeconds + outputTokens / tokensPerSecond, loadSeconds, tokensPerSecond, measured };
}

/** The cost term of the utility: λ·t/(t + t½), in [0, λ). */
export const costTerm = (seconds: number, p: LearningParams = LEARNING_DEFAULTS): number =>
  (p.costWeight * seconds) / (seconds + p.costHalfSeconds);
