/**
 * Learned routing's model, pure: the tunable numbers, a model's prior and posterior quality for a
 * kind of work (learning.ts says how they are chosen), and a request's expected time.
 */
import { parameterCount } from '../models/model-db.js';
import type { ProfileName } from '../models/profiles.js';

import { betaInterval, betaMean, betaStd, type Beta } from './learning-beta.js';
import { tally, type Evidence, type WorkKind } from './learning-evidence.js';

/** The tunable numbers; bench/learning.ts measures the defaults. */
export interface LearningParams {
  /** Prior for a model the table says does this work. */
  knownMean: number;
  knownWeight: number;
  /** Prior for one it does not, or that is general-only (how unknown models are described). */
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
   * The share of requests that explore at all is min(1, exploreScale/√(1 + n)), n the verdicts so far
   * on this kind of work: every request at first, ~1 in 10 after a hundred verdicts.
   */
  exploreScale: number;
  /** z of the credible interval ("close" means the intervals overlap): 1 is ~68%, so "close" is roughly a ≥ 5% chance of being better. */
  z: number;
}

export const LEARNING_DEFAULTS: Readonly<LearningParams> = Object.freeze({
  knownMean: 0.7,
  knownWeight: 3,
  unknownMean: 0.5,
  unknownWeight: 2,
  sizeShiftPerDoubling: 0.02,
  sizeShiftMax: 0.06,
  costWeight: 0.15,
  costHalfSeconds: 60,
  outputTokens: 400,
  exploreScale: 1,
  z: 1,
});

/** What the prior is made from: the table's (or the host's) profiles and the model's size. */
export interface PriorFacts {
  profiles: readonly ProfileName[];
  parameterSize?: string;
  sizeBytes?: number;
}

const BYTES_PER_PARAMETER = 0.6; // a 4-bit quantization with its overhead, as the router assumes
const params = (f: PriorFacts): number | undefined => parameterCount(f.parameterSize) ?? (f.sizeBytes ? f.sizeBytes / BYTES_PER_PARAMETER : undefined);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Does the table say this model does this work? A general-only model is how unknown models are described, so it says nothing. */
export const tableKnows = (f: PriorFacts, work: WorkKind): boolean => f.profiles.includes(work) && !(f.profiles.length === 1 && f.profiles[0] === 'general');

export function priorFor(f: PriorFacts, work: WorkKind, p: LearningParams = LEARNING_DEFAULTS): Beta {
  const known = tableKnows(f, work);
  const n = params(f);
  // Larger models answer better; for fast work, smaller ones do (the answer is wanted soon).
  const shift = n ? clamp((work === 'fast' ? -1 : 1) * p.sizeShiftPerDoubling * Math.log2(n / 8e9), -p.sizeShiftMax, p.sizeShiftMax) : 0;
  const mean = clamp((known ? p.knownMean : p.unknownMean) + shift, 0.05, 0.95);
  const weight = known ? p.knownWeight : p.unknownWeight;
  return { alpha: mean * weight, beta: (1 - mean) * weight };
}

export function posterior(f: PriorFacts, work: WorkKind, e?: Readonly<Evidence>, p: LearningParams = LEARNING_DEFAULTS): Beta {
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

export function expectedQuality(f: PriorFacts, work: WorkKind, e?: Readonly<Evidence>, p: LearningParams = LEARNING_DEFAULTS): Quality {
  const b = posterior(f, work, e, p);
  return { mean: betaMean(b), std: betaStd(b), ...betaInterval(b, p.z) };
}

/** What a request's time is estimated from. */
export interface CostFacts {
  loaded: boolean;
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

const bytesOf = (c: Pick<CostFacts, 'sizeBytes' | 'parameterSize'>) => c.sizeBytes || (parameterCount(c.parameterSize) ?? 8e9) * BYTES_PER_PARAMETER || DEFAULT_BYTES;

/** Tokens per second guessed from the size, for a model never measured here. */
export const priorTokensPerSecond = (c: Pick<CostFacts, 'sizeBytes' | 'parameterSize'>): number => clamp(PRIOR_BANDWIDTH / bytesOf(c), 2, 200);

export function expectedSeconds(c: CostFacts, outputTokens: number = LEARNING_DEFAULTS.outputTokens): ExpectedTime {
  const measured = (c.evidence?.speedSamples ?? 0) > 0 && (c.evidence?.tokensPerSecond ?? 0) > 0;
  const tokensPerSecond = measured ? c.evidence!.tokensPerSecond : priorTokensPerSecond(c);
  const loadSeconds = c.loaded ? 0 : (c.coldLoadSeconds ?? 1 + bytesOf(c) / PRIOR_LOAD_BYTES_PER_SECOND);
  return { seconds: loadSeconds + outputTokens / tokensPerSecond, loadSeconds, tokensPerSecond, measured };
}

/** The cost term of the utility: λ·t/(t + t½), in [0, λ). */
export const costTerm = (seconds: number, p: LearningParams = LEARNING_DEFAULTS): number => (p.costWeight * seconds) / (seconds + p.costHalfSeconds);

