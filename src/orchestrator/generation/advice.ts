/**
 * A dry run of route_and_generate, pure: which model would take the work, why, its track record
 * for that kind of work here, and how long the answer is expected to take — the cold load
 * included — so the agent can judge whether offloading is worth it before anything runs.
 */
import type { ProfileName, TaskType } from '../models/profiles.js';
import type { Complexity } from './classify.js';
import { evidenceByWork, evidenceFor, evidenceText, expectedSeconds, trackRecord, type EvidenceBook } from './learning.js';
import type { Advice, RouteResult } from './route-types.js';

export type { Advice } from './route-types.js';
import type { RouteCandidate } from './routing-rules.js';

export interface AdviceInput {
  /** The models in the order they would be tried. */
  queue: ReadonlyArray<{ model: string; why: string; host?: string | undefined }>;
  models: readonly RouteCandidate[];
  coldLoadMs: ReadonlyMap<string, number>;
  book: EvidenceBook;
  task: TaskType;
  profile: ProfileName;
  complexity: Complexity;
  how: string;
  maxTokens: number;
  promptTokens: number;
  /** The host is named in the result (several hosts). */
  namedHost: boolean;
  /** Requests running on the first model now, and the requests it answers at once. */
  busy?: { running: number; slots: number };
}

/** Rounds of answers to wait for before a slot frees: none while one is free. */
export function roundsAhead(busy: { running: number; slots: number } | undefined): number {
  if (!busy || busy.running < busy.slots) return 0;
  return Math.ceil((busy.running - busy.slots + 1) / Math.max(1, busy.slots));
}

export function adviseRoute(a: AdviceInput): RouteResult & { advice: Advice } {
  const first = a.queue[0]!;
  const m = a.models.find((c) => c.name === first.model && c.host === first.host) ?? a.models.find((c) => c.name === first.model);
  const place = { model: first.model, host: first.host, work: a.profile };
  const evidence = evidenceFor(a.book, place);
  const cold = a.coldLoadMs.get(first.model);
  const time = expectedSeconds(
    {
      loaded: m?.loaded ?? false,
      ...(cold !== undefined && { coldLoadSeconds: cold / 1000 }),
      ...(m && { sizeBytes: m.sizeBytes }),
      ...(m?.parameterSize !== undefined && { parameterSize: m.parameterSize }),
      ...(evidence && { evidence }),
    },
    a.maxTokens,
  );
  const record = trackRecord(evidenceByWork(a.book, first.model, first.host), m ? { profiles: m.profiles, sizeBytes: m.sizeBytes, ...(m.parameterSize !== undefined && { parameterSize: m.parameterSize }) } : undefined)[a.profile];
  const secs = (s: number) => (s < 10 ? s.toFixed(1) : Math.round(s).toString());
  // each request ahead takes about as long as this answer will
  const queueSeconds = roundsAhead(a.busy) * (time.seconds - time.loadSeconds);
  const advice: Advice = {
    expectedSeconds: Math.round((time.seconds + queueSeconds) * 10) / 10,
    loadSeconds: Math.round(time.loadSeconds * 10) / 10,
    queueSeconds: Math.round(queueSeconds * 10) / 10,
    loaded: m?.loaded ?? false,
    tokensPerSecond: Math.round(time.tokensPerSecond * 10) / 10,
    speedMeasured: time.measured,
    ...(record && { record }),
    then: a.queue.slice(1, 4).map((q) => q.model + (a.namedHost && q.host ? ` on ${q.host}` : '')),
  };
  const where = a.namedHost && first.host ? ` on ${first.host}` : '';
  const text = [
    `Dry run: ${first.model}${where} would take this ${a.profile} work — nothing was generated.`,
    `Expected: about ${secs(time.seconds + queueSeconds)} s for up to ${a.maxTokens} tokens (${advice.loaded ? 'already loaded' : `${secs(time.loadSeconds)} s to load first`}${queueSeconds > 0 ? `; ${secs(queueSeconds)} s waiting behind ${a.busy!.running} ${a.busy!.running === 1 ? 'request' : 'requests'} on its ${a.busy!.slots} ${a.busy!.slots === 1 ? 'slot' : 'slots'}` : ''}; ${advice.tokensPerSecond} tokens/s ${time.measured ? 'measured here' : 'guessed from its size'}), for a prompt of ~${a.promptTokens} tokens.`,
    `Track record for ${a.profile} work here: ${evidenceText(evidence, a.profile)}.`,
    ...(advice.then.length ? [`If it failed, next: ${advice.then.join(', ')}.`] : []),
  ].join('\n');
  return {
    model: first.model,
    provider: 'ollama',
    ...(a.namedHost && first.host && { host: first.host }),
    task: a.task,
    profile: a.profile,
    complexity: a.complexity,
    reason: `${first.why}${where} (${a.how}, ${a.complexity} complexity).`,
    fallbacks: [],
    text,
    doneReason: 'dry-run',
    contextLength: m?.contextWindow ?? 0,
    metrics: { totalMs: 0, loadMs: 0, queueMs: 0, timeToFirstTokenMs: 0, promptTokens: a.promptTokens, outputTokens: 0, tokensPerSecond: 0 },
    advice,
  };
}
