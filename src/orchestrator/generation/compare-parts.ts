/**
 * compare's shapes and its pure parts: each model's metrics, the fastest, and the grouping by
 * memory (with why each group ends). compare.ts runs the comparison; compare-choice.ts picks the
 * default candidates and says what happened.
 */
import type { ModelSummary } from '../models/overview-types.js';
import type { TaskType } from '../config/profiles.js';
import type { PhaseBoard } from '../progress/progress.js';
import type { InputDoc } from './input-doc.js';
import type { StreamResult } from './stream.js';
import type { AnswerCheck } from './answer-format.js';

export interface CompareRequest {
  prompt: string;
  models?: string[];
  system?: string;
  /** Base64 images: every model compared must see images. */
  images?: string[];
  task?: TaskType;
  maxTokens?: number;
  /** Each model's answer must be JSON (of a schema); one that is not counts as failed, with why. */
  format?: AnswerCheck;
  signal?: AbortSignal;
  /** Inputs read by reference, put before the prompt; split per model where a model's window does not hold them. */
  docs?: readonly InputDoc[];
  /** Called when a model finishes: how many are done of how many. */
  onModelDone?: (done: number, total: number, model: string) => void;
  /** Each model's phase (waiting, loading, queued, reading the prompt, generating) in a lane of its own. */
  progress?: PhaseBoard;
  /** The calling agent (its client's name): settings' agents.NAME apply to the comparison (route/agent-parts.ts). */
  agent?: string;
  /** The calling connection (tools/client-id.ts): the models compared served it (loading/host-requests.ts). */
  client?: string;
  /** How long the calling client waits for the call (ms; config/client-limits.ts); left out: as long as it takes. */
  clientLimitMs?: number;
}

export interface CompareMetrics {
  /**
   * Loading the model for this comparison (by the loader, and any load Ollama did at the start of the
   * request); 0 when it was already loaded.
   */
  loadMs: number;
  /** Queued behind this server's other requests on the model. */
  queueMs: number;
  /** Reading the prompt: from leaving the queue to the first token, any load excluded. */
  timeToFirstTokenMs: number;
  /** Generating: from the first token to the last. */
  generationMs: number;
  /** The model's wall time in the comparison, load included: loadMs + queueMs + timeToFirstTokenMs + generationMs. */
  totalMs: number;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second while generating: what "fastest" is judged by. */
  tokensPerSecond: number;
}

export interface CompareEntry {
  model: string;
  /** The host it ran on, when there are several. */
  host?: string;
  text: string;
  error?: string;
  thinking?: string;
  /** The answer parsed, when a format was asked for and it holds to it. */
  json?: unknown;
  /** The model was already in memory when the comparison reached it (nothing to load). */
  loadedBefore?: boolean;
  metrics: CompareMetrics;
  /** The inputs were longer than this model's window: split into parts for it, and the answers combined. */
  split?: { parts: number; rounds: number; calls: number; contextTokens: number };
}

export interface CompareResult {
  comparisonId: string;
  task: TaskType;
  results: CompareEntry[];
  /** Some models generated at the same time (a group of two or more that all loaded). */
  parallel: boolean;
  /** How the models that could be tried were grouped to load: each inner list was loaded to run together. */
  groups: string[][];
  /**
   * The model that generated fastest (tokens per second; equal speeds: the shorter generation), load time
   * aside. Only when at least two models answered.
   */
  fastest?: string;
  /** The models that answered, in order (set by compare). */
  answered?: string[];
  /** What happened, in words: who answered, who failed, and how and why the models ran as they did (set by compare). */
  summary?: string;
  /** Something the user should know beside the results, e.g. that the comparison could not be saved. */
  note?: string;
  wallMs: number;
}

export const ZERO: CompareMetrics = {
  loadMs: 0,
  queueMs: 0,
  timeToFirstTokenMs: 0,
  generationMs: 0,
  totalMs: 0,
  promptTokens: 0,
  outputTokens: 0,
  tokensPerSecond: 0,
};

type Timing = Pick<
  StreamResult,
  'loadMs' | 'queueMs' | 'timeToFirstTokenMs' | 'totalMs' | 'promptTokens' | 'outputTokens' | 'tokensPerSecond'
>;

/**
 * One model's row from the loader's load time and the generation's own timing. A load Ollama did
 * inside the request (its load_duration) is moved out of the time to first token into loadMs, so
 * load, prompt reading and generation never mix whichever way the model was loaded.
 */
export function compareMetrics(loaderLoadMs: number, out: Timing): CompareMetrics {
  const requestLoadMs = Math.min(out.loadMs, out.timeToFirstTokenMs);
  const generationMs = Math.max(0, out.totalMs - out.queueMs - out.timeToFirstTokenMs);
  const derived = generationMs > 0 ? Math.round((out.outputTokens / (generationMs / 1000)) * 10) / 10 : 0;
  return {
    loadMs: loaderLoadMs + out.loadMs,
    queueMs: out.queueMs,
    timeToFirstTokenMs: out.timeToFirstTokenMs - requestLoadMs,
    generationMs,
    totalMs: loaderLoadMs + out.totalMs,
    promptTokens: out.promptTokens,
    outputTokens: out.outputTokens,
    tokensPerSecond: out.tokensPerSecond > 0 ? out.tokensPerSecond : derived,
  };
}

/**
 * The model that generated fastest: the most tokens per second; between equal speeds the shorter
 * generation, then the shorter time to first token. Load time never counts: a model loaded before
 * the comparison would otherwise win on that alone.
 */
export function fastestOf(entries: readonly CompareEntry[]): string | undefined {
  const ok = entries.filter((e) => !e.error && e.metrics.outputTokens > 0);
  const best = [...ok].sort(
    (a, b) =>
      b.metrics.tokensPerSecond - a.metrics.tokensPerSecond ||
      a.metrics.generationMs - b.metrics.generationMs ||
      a.metrics.timeToFirstTokenMs - b.metrics.timeToFirstTokenMs,
  )[0];
  return best?.model;
}

/**
 * Why a group ended before the next model: its memory would not fit beside the group's, or the host may hold
 * no more models loaded.
 */
export type SplitReason = 'memory' | 'count';

/**
 * Splits models into groups whose memory needs fit together, in order, with why each group ended
 * (`splits[i]` is why group i + 1 did not join group i): the room is what models that must stay
 * (pinned or busy ones outside the comparison) leave — VRAM within Ollama's 80% rule on a GPU
 * host, the RAM budget on a CPU host — and a group is never larger than the number of models the
 * host may still load (OLLAMA_MAX_LOADED_MODELS), so Ollama evicts no member.
 */
export function planGroups(
  models: ReadonlyArray<Pick<ModelSummary, 'name' | 'requiredBytes'>>,
  roomBytes: number,
  maxPerGroup = Infinity,
): { groups: string[][]; splits: SplitReason[] } {
  const groups: string[][] = [];
  const splits: SplitReason[] = [];
  let current: string[] = [];
  let used = 0;
  for (const m of models) {
    const full = current.length >= maxPerGroup;
    if (current.length > 0 && (used + m.requiredBytes > roomBytes || full)) {
      groups.push(current);
      splits.push(used + m.requiredBytes > roomBytes ? 'memory' : 'count');
      current = [];
      used = 0;
    }
    current.push(m.name);
    used += m.requiredBytes;
  }
  if (current.length) groups.push(current);
  return { groups, splits };
}

/** planGroups' groups alone. */
export function groupByMemory(
  models: ReadonlyArray<Pick<ModelSummary, 'name' | 'requiredBytes'>>,
  roomBytes: number,
  maxPerGroup = Infinity,
): string[][] {
  return planGroups(models, roomBytes, maxPerGroup).groups;
}
