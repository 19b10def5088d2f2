/**
 * What routing learns from, pure: the evidence kept per model, host and kind of work (the agent's
 * verdicts, compare preferences, failures, timeouts, answers cut at maxTokens, measured speed),
 * how an outcome adds to it, how it counts as successes and failures, and how it reads to people.
 * A book of evidence is a plain JSON-safe object, so it can be stored as it is.
 */
import type { ProfileName } from '../config/profiles.js';

/** A kind of work: the routing profile a task maps to (code and debugging are both code work). */
export type WorkKind = ProfileName;

export interface Evidence {
  /** The agent's verdicts on answers. */
  good: number;
  bad: number;
  /** Requests that failed on the model (engine errors, refused loads), that timed out, and answers cut at maxTokens. */
  failures: number;
  timeouts: number;
  cut: number;
  /** Compare: times this model's answer was preferred, and times another answer was preferred over it. */
  wins: number;
  losses: number;
  /**
   * Answers whose speed was measured, and their output tokens per second (a mean; recent answers weigh more
   * after SPEED_WINDOW).
   */
  speedSamples: number;
  tokensPerSecond: number;
}

export const NO_EVIDENCE: Readonly<Evidence> = Object.freeze({
  good: 0,
  bad: 0,
  failures: 0,
  timeouts: 0,
  cut: 0,
  wins: 0,
  losses: 0,
  speedSamples: 0,
  tokensPerSecond: 0,
});

/** One thing that happened to one answer; an answer may bring several (a speed and a verdict). */
export type Outcome =
  | { kind: 'verdict'; good: boolean }
  | { kind: 'failure' }
  | { kind: 'timeout' }
  | { kind: 'cut' }
  /** A compare: `won` for the preferred answer's model, not for each of the others. */
  | { kind: 'compare'; won: boolean }
  | { kind: 'speed'; tokensPerSecond: number };

/**
 * How much each outcome counts toward the quality posterior. A verdict, a failure and a timeout
 * count fully (the agent got no usable answer). A cut answer counts as half a failure: the limit
 * was the caller's, but the model ran long. A compare win counts as one success; a loss as a
 * quarter failure — the other answer was preferred, which does not make this one bad.
 */
const OUTCOME_WEIGHTS = { cut: 0.5, loss: 0.25 } as const;

/** After this many measured answers the speed is a moving average, so a host that changed is followed. */
const SPEED_WINDOW = 10;

export function addOutcome(e: Readonly<Evidence>, o: Outcome): Evidence {
  const next = { ...e };
  switch (o.kind) {
    case 'verdict':
      if (o.good) next.good++;
      else next.bad++;
      break;
    case 'failure':
      next.failures++;
      break;
    case 'timeout':
      next.timeouts++;
      break;
    case 'cut':
      next.cut++;
      break;
    case 'compare':
      if (o.won) next.wins++;
      else next.losses++;
      break;
    case 'speed': {
      if (!(o.tokensPerSecond > 0) || !Number.isFinite(o.tokensPerSecond)) break;
      next.speedSamples++;
      const share = 1 / Math.min(next.speedSamples, SPEED_WINDOW);
      next.tokensPerSecond = e.tokensPerSecond + share * (o.tokensPerSecond - e.tokensPerSecond);
      break;
    }
  }
  return next;
}

/** The evidence as Beta counts: successes and (weighted) failures. */
export function tally(e: Readonly<Evidence>): { successes: number; failures: number } {
  return {
    successes: e.good + e.wins,
    failures: e.bad + e.failures + e.timeouts + OUTCOME_WEIGHTS.cut * e.cut + OUTCOME_WEIGHTS.loss * e.losses,
  };
}

/** Where evidence belongs: a model on a host (undefined: the only or default host) for a kind of work. */
export interface EvidencePlace {
  model: string;
  host?: string | undefined;
  work: WorkKind;
}

/** Evidence by place, keyed by evidenceKey: plain data, to store as it is. An empty object resets learning. */
export type EvidenceBook = Readonly<Record<string, Evidence>>;

/** "qwen3:14b|http://gpu:11434|code": model names and URLs hold no "|". */
export const evidenceKey = (p: EvidencePlace): string => `${p.model}|${p.host ?? ''}|${p.work}`;

export function parseEvidenceKey(key: string): EvidencePlace {
  const [model = '', host = '', work = 'general'] = key.split('|');
  return { model, ...(host && { host }), work: work as WorkKind };
}

export const evidenceFor = (book: EvidenceBook, p: EvidencePlace): Evidence | undefined => book[evidenceKey(p)];

/** The book with one more outcome; the book passed in is not changed. */
export function recordOutcome(book: EvidenceBook, p: EvidencePlace, o: Outcome): EvidenceBook {
  const key = evidenceKey(p);
  return { ...book, [key]: addOutcome(book[key] ?? NO_EVIDENCE, o) };
}

/** A model's evidence on a host, by kind of work: the input of trackRecord. */
export function evidenceByWork(book: EvidenceBook, model: string, host?: string): Partial<Record<WorkKind, Evidence>> {
  const out: Partial<Record<WorkKind, Evidence>> = {};
  for (const [key, e] of Object.entries(book)) {
    const p = parseEvidenceKey(key);
    if (p.model === model && (p.host ?? '') === (host ?? '')) out[p.work] = e;
  }
  return out;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the evidence says, for a reason or a status line: "good on 8 of 9 code answers here", or "no track
 * record here yet".
 */
export function evidenceText(e: Readonly<Evidence> | undefined, work: WorkKind): string {
  if (!e) return 'no track record here yet';
  const judged = e.good + e.bad;
  const parts: string[] = [];
  if (judged) parts.push(`good on ${e.good} of ${plural(judged, `${work} answer`)} here`);
  if (e.wins + e.losses) parts.push(`preferred in ${e.wins} of ${plural(e.wins + e.losses, 'comparison')}`);
  if (e.failures) parts.push(`${plural(e.failures, 'failure')}`);
  if (e.timeouts) parts.push(`${plural(e.timeouts, 'timeout')}`);
  if (e.cut) parts.push(`${e.cut} cut at maxTokens`);
  if (!parts.length) return 'no track record here yet';
  if (!judged && !(e.wins + e.losses)) parts[0] = `${parts[0]} on ${work} work here`;
  return parts.join(', ');
}
