/**
 * What the plan of work over inputs (offload-plan.ts) decides: the work whole — on the model its
 * inputs were counted for, or as the route chooses —, split into parts (the parts, the model and
 * host they go to, what each part carries and the figures the job's pace starts from), or refused.
 */
import type { FleetHost } from '../fleet/fleet-host.js';
import type { EngineTokens } from '../engines/engine-tokens.js';
import type { PartCarry } from '../generation/split-plan.js';
import type { TokenCounter } from '../generation/token-count.js';
import type { Part } from '../inputs/split.js';
import type { PartsCopy } from '../fleet/parts-copies.js';
import type { Planned } from './route-plan.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { PlanFigures } from './split-figures.js';
import type { PartsRoute } from './split-route.js';

export interface SplitPlan {
  model: string;
  host: FleetHost;
  /** The window the parts were sized to. */
  window: number;
  parts: Part[];
  /** Input tokens a part may hold, and a part's answer. */
  partTokens: number;
  partAnswerTokens: number;
  /**
   * The window its combining prompts are sized to — the widest copy's it uses (route/combine-window.ts) — and
   * the answers' tokens one holds there.
   */
  combineWindow: number;
  combineTokens: number;
  rounds: number;
  calls: number;
  /** Requests at once: the slots the job uses on every copy of the model (fleet/parts-copies.ts). */
  width: number;
  /**
   * The width counted at the plan's host's pace (fleet/copies-pace.ts): a copy twice as fast counts its slots
   * twice. Its estimate's width (split-figures.ts, the dry run).
   */
  pacedWidth: number;
  /** The copies its parts go to, fastest first: the job's requests at once on each, and whether it loads it. */
  copies: PartsCopy[];
  /** Hosts whose copy was left out as too slow to help (fleet/parts-copies.ts): the parts keep to `copies`. */
  slowLeft?: string[];
  /**
   * The host the route chose, when its copy was left out as too slow: the job is planned and timed at `host`, its
   * fastest copy's (route/split-copies.ts lead), and its dry run placed there.
   */
  ledFrom?: string;
  /** Whether part 1 runs before the others (route/first-part.ts): it learns the window the engine runs the model with. */
  firstAlone: boolean;
  /** Why the model was chosen, when the caller named none (the result's reason says it). */
  why?: string;
  count: TokenCounter;
  /** The engine's own count of a part's prompt, for this job (undefined: none, or it failed). */
  tokens: EngineTokens;
  /** The inputs whole, as counted. */
  inputTokens: number;
  /**
   * What each request carries besides its part: system and project prompts, and what it keeps of remembered
   * facts and the citation guide.
   */
  overheadTokens: number;
  /**
   * What every part carries beside the task (a small window leaves out remembered facts, then the citation
   * guide), and the guide it is sent.
   */
  carry: PartCarry;
  guide?: string;
  /** Remembered facts' tokens as counted: the final combination takes them back when it has room. */
  memoryTokens: number;
  /**
   * What was left out of the parts to make room, in words (empty: nothing), and the part's answer budget
   * before it was cut to make room.
   */
  leftOut: string[];
  shrunkFrom?: number;
  /** Where it was placed and the route's ranking: what the dry run's route runs on, not derived again. */
  planned: Planned;
  /** What each part's and combination's request carries (split-route.ts): the run fills in its text only. */
  route: PartsRoute;
  /** The last combination's answer limit: the caller's, else the call's (call-plan.ts), settled once. */
  finalMaxTokens: number;
  /** What the plan expects of its parts' speeds and answers (split-figures.ts): where the job's pace starts. */
  figures: PlanFigures;
}

/** Whole: on `model` when the inputs were counted for it (by `count`: the route checks its window by that count). */
export type OffloadPlan =
  | {
      kind: 'whole';
      model?: string;
      count?: TokenCounter;
      why?: string;
      planned?: Planned;
      reloadsPaid?: RouteRequest['reloadsPaid'];
    }
  | { kind: 'split'; plan: SplitPlan; reloadsPaid?: RouteRequest['reloadsPaid'] }
  | { kind: 'refuse'; message: string };
