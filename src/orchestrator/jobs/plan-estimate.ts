/**
 * How long a plan would take on a model of a host, from what this server knows now: the load
 * (none when loaded; else from the host's measured load speed), the wait behind the requests
 * running on the model and those ahead in its turns (their remaining tokens at its rate:
 * generation/schedule.ts), and the speeds learned there (stores/speeds.ts) — else assumed from the
 * host's kind and the model's size (generation/estimate.ts). The arithmetic is pure
 * (`estimateSeconds`, over plain data); this gathers its facts. Every dry run's time is this, and a
 * caller choosing between plans against a time limit may ask it of each.
 */
import { estimateSeconds, expectedAnswerTokens, type Estimate, type EstimateInput, type HostKind, type SpeedFacts } from '../generation/estimate.js';
import { waitForSlot } from '../generation/schedule.js';
import type { LearnedSpeeds } from '../generation/speed-learning.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { othersAsRequests, type OthersLoad } from '../fleet/others-load.js';
import type { JobParts } from './parts.js';

export { estimateSeconds, expectedAnswerTokens, type Estimate, type EstimateInput, type SpeedFacts } from '../generation/estimate.js';

/** A plan's shape beyond one request: a split job's parts, requests at once, combining rounds, and the final answer's limit. */
export interface PlanShape {
  parts: number;
  width: number;
  rounds: number;
  finalMaxTokens?: number;
}

/** Where a plan would run, and the model as the route sees it. */
export interface PlanPlace {
  host: FleetHost;
  hostKind: HostKind;
  model: string;
  loaded: boolean;
  sizeBytes?: number | undefined;
  parameterSize?: string | undefined;
  /** The cold load's estimate (ms) when not loaded (loading/load-estimate.ts). */
  coldLoadMs?: number | undefined;
  /** Who asks, for the turns they would wait behind (loading/slot-gate.ts). */
  client?: string;
  /** Other clients' requests on its engine, where the engine says (fleet/placement.ts othersAt). */
  others?: OthersLoad;
}

/** What one request (or each part of `shape`) reads and writes. */
export interface PlanWork {
  promptTokens: number;
  cachedTokens?: number;
  /** The answer's limit (a part's, for a split job). */
  maxTokens: number;
  /** The answer's length taken while none of this model's answers was seen (else the limit). */
  unseenAnswerTokens?: number;
  shape?: PlanShape;
}

/** Assumed when nothing says how long a load takes: a second to start, then a GB a second. */
const coldLoadSeconds = (p: PlanPlace) => (p.coldLoadMs !== undefined ? p.coldLoadMs / 1000 : 1 + (p.sizeBytes ?? 5e9) / 1e9);

/** Seconds until one of the model's slots is free for a new request (0 while one is). */
export function queueSeconds(p: PlanPlace, tokensPerSecond: number, fallbackTokens: number): number {
  const { loader, settings } = p.host;
  const theirs = othersAsRequests(p.others ?? { running: 0, waiting: 0 }, fallbackTokens);
  const ours = loader.inFlight(p.model).map((r) => ({ elapsedMs: r.elapsedMs, tokens: r.tokens ?? fallbackTokens }));
  const ahead = loader.waitingAhead(p.model, p.client ?? '', fallbackTokens).map((w) => ({ elapsedMs: 0, tokens: w.tokens }));
  // ours in flight, other clients' on its engine, then those waiting ahead: ours in the turns, theirs in the engine's queue
  return waitForSlot([...ours, ...theirs.running, ...ahead, ...theirs.waiting], p.others?.slots ?? settings.ollama.numParallel, tokensPerSecond);
}

/** The estimate's input for `work` at `place`, given what was learned there (pure but for the loader's requests in flight). */
export function planInput(place: PlanPlace, work: PlanWork, learned: LearnedSpeeds, facts: SpeedFacts, rate: number): EstimateInput {
  const shape = work.shape ?? { parts: 1, width: 1, rounds: 0 };
  const answer = expectedAnswerTokens(work.maxTokens, learned, work.unseenAnswerTokens);
  return {
    loadSeconds: place.loaded ? 0 : coldLoadSeconds(place),
    queueSeconds: queueSeconds(place, rate, work.maxTokens),
    promptTokens: work.promptTokens,
    ...(work.cachedTokens !== undefined && { cachedTokens: work.cachedTokens }),
    answerTokens: answer,
    parts: shape.parts,
    width: shape.width,
    rounds: shape.rounds,
    ...(shape.finalMaxTokens !== undefined && { finalAnswerTokens: expectedAnswerTokens(shape.finalMaxTokens, learned, work.unseenAnswerTokens) }),
  };
}

/** How long `work` would take at `place`: the estimate, and the input it was made from. */
export function estimatePlan(parts: Pick<JobParts, 'records'>, place: PlanPlace, work: PlanWork): Estimate & { input: EstimateInput } {
  const learned = parts.records.speeds?.at(place.host.name, place.model) ?? {};
  const facts: SpeedFacts = {
    hostKind: place.hostKind,
    sizeBytes: place.sizeBytes,
    parameterSize: place.parameterSize,
    promptTokensPerSecond: learned.promptTokensPerSecond,
    tokensPerSecond: learned.tokensPerSecond,
    overheadSeconds: learned.overheadSeconds,
  };
  // the wait behind others is counted at the speed this estimate uses
  const rate = estimateSeconds({ loadSeconds: 0, queueSeconds: 0, promptTokens: 0, answerTokens: 0, parts: 1, width: 1, rounds: 0 }, facts).tokensPerSecond;
  const input = planInput(place, work, learned, facts, rate);
  return { ...estimateSeconds(input, facts), input };
}
