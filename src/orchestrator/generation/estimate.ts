/**
 * How long a plan takes, in seconds, pure over plain data: the load (none when loaded), the wait
 * behind the requests already running on the model, then each request reading its prompt (the
 * tokens the engine's cache already holds are not read again) and writing its answer — the parts
 * `width` at once (the first alone, so the model loads once), then each combining round, its
 * prompt the answers it combines. Speeds are what this host measured of the model
 * (speed-learning.ts); a speed not yet measured is assumed from the host's kind and the model's
 * size, and the estimate says so:
 *   - reading the prompt is compute-bound: ASSUMED_FLOPS (GPU 30 TFLOP/s, CPU 0.6 TFLOP/s) over
 *     2 FLOPs per parameter per token — an 8B model reads ~1,900 tokens/s on a GPU, ~40 on a CPU;
 *   - writing is bound by memory bandwidth: ASSUMED_BANDWIDTH (GPU 200 GB/s, CPU 40 GB/s) over the
 *     weights' bytes — a 4.7 GB model writes ~43 tokens/s on a GPU, ~9 on a CPU.
 * A host of unknown kind is assumed a CPU: the estimate errs long rather than short. What a
 * request takes beyond reading and writing (this server's own work, the network, the engine's
 * scheduling) is added per wave of requests as measured, none until it is.
 */
import { parameterCount } from '../models/model-db.js';
import type { LearnedSpeeds } from './speed-learning.js';

export type HostKind = 'cpu' | 'gpu' | 'unknown';

/** What the speeds are estimated from: those measured here, else the host's kind and the model's size. */
export interface SpeedFacts {
  hostKind: HostKind;
  sizeBytes?: number | undefined;
  parameterSize?: string | undefined;
  promptTokensPerSecond?: number | undefined;
  tokensPerSecond?: number | undefined;
  /** A request's seconds beyond reading and writing (this server's work, the network, the engine's scheduling), measured here; none assumed. */
  overheadSeconds?: number | undefined;
}

/** A plan as the estimator sees it: one request (parts 1, rounds 0), or a split job. */
export interface EstimateInput {
  /** Seconds to load the model; 0 when it is loaded. */
  loadSeconds: number;
  /** Seconds until a slot frees: the requests running on it, their remaining tokens at its rate. */
  queueSeconds: number;
  /** One request's prompt tokens (a part's, for a split job), what the cache holds included. */
  promptTokens: number;
  /** Of those, the tokens the engine's cache is expected to hold already. */
  cachedTokens?: number | undefined;
  /** One request's answer tokens (a part's, and a combination's but the last). */
  answerTokens: number;
  /** Requests reading the input: 1 for work sent whole, the parts of a split job. */
  parts: number;
  /** Requests at once (the model's slots on every host that has it). */
  width: number;
  /** Combining rounds after the parts (0 for work sent whole). */
  rounds: number;
  /** The last combination's answer, when it differs from answerTokens. */
  finalAnswerTokens?: number | undefined;
}

export interface Estimate {
  seconds: number;
  /** Both speeds were measured here (none assumed). */
  known: boolean;
  /** How it was made, in words: the speeds and where they come from. */
  why: string;
  /** Of seconds, reading the prompts, writing the answers, and the requests' overheads (all of a split job's requests). */
  promptSeconds: number;
  answerSeconds: number;
  overheadSeconds: number;
  /** One request alone — reading its prompt, writing its answer, its overhead: a split job's part, without load or wait. */
  requestSeconds: number;
  promptTokensPerSecond: number;
  tokensPerSecond: number;
}

export const ASSUMED_FLOPS: Readonly<Record<HostKind, number>> = { gpu: 30e12, cpu: 0.6e12, unknown: 0.6e12 };
export const ASSUMED_BANDWIDTH: Readonly<Record<HostKind, number>> = { gpu: 200e9, cpu: 40e9, unknown: 40e9 };
/** Bytes a parameter takes (a 4-bit quantization with its overhead), and the size assumed of a model that says none. */
const BYTES_PER_PARAMETER = 0.6;
const DEFAULT_PARAMETERS = 8e9;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const parametersOf = (f: SpeedFacts) => parameterCount(f.parameterSize) ?? (f.sizeBytes ? f.sizeBytes / BYTES_PER_PARAMETER : DEFAULT_PARAMETERS);
const bytesOf = (f: SpeedFacts) => (f.sizeBytes && f.sizeBytes > 0 ? f.sizeBytes : parametersOf(f) * BYTES_PER_PARAMETER);

/** The speeds assumed of a model never measured on a host of this kind. */
export function assumedSpeeds(f: SpeedFacts): { promptTokensPerSecond: number; tokensPerSecond: number } {
  return {
    promptTokensPerSecond: clamp(ASSUMED_FLOPS[f.hostKind] / (2 * parametersOf(f)), 2, 20_000),
    tokensPerSecond: clamp(ASSUMED_BANDWIDTH[f.hostKind] / bytesOf(f), 1, 200),
  };
}

const rate = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
const fmt = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

/**
 * The seconds a plan takes. Each wave of requests at once takes as long as one request: its
 * prompt read, then its answer written (engines give each slot its share of the work; the rates
 * are those measured per request, so they hold for the widths they were measured at).
 */
export function estimateSeconds(input: EstimateInput, speeds: SpeedFacts): Estimate {
  const assumed = assumedSpeeds(speeds);
  const pMeasured = rate(speeds.promptTokensPerSecond);
  const gMeasured = rate(speeds.tokensPerSecond);
  const p = pMeasured ? speeds.promptTokensPerSecond! : assumed.promptTokensPerSecond;
  const g = gMeasured ? speeds.tokensPerSecond! : assumed.tokensPerSecond;
  const width = Math.max(1, Math.floor(input.width) || 1);
  const parts = Math.max(1, Math.floor(input.parts) || 1);
  const answer = Math.max(0, input.answerTokens);
  const cached = clamp(input.cachedTokens ?? 0, 0, input.promptTokens);
  const each = rate(speeds.overheadSeconds) ? speeds.overheadSeconds! : 0;
  let promptSeconds = 0;
  let answerSeconds = 0;
  let overheadSeconds = 0;
  const wave = (promptTokens: number, answerTokens: number, waves: number) => {
    promptSeconds += (waves * Math.max(0, promptTokens)) / p;
    answerSeconds += (waves * answerTokens) / g;
    overheadSeconds += waves * each;
  };
  // the first part alone (the model loads once), then the rest width at once
  const first = input.rounds > 0 || parts > 1 ? answer : (input.finalAnswerTokens ?? answer);
  wave(input.promptTokens - cached, first, 1);
  const requestSeconds = promptSeconds + answerSeconds + overheadSeconds;
  wave(input.promptTokens - cached, answer, Math.ceil((parts - 1) / width));
  // each round combines groups of answers that fit a part's prompt
  const perGroup = Math.max(2, Math.floor(input.promptTokens / Math.max(1, answer)));
  let n = parts;
  for (let r = 1; r <= input.rounds; r++) {
    const groups = r === input.rounds ? 1 : Math.max(1, Math.ceil(n / perGroup));
    const read = Math.min(n, perGroup) * answer;
    wave(read, r === input.rounds ? (input.finalAnswerTokens ?? answer) : answer, Math.ceil(groups / width));
    n = groups;
  }
  const seconds = Math.max(0, input.loadSeconds) + Math.max(0, input.queueSeconds) + promptSeconds + answerSeconds + overheadSeconds;
  const known = pMeasured && gMeasured;
  const said = (measured: boolean) => (measured ? 'measured here' : `assumed for a ${speeds.hostKind === 'gpu' ? 'GPU' : 'CPU'} host, not yet measured`);
  const why =
    pMeasured === gMeasured
      ? `reading ${fmt(p)} prompt tokens/s and writing ${fmt(g)} tokens/s, ${said(known)}`
      : `reading ${fmt(p)} prompt tokens/s (${said(pMeasured)}) and writing ${fmt(g)} tokens/s (${said(gMeasured)})`;
  return { seconds, known, why: each > 0 ? `${why}; ${each.toFixed(2)} s more a request` : why, promptSeconds, answerSeconds, overheadSeconds, requestSeconds, promptTokensPerSecond: p, tokensPerSecond: g };
}

/**
 * The tokens an answer of at most `maxTokens` is expected to take: as long as the limit, for the
 * share of this model's answers that ran into theirs; as long as its answers that ended by
 * themselves, for the rest — until one was seen, the limit itself, or `unseen` when the caller
 * gives one (a decision that must not rest on the worst case: limit-fit.ts).
 */
export function expectedAnswerTokens(maxTokens: number, learned: Pick<LearnedSpeeds, 'answerTokens' | 'cutShare'> = {}, unseen?: number): number {
  if (learned.answerTokens === undefined && learned.cutShare === undefined && unseen !== undefined) return Math.min(maxTokens, unseen);
  const own = learned.answerTokens !== undefined ? Math.min(maxTokens, learned.answerTokens) : maxTokens;
  const cut = learned.cutShare ?? (learned.answerTokens === undefined ? 1 : 0);
  return Math.round(cut * maxTokens + (1 - cut) * own);
}

/** "about 12 s (measured speeds)" / "(assumed speeds)". */
export function aboutSeconds(e: Pick<Estimate, 'seconds' | 'known'>): string {
  const s = e.seconds < 10 ? e.seconds.toFixed(1) : String(Math.round(e.seconds));
  return `about ${s} s (${e.known ? 'measured' : 'assumed'} speeds)`;
}
