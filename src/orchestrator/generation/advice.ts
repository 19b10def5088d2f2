/**
 * A dry run of route_and_generate, pure: which model would take the work, why, its track record
 * for that kind of work here, and how long the answer is expected to take — the cold load
 * included — so the agent can judge whether offloading is worth it before anything runs.
 */
import type { ProfileName, TaskType } from '../config/profiles.js';
import type { Complexity } from './classify.js';
import { evidenceByWork, evidenceFor, evidenceText, trackRecord, type EvidenceBook } from './learning.js';
import { timeLines, type DryRunLimit, type TimedPlan } from './advice-time.js';
import type { Advice, RouteResult } from './route-types.js';

export type { Advice } from './route-types.js';
import type { RouteCandidate } from './routing-shapes.js';

export interface AdviceInput {
  /** The models in the order they would be tried. */
  queue: ReadonlyArray<{ model: string; why: string; host?: string | undefined }>;
  models: readonly RouteCandidate[];
  book: EvidenceBook;
  /**
   * The plan's time (route/plan-estimate.ts): load, wait, reading the prompt, writing the answer expected;
   * and its bound.
   */
  estimate: TimedPlan;
  task: TaskType;
  profile: ProfileName;
  complexity: Complexity;
  how: string;
  maxTokens: number;
  promptTokens: number;
  /** The host is named in the result (several hosts). */
  namedHost: boolean;
  /** The engine kind of the first model's host: what would answer (the result's provider). */
  provider: RouteResult['provider'];
  /** Requests running on the first model now, and the requests it answers at once. */
  busy?: { running: number; slots: number };
  /** The calling client's limit, when it has one: the advice says whether the call would be handed over. */
  limit?: DryRunLimit;
}

export function adviseRoute(a: AdviceInput): RouteResult & { advice: Advice } {
  const first = a.queue[0]!;
  const m =
    a.models.find((c) => c.name === first.model && c.host === first.host) ??
    a.models.find((c) => c.name === first.model);
  const place = { model: first.model, host: first.host, work: a.profile };
  const evidence = evidenceFor(a.book, place);
  const time = a.estimate;
  const { loadSeconds, queueSeconds } = time.input;
  const record = trackRecord(
    evidenceByWork(a.book, first.model, first.host),
    m
      ? {
          profiles: m.profiles,
          sizeBytes: m.sizeBytes,
          ...(m.parameterSize !== undefined && { parameterSize: m.parameterSize }),
        }
      : undefined,
  )[a.profile];
  const round = (x: number) => Math.round(x * 10) / 10;
  const loaded = m?.loaded ?? false;
  const said = timeLines({
    estimate: time,
    maxTokens: a.maxTokens,
    task: a.task,
    loaded,
    busy: a.busy,
    limit: a.limit,
  });
  const advice: Advice = {
    expectedSeconds: round(time.seconds),
    loadSeconds: round(loadSeconds),
    queueSeconds: round(queueSeconds),
    loaded,
    tokensPerSecond: round(time.tokensPerSecond),
    speedMeasured: time.known,
    promptTokensPerSecond: round(time.promptTokensPerSecond),
    promptSeconds: round(time.promptSeconds),
    estimate: time.why,
    ...(record && { record }),
    then: a.queue.slice(1, 4).map((q) => q.model + (a.namedHost && q.host ? ` on ${q.host}` : '')),
    ...said.fields,
  };
  const where = a.namedHost && first.host ? ` on ${first.host}` : '';
  const text = [
    `Dry run: ${first.model}${where} would take this ${a.profile} work — nothing was generated.`,
    ...said.lines,
    `Track record for ${a.profile} work here: ${evidenceText(evidence, a.profile)}.`,
    ...(advice.then.length ? [`If it failed, next: ${advice.then.join(', ')}.`] : []),
  ].join('\n');
  return {
    model: first.model,
    provider: a.provider,
    ...(a.namedHost && first.host && { host: first.host }),
    task: a.task,
    profile: a.profile,
    complexity: a.complexity,
    reason: `${first.why}${where} (${a.how}, ${a.complexity} complexity).`,
    fallbacks: [],
    text,
    doneReason: 'dry-run',
    contextLength: m?.contextWindow ?? 0,
    metrics: {
      totalMs: 0,
      loadMs: 0,
      queueMs: 0,
      timeToFirstTokenMs: 0,
      promptTokens: a.promptTokens,
      outputTokens: 0,
      tokensPerSecond: 0,
    },
    advice,
  };
}
