/**
 * How long a plan takes, in seconds, pure over plain data: the load (none when loaded), the wait
 * behind the requests already running on the model, then each request reading its prompt (the
 * tokens the engine's cache already holds are not read again) and writing its answer — the parts
 * `width` at once (the first alone while its engine has not said its window), then each combining round, its
 * prompt the answers it combines. Speeds are what this host measured of the model
 * (speed-learning.ts); a speed not yet measured is taken from what the host is — its other models'
 * measured speeds, else its kind and VRAM — and the model's size (assumed-speeds.ts), and the
 * estimate says so. A prompt too short to time, read here, is a floor for the prompt speed until
 * one long enough is timed. What a request takes beyond reading and writing (this server's own
 * work, the network, the engine's scheduling) is added per wave of requests as measured, none until
 * it is. The answer's length is the caller's to give (answer-length.ts: what such answers wrote
 * here, not their limit).
 */
import { assumedSpeeds, type HostSpeedFacts } from './assumed-speeds.js';

export { expectedAnswerTokens, typicalAnswerTokens } from './answer-length.js';
export { assumedSpeeds, type HostKind } from './assumed-speeds.js';

/** What the speeds are estimated from: those measured here, else what the host is and the model's size. */
export interface SpeedFacts extends HostSpeedFacts {
  promptTokensPerSecond?: number | undefined;
  /** The rate short prompts were read at here, while no longer one was timed: the prompt speed is at least this. */
  promptFloorTokensPerSecond?: number | undefined;
  tokensPerSecond?: number | undefined;
  /**
   * A request's seconds beyond reading and writing (this server's work, the network, the engine's
   * scheduling), measured here; none assumed.
   */
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
  /** Requests at once (the model's slots on every host that has it), at this host's pace (fleet/copies-pace.ts). */
  width: number;
  /** The requests sent at once, where `width` is counted at a pace: what is said of the plan. */
  atOnce?: number | undefined;
  /** Combining rounds after the parts (0 for work sent whole). */
  rounds: number;
  /** The last combination's answer, when it differs from answerTokens. */
  finalAnswerTokens?: number | undefined;
  /** A combination's answer but the last's, when it differs from answerTokens (a part's). */
  combineAnswerTokens?: number | undefined;
  /** Whether the first part runs before the others (route/first-part.ts); unsaid: it does. */
  firstAlone?: boolean | undefined;
  /**
   * Other split jobs' parts not yet begun on the same copies (loading/parts-backlog.ts): the slots go by turns,
   * so the parts take as many more waves as these, up to their own number, fill.
   */
  sharedParts?: number | undefined;
}

export interface Estimate {
  seconds: number;
  /** Both speeds were measured here (none assumed). */
  known: boolean;
  /** How it was made, in words: the speeds and where they come from. */
  why: string;
  /**
   * Of seconds, reading the prompts, writing the answers, and the requests' overheads (all of a split job's
   * requests).
   */
  promptSeconds: number;
  answerSeconds: number;
  overheadSeconds: number;
  /**
   * One request alone — reading its prompt, writing its answer, its overhead: a split job's part, without
   * load or wait.
   */
  requestSeconds: number;
  promptTokensPerSecond: number;
  tokensPerSecond: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const rate = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
const fmt = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));

/**
 * A speed, whether it was measured (for this model here), and where it comes from in words (`base`: what an
 * unmeasured one was taken from).
 */
interface Speed {
  rate: number;
  measured: boolean;
  words: string;
  base?: string;
}

/** A speed not measured for the model: the host's other models' taken to its size, else the host kind's. */
function unmeasured(rate: number, fromHost: boolean, hostWords: string): Speed {
  const base = fromHost ? "scaled from this host's other models" : `assumed for a ${hostWords} host`;
  return {
    rate,
    measured: false,
    base,
    words: fromHost ? `not yet measured for it: ${base}` : `${base}, not yet measured`,
  };
}

/**
 * The prompt speed: measured; else, once short prompts were read here, the more of their rate (the
 * least a longer prompt is read at) and the one taken from the host — measured for prompts like
 * those; else the host's.
 */
function promptSpeed(f: SpeedFacts, host: Speed): Speed {
  if (rate(f.promptTokensPerSecond)) return { rate: f.promptTokensPerSecond!, measured: true, words: 'measured here' };
  const floor = f.promptFloorTokensPerSecond;
  if (!rate(floor)) return host;
  if (floor >= host.rate) return { rate: floor, measured: true, words: 'measured here on short prompts' };
  return { rate: host.rate, measured: true, words: `${host.base}; short prompts read here at ${fmt(floor)}/s` };
}

/** Both speeds of the estimate: measured for the model here, else from what the host is. */
function speedsOf(f: SpeedFacts): { prompt: Speed; answer: Speed } {
  const assumed = assumedSpeeds(f);
  const hostWords = f.hostKind === 'gpu' ? 'GPU' : 'CPU';
  const answer = rate(f.tokensPerSecond)
    ? { rate: f.tokensPerSecond!, measured: true, words: 'measured here' }
    : unmeasured(assumed.tokensPerSecond, assumed.fromHost.answer, hostWords);
  return {
    prompt: promptSpeed(f, unmeasured(assumed.promptTokensPerSecond, assumed.fromHost.prompt, hostWords)),
    answer,
  };
}

/** Waves of `width` at once for `n` requests (a width worked out from several paces is a fraction: no float's dust). */
const waves = (n: number, width: number) => Math.ceil(n / width - 1e-9);

/**
 * The seconds a plan takes. Each wave of requests at once takes as long as one request: its
 * prompt read, then its answer written (engines give each slot its share of the work; the rates
 * are those measured per request, so they hold for the widths they were measured at).
 */
export function estimateSeconds(input: EstimateInput, speeds: SpeedFacts): Estimate {
  const { prompt, answer: written } = speedsOf(speeds);
  const p = prompt.rate;
  const g = written.rate;
  // a width counted at one host's pace over copies of several may be fractional (fleet/copies-pace.ts)
  const width = Math.max(1, Number.isFinite(input.width) ? input.width : 1);
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
  // the first part alone when it learns its window (route/first-part.ts), then the rest width at once; else every
  // part width at once
  const first = input.rounds > 0 || parts > 1 ? answer : (input.finalAnswerTokens ?? answer);
  const reading = input.promptTokens - cached;
  // one request alone, without load or wait
  const requestSeconds = Math.max(0, reading) / p + first / g + each;
  const alone = input.firstAlone ?? true;
  // by turns with other jobs' parts on the same slots: as many of theirs run between as the job has parts, at most
  const shared = Math.min(parts, Math.max(0, Math.floor(input.sharedParts ?? 0)));
  wave(reading, first, alone ? 1 : waves(parts + shared, width));
  if (alone) wave(reading, answer, waves(parts - 1 + shared, width));
  combiningWaves(input, answer, width, wave);
  const seconds =
    Math.max(0, input.loadSeconds) + Math.max(0, input.queueSeconds) + promptSeconds + answerSeconds + overheadSeconds;
  const known = prompt.measured && written.measured;
  const why =
    prompt.words === written.words
      ? `reading ${fmt(p)} prompt tokens/s and writing ${fmt(g)} tokens/s, ${prompt.words}`
      : `reading ${fmt(p)} prompt tokens/s (${prompt.words}) and writing ${fmt(g)} tokens/s (${written.words})`;
  return {
    seconds,
    known,
    why: each > 0 ? `${why}; ${each.toFixed(2)} s more a request` : why,
    promptSeconds,
    answerSeconds,
    overheadSeconds,
    requestSeconds,
    promptTokensPerSecond: p,
    tokensPerSecond: g,
  };
}

/**
 * The combining rounds after the parts, each a wave (or more, of `width` at once): a round combines groups of the
 * answers that fit a part's prompt — the parts' in the first, the combinations' after it — until one group is
 * left, the last combination (its answer the job's); never more rounds than `input.rounds`, the plan's count with
 * every answer as long as its limit.
 */
function combiningWaves(
  input: EstimateInput,
  answer: number,
  width: number,
  wave: (promptTokens: number, answerTokens: number, waves: number) => void,
): void {
  const combined = Math.max(0, input.combineAnswerTokens ?? answer);
  let n = Math.max(1, Math.floor(input.parts) || 1);
  let reads = answer;
  for (let r = 1; r <= input.rounds; r++) {
    const perGroup = Math.max(2, Math.floor(input.promptTokens / Math.max(1, reads)));
    const groups = r === input.rounds ? 1 : Math.max(1, Math.ceil(n / perGroup));
    const last = groups === 1;
    wave(Math.min(n, perGroup) * reads, last ? (input.finalAnswerTokens ?? answer) : combined, waves(groups, width));
    if (last) return;
    n = groups;
    reads = combined;
  }
}

/** "about 12 s (measured speeds)" / "(assumed speeds)". */
export function aboutSeconds(e: Pick<Estimate, 'seconds' | 'known'>): string {
  const s = e.seconds < 10 ? e.seconds.toFixed(1) : String(Math.round(e.seconds));
  return `about ${s} s (${e.known ? 'measured' : 'assumed'} speeds)`;
}
