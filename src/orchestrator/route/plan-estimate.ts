/**
 * How long a plan would take on a model of a host, from what this server knows now: the load
 * (none when loaded; else from the host's measured load speed), the wait behind the requests
 * running on the model and those ahead in its turns (their remaining tokens at its rate:
 * generation/schedule.ts), and the speeds learned there (stores/speeds.ts) — else assumed from
 * what the host is (GPU or CPU, its VRAM) and the model's size (generation/estimate.ts). The answer
 * is as long as such answers ran here (generation/answer-length.ts); its limit gives the bound, the
 * time should it write all of it. The arithmetic is pure (`estimateSeconds`, over plain data); this
 * gathers its facts. Every dry run's time is this, and a caller choosing between plans against a
 * time limit may ask it of each.
 */
import {
  estimateSeconds,
  expectedAnswerTokens,
  typicalAnswerTokens,
  type Estimate,
  type EstimateInput,
  type HostKind,
  type SpeedFacts,
} from '../generation/estimate.js';
import { waitForSlot } from '../generation/schedule.js';
import { taskLengths, type LearnedSpeeds } from '../generation/speed-learning.js';
import { lengthKey, type AnswerKind, type LearnedLength } from '../generation/answer-length.js';
import { hostRates } from '../generation/host-rates.js';
import type { TaskType } from '../config/profiles.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { othersAsRequests, type OthersLoad } from '../fleet/others-load.js';
import type { JobParts } from './parts.js';
import type { PlanShape } from '../generation/route-types.js';

/** Where a plan would run, and the model as the route sees it. */
export interface PlanPlace {
  host: FleetHost;
  hostKind: HostKind;
  /** A GPU host's VRAM in all (hostFacts). */
  vramBytes?: number | undefined;
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
  /** The answer's limit (a part's, for a split job): the bound, not what it is expected to write. */
  maxTokens: number;
  /** The work asked: answers are expected as long as this task's ran here (else a typical one's). */
  task?: TaskType | undefined;
  shape?: PlanShape;
}

/**
 * A plan's time: as expected, the input it was made from, and the bound — every answer as long as its
 * limit; `facts`, the speeds it was made at (a running split job times what is left with them: split-pace.ts).
 */
export type PlanEstimate = Estimate & {
  input: EstimateInput;
  bound: Estimate & { input: EstimateInput };
  answerLearned: boolean;
  facts: SpeedFacts;
};

/** Assumed when nothing says how long a load takes: a second to start, then a GB a second. */
const coldLoadSeconds = (p: PlanPlace) =>
  p.coldLoadMs !== undefined ? p.coldLoadMs / 1000 : 1 + (p.sizeBytes ?? 5e9) / 1e9;

/** Seconds until one of the model's slots is free for a new request (0 while one is). */
function queueSeconds(p: PlanPlace, tokensPerSecond: number, fallbackTokens: number): number {
  const { loader, settings } = p.host;
  const theirs = othersAsRequests(p.others ?? { running: 0, waiting: 0 }, fallbackTokens);
  const ours = loader.inFlight(p.model).map((r) => ({ elapsedMs: r.elapsedMs, tokens: r.tokens ?? fallbackTokens }));
  const ahead = loader
    .waitingAhead(p.model, p.client ?? '', fallbackTokens)
    .map((w) => ({ elapsedMs: 0, tokens: w.tokens }));
  // ours in flight, other clients' on its engine, then those waiting ahead: ours in the turns, theirs in the
  // engine's queue
  return waitForSlot(
    [...ours, ...theirs.running, ...ahead, ...theirs.waiting],
    p.others?.slots ?? settings.ollama.numParallel,
    tokensPerSecond,
  );
}

/**
 * What was learned of a split job's answers at a place, by kind (answer-length.ts AnswerKind): a part's, and an
 * earlier combination's; each undefined until such answers were seen there.
 */
interface SplitLengths {
  part?: LearnedLength | undefined;
  combination?: LearnedLength | undefined;
}

/**
 * The estimate's input for `work` at `place`, given what was learned there (pure but for the
 * loader's requests in flight): each answer as long as expected, or with `bound` as its limit. A split job's
 * parts as long as its parts ran (else as the task's answers), an earlier combination as long as those ran (else
 * as the task's answer, within a part's limit), the last as the task's answer.
 */
function planInput(
  place: PlanPlace,
  work: PlanWork,
  learned: LearnedSpeeds,
  rate: number,
  bound = false,
  split: SplitLengths = {},
): EstimateInput {
  const shape = work.shape ?? { parts: 1, width: 1, rounds: 0 };
  const typical = typicalAnswerTokens(work.task);
  const expect = (limit: number, of: LearnedLength = learned) =>
    bound ? limit : expectedAnswerTokens(limit, of, typical);
  const answer = expect(work.maxTokens, split.part);
  const combination =
    shape.rounds > 0
      ? split.combination
        ? expect(work.maxTokens, split.combination)
        : Math.min(work.maxTokens, expect(shape.finalMaxTokens ?? work.maxTokens))
      : undefined;
  return {
    loadSeconds: place.loaded ? 0 : coldLoadSeconds(place),
    queueSeconds: queueSeconds(place, rate, work.maxTokens),
    promptTokens: work.promptTokens,
    ...(work.cachedTokens !== undefined && { cachedTokens: work.cachedTokens }),
    answerTokens: answer,
    parts: shape.parts,
    width: shape.width,
    ...(shape.atOnce !== undefined && { atOnce: shape.atOnce }),
    rounds: shape.rounds,
    ...(shape.finalMaxTokens !== undefined && { finalAnswerTokens: expect(shape.finalMaxTokens) }),
    ...(combination !== undefined && { combineAnswerTokens: combination }),
    ...(shape.firstAlone !== undefined && { firstAlone: shape.firstAlone }),
    ...(shape.sharedParts !== undefined && { sharedParts: shape.sharedParts }),
  };
}

/** A split job's answers learned at `place` for its task (none for work sent whole, or of no task said). */
function splitLengths(parts: Pick<JobParts, 'records'>, place: PlanPlace, work: PlanWork): SplitLengths {
  const shape = work.shape;
  const book = parts.records.speeds?.book();
  if (!shape || (shape.parts <= 1 && shape.rounds === 0) || !work.task || !book) return {};
  const at = (kind: AnswerKind) => taskLengths(book, place.host.name, place.model, lengthKey(work.task!, kind));
  return { part: at('part'), combination: at('combination') };
}

/** How long `work` would take at `place`: the estimate as expected, the input it was made from, and the bound. */
export function estimatePlan(parts: Pick<JobParts, 'records'>, place: PlanPlace, work: PlanWork): PlanEstimate {
  const learned = parts.records.speeds?.at(place.host.name, place.model, work.task) ?? {};
  const facts: SpeedFacts = {
    // what the host's other models showed, for a speed this model has not shown yet
    ...hostRates(parts.records.speeds?.book() ?? {}, place.host.name, place.model),
    hostKind: place.hostKind,
    vramBytes: place.vramBytes,
    sizeBytes: place.sizeBytes,
    parameterSize: place.parameterSize,
    promptTokensPerSecond: learned.promptTokensPerSecond,
    promptFloorTokensPerSecond: learned.promptFloorTokensPerSecond,
    tokensPerSecond: learned.tokensPerSecond,
    overheadSeconds: learned.overheadSeconds,
  };
  // the wait behind others is counted at the speed this estimate uses
  const rate = estimateSeconds(
    { loadSeconds: 0, queueSeconds: 0, promptTokens: 0, answerTokens: 0, parts: 1, width: 1, rounds: 0 },
    facts,
  ).tokensPerSecond;
  const split = splitLengths(parts, place, work);
  const input = planInput(place, work, learned, rate, false, split);
  const boundInput = planInput(place, work, learned, rate, true, split);
  const answerLearned = learned.answerTokens !== undefined || learned.cutShare !== undefined;
  const bound = { ...estimateSeconds(boundInput, facts), input: boundInput };
  return { ...estimateSeconds(input, facts), input, bound, answerLearned, facts };
}
