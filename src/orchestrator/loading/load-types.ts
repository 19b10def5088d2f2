/** What the loader is asked, and what it answers. */
import type { PhaseReporter } from '../progress/progress.js';
import type { SeenSize } from './learned-size.js';

import type { KeepAlive } from '../engines/engine.js';
import type { PlannerLoadAnswer, PlannerUnloadAnswer } from '../engines/planned-there.js';

export type { KeepAlive } from '../engines/engine.js';

export interface LoadRequest {
  model: string;
  /** The context the coming work needs, in tokens; the loaded one is kept when it suffices. */
  contextLength?: number;
  /**
   * The context to start with when the work needs no more: the calling agent's options.contextSize (else the
   * host's settings').
   */
  baseContext?: number;
  keepAlive?: KeepAlive;
  /**
   * For work that will run on it: a load refused only because of requests running elsewhere waits for one to
   * end (Loader.ensureLoaded).
   */
  waitWhileBusy?: boolean;
  /**
   * The job it is for (Loader.begin's `job`): that job's own requests, which wait on this load, are never
   * waited for.
   */
  job?: object;
  pin?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Told when the load waits for another, unloads, or loads (with an estimate). */
  progress?: PhaseReporter;
  /**
   * What /api/ps said moments ago within this same request. When it shows the model loaded with
   * enough context, nothing needs deciding and the loader does not ask Ollama again.
   */
  seen?: ReadonlyArray<{ name: string; sizeBytes: number; contextLength?: number }>;
  /**
   * The loader's count of loads and unloads (Loader.changes) when `seen` was read: `seen` is
   * trusted only while nothing was loaded or unloaded since, and none is under way.
   */
  seenAt?: number;
  /** The caller holds the model already (Loader.hold, when it chose it): the load adds no hold of its own. */
  held?: boolean;
  /**
   * Refused rather than reload the model when it is loaded here with another window (a split job's extra copy,
   * jobs/part-copy-load.ts; a copy found loaded smaller than the route saw while another copy serves,
   * jobs/route-attempt.ts): another's load took it meanwhile, and whoever uses it keeps it.
   */
  keepWindow?: boolean;
}

/**
 * What a load came to: the planner's answer shape (engines/planned-there.ts), and for a refusal the busy
 * models to wait for.
 */
export interface LoadOutcome extends PlannerLoadAnswer {
  /**
   * A refusal only requests running now cause: these busy models, once idle, would make room (the loader
   * waits for them).
   */
  waitFor?: string[];
}

/** What an unload came to, here or on the engine's planner. */
export type UnloadOutcome = PlannerUnloadAnswer;

/** The memory models took once loaded on one host: what was seen, by model and context, and a new observation. */
export interface SizesOnHost {
  seen(model: string, digest: string): SeenSize[];
  /** An object that is replaced whenever what seen() answers may change. */
  revision?(): object;
  record(model: string, digest: string, contextLength: number, bytes: number, vramBytes: number): void;
}
