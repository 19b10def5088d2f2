/** What route_and_generate is asked and answers, and its error. */
import type { ProfileName, TaskType } from '../config/profiles.js';
import type { PhaseReporter } from '../progress/progress.js';
import type { Complexity } from './classify.js';
import type { WorkRecord } from './learning.js';
import type { AnswerCheck } from './answer-format.js';
import type { AnswerKind } from './answer-length.js';

export interface RouteRequest {
  prompt: string;
  /**
   * The caller's own words — what the kind of work is inferred from and remembered facts are
   * searched by — when the prompt also carries inputs read on the caller's behalf (files, diffs,
   * logs): their text never decides the work. Default: the prompt.
   */
  intent?: string;
  system?: string;
  /** The calling agent (its client's name): settings' agents.NAME apply to its call (route/agent-parts.ts). */
  agent?: string;
  /**
   * Whose the prompt is — the agent in its scope, as its jobs are (tools/prompt-owner.ts); else the
   * agent: a request is placed by what its own owner sent before, and told only of that (fleet/prefix-memory.ts).
   */
  owner?: string;
  /**
   * Who asks — one connection of a client; else the agent: clients take turns on a model's slots
   * (loading/turns.ts).
   */
  client?: string;
  /** How long the calling client waits for the call (ms; config/client-limits.ts); left out: as long as it takes. */
  clientLimitMs?: number;
  /**
   * The estimate's token ratio per model to plan parts with, instead of the calibrated one: the
   * ratio an earlier job of the same call planned with, so a job taking up its parts splits the
   * input at the same places (jobs/long-work.ts).
   */
  tokenRatios?: ReadonlyMap<string, number>;
  task?: TaskType;
  profile?: ProfileName;
  complexity?: Complexity;
  model?: string;
  /**
   * Why `model` was chosen when the caller did not name it (the split planner chose it for the
   * parts): the result's reason says this instead of "named by the caller".
   */
  chosenBecause?: string;
  /** Base64-encoded images. */
  images?: string[];
  temperature?: number;
  maxTokens?: number;
  useMemory?: boolean;
  /**
   * The prompt holds inputs read from this machine by path (files, diffs, images): they go to the cloud
   * fallback only where fallback.sendInputs allows.
   */
  inputsByReference?: boolean;
  /**
   * Added to the system prompt after the work is inferred (how to cite the inputs): it says nothing of the
   * work itself.
   */
  guide?: string;
  /**
   * Why an answer must not be handed back (e.g. most of its citations do not hold), or undefined: the next
   * candidate answers instead.
   */
  check?: (text: string) => string | undefined;
  /**
   * The answer must be JSON (of a schema): sent to the engine in its form, and an answer that does not hold
   * goes to the next candidate.
   */
  format?: AnswerCheck;
  /** Only the named model answers: no other is tried, no fallback asked (compare's runs). */
  only?: boolean;
  /**
   * Another ollm-mcp relayed it here: it runs on this server's own engines, never sent on to another ollm-mcp
   * (no loop between servers).
   */
  relayed?: boolean;
  /** The prompt's tokens as the caller counted them for the model it names (else estimated here). */
  promptTokens?: number;
  /** Say which model would take the work, why, its record and the expected time — generate nothing. */
  dryRun?: boolean;
  /** A dry run's request may say the plan it is one request of (a split job: offload.ts), so the time given is the plan's. */
  plan?: PlanShape;
  /**
   * The job it is one request of (a split job's parts and combinations: jobs/split-run.ts), so the job's
   * estimate tells its own requests on the model from others' (jobs/split-pace.ts).
   */
  partOf?: object;
  /** What a split job's request answers: its length is learned apart from the task's answers (answer-length.ts). */
  answerKind?: AnswerKind;
  /**
   * Models the plan reloads at a wider window though the work splits to the one they are loaded with, that split
   * taking longer than the reload and the work after it (fleet/kept-window.ts): both estimates, said in the result.
   */
  reloadsPaid?: ReadonlyArray<{ model: string; from: number; keptSeconds: number; reloadSeconds: number }>;
  signal?: AbortSignal;
  /** Tokens generated so far, on the model now answering. */
  onProgress?: (tokens: number, model: string) => void;
  /** Told of every phase: choosing, waiting, unloading, loading, queued, reading the prompt, generating. */
  progress?: PhaseReporter;
}

export interface Attempt {
  model: string;
  error: string;
}

export interface RouteResult {
  model: string;
  /** What kind of engine answered: a host of the fleet (ollama, llamacpp, openai, ollm), or the cloud fallback. */
  provider: 'ollama' | 'llamacpp' | 'openai' | 'ollm' | 'fallback';
  /** The host that answered, when there are several (or the fallback). */
  host?: string;
  task: TaskType;
  profile: ProfileName;
  complexity: Complexity;
  reason: string;
  fallbacks: Attempt[];
  text: string;
  /** Give a verdict on the answer with this id (rate_answer): routing learns from it. */
  answerId?: string;
  thinking?: string;
  /** The answer parsed, when a format was asked for (it holds to it). */
  json?: unknown;
  doneReason: string;
  contextLength: number;
  /**
   * By phase: loading, queued behind other requests on the model, reading the prompt (to the first token),
   * then generating.
   */
  metrics: RouteMetrics;
  /** What the user should know beside the answer, e.g. that remembered facts could not be read. */
  notes?: string[];
  /** A dry run's advice (generation/advice.ts). */
  advice?: Advice;
}

interface RouteMetrics {
  totalMs: number;
  loadMs: number;
  queueMs: number;
  timeToFirstTokenMs: number;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  /**
   * The engine's own timings, where it gives them: reading the prompt (the part its cache did not hold), the
   * prompt tokens its cache held, generating.
   */
  promptMs?: number;
  cachedPromptTokens?: number;
  generationMs?: number;
}

/** What a dry run says about the model that would take the work. */
export interface Advice {
  /**
   * The whole plan as expected (answers as long as such answers ran, not their limit): for a split job, all
   * its parts and rounds.
   */
  expectedSeconds: number;
  loadSeconds: number;
  /** Waiting for a slot: its slots are all answering other requests now (0 when one is free). */
  queueSeconds: number;
  loaded: boolean;
  /** Tokens per second expected: measured here, else guessed from the model's size. */
  tokensPerSecond: number;
  /**
   * Both speeds (reading the prompt, writing the answer) measured here; false: one or both assumed
   * (generation/estimate.ts).
   */
  speedMeasured: boolean;
  /** Prompt tokens per second expected (the engine's cache not counted), and the seconds reading the input. */
  promptTokensPerSecond?: number;
  promptSeconds?: number;
  /** How the estimate was made, in words. */
  estimate?: string;
  /** Its record for this kind of work here (verdicts, failures…), when it has one. */
  record?: WorkRecord;
  /** The next models that would be tried if it failed. */
  then: string[];
  /** A split job's part: its prompt tokens, its answer's limit, and its seconds alone (no load, no wait). */
  part?: { promptTokens: number; maxTokens: number; seconds: number };
  /**
   * The answer's tokens expected (a part's, for a split job): as such answers ran here, else typical of the
   * work — never simply its limit.
   */
  answerTokens?: number;
  /** The bound: the plan's seconds should every answer run to its limit (left out when that is the time expected). */
  boundSeconds?: number;
  /** What is left of the calling client's limit (seconds); left out for a client without one. */
  clientLimitSeconds?: number;
  /**
   * When the plan outlasts the client's limit less the margin: the call would be handed over as a job at this
   * many seconds.
   */
  handOverSeconds?: number;
}

export class RouteError extends Error {
  override name = 'RouteError';
  constructor(
    message: string,
    readonly attempts: Attempt[],
    /**
     * Set when no model's context window holds the prompt and the answer: what it needs, and the widest
     * window of a model that fits.
     */
    readonly context?: { neededTokens: number; widestTokens: number },
  ) {
    super(message);
  }
}

/**
 * A plan's shape beyond one request: a split job's parts, requests at once, combining rounds, and the final
 * answer's limit.
 */
export interface PlanShape {
  parts: number;
  /** Requests at once as the estimate counts them: at the plan host's pace over copies of several (copies-pace.ts). */
  width: number;
  /** The requests sent at once, where `width` is counted at a pace: what is said. */
  atOnce?: number;
  rounds: number;
  finalMaxTokens?: number;
  /** Whether the first part runs before the others (route/first-part.ts); unsaid: it does. */
  firstAlone?: boolean;
  /** Other split jobs' parts not yet begun on the same copies (EstimateInput.sharedParts). */
  sharedParts?: number;
}
