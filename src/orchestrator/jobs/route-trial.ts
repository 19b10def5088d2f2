/** One request's trial of its candidates (route-attempt.ts), as its steps share it. */
import type { HostOverview } from '../fleet/placement.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import type { Given } from '../generation/degenerate.js';
import type { JobParts } from '../route/parts.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Prepared } from '../route/route-prepare.js';
import type { Named } from './route-load.js';

/** One request's trial of its candidates. */
export interface Trial {
  parts: JobParts;
  req: RouteRequest;
  ask: Prepared;
  attempts: Attempt[];
  /** What an answer may repeat without looping: what the model was given, as often as the caller asked. */
  given: Given;
  started: number;
  /** Every host's overview, as placed: where else the model was loaded. */
  views: readonly HostOverview[];
  /** The candidate held for this request when it was chosen (route-candidates.ts): its load holds nothing more. */
  held?: Candidacy | undefined;
  /**
   * The model the caller named (route-load.ts), and whether its load failed: no other model answers in its
   * place then.
   */
  named?: Named | undefined;
}
